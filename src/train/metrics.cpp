// Metrics (docs/concepts.md, tasks and encodings): the streaming Metric classes behind make_metric(). The
// one-shot evaluation reports are in metric_reports.cpp.
#include "fathom/train/metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>

#include "fathom/core/error.hpp"
#include "fathom/train/communicator.hpp"
#include "metric_helpers.hpp"

namespace fathom {

namespace {

using namespace detail;

// ---- streaming metrics ------------------------------------------------------------------
// Every metric reports 0 before it has seen a sample, so a history row is never NaN.

// Counts summed over processes, in double: exact up to 2^53.
void sum_counts(Communicator& comm, long long& a, long long& b) {
  std::array<double, 2> totals{double(a), double(b)};
  comm.allreduce_sum(totals);
  a = static_cast<long long>(totals[0]);
  b = static_cast<long long>(totals[1]);
}

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
  void reduce(Communicator& comm) override { sum_counts(comm, correct_, total_); }

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
  void reduce(Communicator& comm) override { sum_counts(comm, correct_, total_); }

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
  void reduce(Communicator& comm) override {
    std::array<double, 2> totals{sum_, double(count_)};
    comm.allreduce_sum(totals);
    sum_ = totals[0];
    count_ = static_cast<long long>(totals[1]);
  }

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
  // Each process's sums are about its own shift: they are moved to one shift, the mean of all
  // targets, in two rounds (Chan et al.'s pairwise combination of sums of squares), which keeps
  // the cancellation the shift avoids from coming back.
  void reduce(Communicator& comm) override {
    const std::size_t rows = sum_t_.size();
    std::vector<double> totals(2 * rows + 1);
    for (std::size_t k = 0; k < rows; ++k) {
      totals[k] = sum_t_[k] + double(count_) * shift_[k];  // Σt
      totals[rows + k] = ss_res_[k];
    }
    totals[2 * rows] = double(count_);
    comm.allreduce_sum(totals);
    const double n = totals[2 * rows];
    std::vector<double> centred(rows);
    for (std::size_t k = 0; k < rows; ++k) {
      const double mean = n > 0 ? totals[k] / n : 0.0;
      // Σ(t − mean)² of this process's targets, from its sums about its shift.
      const double d = shift_[k] - mean;
      centred[k] = sum_t2_[k] + 2 * d * sum_t_[k] + double(count_) * d * d;
      shift_[k] = mean;
      sum_t_[k] = 0;  // Σ(t − mean) over all processes is 0 up to rounding
      ss_res_[k] = totals[rows + k];
    }
    comm.allreduce_sum(centred);
    sum_t2_ = centred;
    count_ = static_cast<long long>(n);
  }

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
  void reduce(Communicator& comm) override {
    const std::size_t classes = tp_.size();
    std::vector<double> totals(3 * classes);
    for (std::size_t c = 0; c < classes; ++c) {
      totals[c] = double(tp_[c]);
      totals[classes + c] = double(predicted_[c]);
      totals[2 * classes + c] = double(support_[c]);
    }
    comm.allreduce_sum(totals);
    for (std::size_t c = 0; c < classes; ++c) {
      tp_[c] = static_cast<long long>(totals[c]);
      predicted_[c] = static_cast<long long>(totals[classes + c]);
      support_[c] = static_cast<long long>(totals[2 * classes + c]);
    }
  }

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

void Metric::reduce(Communicator& comm) {
  (void)comm;
  throw InvalidArgument("metric \"" + name() +
                        "\" does not say how to combine its totals across processes (Metric::reduce), so "
                        "it cannot be computed in data-parallel training");
}

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

bool metric_higher_is_better(std::string_view name) { return make_metric(name)->higher_is_better(); }

std::vector<std::string> metric_names() {
  std::vector<std::string> names;
  for (const auto& entry : kMetrics) names.emplace_back(entry.name);
  return names;
}

}  // namespace fathom
