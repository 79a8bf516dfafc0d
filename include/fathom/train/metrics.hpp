// Metrics (docs/concepts.md, tasks and encodings): what the training loop reports besides the loss, and the
// evaluation reports a user reads. Predictions A and targets T are outputs × n (columns are samples).
//
// Streaming metrics (used by fit/evaluate, resolvable by name, allocation-free in update()):
//   "accuracy"            argmax(A) == argmax(T) per column; with one output, (A > 0.5) == (T > 0.5)
//   "binary_accuracy"     element-wise (A > threshold) == (T > 0.5), mean over all entries
//                         ("binary_accuracy(0.3)" sets the threshold; default 0.5)
//   "multilabel_accuracy" Hamming accuracy: same as binary_accuracy, mean over labels and samples
//   "mse"                 mean over all entries of (A − T)²   (the conventional metric, not ½)
//   "mae"                 mean over all entries of |A − T|
//   "r2"                  1 − SS_res/SS_tot, pooled over outputs (per output via r2_per_output)
//   "precision", "recall", "f1"   macro averages over classes (argmax classes)
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fathom/core/matrix.hpp"

namespace fathom {

class Communicator;

class Metric {
 public:
  virtual ~Metric() = default;
  virtual std::string name() const = 0;
  virtual void reset() = 0;
  // Adds a batch. Must not allocate once the metric has seen its first batch.
  virtual void update(ConstMatrixView A, ConstMatrixView T) = 0;
  virtual double result() const = 0;
  // Higher is better (accuracy) or lower is better (mse), for EarlyStopping's "auto" mode.
  virtual bool higher_is_better() const = 0;
  // Data-parallel training (train/communicator.hpp): combines every process's totals so that
  // result(), on each of them, is that of all their batches together. Every process calls it
  // once its batches are in; each has had at least one update() since reset() (an empty batch
  // counts). The default throws: a metric of one's own says how its totals add up.
  virtual void reduce(Communicator& comm);
};

// Throws InvalidArgument naming the metric and the known names if unknown.
std::unique_ptr<Metric> make_metric(std::string_view name);
std::vector<std::string> metric_names();
// The metric's own Metric::higher_is_better() for a name make_metric accepts (throws as it does).
bool metric_higher_is_better(std::string_view name);

// Class index per column: argmax over rows; with a single row, 1 if A > threshold else 0.
std::vector<Index> predicted_classes(ConstMatrixView A, Scalar threshold = 0.5f);

// counts[true][predicted] over `classes` classes (targets one-hot or, with one row, 0/1).
struct ConfusionMatrix {
  Index classes = 0;
  std::vector<std::vector<long long>> counts;
  long long total() const;
  double accuracy() const;
};
ConfusionMatrix confusion_matrix(ConstMatrixView A, ConstMatrixView T);

struct ClassScores {
  std::vector<double> precision, recall, f1;  // per class
  std::vector<long long> support;             // true samples per class
  double macro_precision = 0, macro_recall = 0, macro_f1 = 0;
};
// Per-class and macro precision/recall/F1; a class never predicted has precision 0.
ClassScores class_scores(const ConfusionMatrix& cm);

// Regression metrics per output row.
std::vector<double> mse_per_output(ConstMatrixView A, ConstMatrixView T);
std::vector<double> mae_per_output(ConstMatrixView A, ConstMatrixView T);
std::vector<double> r2_per_output(ConstMatrixView A, ConstMatrixView T);

}  // namespace fathom
