// The report's sections on data (report_json.hpp): the model's outputs on ReportData::x scored
// against ReportData::y with the metrics of train/metrics.hpp, and the decision regions of a
// classifier with two inputs.
#include <algorithm>
#include <cmath>

#include "fathom/core/error.hpp"
#include "fathom/train/metrics.hpp"
#include "report_json.hpp"

namespace fathom::report_detail {

namespace {

// Cells per side of the decision-region grid: fine enough for a smooth boundary on screen,
// 14,400 predictions.
constexpr Index kGridSide = 120;

std::string name_or(const std::vector<std::string>& names, std::size_t i, const std::string& prefix) {
  return i < names.size() ? names[i] : prefix + std::to_string(i);
}

json row_values(ConstMatrixView m, Index row) {
  json out = json::array();
  for (Index c = 0; c < m.cols(); ++c) out.push_back(rounded(m(row, c), 6));
  return out;
}

json classification(const Sequential& model, ConstMatrixView A, ConstMatrixView T) {
  const ConfusionMatrix cm = confusion_matrix(A, T);
  const ClassScores s = class_scores(cm);
  json names = json::array();
  for (std::size_t c = 0; c < cm.counts.size(); ++c) names.push_back(name_or(model.info.class_names, c, ""));
  return {{"class_names", std::move(names)},
          {"counts", cm.counts},
          {"accuracy", cm.accuracy()},
          {"precision", s.precision},
          {"recall", s.recall},
          {"f1", s.f1},
          {"support", s.support},
          {"macro", {{"precision", s.macro_precision}, {"recall", s.macro_recall}, {"f1", s.macro_f1}}}};
}

// Each label of a multi-label model is its own yes/no problem, scored on its positive class.
json multilabel(const Sequential& model, ConstMatrixView A, ConstMatrixView T) {
  json labels = json::array();
  for (Index l = 0; l < A.rows(); ++l) {
    const Matrix a = A.row(l), t = T.row(l);
    const ClassScores s = class_scores(confusion_matrix(view(a), view(t)));
    labels.push_back({{"name", name_or(model.info.class_names, std::size_t(l), "label_")},
                      {"precision", s.precision[1]},
                      {"recall", s.recall[1]},
                      {"f1", s.f1[1]},
                      {"support", s.support[1]}});
  }
  return labels;
}

json regression(const Sequential& model, ConstMatrixView A, ConstMatrixView T) {
  const auto mse = mse_per_output(A, T), mae = mae_per_output(A, T), r2 = r2_per_output(A, T);
  json outputs = json::array();
  for (Index k = 0; k < A.rows(); ++k) {
    const auto i = std::size_t(k);
    outputs.push_back({{"name", name_or(model.info.target_names, i, "output_")},
                       {"true", row_values(T, k)},
                       {"predicted", row_values(A, k)},
                       {"mse", mse[i]},
                       {"mae", mae[i]},
                       {"r2", r2[i]}});
  }
  return outputs;
}

// The data's range on each input, widened by 5 % so that no point sits on the border.
std::pair<double, double> padded_range(ConstMatrixView x, Index row) {
  double lo = x.row(row).minCoeff(), hi = x.row(row).maxCoeff();
  const double pad = hi > lo ? 0.05 * (hi - lo) : 0.5;
  return {lo - pad, hi + pad};
}

json decision_regions(const Sequential& model, const Matrix& x, const std::vector<Index>& point_classes) {
  const auto [x_min, x_max] = padded_range(view(x), 0);
  const auto [y_min, y_max] = padded_range(view(x), 1);
  // Cell (i, j) is column j·side + i: i along the first input, j along the second, from the
  // lowest value up; each is predicted at its centre.
  Matrix grid(2, kGridSide * kGridSide);
  const double dx = (x_max - x_min) / kGridSide, dy = (y_max - y_min) / kGridSide;
  for (Index j = 0; j < kGridSide; ++j) {
    for (Index i = 0; i < kGridSide; ++i) {
      grid(0, j * kGridSide + i) = Scalar(x_min + (double(i) + 0.5) * dx);
      grid(1, j * kGridSide + i) = Scalar(y_min + (double(j) + 0.5) * dy);
    }
  }
  const std::vector<Index> cells = model.predict_classes(grid);
  const auto& features = model.info.feature_names;
  return {
      {"x_name", name_or(features, 0, "input ")},
      {"y_name", name_or(features, 1, "input ")},
      {"x_range", {x_min, x_max}},
      {"y_range", {y_min, y_max}},
      {"side", kGridSide},
      {"classes", cells},
      {"points", {{"x", row_values(view(x), 0)}, {"y", row_values(view(x), 1)}, {"class", point_classes}}}};
}

}  // namespace

json data_sections(const Sequential& model, const ReportData& data) {
  if (data.x == nullptr) return nullptr;
  const Matrix& x = *data.x;
  if (x.rows() != model.input_dim())
    throw ShapeError("report: the data has " + std::to_string(x.rows()) + " inputs, the model expects " +
                     std::to_string(model.input_dim()));
  if (data.y && (data.y->rows() != model.output_dim() || data.y->cols() != x.cols()))
    throw ShapeError("report: the targets are " + std::to_string(data.y->rows()) + " x " +
                     std::to_string(data.y->cols()) + ", expected " + std::to_string(model.output_dim()) +
                     " x " + std::to_string(x.cols()) + " (outputs x samples)");
  const Index n = x.cols();
  json out = {{"name", data.data_name},
              {"samples", n},
              {"description", data.data_name + (data.data_name.empty() ? "" : ", ") + std::to_string(n) +
                                  (n == 1 ? " sample" : " samples")},
              {"labelled", data.y != nullptr}};
  if (n == 0) return out;
  // The outputs in the targets' own units (target_scaling.hpp), as the targets are given.
  Matrix outputs = model.predict(x);
  model.info.target_scaling.invert(view(outputs));
  const std::string task = task_of(model);
  if (data.y) {
    const ConstMatrixView A = cview(outputs), T = view(*data.y);
    if (task == "classify") out["classification"] = classification(model, A, T);
    if (task == "multilabel") out["labels"] = multilabel(model, A, T);
    if (task == "regress") out["regression"] = regression(model, A, T);
  }
  if (task == "classify" && model.input_dim() == 2) {
    // The points coloured by their true class when known, else by the predicted one.
    const std::vector<Index> classes =
        data.y ? predicted_classes(view(*data.y)) : predicted_classes(cview(outputs));
    out["decision_regions"] = decision_regions(model, x, classes);
  }
  return out;
}

}  // namespace fathom::report_detail
