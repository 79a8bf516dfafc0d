// `fathom predict`: a saved model's predictions for new data as CSV (class labels, optionally
// probabilities; values for regression), from a file or stdin to a file or stdout.
#include <iomanip>
#include <memory>
#include <sstream>

#include "common.hpp"
#include "fathom/data/dataset.hpp"

namespace fathom::cli {

namespace {

struct PredictArgs {
  std::string model;
  DataArgs data;
  std::string out = "-";
  bool proba = false;
  bool force = false;
};

// A CSV field, quoted only when it has to be (labels come from the user's files).
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int run_predict(const PredictArgs& args) {
  if (args.data.missing == "drop") {
    throw UsageError(
        "predict writes one prediction per input row: --missing drop would misalign them; "
        "use --missing mean or complete the data");
  }
  check_outputs({args.out}, args.force);
  Sequential model = load_model(args.model);
  const Task task = model_task(model);
  const Dataset data = load_for_model(model, args.data, /*targets_optional=*/true);
  Matrix outputs = model.predict(data.x);
  const ModelInfo& info = model.info;
  info.target_scaling.invert(view(outputs));  // a regression trained on standardized targets
  const auto k = std::size_t(outputs.rows());

  std::ostringstream csv;
  csv << std::setprecision(6);
  std::vector<std::string> header;
  if (task == Task::Classify) {
    // Without stored names the classes are their indices, as the targets were numbered.
    const std::size_t classes = k == 1 ? 2 : k;
    std::vector<std::string> names;
    for (std::size_t c = 0; c < classes; ++c) names.push_back(name_or_index(info.class_names, c, ""));
    header.push_back("prediction");
    if (args.proba)
      for (const auto& n : names) header.push_back("p_" + n);
    for (std::size_t i = 0; i < header.size(); ++i) csv << (i ? "," : "") << csv_field(header[i]);
    csv << '\n';
    const std::vector<Index> predicted = predicted_classes(cview(outputs));
    for (Index j = 0; j < outputs.cols(); ++j) {
      csv << csv_field(names[std::size_t(predicted[std::size_t(j)])]);
      if (args.proba) {
        if (k == 1) {
          // One sigmoid output is the probability of the positive (second) class.
          csv << ',' << 1.0 - double(outputs(0, j)) << ',' << double(outputs(0, j));
        } else {
          for (Index c = 0; c < outputs.rows(); ++c) csv << ',' << double(outputs(c, j));
        }
      }
      csv << '\n';
    }
  } else {
    const auto& names =
        task == Task::Multilabel && !info.class_names.empty() ? info.class_names : info.target_names;
    for (std::size_t c = 0; c < k; ++c)
      csv << (c ? "," : "") << csv_field(name_or_index(names, c, "output_"));
    csv << '\n';
    const bool labels = task == Task::Multilabel && !args.proba;
    for (Index j = 0; j < outputs.cols(); ++j) {
      for (Index c = 0; c < outputs.rows(); ++c) {
        if (c) csv << ',';
        if (labels) {
          csv << (outputs(c, j) > 0.5f ? '1' : '0');
        } else {
          csv << double(outputs(c, j));
        }
      }
      csv << '\n';
    }
  }
  write_output(args.out, csv.str(), args.force);
  return kOk;
}

}  // namespace

Command add_predict(CLI::App& root) {
  auto* sub = root.add_subcommand("predict", "Predictions of a saved model for new data, as CSV");
  auto args = std::make_shared<PredictArgs>();
  add_model_data_flags(*sub, args->model, args->data);
  sub->add_option("--out", args->out, "output CSV file, \"-\" for stdout")->capture_default_str();
  sub->add_flag("--proba", args->proba, "also print each class's probability (multilabel: instead of 0/1)");
  sub->add_flag("--force", args->force, "replace the --out file even if read-only");
  return {sub, [args] { return run_predict(*args); }};
}

}  // namespace fathom::cli
