// Turning the training flags and a data file into a compiled model (see train_setup.hpp).
#include "train_setup.hpp"

#include <cmath>
#include <iostream>
#include <sstream>
#include <tuple>

namespace fathom::cli {

void add_train_flags(CLI::App& app, TrainArgs& a) {
  add_data_flags(app, a.data, /*with_target=*/true);
  app.add_option("--layers", a.layers,
                 "hidden layers then the output layer, e.g. 64:relu,32:relu,10:softmax");
  app.add_option("--loss", a.loss, "mse, mae, huber, bce or cce (default: from the output activation)");
  add_optimizer_flags(app, a.optimizer);
  app.add_option("--dropout", a.dropout, "dropout rate after every hidden layer");
  app.add_option("--init", a.init, "kernel initializer, e.g. he_uniform, uniform(0.05)");
  app.add_option("--epochs", a.epochs, "number of epochs (default 20; 200 for the bundled Iris)");
  app.add_option("--batch-size", a.batch_size, "samples per update: 1 = online, ≥ samples = full batch");
  app.add_option("--validation-split", a.validation_split,
                 "hold out this fraction, chosen at random (fixed by --seed)");
  app.add_option("--validation-data", a.validation_data, "validate on this file instead");
  app.add_option("--early-stopping", a.early_stopping, "stop after this many epochs without improvement");
  app.add_option("--schedule", a.schedule,
                 "learning-rate schedule: step(0.5,10), exponential(0.96), cosine(50)");
  app.add_option("--seed", a.seed, "random seed (weights, shuffling, dropout)");
  app.add_option("--threads", a.threads, "threads (default: OMP_NUM_THREADS, else all cores)");
  app.add_option("--scale", a.scale, "input scaling fitted on the training data: standard, minmax or none")
      ->check(CLI::IsMember({"standard", "minmax", "none"}));
  app.add_option("--targets-range", a.targets_range,
                 "map 0/1 targets to LO,HI, e.g. 0.1,0.9 for sigmoid outputs");
  app.add_option("--task", a.task,
                 "classify, multilabel or regress (default: from the output layer and loss)");
}

TargetEncoding encoding_for(Task task, Index outputs) {
  if (task != Task::Classify) return TargetEncoding::Values;
  return outputs == 1 ? TargetEncoding::Binary : TargetEncoding::OneHot;
}

InputScaling fit_scaling(const TrainArgs& args, const Dataset& data, Index n) {
  const std::string method =
      args.scale.empty() ? (is_image_data(args.data.spec) ? "none" : "standard") : args.scale;
  return InputScaling::fit(Matrix(data.x.leftCols(n)), method);
}

std::pair<Scalar, Scalar> parse_targets_range(const std::string& range) {
  std::istringstream in(range);
  double lo = 0, hi = 0;
  char comma = 0;
  if (!(in >> lo >> comma >> hi) || comma != ',' || !(lo < hi)) {
    throw UsageError("--targets-range must be LO,HI with LO < HI, e.g. 0.1,0.9; got \"" + range + "\"");
  }
  return {Scalar(lo), Scalar(hi)};
}

void apply_targets_range(const std::string& range, Matrix& y) {
  if (range.empty()) return;
  const auto [lo, hi] = parse_targets_range(range);
  y = (y.array() * (hi - lo) + lo).matrix();
}

std::unique_ptr<Sequential> build_model(const TrainArgs& args, const std::vector<LayerSpec>& layers,
                                        const Dataset& data, Task task, Index scaling_samples) {
  auto model = std::make_unique<Sequential>(data.features(), args.seed);
  InputScaling scaling = fit_scaling(args, data, scaling_samples);
  if (scaling.enabled()) model->add(Normalization(std::move(scaling)));
  Initializer kernel = Initializer::glorot_uniform();
  if (!args.init.empty()) {
    try {
      kernel = Initializer(args.init);
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--init: ") + e.what());
    }
  }
  if (args.dropout < 0 || args.dropout >= 1) {
    throw UsageError("--dropout must be in [0, 1), got " + std::to_string(args.dropout));
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    model->add(Dense({.units = layers[i].units,
                      .activation = layers[i].activation,
                      .use_bias = layers[i].use_bias,
                      .kernel_initializer = kernel}));
    if (args.dropout > 0 && i + 1 < layers.size()) model->add(Dropout(Scalar(args.dropout)));
  }
  const std::string loss = args.loss.empty() ? default_loss(layers.back().activation) : args.loss;
  std::vector<std::string> metrics;
  if (task == Task::Classify) metrics = {"accuracy"};
  if (task == Task::Multilabel) metrics = {"multilabel_accuracy"};
  if (task == Task::Regress) metrics = {"mae"};
  try {
    model->compile(
        {.loss = Loss(loss), .optimizer = make_optimizer_from(args.optimizer), .metrics = metrics});
  } catch (const InvalidArgument& e) {
    throw UsageError(e.what());
  }
  model->info.task = task_name(task);
  model->info.class_names = task == Task::Multilabel ? data.target_names : data.class_names;
  model->info.feature_names = data.feature_names;
  model->info.target_names = data.target_names;
  model->info.label_regex = args.data.label_from_name;  // evaluate reads new image lists by it
  return model;
}

namespace {

// The output layer must produce exactly what the targets hold.
void check_outputs(const LayerSpec& output, const Dataset& data, Task task) {
  const Index rows = data.y.rows();
  if (rows == 0)
    throw UsageError("the data has no target; name it with --target (--label-from-name for pgm-list:)");
  if (output.units == rows) return;
  std::ostringstream msg;
  msg << "--layers: the output layer has " << output.units << " unit" << (output.units == 1 ? "" : "s")
      << " but ";
  if (task == Task::Classify) {
    msg << "the target has " << data.class_names.size() << " classes (" << join(data.class_names, 8)
        << "): end --layers with " << data.class_names.size() << ":softmax";
  } else {
    msg << "there are " << rows << " target columns (" << join(data.target_names, 8) << ")";
  }
  throw UsageError(msg.str());
}

// Multi-label targets are independent 0/1 labels (docs/concepts.md, tasks and encodings): anything else is a
// data error.
void check_zero_one(const Dataset& data) {
  for (Index j = 0; j < data.y.cols(); ++j) {
    for (Index i = 0; i < data.y.rows(); ++i) {
      const Scalar v = data.y(i, j);
      if (v != 0 && v != 1) {
        std::ostringstream msg;
        msg << data.source << ": sample " << j + 1 << ", column \""
            << (i < Index(data.target_names.size()) ? data.target_names[size_t(i)] : std::to_string(i))
            << "\": multi-label targets must be 0 or 1, found " << v;
        throw DataError(msg.str());
      }
    }
  }
}

}  // namespace

void shuffle_samples(Dataset& data, std::uint64_t seed) {
  // A different stream from the model's own (weights, batches), derived from the same seed.
  Rng rng(seed ^ 0x5DEECE66DULL);
  for (Index i = data.samples() - 1; i > 0; --i) {
    const Index j = Index(rng.below(std::uint64_t(i + 1)));
    data.x.col(i).swap(data.x.col(j));
    if (data.y.rows() > 0) data.y.col(i).swap(data.y.col(j));
  }
}

TrainSetup prepare_training(TrainArgs& args) {
  TrainSetup s;
  if (args.data.spec.empty() && args.resume.empty()) {
    // The bundled default: Iris, a small network, a validation split.
    args.data.spec = data_dir() + "/iris.csv";
    if (args.data.targets.empty()) args.data.targets = {"species"};
    if (args.layers.empty()) args.layers = "8:tanh,3:softmax";
    if (args.epochs == 0) args.epochs = 200;
    if (!args.optimizer.lr) args.optimizer.lr = 0.01;
    if (args.validation_split == 0 && args.validation_data.empty()) args.validation_split = 0.2;
    if (!args.quiet)
      std::cerr << "no --data: training the bundled Iris data set (" << args.data.spec << ")\n";
  }
  if (args.epochs == 0) args.epochs = 20;
  if (args.epochs < 1) throw UsageError("--epochs must be >= 1, got " + std::to_string(args.epochs));
  if (args.batch_size < 1)
    throw UsageError("--batch-size must be >= 1, got " + std::to_string(args.batch_size));
  if (args.validation_split < 0 || args.validation_split >= 1) {
    throw UsageError("--validation-split must be in [0, 1), got " + std::to_string(args.validation_split));
  }
  if (args.validation_split > 0 && !args.validation_data.empty()) {
    throw UsageError("give --validation-split or --validation-data, not both");
  }
  if (args.threads > 0) use_threads(args.threads);

  std::vector<LayerSpec> layers;
  if (!args.resume.empty()) {
    if (args.data.spec.empty()) throw UsageError("--resume needs --data: the data to go on training with");
    if (!args.layers.empty() || !args.loss.empty() || args.dropout != 0 || !args.init.empty() ||
        !args.task.empty() || !args.scale.empty()) {
      throw UsageError(
          "--resume continues the saved network as it is: leave out --layers, --loss, --dropout, "
          "--init, --task and --scale");
    }
    s.model = std::make_unique<Sequential>(load_model(args.resume));
    apply_on_resume(args.optimizer, s.model->optimizer());  // --lr applies; other optimizer flags are errors
    if (args.targets_range.empty() && s.model->info.targets_high > s.model->info.targets_low) {
      args.targets_range =
          std::to_string(s.model->info.targets_low) + "," + std::to_string(s.model->info.targets_high);
    }
    s.task = parse_task(s.model->info.task.empty() ? "regress" : s.model->info.task);
    s.initial_epoch = s.model->history.epochs.empty() ? 0 : s.model->history.epochs.back() + 1;
    if (args.data.targets.empty()) args.data.targets = s.model->info.target_names;
    if (args.data.features.empty()) args.data.features = s.model->info.feature_names;
  } else {
    if (args.layers.empty()) throw UsageError("--layers is required, e.g. --layers 64:relu,10:softmax");
    layers = parse_layers(args.layers);
    check_gradient_trainable(layers, "--layers");
    make_optimizer_from(args.optimizer);  // a wrong optimizer flag is told before any data is read
    const std::string loss = args.loss.empty() ? default_loss(layers.back().activation) : args.loss;
    check_loss_fits_output(loss, layers.back());
    s.task = infer_task(args.task, layers.back(), loss);
  }
  if (args.data.targets.empty() && !is_image_data(args.data.spec)) {
    throw UsageError("--target is required for CSV data: the column(s) to predict");
  }
  const Index outputs = s.model ? s.model->output_dim() : layers.back().units;
  const TargetEncoding encoding = encoding_for(s.task, outputs);
  const std::vector<std::string> known_classes =
      s.model && s.task == Task::Classify ? s.model->info.class_names : std::vector<std::string>{};
  s.train = load_data(args.data, encoding, known_classes, /*targets_optional=*/false);
  if (!args.validation_data.empty()) {
    DataArgs v = args.data;
    v.spec = args.validation_data;
    if (!is_image_data(v.spec))
      v.features = s.train.feature_names;  // the training columns, by name and order
    s.validation =
        load_data(v, encoding, s.task == Task::Classify ? s.train.class_names : known_classes, false);
  }
  if (s.model) {
    if (s.train.y.rows() != s.model->output_dim()) {
      throw UsageError("--resume: the model has " + std::to_string(s.model->output_dim()) +
                       " outputs but the data has " + std::to_string(s.train.y.rows()) + " target rows");
    }
  } else {
    check_outputs(layers.back(), s.train, s.task);
  }
  if (s.task == Task::Multilabel) {
    check_zero_one(s.train);
    if (s.validation) check_zero_one(*s.validation);
  }
  if (!args.targets_range.empty()) {
    if (s.task == Task::Regress) throw UsageError("--targets-range applies to classify and multilabel tasks");
    apply_targets_range(args.targets_range, s.train.y);
    if (s.validation) apply_targets_range(args.targets_range, s.validation->y);
  }
  if (args.validation_split > 0) shuffle_samples(s.train, args.seed);
  s.validation_samples = s.validation ? s.validation->samples()
                                      : Index(std::floor(double(s.train.samples()) * args.validation_split));
  s.has_validation = s.validation_samples > 0;
  if (!s.model) {
    s.model = build_model(args, layers, s.train, s.task,
                          s.train.samples() - (s.validation ? 0 : s.validation_samples));
    if (!args.targets_range.empty()) {
      std::tie(s.model->info.targets_low, s.model->info.targets_high) =
          parse_targets_range(args.targets_range);
    }
  }
  return s;
}

}  // namespace fathom::cli
