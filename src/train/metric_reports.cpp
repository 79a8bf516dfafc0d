// One-shot evaluation reports (docs/concepts.md, tasks and encodings): predicted classes, confusion matrix,
// per-class precision/recall/F1, and per-output regression errors.
#include <algorithm>
#include <cmath>
#include <string>

#include "fathom/core/error.hpp"
#include "fathom/train/metrics.hpp"
#include "metric_helpers.hpp"

namespace fathom {

using namespace detail;

// ---- one-shot reports -------------------------------------------------------------------

std::vector<Index> predicted_classes(ConstMatrixView A, Scalar threshold) {
  check_has_rows(A, "predicted_classes");
  std::vector<Index> classes(std::size_t(A.cols()));
  for (Index j = 0; j < A.cols(); ++j)
    classes[std::size_t(j)] = class_of(A.col(j).data(), A.rows(), threshold);
  return classes;
}

long long ConfusionMatrix::total() const {
  long long sum = 0;
  for (const auto& row : counts)
    for (long long c : row) sum += c;
  return sum;
}

double ConfusionMatrix::accuracy() const {
  long long diagonal = 0;
  for (std::size_t c = 0; c < counts.size(); ++c) diagonal += counts[c][c];
  return ratio(double(diagonal), double(total()));
}

ConfusionMatrix confusion_matrix(ConstMatrixView A, ConstMatrixView T) {
  check_same_shape(A, T, "confusion_matrix");
  check_has_rows(A, "confusion_matrix");
  ConfusionMatrix cm;
  cm.classes = std::max<Index>(A.rows(), 2);
  cm.counts.assign(std::size_t(cm.classes), std::vector<long long>(std::size_t(cm.classes), 0));
  for (Index j = 0; j < A.cols(); ++j) {
    const auto t = std::size_t(class_of(T.col(j).data(), T.rows(), 0.5f));
    const auto p = std::size_t(class_of(A.col(j).data(), A.rows(), 0.5f));
    ++cm.counts[t][p];
  }
  return cm;
}

ClassScores class_scores(const ConfusionMatrix& cm) {
  const std::size_t k = cm.counts.size();
  ClassScores s;
  s.precision.resize(k);
  s.recall.resize(k);
  s.f1.resize(k);
  s.support.assign(k, 0);
  std::vector<long long> predicted(k, 0);
  for (std::size_t t = 0; t < k; ++t) {
    for (std::size_t p = 0; p < k; ++p) {
      s.support[t] += cm.counts[t][p];
      predicted[p] += cm.counts[t][p];
    }
  }
  // Macro averages skip classes absent from both targets and predictions (as MacroScore does).
  int present = 0;
  for (std::size_t c = 0; c < k; ++c) {
    const Scores sc = score_class(cm.counts[c][c], predicted[c], s.support[c]);
    s.precision[c] = sc.precision;
    s.recall[c] = sc.recall;
    s.f1[c] = sc.f1;
    if (predicted[c] + s.support[c] == 0) continue;
    s.macro_precision += sc.precision;
    s.macro_recall += sc.recall;
    s.macro_f1 += sc.f1;
    ++present;
  }
  s.macro_precision = ratio(s.macro_precision, present);
  s.macro_recall = ratio(s.macro_recall, present);
  s.macro_f1 = ratio(s.macro_f1, present);
  return s;
}

namespace {
// Mean over columns of f(a, t), per row; an empty set has no mean, so it is an error here.
template <class F>
std::vector<double> mean_per_output(ConstMatrixView A, ConstMatrixView T, std::string_view who, F f) {
  check_same_shape(A, T, who);
  if (A.cols() == 0) throw DataError(std::string(who) + ": no samples (" + shape(A.rows(), A.cols()) + ")");
  std::vector<double> out(std::size_t(A.rows()), 0.0);
  for (Index j = 0; j < A.cols(); ++j)
    for (Index r = 0; r < A.rows(); ++r) out[std::size_t(r)] += f(double(A(r, j)), double(T(r, j)));
  for (double& v : out) v /= double(A.cols());
  return out;
}
}  // namespace

std::vector<double> mse_per_output(ConstMatrixView A, ConstMatrixView T) {
  return mean_per_output(A, T, "mse_per_output", [](double a, double t) { return (a - t) * (a - t); });
}

std::vector<double> mae_per_output(ConstMatrixView A, ConstMatrixView T) {
  return mean_per_output(A, T, "mae_per_output", [](double a, double t) { return std::abs(a - t); });
}

// Two passes (the mean, then squares about it) since the whole set is at hand.
std::vector<double> r2_per_output(ConstMatrixView A, ConstMatrixView T) {
  std::vector<double> out =
      mean_per_output(A, T, "r2_per_output", [](double a, double t) { return (a - t) * (a - t); });
  for (Index r = 0; r < A.rows(); ++r) {
    double mean = 0, ss_tot = 0;
    // Sum, then divide: constant targets then give their exact value and SS_tot == 0 exactly.
    for (Index j = 0; j < T.cols(); ++j) mean += double(T(r, j));
    mean /= double(T.cols());
    for (Index j = 0; j < T.cols(); ++j) ss_tot += (double(T(r, j)) - mean) * (double(T(r, j)) - mean);
    out[std::size_t(r)] = r2_from(out[std::size_t(r)] * double(A.cols()), ss_tot);
  }
  return out;
}

}  // namespace fathom
