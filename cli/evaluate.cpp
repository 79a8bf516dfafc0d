// `fathom evaluate`: a saved model's loss and task metrics on labelled data: accuracy, per-class
// precision / recall / F1 and the confusion matrix (classification), Hamming accuracy and
// per-label scores (multi-label), MSE, RMSE, MAE and R² per output in the targets' units
// (regression); as tables, or as one JSON object with --json.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common.hpp"

namespace fathom::cli {

namespace {

using Json = nlohmann::ordered_json;  // keys in the order written

struct EvaluateArgs {
  std::string model;
  DataArgs data;
  bool json = false;
};

// Per-class (or per-label) scores in the shape both the table and the JSON print.
struct Row {
  std::string name;
  double precision = 0, recall = 0, f1 = 0;
  long long support = 0;
};

std::string fixed(double v, int digits = 4) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

std::size_t widest(const std::vector<std::string>& names, std::size_t at_least) {
  for (const auto& n : names) at_least = std::max(at_least, n.size());
  return at_least;
}

void print_rows(std::ostream& out, const std::string& heading, const std::vector<Row>& rows,
                const Row& macro) {
  std::vector<std::string> names;
  for (const auto& r : rows) names.push_back(r.name);
  const int w = int(widest(names, std::max<std::size_t>(heading.size(), 9))) + 2;
  out << std::left << std::setw(w) << heading << std::right << std::setw(10) << "precision" << std::setw(10)
      << "recall" << std::setw(10) << "f1" << std::setw(10) << "support" << '\n';
  for (const Row& r : rows) {
    out << std::left << std::setw(w) << r.name << std::right << std::setw(10) << fixed(r.precision)
        << std::setw(10) << fixed(r.recall) << std::setw(10) << fixed(r.f1) << std::setw(10) << r.support
        << '\n';
  }
  out << std::left << std::setw(w) << macro.name << std::right << std::setw(10) << fixed(macro.precision)
      << std::setw(10) << fixed(macro.recall) << std::setw(10) << fixed(macro.f1) << std::setw(10)
      << macro.support << '\n';
}

void print_confusion(std::ostream& out, const ConfusionMatrix& cm, const std::vector<std::string>& names) {
  long long largest = 0;
  for (const auto& row : cm.counts)
    for (long long c : row) largest = std::max(largest, c);
  const int label_w = int(widest(names, 4)) + 2;
  const int cell_w = int(std::max(widest(names, 0), std::to_string(largest).size())) + 2;
  out << "Confusion matrix (rows: true class, columns: predicted class)\n";
  out << std::left << std::setw(label_w) << "" << std::right;
  for (const auto& n : names) out << std::setw(cell_w) << n;
  out << '\n';
  for (std::size_t t = 0; t < cm.counts.size(); ++t) {
    out << std::left << std::setw(label_w) << names[t] << std::right;
    for (long long c : cm.counts[t]) out << std::setw(cell_w) << c;
    out << '\n';
  }
}

// The per-class (per-label) rows and their macro average. JSON has no NaN: nlohmann writes an
// undefined score (R² of a constant target, say) as null.
Json json_rows(const std::vector<Row>& rows) {
  Json out = Json::array();
  for (const Row& r : rows) {
    out.push_back({{"name", r.name},
                   {"precision", r.precision},
                   {"recall", r.recall},
                   {"f1", r.f1},
                   {"support", r.support}});
  }
  return out;
}

Json json_macro(const Row& m) { return {{"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}}; }

int run_evaluate(const EvaluateArgs& args) {
  Sequential model = load_model(args.model);
  const Task task = model_task(model);
  const Dataset data = load_for_model(model, args.data, /*targets_optional=*/false);
  const ModelInfo& info = model.info;
  // The loss as the model was trained: on standardized targets when they were (target_scaling.hpp);
  // the errors below are in the targets' own units, the outputs mapped back.
  const bool standardized = info.target_scaling.enabled();
  Matrix trained_targets = data.y;
  info.target_scaling.apply(view(trained_targets));
  const double loss = model.evaluate(data.x, trained_targets).at("loss");
  Matrix outputs = model.predict(data.x);
  info.target_scaling.invert(view(outputs));
  const ConstMatrixView A = cview(outputs), T = view(data.y);

  std::ostringstream text;  // the tables
  Json json = {{"samples", data.samples()},
               {"loss", loss},
               {"loss_name", model.loss().name()},
               {"loss_display", model.loss().display_name()},
               {"loss_on_standardized_targets", standardized},
               {"task", task_name(task)}};
  text << "Samples: " << data.samples() << '\n'
       << "Loss (" << model.loss().display_name() << (standardized ? ", on standardized targets" : "")
       << "): " << fixed(loss) << '\n';

  if (task == Task::Classify) {
    const ConfusionMatrix cm = confusion_matrix(A, T);
    const ClassScores s = class_scores(cm);
    // The model's names first; a model saved without them still gets the file's labels or indices.
    const auto& known = !info.class_names.empty() ? info.class_names : data.class_names;
    std::vector<std::string> names;
    std::vector<Row> rows;
    for (std::size_t c = 0; c < cm.counts.size(); ++c) {
      names.push_back(name_or_index(known, c, ""));
      rows.push_back({names.back(), s.precision[c], s.recall[c], s.f1[c], s.support[c]});
    }
    const Row macro{"macro avg", s.macro_precision, s.macro_recall, s.macro_f1, cm.total()};
    text << "Accuracy: " << fixed(cm.accuracy()) << "\n\n";
    print_rows(text, "class", rows, macro);
    text << '\n';
    print_confusion(text, cm, names);
    json["accuracy"] = cm.accuracy();
    json["classes"] = names;
    json["per_class"] = json_rows(rows);
    json["macro"] = json_macro(macro);
    json["confusion_matrix"] = cm.counts;
  } else if (task == Task::Multilabel) {
    auto hamming = make_metric("multilabel_accuracy");
    hamming->reset();
    hamming->update(A, T);
    const auto& known = !info.class_names.empty() ? info.class_names : info.target_names;
    // Each label is its own yes/no problem: a one-row confusion matrix scores its positive class.
    std::vector<std::string> names;
    std::vector<Row> rows;
    Row macro{"macro avg", 0, 0, 0, 0};
    for (Index l = 0; l < A.rows(); ++l) {
      const Matrix a = A.row(l), t = T.row(l);
      const ClassScores s = class_scores(confusion_matrix(view(a), view(t)));
      names.push_back(name_or_index(known, std::size_t(l), "label_"));
      rows.push_back({names.back(), s.precision[1], s.recall[1], s.f1[1], s.support[1]});
      macro.precision += s.precision[1] / double(A.rows());
      macro.recall += s.recall[1] / double(A.rows());
      macro.f1 += s.f1[1] / double(A.rows());
      macro.support += s.support[1];
    }
    text << "Hamming accuracy: " << fixed(hamming->result()) << "\n\n";
    print_rows(text, "label", rows, macro);
    json["accuracy"] = hamming->result();
    json["classes"] = names;
    json["per_class"] = json_rows(rows);
    json["macro"] = json_macro(macro);
  } else {
    const auto mse = mse_per_output(A, T), mae = mae_per_output(A, T), r2 = r2_per_output(A, T);
    std::vector<std::string> names;
    for (std::size_t k = 0; k < mse.size(); ++k)
      // The columns actually scored: --target when given, else the model's own target names.
      names.push_back(
          name_or_index(data.target_names.empty() ? info.target_names : data.target_names, k, "output_"));
    const int w = int(widest(names, 6)) + 2;
    // mse is the plain mean of (t − o)², not the ½ of the loss (docs/concepts.md, cost functions).
    text << '\n'
         << std::left << std::setw(w) << "output" << std::right << std::setw(12) << "mse" << std::setw(12)
         << "rmse" << std::setw(12) << "mae" << std::setw(12) << "r2" << '\n';
    json["per_output"] = Json::array();
    for (std::size_t k = 0; k < mse.size(); ++k) {
      const double rmse = std::sqrt(mse[k]);
      text << std::left << std::setw(w) << names[k] << std::right << std::setw(12) << fixed(mse[k])
           << std::setw(12) << fixed(rmse) << std::setw(12) << fixed(mae[k]) << std::setw(12) << fixed(r2[k])
           << '\n';
      json["per_output"].push_back(
          {{"name", names[k]}, {"mse", mse[k]}, {"rmse", rmse}, {"mae", mae[k]}, {"r2", r2[k]}});
    }
  }
  std::cout << (args.json ? json.dump() + "\n" : text.str()) << std::flush;
  return kOk;
}

}  // namespace

Command add_evaluate(CLI::App& root) {
  auto* sub = root.add_subcommand("evaluate", "Loss and metrics of a saved model on labelled data");
  auto args = std::make_shared<EvaluateArgs>();
  add_model_data_flags(*sub, args->model, args->data);
  sub->add_flag("--json", args->json, "print one JSON object instead of the tables");
  return {sub, [args] { return run_evaluate(*args); }};
}

}  // namespace fathom::cli
