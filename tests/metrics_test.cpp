// Metrics (docs/concepts.md, tasks and encodings): every streaming metric and evaluation report checked
// against small cases worked by hand (fractions in the comments), plus streaming, reset, thresholds and
// errors.
#include "fathom/train/metrics.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "fathom/core/error.hpp"

namespace fathom {
namespace {

// A rows × cols matrix from values listed row by row, as they read on paper.
Matrix mat(Index rows, Index cols, std::initializer_list<float> row_major) {
  Matrix m(rows, cols);
  auto it = row_major.begin();
  for (Index r = 0; r < rows; ++r)
    for (Index c = 0; c < cols; ++c) m(r, c) = *it++;
  return m;
}

// Class scores per column: 0.6 on the class, 0.4 spread over the others (so argmax = class).
Matrix scores(Index classes, const std::vector<int>& labels) {
  Matrix m = Matrix::Constant(classes, Index(labels.size()), 0.4f / float(classes - 1));
  for (std::size_t j = 0; j < labels.size(); ++j) m(labels[j], Index(j)) = 0.6f;
  return m;
}
Matrix one_hot(Index classes, const std::vector<int>& labels) {
  Matrix m = Matrix::Zero(classes, Index(labels.size()));
  for (std::size_t j = 0; j < labels.size(); ++j) m(labels[j], Index(j)) = 1.0f;
  return m;
}

double evaluate(std::string_view name, const Matrix& A, const Matrix& T) {
  auto metric = make_metric(name);
  metric->update(view(A), view(T));
  return metric->result();
}

// The 3-class case worked by hand, 9 samples:
//   true: 0 0 0 0 1 1 2 2 2
//   pred: 0 0 1 2 1 1 2 0 1
// counts[true][pred] = [[2,1,1],[0,2,0],[1,1,1]]; predicted per class 3,4,2; support 4,2,3.
// precision = 2/3, 2/4, 1/2    recall = 2/4, 2/2, 1/3
// f1 = 2tp/(pred+support) = 4/7, 4/6, 2/5
// macro: P = (2/3+1/2+1/2)/3 = 5/9, R = (1/2+1+1/3)/3 = 11/18, F1 = (60+70+42)/105/3 = 172/315
const std::vector<int> kTrue3 = {0, 0, 0, 0, 1, 1, 2, 2, 2};
const std::vector<int> kPred3 = {0, 0, 1, 2, 1, 1, 2, 0, 1};

// The binary case, one output row: true 1 0 0 1 1 (0.9 reads as 1), pred 1 0 1 0 1.
// counts = [[1,1],[1,2]]; class 0: P = R = F1 = 1/2; class 1: P = R = F1 = 2/3; macro 7/12.
const Matrix kBinaryA = mat(1, 5, {0.9f, 0.2f, 0.6f, 0.4f, 0.7f});
const Matrix kBinaryT = mat(1, 5, {1.0f, 0.0f, 0.0f, 1.0f, 0.9f});

TEST(Metrics, ConfusionMatrixThreeClasses) {
  const ConfusionMatrix cm = confusion_matrix(view(scores(3, kPred3)), view(one_hot(3, kTrue3)));
  EXPECT_EQ(cm.classes, 3);
  const std::vector<std::vector<long long>> expected = {{2, 1, 1}, {0, 2, 0}, {1, 1, 1}};
  EXPECT_EQ(cm.counts, expected);
  EXPECT_EQ(cm.total(), 9);
  EXPECT_DOUBLE_EQ(cm.accuracy(), 5.0 / 9.0);
}

TEST(Metrics, ClassScoresThreeClasses) {
  const ClassScores s = class_scores(confusion_matrix(view(scores(3, kPred3)), view(one_hot(3, kTrue3))));
  const double precision[] = {2.0 / 3, 0.5, 0.5}, recall[] = {0.5, 1.0, 1.0 / 3},
               f1[] = {4.0 / 7, 2.0 / 3, 0.4};
  const long long support[] = {4, 2, 3};
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_DOUBLE_EQ(s.precision[c], precision[c]) << "class " << c;
    EXPECT_DOUBLE_EQ(s.recall[c], recall[c]) << "class " << c;
    EXPECT_DOUBLE_EQ(s.f1[c], f1[c]) << "class " << c;
    EXPECT_EQ(s.support[c], support[c]) << "class " << c;
  }
  EXPECT_DOUBLE_EQ(s.macro_precision, 5.0 / 9);
  EXPECT_DOUBLE_EQ(s.macro_recall, 11.0 / 18);
  EXPECT_DOUBLE_EQ(s.macro_f1, 172.0 / 315);
}

TEST(Metrics, StreamingClassMetricsThreeClasses) {
  const Matrix A = scores(3, kPred3), T = one_hot(3, kTrue3);
  EXPECT_DOUBLE_EQ(evaluate("accuracy", A, T), 5.0 / 9);
  EXPECT_DOUBLE_EQ(evaluate("precision", A, T), 5.0 / 9);
  EXPECT_DOUBLE_EQ(evaluate("recall", A, T), 11.0 / 18);
  EXPECT_DOUBLE_EQ(evaluate("f1", A, T), 172.0 / 315);
}

TEST(Metrics, BinaryOneRow) {
  const ConfusionMatrix cm = confusion_matrix(view(kBinaryA), view(kBinaryT));
  EXPECT_EQ(cm.classes, 2);
  const std::vector<std::vector<long long>> expected = {{1, 1}, {1, 2}};
  EXPECT_EQ(cm.counts, expected);
  EXPECT_DOUBLE_EQ(cm.accuracy(), 0.6);
  const ClassScores s = class_scores(cm);
  EXPECT_DOUBLE_EQ(s.precision[0], 0.5);
  EXPECT_DOUBLE_EQ(s.recall[1], 2.0 / 3);
  EXPECT_DOUBLE_EQ(s.macro_f1, 7.0 / 12);
  EXPECT_DOUBLE_EQ(evaluate("accuracy", kBinaryA, kBinaryT), 0.6);
  EXPECT_DOUBLE_EQ(evaluate("precision", kBinaryA, kBinaryT), 7.0 / 12);
  EXPECT_DOUBLE_EQ(evaluate("recall", kBinaryA, kBinaryT), 7.0 / 12);
  EXPECT_DOUBLE_EQ(evaluate("f1", kBinaryA, kBinaryT), 7.0 / 12);
}

// A class that never occurs (neither true nor predicted) is left out of the macro average, as
// in scikit-learn; a class that occurs but is never predicted has precision 0 (0/0 → 0).
TEST(Metrics, MacroAveragesOverClassesPresent) {
  // true 0 0 1, pred 0 1 1, class 2 absent: P = (1 + 1/2)/2, R = (1/2 + 1)/2, F1 = (2/3 + 2/3)/2.
  const Matrix A = scores(3, {0, 1, 1}), T = one_hot(3, {0, 0, 1});
  const ClassScores s = class_scores(confusion_matrix(view(A), view(T)));
  EXPECT_DOUBLE_EQ(s.macro_precision, 0.75);
  EXPECT_DOUBLE_EQ(s.macro_recall, 0.75);
  EXPECT_DOUBLE_EQ(s.macro_f1, 2.0 / 3);
  EXPECT_EQ(s.precision[2], 0.0);
  EXPECT_EQ(s.support[2], 0);
  EXPECT_DOUBLE_EQ(evaluate("precision", A, T), 0.75);
  EXPECT_DOUBLE_EQ(evaluate("f1", A, T), 2.0 / 3);

  // true 0 1, pred 0 0: class 0 P = 1/2, R = 1, F1 = 2/3; class 1 never predicted: all 0.
  const ClassScores never = class_scores(confusion_matrix(view(scores(2, {0, 0})), view(one_hot(2, {0, 1}))));
  EXPECT_EQ(never.precision[1], 0.0);
  EXPECT_EQ(never.recall[1], 0.0);
  EXPECT_EQ(never.f1[1], 0.0);
  EXPECT_DOUBLE_EQ(never.macro_precision, 0.25);
  EXPECT_DOUBLE_EQ(never.macro_recall, 0.5);
  EXPECT_DOUBLE_EQ(never.macro_f1, 1.0 / 3);
}

TEST(Metrics, PredictedClasses) {
  // Ties go to the first row; one row thresholds strictly (0.5 is class 0 at threshold 0.5).
  const Matrix A = mat(3, 3,
                       {0.3f, 0.1f, 0.2f,  //
                        0.3f, 0.7f, 0.2f,  //
                        0.1f, 0.2f, 0.6f});
  EXPECT_EQ(predicted_classes(view(A)), (std::vector<Index>{0, 1, 2}));
  const Matrix b = mat(1, 4, {0.2f, 0.35f, 0.3f, 0.5f});
  EXPECT_EQ(predicted_classes(view(b)), (std::vector<Index>{0, 0, 0, 0}));
  EXPECT_EQ(predicted_classes(view(b), 0.3f), (std::vector<Index>{0, 1, 0, 1}));
  EXPECT_TRUE(predicted_classes(view(Matrix(2, 0))).empty());
}

TEST(Metrics, BinaryAccuracyThresholds) {
  // A > 0.5: [0 1 0 / 1 0 0] vs T [0 1 1 / 1 0 0]: 5 of 6. A > 0.3: [0 1 1 / 1 0 0]: 6 of 6.
  const Matrix A = mat(2, 3,
                       {0.2f, 0.6f, 0.4f,  //
                        0.8f, 0.1f, 0.25f});
  const Matrix T = mat(2, 3,
                       {0.1f, 0.9f, 0.9f,  //
                        0.9f, 0.1f, 0.1f});
  EXPECT_DOUBLE_EQ(evaluate("binary_accuracy", A, T), 5.0 / 6);
  EXPECT_DOUBLE_EQ(evaluate("multilabel_accuracy", A, T), 5.0 / 6);
  EXPECT_DOUBLE_EQ(evaluate("binary_accuracy(0.3)", A, T), 1.0);
  EXPECT_DOUBLE_EQ(evaluate("binary_accuracy(0.9)", A, T), 3.0 / 6);
  // The threshold is strict: A = 0.5 is a 0.
  EXPECT_DOUBLE_EQ(evaluate("binary_accuracy", mat(1, 2, {0.5f, 0.5f}), mat(1, 2, {0.0f, 1.0f})), 0.5);
}

TEST(Metrics, MseMae) {
  // A − T = [1 0 / −2 0.5]: squares 1 0 4 0.25, mean 5.25/4; absolutes 1 0 2 0.5, mean 3.5/4.
  const Matrix A = mat(2, 2, {1, 2, 3, 4});
  const Matrix T = mat(2, 2, {0, 2, 5, 3.5f});
  EXPECT_DOUBLE_EQ(evaluate("mse", A, T), 1.3125);
  EXPECT_DOUBLE_EQ(evaluate("mae", A, T), 0.875);
  EXPECT_EQ(mse_per_output(view(A), view(T)), (std::vector<double>{0.5, 2.125}));
  EXPECT_EQ(mae_per_output(view(A), view(T)), (std::vector<double>{0.5, 1.25}));
}

TEST(Metrics, R2) {
  // Row 0: T 1 2 3 4 (mean 2.5, SS_tot 5), A 1.5 2 2.5 4 (SS_res 0.5): R² = 0.9.
  // Row 1: T 0 1 0 1 (SS_tot 1), A all 0.5 (SS_res 1): R² = 0. Pooled: 1 − 1.5/6 = 0.75.
  const Matrix A = mat(2, 4,
                       {1.5f, 2, 2.5f, 4,  //
                        0.5f, 0.5f, 0.5f, 0.5f});
  const Matrix T = mat(2, 4,
                       {1, 2, 3, 4,  //
                        0, 1, 0, 1});
  const std::vector<double> r2 = r2_per_output(view(A), view(T));
  ASSERT_EQ(r2.size(), 2u);
  EXPECT_NEAR(r2[0], 0.9, 1e-12);
  EXPECT_NEAR(r2[1], 0.0, 1e-12);
  EXPECT_NEAR(evaluate("r2", A, T), 0.75, 1e-12);
}

// Constant targets (SS_tot = 0) follow scikit-learn: 1 for a perfect fit, 0 otherwise.
TEST(Metrics, R2ConstantTargets) {
  // 37 copies of 0.1f: a mean computed carelessly leaves a tiny SS_tot and a huge negative R².
  const Matrix T = Matrix::Constant(1, 37, 0.1f);
  Matrix off_ = T;
  off_(0, 5) = 0.2f;
  const Matrix& off = off_;
  EXPECT_EQ(r2_per_output(view(T), view(T)), std::vector<double>{1.0});
  EXPECT_EQ(r2_per_output(view(off), view(T)), std::vector<double>{0.0});
  EXPECT_EQ(evaluate("r2", T, T), 1.0);
  EXPECT_EQ(evaluate("r2", off, T), 0.0);
}

// Targets far from 0 with a small spread: the streaming sums must not cancel.
TEST(Metrics, R2StreamingMatchesTwoPassWithLargeOffset) {
  Matrix T(1, 50), A(1, 50);
  for (Index j = 0; j < 50; ++j) {
    T(0, j) = 10000.0f + 0.01f * float(j % 7);
    A(0, j) = T(0, j) + 0.002f * float(j % 3);
  }
  auto metric = make_metric("r2");
  metric->update(ConstMatrixView(A.data(), 1, 20), ConstMatrixView(T.data(), 1, 20));
  metric->update(ConstMatrixView(A.data() + 20, 1, 30), ConstMatrixView(T.data() + 20, 1, 30));
  EXPECT_NEAR(metric->result(), r2_per_output(view(std::as_const(A)), view(std::as_const(T)))[0], 1e-6);
}

// A deterministic 3 × 10 batch: scores in (0, 1), one-hot targets, so every metric applies.
void batch_3x10(Matrix& A, Matrix& T) {
  A.resize(3, 10);
  T = Matrix::Zero(3, 10);
  for (Index j = 0; j < 10; ++j) {
    for (Index r = 0; r < 3; ++r) A(r, j) = float((j * 7 + r * 5) % 11) / 11.0f;
    T((j * 2) % 3, j) = 1.0f;
  }
}

TEST(Metrics, TwoBatchesEqualOneBatch) {
  Matrix A, T;
  batch_3x10(A, T);
  std::vector<std::string> names = metric_names();
  names.push_back("binary_accuracy(0.3)");
  for (const std::string& name : names) {
    auto streamed = make_metric(name);
    streamed->update(ConstMatrixView(A.data(), 3, 4), ConstMatrixView(T.data(), 3, 4));
    streamed->update(ConstMatrixView(A.data() + 12, 3, 6), ConstMatrixView(T.data() + 12, 3, 6));
    EXPECT_NEAR(streamed->result(), evaluate(name, A, T), 1e-12) << name;
  }
}

TEST(Metrics, ResetForgetsEarlierBatches) {
  Matrix A_, T_;
  batch_3x10(A_, T_);
  const Matrix &A = A_, &T = T_;
  const Matrix B = scores(2, {0, 1, 1}), U = one_hot(2, {1, 1, 0});
  for (const std::string& name : metric_names()) {
    auto metric = make_metric(name);
    metric->update(view(A), view(T));
    metric->reset();
    EXPECT_EQ(metric->result(), 0.0) << name;
    // After reset a batch of another shape is a fresh start, not a mismatch.
    metric->update(view(B), view(U));
    EXPECT_DOUBLE_EQ(metric->result(), evaluate(name, B, U)) << name;
  }
}

TEST(Metrics, EmptyMetricIsZero) {
  for (const std::string& name : metric_names()) EXPECT_EQ(make_metric(name)->result(), 0.0) << name;
}

TEST(Metrics, NamesAndDirection) {
  const std::vector<std::string> expected = {
      "accuracy", "binary_accuracy", "multilabel_accuracy", "mse", "mae", "r2", "precision", "recall", "f1"};
  EXPECT_EQ(metric_names(), expected);
  for (const std::string& name : metric_names()) {
    auto metric = make_metric(name);
    EXPECT_EQ(metric->name(), name);
    EXPECT_EQ(metric->higher_is_better(), name != "mse" && name != "mae") << name;
  }
  EXPECT_EQ(make_metric("binary_accuracy(0.3)")->name(), "binary_accuracy(0.3)");
  EXPECT_EQ(make_metric("binary_accuracy(0.5)")->name(), "binary_accuracy");
  EXPECT_EQ(make_metric("multilabel_accuracy(0.25)")->name(), "multilabel_accuracy(0.25)");
}

TEST(Metrics, UnknownNameThrows) {
  try {
    make_metric("foo");
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown metric \"foo\""), std::string::npos) << what;
    EXPECT_NE(what.find("known: accuracy, binary_accuracy"), std::string::npos) << what;
    EXPECT_NE(what.find("f1"), std::string::npos) << what;
  }
  for (const char* bad : {"binary_accuracy(abc)", "binary_accuracy()", "binary_accuracy(0.3x)",
                          "binary_accuracy(nan)", "Accuracy", "mse(0.3)", "binary_accuracy("}) {
    EXPECT_THROW(make_metric(bad), InvalidArgument) << bad;
  }
}

