// The line search of L-BFGS (docs/concepts.md, L-BFGS): Moré and Thuente's algorithm (ACM TOMS
// 20(3), 1994), which finds a step α along a descent direction satisfying the strong Wolfe
// conditions
//   φ(α) ≤ φ(0) + ftol·α·φ'(0)          (sufficient decrease)
//   |φ'(α)| ≤ gtol·|φ'(0)|              (curvature)
// by safeguarded cubic and quadratic interpolation inside an interval of uncertainty that it
// first extends (steps grow by up to 4×) until it brackets such a step, then narrows.
//
// It asks for one point at a time, so that the caller owns the evaluations: step() is the trial
// step to evaluate next, report(φ(α), φ'(α)) takes the result and says whether the search ended.
#pragma once

namespace fathom::detail {

struct LineSearchOptions {
  double ftol = 1e-4;  // sufficient decrease (Armijo) constant
  double gtol = 0.9;   // curvature constant (0.9: the usual choice for quasi-Newton directions)
  double xtol = 0.1;   // relative width of the interval of uncertainty below which it stops
  double step_min = 0;
  double step_max = 1e10;
  int max_evaluations = 20;
};

// One point of the search: the step α, φ(α) and φ'(α).
struct LinePoint {
  double step = 0, value = 0, slope = 0;
};

class MoreThuente {
 public:
  // φ(0) = value, φ'(0) = slope < 0; `step` is the first trial (> 0).
  MoreThuente(double value, double slope, double step, const LineSearchOptions& options);
  // The step to evaluate next.
  double step() const { return stp_; }
  // φ(step()) and φ'(step()); a NaN or Inf value is taken as "too far" (the step shrinks).
  // Returns true when the search has ended: the strong Wolfe conditions hold at step() (the point
  // just reported), or it cannot go on (interval too narrow, step bound, out of evaluations).
  bool report(double value, double slope);
  // Whether the point just reported satisfies the strong Wolfe conditions: then it is the
  // search's answer.
  bool converged() const { return converged_; }
  // The point of lowest value reported so far: the answer of a search that ended unconverged
  // (step 0 when no trial went below φ(0)).
  LinePoint lowest() const { return lowest_; }
  int evaluations() const { return evaluations_; }

 private:
  LineSearchOptions o_;
  double finit_, ginit_, gtest_;
  double stx_ = 0, fx_, gx_;  // the best step so far
  double sty_ = 0, fy_, gy_;  // the other end of the interval
  double stp_, stmin_ = 0, stmax_;
  double width_, width1_;
  bool bracketed_ = false;
  int stage_ = 1;
  bool converged_ = false;
  int evaluations_ = 0;
  LinePoint lowest_;
};

}  // namespace fathom::detail
