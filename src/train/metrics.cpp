// Metrics (SPEC §6): the streaming Metric classes behind make_metric(), and the one-shot
// evaluation reports (confusion matrix, per-class scores, per-output regression errors).
#include "fathom/train/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>

#include "fathom/core/error.hpp"

namespace fathom {

namespace {

std::string shape(Index r, Index c) { return std::to_string(r) + "x" + std::to_string(c); }

void check_same_shape(ConstMatrixView A, ConstMatrixView T, std::string_view who) {
  if (A.rows() != T.rows() || A.cols() != T.cols()) {
    throw ShapeError(std::string(who) + ": predictions are " + shape(A.rows(), A.cols()) +
                     " but targets are " + shape(T.rows(), T.cols()));
  }
}

// Class indices need at least one row; a 0-row batch has no argmax.
void check_has_rows(ConstMatrixView A, std::string_view who) {
  if (A.rows() < 1)
    throw ShapeError(std::string(who) + ": predictions have no rows, " + shape(A.rows(), A.cols()));
}

// Ties go to the lowest index, as numpy's argmax does.
Index argmax(const Scalar* col, Index rows) {
  Index best = 0;
  for (Index r = 1; r < rows; ++r)
    if (col[r] > col[best]) best = r;
  return best;
}

// One row is a binary problem (class 1 above the threshold); more rows are one class each.
Index class_of(const Scalar* col, Index rows, Scalar threshold) {
  return rows == 1 ? Index(col[0] > threshold) : argmax(col, rows);
}

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

// scikit-learn's convention for an output whose targets never vary (SS_tot == 0): a perfect
// fit scores 1, anything else 0, instead of dividing by zero.
double r2_from(double ss_res, double ss_tot) {
  if (ss_tot > 0) return 1.0 - ss_res / ss_tot;
  return ss_res == 0 ? 1.0 : 0.0;
}

struct Scores {
  double precision, recall, f1;
};
// 0/0 counts as 0, as in scikit-learn with zero_division=0. F1 = 2·tp / (predicted + support)
// is the harmonic mean of precision and recall without the extra 0/0 case.
Scores score_class(long long tp, long long predicted, long long support) {
  return {ratio(double(tp), double(predicted)), ratio(double(tp), double(support)),
          ratio(2.0 * double(tp), double(predicted + support))};
}

// ---- streaming metrics ------------------------------------------------------------------
// Every metric reports 0 before it has seen a sample, so a history row is never NaN.

// "accuracy": the fraction of columns whose predicted class equals the target class.
class Accuracy final : public Metric {
 public:
  std::string name() const override { return "accuracy"; }
  void reset() override { correct_ = total_ = 0; }
  void update(ConstMatrixView A, ConstMatrixView T) override {
    check_same_shape(A, T, "metric \"accuracy\"");
    check_has_rows(A, "metric \"accuracy\"");
    const Index rows = A.rows();
    for (Index j = 0; j < A.cols(); ++j)
      correct_ += class_of(A.col(j).data(), rows, 0.5f) == class_of(T.col(j).data(), rows, 0.5f);
    total_ += A.cols();
  }
  double result() const override { return ratio(double(correct_), double(total_)); }
  bool higher_is_better() const override { return true; }

 private:
  long long correct_ = 0, total_ = 0;
};

// "binary_accuracy" and "multilabel_accuracy": element-wise agreement of (A > threshold) with
// (T > 0.5), so 0.9/0.1 targets count as 1/0.
class ThresholdAccuracy final : public Metric {
 public:
  ThresholdAccuracy(std::string name, Scalar threshold)
      : name_(std::move(name)), label_("metric \"" + name_ + "\""), threshold_(threshold) {}
  std::string name() const override { return name_; }
  void reset() override { correct_ = total_ = 0; }
  void update(ConstMatrixView A, ConstMatrixView T) override {
    check_same_shape(A, T, label_);
    const Scalar* a = A.data();
    const Scalar* t = T.data();
    const Index size = A.size();
    for (Index i = 0; i < size; ++i) correct_ += (a[i] > threshold_) == (t[i] > 0.5f);
    total_ += size;
  }
  double result() const override { return ratio(double(correct_), double(total_)); }
  bool higher_is_better() const override { return true; }

