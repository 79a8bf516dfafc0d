// `fathom info`: what a saved model is — the Keras-like layer table, its task and names, input
// scaling, loss and optimizer, and how its training went (last and best epoch of the history).
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "common.hpp"

namespace fathom::cli {

namespace {

struct InfoArgs {
  std::string model;
};

// "4 (a, b, c, d)", or the first few and a count of the rest: a wide CSV can have hundreds of columns.
std::string name_list(const std::vector<std::string>& names, std::size_t shown = 10) {
  std::string out = std::to_string(names.size());
  if (names.empty()) return out;
  out += " (";
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > shown) out += ", ... " + std::to_string(names.size() - shown) + " more";
  return out + ")";
}

std::string logs_line(const History& history, std::size_t i) {
  std::ostringstream out;
  out << "epoch " << history.epochs[i] + 1;
  for (const auto& [key, series] : history.values) {
    // Keys recorded from a later epoch on (e.g. after a resume) have fewer entries; skip them.
    if (series.size() != history.size()) continue;
    out << "  " << key << ' ' << std::setprecision(6) << series[i];
  }
  return out.str();
}

int run_info(const InfoArgs& args) {
  const Sequential model = load_model(args.model);
  const ModelInfo& info = model.info;
  std::ostringstream out;
  out << fathom::summary(model);
  out << "Iterations: " << model.optimizer().iterations() << '\n';
  const Task task = model_task(model);
  out << "Task: " << task_name(task) << (info.task.empty() ? " (inferred)" : "") << '\n';
  if (!info.class_names.empty()) {
    out << (task == Task::Multilabel ? "Labels: " : "Classes: ") << name_list(info.class_names, 20) << '\n';
  }
  if (!info.target_names.empty()) out << "Targets: " << name_list(info.target_names) << '\n';
  out << "Features: "
      << (info.feature_names.empty() ? std::to_string(model.input_dim()) + " (unnamed)"
                                     : name_list(info.feature_names))
      << '\n';
  const auto* normalization =
      model.layer_count() > 0 ? dynamic_cast<const Normalization*>(&model.layer(0)) : nullptr;
  out << "Input scaling: " << (normalization ? normalization->scaling().method : "none");
  if (normalization) out << " (" << model.input_dim() << " features, the model's normalization layer)";
  out << '\n';
  out << "Target scaling: " << info.target_scaling.method;
  if (info.target_scaling.enabled()) {
    // Training ran on (t − mean)/sd: its history's loss and metrics are in those units.
    out << " (mean";
    for (Index i = 0; i < info.target_scaling.mean.size(); ++i) out << ' ' << info.target_scaling.mean[i];
    out << ", sd";
    for (Index i = 0; i < info.target_scaling.sd.size(); ++i) out << ' ' << info.target_scaling.sd[i];
    out << "; the history is in standard deviations)";
  }
  out << '\n';

  const History& h = model.history;
  if (h.size() == 0) {
    out << "History: none recorded\n";
  } else {
    // Best by validation loss when there is one: training loss only says how well it memorised.
    const std::string key = h.has("val_loss") && h["val_loss"].size() == h.size() ? "val_loss" : "loss";
    std::size_t best = 0;
    if (h.has(key) && h[key].size() == h.size()) {
      const auto& series = h[key];
      for (std::size_t i = 0; i < series.size(); ++i)
        if (series[i] < series[best]) best = i;
    }
    out << "History: " << h.size() << " epoch(s) recorded\n";
    out << "  last:  " << logs_line(h, h.size() - 1) << '\n';
    out << "  best:  " << logs_line(h, best) << "  (lowest " << key << ")\n";
  }
  std::cout << out.str() << std::flush;
  return kOk;
}

}  // namespace

Command add_info(CLI::App& root) {
  auto* sub =
      root.add_subcommand("info", "Summary of a saved model: layers, task, scaling, training history");
  auto args = std::make_shared<InfoArgs>();
  sub->add_option("--model", args->model, "model file")->required();
  return {sub, [args] { return run_info(*args); }};
}

}  // namespace fathom::cli