TEST(Metrics, ShapeMismatchThrows) {
  const Matrix A = Matrix::Zero(3, 4), T = Matrix::Zero(3, 5);
  for (const std::string& name : metric_names()) {
    try {
      make_metric(name)->update(view(A), view(T));
      FAIL() << name << ": expected ShapeError";
    } catch (const ShapeError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("3x4"), std::string::npos) << what;
      EXPECT_NE(what.find("3x5"), std::string::npos) << what;
      EXPECT_NE(what.find(name), std::string::npos) << what;
    }
  }
  EXPECT_THROW(confusion_matrix(view(A), view(T)), ShapeError);
  EXPECT_THROW(mse_per_output(view(A), view(T)), ShapeError);
  EXPECT_THROW(mae_per_output(view(A), view(T)), ShapeError);
  EXPECT_THROW(r2_per_output(view(A), view(T)), ShapeError);
  EXPECT_THROW(predicted_classes(view(Matrix(0, 3))), ShapeError);
}

// Per-output state is sized by the first batch; a later batch with other rows is a mistake.
TEST(Metrics, RowCountChangeBetweenBatchesThrows) {
  for (const char* name : {"r2", "precision", "recall", "f1"}) {
    auto metric = make_metric(name);
    metric->update(view(scores(3, {0, 1})), view(one_hot(3, {0, 1})));
    EXPECT_THROW(metric->update(view(scores(2, {0, 1})), view(one_hot(2, {0, 1}))), ShapeError) << name;
  }
}

TEST(Metrics, PerOutputOfNoSamplesThrows) {
  const Matrix empty(2, 0);
  EXPECT_THROW(mse_per_output(view(empty), view(empty)), DataError);
  EXPECT_THROW(r2_per_output(view(empty), view(empty)), DataError);
}

}  // namespace
}  // namespace fathom