 private:
  std::string name_, label_;  // label_ is built once: update() must not allocate
  Scalar threshold_;
  long long correct_ = 0, total_ = 0;
};

// "mse" and "mae": the mean over all entries, summed in double so long epochs lose nothing.
class MeanError final : public Metric {
 public:
  explicit MeanError(bool squared) : squared_(squared) {}
  std::string name() const override { return squared_ ? "mse" : "mae"; }
  void reset() override { *this = MeanError(squared_); }
  void update(ConstMatrixView A, ConstMatrixView T) override {
    check_same_shape(A, T, squared_ ? "metric \"mse\"" : "metric \"mae\"");
    const Scalar* a = A.data();
    const Scalar* t = T.data();
    const Index size = A.size();
    for (Index i = 0; i < size; ++i) {
      const double d = double(a[i]) - double(t[i]);
      sum_ += squared_ ? d * d : std::abs(d);
    }
    count_ += size;
  }
  double result() const override { return ratio(sum_, double(count_)); }
  bool higher_is_better() const override { return false; }

 private:
  bool squared_;
  double sum_ = 0;
  long long count_ = 0;
};

// "r2": 1 − Σ_j SS_res_j / Σ_j SS_tot_j, pooled over outputs j (not the mean of per-output
// R², which r2_per_output gives). Streaming needs SS_tot without a second pass, so it keeps
// Σ(t−k), Σ(t−k)² per output, shifted by the first target seen (k): the shift keeps
// Σt² − (Σt)²/n from cancelling catastrophically, and makes constant targets exactly 0.
class R2 final : public Metric {
 public:
  std::string name() const override { return "r2"; }
  void reset() override {
    sized_ = false;
    count_ = 0;
  }
  void update(ConstMatrixView A, ConstMatrixView T) override {
    check_same_shape(A, T, "metric \"r2\"");
    const Index rows = A.rows();
    if (!sized_) {
      // Sized once per reset(); assign() of an unchanged size reuses the storage.
      for (auto* v : {&shift_, &sum_t_, &sum_t2_, &ss_res_}) v->assign(std::size_t(rows), 0.0);
      sized_ = true;
    } else if (std::size_t(rows) != sum_t_.size()) {
      throw ShapeError("metric \"r2\": batch has " + std::to_string(rows) +
                       " outputs but earlier batches had " + std::to_string(sum_t_.size()));
    }
    if (count_ == 0 && A.cols() > 0) {
      for (Index r = 0; r < rows; ++r) shift_[std::size_t(r)] = T(r, 0);
    }
    for (Index j = 0; j < A.cols(); ++j) {
      for (Index r = 0; r < rows; ++r) {
        const auto k = std::size_t(r);
        const double t = double(T(r, j)) - shift_[k];
        const double d = double(T(r, j)) - double(A(r, j));
        sum_t_[k] += t;
        sum_t2_[k] += t * t;
        ss_res_[k] += d * d;
      }
    }
    count_ += A.cols();
  }
  double result() const override {
    if (count_ == 0) return 0.0;
    double ss_res = 0, ss_tot = 0;
    for (std::size_t k = 0; k < sum_t_.size(); ++k) {
      ss_res += ss_res_[k];
      ss_tot += std::max(0.0, sum_t2_[k] - sum_t_[k] * sum_t_[k] / double(count_));
    }
    return r2_from(ss_res, ss_tot);
  }
  bool higher_is_better() const override { return true; }

 private:
  bool sized_ = false;
  long long count_ = 0;
  std::vector<double> shift_, sum_t_, sum_t2_, ss_res_;
};

// "precision", "recall", "f1": macro averages over the classes that occur in the targets or
// the predictions (scikit-learn's default label set), each class scored as in class_scores().
// Only three counts per class are needed, not the whole confusion matrix.
class MacroScore final : public Metric {
 public:
  enum class Kind { precision, recall, f1 };
  explicit MacroScore(Kind kind) : kind_(kind), label_("metric \"" + name() + "\"") {}
  std::string name() const override {
    return kind_ == Kind::precision ? "precision" : kind_ == Kind::recall ? "recall" : "f1";
  }
  void reset() override {
    // Counts are cleared now (result() reads them); the class count is taken from the next batch.
    for (auto* v : {&tp_, &predicted_, &support_}) std::fill(v->begin(), v->end(), 0);
    sized_ = false;
  }
  void update(ConstMatrixView A, ConstMatrixView T) override {
    check_same_shape(A, T, label_);
    check_has_rows(A, label_);
    const Index rows = A.rows();
    const std::size_t classes = rows == 1 ? 2 : std::size_t(rows);
    if (!sized_) {
      for (auto* v : {&tp_, &predicted_, &support_}) v->assign(classes, 0);
      sized_ = true;
    } else if (classes != tp_.size()) {
      throw ShapeError(label_ + ": batch has " + std::to_string(classes) +
                       " classes but earlier batches had " + std::to_string(tp_.size()));
    }
    for (Index j = 0; j < A.cols(); ++j) {
      const auto p = std::size_t(class_of(A.col(j).data(), rows, 0.5f));
      const auto t = std::size_t(class_of(T.col(j).data(), rows, 0.5f));
      ++predicted_[p];
      ++support_[t];
      tp_[t] += p == t;
    }
  }
  double result() const override {
    double sum = 0;
    int present = 0;
    for (std::size_t c = 0; c < tp_.size(); ++c) {
      if (predicted_[c] + support_[c] == 0) continue;
      const Scores s = score_class(tp_[c], predicted_[c], support_[c]);
      sum += kind_ == Kind::precision ? s.precision : kind_ == Kind::recall ? s.recall : s.f1;
      ++present;
    }
    return ratio(sum, present);
  }
  bool higher_is_better() const override { return true; }

