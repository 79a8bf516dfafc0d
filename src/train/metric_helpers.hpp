// Helpers shared by the streaming metrics (metrics.cpp) and the one-shot reports
// (metric_reports.cpp): shape checks, class of a column, ratios with scikit-learn's 0/0 rules.
#pragma once

#include <string>
#include <string_view>

#include "fathom/core/error.hpp"
#include "fathom/core/matrix.hpp"

namespace fathom::detail {

inline std::string shape(Index r, Index c) { return std::to_string(r) + "x" + std::to_string(c); }

inline void check_same_shape(ConstMatrixView A, ConstMatrixView T, std::string_view who) {
  if (A.rows() != T.rows() || A.cols() != T.cols()) {
    throw ShapeError(std::string(who) + ": predictions are " + shape(A.rows(), A.cols()) +
                     " but targets are " + shape(T.rows(), T.cols()));
  }
}

// Class indices need at least one row; a 0-row batch has no argmax.
inline void check_has_rows(ConstMatrixView A, std::string_view who) {
  if (A.rows() < 1)
    throw ShapeError(std::string(who) + ": predictions have no rows, " + shape(A.rows(), A.cols()));
}

// Ties go to the lowest index, as numpy's argmax does.
inline Index argmax(const Scalar* col, Index rows) {
  Index best = 0;
  for (Index r = 1; r < rows; ++r)
    if (col[r] > col[best]) best = r;
  return best;
}

// One row is a binary problem (class 1 above the threshold); more rows are one class each.
inline Index class_of(const Scalar* col, Index rows, Scalar threshold) {
  return rows == 1 ? Index(col[0] > threshold) : argmax(col, rows);
}

inline double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

// scikit-learn's convention for an output whose targets never vary (SS_tot == 0): a perfect
// fit scores 1, anything else 0, instead of dividing by zero.
inline double r2_from(double ss_res, double ss_tot) {
  if (ss_tot > 0) return 1.0 - ss_res / ss_tot;
  return ss_res == 0 ? 1.0 : 0.0;
}

struct Scores {
  double precision, recall, f1;
};
// 0/0 counts as 0, as in scikit-learn with zero_division=0. F1 = 2·tp / (predicted + support)
// is the harmonic mean of precision and recall without the extra 0/0 case.
inline Scores score_class(long long tp, long long predicted, long long support) {
  return {ratio(double(tp), double(predicted)), ratio(double(tp), double(support)),
          ratio(2.0 * double(tp), double(predicted + support))};
}

}  // namespace fathom::detail
