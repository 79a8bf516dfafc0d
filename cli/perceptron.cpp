// `fathom train --perceptron`: one layer of step units trained by the perceptron rule
// (docs/concepts.md, perceptron; fathom::Perceptron), saved as an ordinary model (the input
// scaling, then one Dense layer of step units with the rule's weights and thresholds), so that
// predict, evaluate and info read it like any other.
#include <cmath>
#include <iomanip>
#include <iostream>

#include "common.hpp"
#include "train_setup.hpp"

namespace fathom::cli {

namespace {

// The flags of gradient training the rule has no use for: named, not silently ignored.
std::vector<std::string> unused_flags(const TrainArgs& a) {
  const TrainArgs defaults;
  std::vector<std::string> unused;
  const auto flag = [&](bool given, const char* name) {
    if (given) unused.emplace_back(name);
  };
  flag(!a.optimizer.name.empty(), "--optimizer");
  flag(a.optimizer.momentum.has_value(), "--momentum");
  flag(a.optimizer.nesterov, "--nesterov");
  flag(a.optimizer.l1.has_value(), "--l1");
  flag(a.optimizer.l2.has_value(), "--l2");
  flag(a.optimizer.clip_norm.has_value(), "--clip-norm");
  flag(!a.loss.empty(), "--loss");
  flag(a.dropout != defaults.dropout, "--dropout");
  flag(!a.init.empty(), "--init");
  flag(a.batch_size.has_value(), "--batch-size");
  flag(!a.validation_data.empty(), "--validation-data");
  flag(a.early_stopping != defaults.early_stopping, "--early-stopping");
  flag(!a.schedule.empty(), "--schedule");
  flag(!a.targets_range.empty(), "--targets-range");
  flag(!a.task.empty() && a.task != "classify", "--task");
  flag(!a.log.empty(), "--log");
  flag(!a.checkpoint.empty(), "--checkpoint");
  flag(!a.tensorboard.empty(), "--tensorboard");
  flag(a.histogram_freq != defaults.histogram_freq, "--histogram-freq");
  flag(a.update_freq != defaults.update_freq, "--update-freq");
  flag(!a.resume.empty(), "--resume");
  flag(!a.report.empty(), "--report");
  return unused;
}

// One step unit for two classes (1 = the second class, as train encodes a binary target), else
// one per class; --layers may only restate that.
Index step_units(const TrainArgs& args, Index classes) {
  const Index default_units = classes == 2 ? 1 : classes;
  if (args.layers.empty()) return default_units;
  const auto layers = parse_layers(args.layers);
  const bool one_step_layer = layers.size() == 1 && layers[0].activation.kind() == ActivationKind::Step;
  if (!one_step_layer || !layers[0].use_bias ||
      (layers[0].units != default_units && layers[0].units != classes)) {
    throw UsageError("--perceptron: --layers is one layer of step units with thresholds, " +
                     std::to_string(default_units) + ":step for the " + std::to_string(classes) +
                     " classes here (or leave --layers out)");
  }
  return layers[0].units;
}

}  // namespace

int run_perceptron(TrainArgs& args) {
  if (const auto unused = unused_flags(args); !unused.empty()) {
    throw UsageError(
        "--perceptron trains one layer of step units by the perceptron rule, one sample at a "
        "time with rate --lr, for at most --epochs: " +
        join(unused) + (unused.size() == 1 ? " does" : " do") + " not apply");
  }
  if (args.data.spec.empty()) throw UsageError("--perceptron needs --data (and --target for CSV data)");
  if (args.data.targets.empty() && !is_image_data(args.data.spec)) {
    throw UsageError("--target is required for CSV data: the class column");
  }
  Dataset data = load_data(args.data, TargetEncoding::OneHot, {}, /*targets_optional=*/false);
  const Index classes = Index(data.class_names.size());
  if (data.y.rows() == 0 || classes < 2) {
    throw DataError((data.source.empty() ? args.data.spec : data.source) +
                    ": the perceptron separates classes; the target has " + std::to_string(classes) +
                    " class(es)");
  }
  const Index units = step_units(args, classes);
  if (units == 1) data.y = Matrix(data.y.row(1));
  if (args.validation_split > 0) shuffle_samples(data, args.seed);
  const Index held = Index(std::floor(double(data.samples()) * args.validation_split));
  const Index n = data.samples() - held;
  if (args.epochs == 0) args.epochs = PerceptronOptions{}.max_epochs;
  const Scalar lr = Scalar(args.optimizer.lr.value_or(double(PerceptronOptions{}.learning_rate)));

  auto model = build_model(args, {LayerSpec{units, Activation("step"), true}}, data, Task::Classify, n);
  // The rule's rate as the model's optimizer: info shows it; nothing trains the step units by it.
  model->compile({.loss = "mse", .optimizer = SGD({.learning_rate = lr}), .metrics = {"accuracy"}});
  Matrix x = data.x.leftCols(n);
  if (const auto* scaling = dynamic_cast<const Normalization*>(&model->layer(0))) {
    scaling->scaling().apply(view(x));
  }
  Perceptron perceptron(data.features(), units,
                        {.learning_rate = lr, .max_epochs = args.epochs, .shuffle = true, .seed = args.seed});
  const int epochs = perceptron.fit(x, Matrix(data.y.leftCols(n)));
  auto* dense = dynamic_cast<Dense*>(&model->layer(model->layer_count() - 1));
  dense->W(model->parameters()) = perceptron.W();
  dense->b(model->parameters()) = perceptron.b();

  if (!args.quiet) {
    const Index wrong = perceptron.errors_per_epoch().empty() ? 0 : perceptron.errors_per_epoch().back();
    if (perceptron.converged()) {
      std::cerr << "perceptron: converged in " << epochs << " epoch" << (epochs == 1 ? "" : "s")
                << ": every training sample is on the right side\n";
    } else {
      std::cerr << "perceptron: not converged in " << epochs << " epochs: " << wrong << " of " << n
                << " training samples were wrong in the last one (the classes may not be linearly "
                   "separable; more --epochs, or a multilayer network)\n";
    }
    const auto print = [&](const char* title, Index first, Index count) {
      const Logs logs = model->evaluate(data.x.middleCols(first, count), data.y.middleCols(first, count));
      std::cerr << title << ": " << count << " samples  accuracy " << std::fixed << std::setprecision(4)
                << logs.at("accuracy") << '\n';
    };
    print("training set", 0, n);
    if (held > 0) print("validation split", n, held);
  }
  if (!args.save.empty()) {
    save_model(*model, args.save);
    if (!args.quiet) std::cerr << "saved " << args.save << '\n';
  }
  return kOk;
}

}  // namespace fathom::cli