 private:
  Kind kind_;
  std::string label_;
  bool sized_ = false;
  std::vector<long long> tp_, predicted_, support_;
};

// ---- the name table ---------------------------------------------------------------------

using MetricPtr = std::unique_ptr<Metric>;
struct MetricEntry {
  std::string_view name;
  MetricPtr (*make)();
};

const std::array<MetricEntry, 9> kMetrics{{
    {"accuracy", []() -> MetricPtr { return std::make_unique<Accuracy>(); }},
    {"binary_accuracy",
     []() -> MetricPtr { return std::make_unique<ThresholdAccuracy>("binary_accuracy", 0.5f); }},
    {"multilabel_accuracy",
     []() -> MetricPtr { return std::make_unique<ThresholdAccuracy>("multilabel_accuracy", 0.5f); }},
    {"mse", []() -> MetricPtr { return std::make_unique<MeanError>(true); }},
    {"mae", []() -> MetricPtr { return std::make_unique<MeanError>(false); }},
    {"r2", []() -> MetricPtr { return std::make_unique<R2>(); }},
    {"precision", []() -> MetricPtr { return std::make_unique<MacroScore>(MacroScore::Kind::precision); }},
    {"recall", []() -> MetricPtr { return std::make_unique<MacroScore>(MacroScore::Kind::recall); }},
    {"f1", []() -> MetricPtr { return std::make_unique<MacroScore>(MacroScore::Kind::f1); }},
}};

// "binary_accuracy(0.3)" or "multilabel_accuracy(0.3)" → the metric with that threshold, whose
// name() is canonical: "binary_accuracy(0.5)" reads back as plain "binary_accuracy".
MetricPtr make_threshold_metric(std::string_view name, std::string_view base) {
  const std::string_view arg = name.substr(base.size() + 1, name.size() - base.size() - 2);
  float threshold = 0;
  const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), threshold);
  if (arg.empty() || ec != std::errc() || end != arg.data() + arg.size() || !std::isfinite(threshold)) {
    throw InvalidArgument("metric \"" + std::string(name) + "\": threshold \"" + std::string(arg) +
                          "\" is not a finite number, e.g. \"" + std::string(base) + "(0.3)\"");
  }
  std::string canonical(base);
  if (threshold != 0.5f) {
    std::array<char, 32> buf{};
    const auto out = std::to_chars(buf.data(), buf.data() + buf.size(), threshold);
    canonical.append("(").append(buf.data(), out.ptr).append(")");
  }
  return std::make_unique<ThresholdAccuracy>(std::move(canonical), threshold);
}

}  // namespace

std::unique_ptr<Metric> make_metric(std::string_view name) {
  for (const auto& entry : kMetrics)
    if (entry.name == name) return entry.make();
  for (std::string_view base : {"binary_accuracy", "multilabel_accuracy"}) {
    if (name.size() > base.size() + 1 && name.starts_with(base) && name[base.size()] == '(' &&
        name.ends_with(')'))
      return make_threshold_metric(name, base);
  }
  std::string known;
  for (const auto& entry : kMetrics) known += (known.empty() ? "" : ", ") + std::string(entry.name);
  throw InvalidArgument("unknown metric \"" + std::string(name) + "\"; known: " + known +
                        " (binary_accuracy(t) sets the threshold t)");
}

std::vector<std::string> metric_names() {
  std::vector<std::string> names;
  for (const auto& entry : kMetrics) names.emplace_back(entry.name);
  return names;
}

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
