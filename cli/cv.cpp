// `fathom cv`: k-fold cross-validation to choose the number of hidden units (docs/concepts.md, data splits
// and cross-validation: too few cannot represent the target, too many overfit). One hidden layer of each
// candidate width.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <numeric>

#include "common.hpp"
#include "train_setup.hpp"

namespace fathom::cli {

namespace {

// Every fold trains this many epochs unless --epochs says otherwise.
constexpr int kCvEpochs = 50;

struct CvArgs {
  TrainArgs train;
  int folds = 5;
  std::vector<Index> hidden = {2, 4, 8, 16, 32};
  std::string activation = "relu";
  std::string output;  // e.g. "3:softmax"; default from the task and the data
};

Dataset columns(const Dataset& data, const std::vector<Index>& index) {
  Dataset out;
  out.x.resize(data.x.rows(), Index(index.size()));
  out.y.resize(data.y.rows(), Index(index.size()));
  for (std::size_t j = 0; j < index.size(); ++j) {
    out.x.col(Index(j)) = data.x.col(index[j]);
    out.y.col(Index(j)) = data.y.col(index[j]);
  }
  out.feature_names = data.feature_names;
  out.target_names = data.target_names;
  out.class_names = data.class_names;
  return out;
}

int run_cv(CvArgs& a) {
  TrainArgs& t = a.train;
  if (t.data.spec.empty()) throw UsageError("--data is required");
  if (t.data.targets.empty() && !is_image_data(t.data.spec))
    throw UsageError("--target is required for CSV data");
  // --folds and each --hidden width are range-checked with every numeric flag (check_number_flags).
  if (a.hidden.empty()) throw UsageError("--hidden needs at least one width");
  if (!t.layers.empty()) {
    throw UsageError(
        "cv builds one hidden layer of each --hidden width with --activation, then --output: --layers "
        "does not apply (train the chosen width with fathom train --layers)");
  }
  if (t.early_stopping != 0 || !t.schedule.empty() || t.validation_split != 0 || !t.validation_data.empty() ||
      !t.targets_range.empty()) {
    throw UsageError(
        "cv trains every fold for --epochs and validates on the held-out fold: "
        "--early-stopping, --schedule, --validation-split, --validation-data and --targets-range "
        "do not apply");
  }
  make_optimizer_from(t.optimizer);  // a wrong optimizer flag is told before any data is read
  check_outputs({t.save}, t.force);
  if (t.epochs == 0) t.epochs = kCvEpochs;
  if (t.threads > 0) use_threads(t.threads);

  // The task and output layer as train infers them (train_setup.hpp): --output, else from the data.
  std::vector<LayerSpec> given;
  if (!a.output.empty()) {
    given = parse_layers(a.output);
    if (given.size() != 1) throw UsageError("--output is one layer, e.g. 3:softmax");
    if (!t.loss.empty()) check_loss_fits_output(t.loss, given[0]);
  }
  check_gradient_trainable({LayerSpec{1, Activation(a.activation), true}}, "--activation");
  if (!given.empty()) check_gradient_trainable(given, "--output");
  InferredNetwork net = read_and_infer(t, given, /*last_is_output=*/true);
  const Task task = net.task;
  const std::optional<LayerSpec> output = net.layers.back();
  Dataset& data = net.data;
  if (!t.loss.empty()) check_loss_fits_output(t.loss, *output);
  const Index n = data.samples();
  if (n < a.folds)
    throw UsageError("--folds " + std::to_string(a.folds) + " needs at least as many samples, got " +
                     std::to_string(n));
  apply_targets_range(t.targets_range, data.y);

  // One shuffled order, split into k folds: every candidate sees the same folds.
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index(0));
  Rng rng(t.seed);
  for (Index i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(std::uint64_t(i + 1))]);

  const std::string metric = task == Task::Classify     ? "accuracy"
                             : task == Task::Multilabel ? "multilabel_accuracy"
                                                        : "loss";
  const bool higher_better = monitor_higher_is_better(metric);
  std::cout << "hidden  " << metric << " (mean ± sd over " << a.folds << " folds)\n";
  double best = 0;
  Index best_width = 0;
  for (Index width : a.hidden) {
    std::vector<double> scores;
    for (int f = 0; f < a.folds; ++f) {
      std::vector<Index> train_idx, val_idx;
      for (Index i = 0; i < n; ++i) (i % a.folds == f ? val_idx : train_idx).push_back(order[i]);
      const Dataset tr = columns(data, train_idx), va = columns(data, val_idx);
      auto model =
          build_model(t, {LayerSpec{width, Activation(a.activation)}, *output}, tr, task, tr.samples());
      model->fit(tr.x, tr.y, {.epochs = t.epochs, .batch_size = t.batch_size.value_or(0)});
      scores.push_back(model->evaluate(va.x, va.y).at(metric));
    }
    const double mean = std::accumulate(scores.begin(), scores.end(), 0.0) / double(scores.size());
    double var = 0;
    for (double s : scores) var += (s - mean) * (s - mean);
    const double sd = std::sqrt(var / double(scores.size() > 1 ? scores.size() - 1 : 1));
    std::cout << std::setw(6) << width << "  " << std::fixed << std::setprecision(4) << mean << " ± " << sd
              << '\n';
    // Ties go to the smaller network: a wider one must be strictly better to be chosen.
    if (best_width == 0 || (higher_better ? mean > best + 1e-12 : mean < best - 1e-12)) {
      best = mean;
      best_width = width;
    }
  }
  std::cout << "chosen: " << best_width << " hidden units (" << metric << ' ' << std::setprecision(4) << best
            << ")\n";
  if (!t.save.empty()) {
    auto model = build_model(t, {LayerSpec{best_width, Activation(a.activation)}, *output}, data, task,
                             data.samples());
    model->fit(data.x, data.y, {.epochs = t.epochs, .batch_size = t.batch_size.value_or(0)});
    save_model(*model, t.save, {.replace_read_only = t.force});
    std::cerr << "trained " << best_width << " hidden units on all " << n << " samples; saved " << t.save
              << '\n';
  }
  return kOk;
}

}  // namespace

Command add_cv(CLI::App& root) {
  auto args = std::make_shared<CvArgs>();
  CLI::App* sub = root.add_subcommand("cv", "k-fold cross-validation to choose the number of hidden units");
  add_train_flags(*sub, args->train);
  sub->get_option("--epochs")->description("epochs per fold (default " + std::to_string(kCvEpochs) + ")");
  // Train's flags that cv rejects (run_cv says why) are listed apart in its help.
  for (const char* flag : {"--layers", "--early-stopping", "--schedule", "--validation-split",
                           "--validation-data", "--targets-range"}) {
    sub->get_option(flag)->group("Refused by cv (train's flags)");
  }
  sub->add_option("--folds", args->folds, "number of folds (default 5)");
  sub->add_option("--hidden", args->hidden, "candidate hidden-layer widths (default 2,4,8,16,32)")
      ->delimiter(',');
  sub->add_option("--activation", args->activation, "activation of the hidden layer (default relu)");
  sub->add_option("--output", args->output,
                  "the output layer, e.g. 3:softmax (default: from the task and the data)");
  sub->add_option("--save", args->train.save, "train the chosen network on all the data and save it here");
  sub->add_flag("--force", args->train.force, "replace the --save file even if read-only");
  return {sub, [args] { return run_cv(*args); }};
}

}  // namespace fathom::cli
