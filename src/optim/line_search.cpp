// Moré–Thuente line search (line_search.hpp): the search over the interval of uncertainty
// (report) and its safeguarded step (next_step), after the paper's algorithm and its four cases.
#include "line_search.hpp"

#include <algorithm>
#include <cmath>

namespace fathom::detail {
namespace {

constexpr double kExtrapolateLow = 1.1, kExtrapolateHigh = 4.0;

// The minimizer of the cubic through (a, fa, da) and (b, fb, db), as a step from a towards b.
// `clamp_root` keeps the square root real when the cubic has no minimizer (case 3).
double cubic_step(double a, double fa, double da, double b, double fb, double db, bool clamp_root,
                  bool* has_min = nullptr) {
  const double theta = 3 * (fa - fb) / (b - a) + da + db;
  const double s = std::max({std::abs(theta), std::abs(da), std::abs(db)});
  double root = (theta / s) * (theta / s) - (da / s) * (db / s);
  if (clamp_root) root = std::max(0.0, root);
  double gamma = s * std::sqrt(root);
  if (b < a) gamma = -gamma;
  const double p = (gamma - da) + theta;
  const double q = ((gamma - da) + gamma) + db;
  const double r = p / q;
  if (has_min != nullptr) *has_min = r < 0 && gamma != 0;
  return a + r * (b - a);
}

// The safeguarded step of Moré and Thuente: from the best point x, the interval's other end y and
// the trial t, the next trial; updates the interval. Values and slopes are φ's (or, in the first
// stage, the auxiliary ψ(α) = φ(α) − φ(0) − ftol·α·φ'(0)).
struct Interval {
  double &stx, &fx, &dx, &sty, &fy, &dy;
  bool& bracketed;
};

double next_step(Interval& in, double stp, double fp, double dp, double stmin, double stmax) {
  const double sgnd = dp * (in.dx / std::abs(in.dx));
  double stpf = 0;
  if (fp > in.fx) {
    // Case 1: a higher value: the minimum is bracketed; the cubic step if it is the closer to stx,
    // else the mean of the cubic and the quadratic steps.
    const double stpc = cubic_step(in.stx, in.fx, in.dx, stp, fp, dp, false);
    const double stpq = in.stx + ((in.dx / ((in.fx - fp) / (stp - in.stx) + in.dx)) / 2) * (stp - in.stx);
    stpf = std::abs(stpc - in.stx) < std::abs(stpq - in.stx) ? stpc : stpc + (stpq - stpc) / 2;
    in.bracketed = true;
  } else if (sgnd < 0) {
    // Case 2: lower, and the slopes have opposite signs: bracketed; the step farther from stp of
    // the cubic and the secant steps.
    const double stpc = cubic_step(stp, fp, dp, in.stx, in.fx, in.dx, false);
    const double stpq = stp + (dp / (dp - in.dx)) * (in.stx - stp);
    stpf = std::abs(stpc - stp) > std::abs(stpq - stp) ? stpc : stpq;
    in.bracketed = true;
  } else if (std::abs(dp) < std::abs(in.dx)) {
    // Case 3: lower, same slope sign, the slope's magnitude decreases: the cubic step only if
    // the cubic tends to infinity in the step's direction, else the interval's bound.
    bool has_min = false;
    const double cubic = cubic_step(stp, fp, dp, in.stx, in.fx, in.dx, true, &has_min);
    const double stpc = has_min ? cubic : (stp > in.stx ? stmax : stmin);
    const double stpq = stp + (dp / (dp - in.dx)) * (in.stx - stp);
    if (in.bracketed) {
      stpf = std::abs(stpc - stp) < std::abs(stpq - stp) ? stpc : stpq;
      stpf = stp > in.stx ? std::min(stp + 0.66 * (in.sty - stp), stpf)
                          : std::max(stp + 0.66 * (in.sty - stp), stpf);
    } else {
      stpf = std::abs(stpc - stp) > std::abs(stpq - stp) ? stpc : stpq;
      stpf = std::max(stmin, std::min(stmax, stpf));  // (not std::clamp: no precondition on the bounds)
    }
  } else {
    // Case 4: lower, same slope sign, the slope does not decrease: the cubic step towards sty when
    // bracketed, else the bound.
    if (in.bracketed) {
      stpf = cubic_step(stp, fp, dp, in.sty, in.fy, in.dy, false);
    } else {
      stpf = stp > in.stx ? stmax : stmin;
    }
  }
  // The new interval: a higher value becomes its far end; else stp is the new best point, and
  // the old best the far end when the slopes changed sign.
  if (fp > in.fx) {
    in.sty = stp, in.fy = fp, in.dy = dp;
  } else {
    if (sgnd < 0) in.sty = in.stx, in.fy = in.fx, in.dy = in.dx;
    in.stx = stp, in.fx = fp, in.dx = dp;
  }
  return stpf;
}

}  // namespace

MoreThuente::MoreThuente(double value, double slope, double step, const LineSearchOptions& options)
    : o_(options),
      finit_(value),
      ginit_(slope),
      gtest_(options.ftol * slope),
      fx_(value),
      gx_(slope),
      fy_(value),
      gy_(slope),
      stp_(std::clamp(step, options.step_min, options.step_max)),
      stmax_(stp_ + kExtrapolateHigh * stp_),
      width_(options.step_max - options.step_min),
      width1_(2 * width_),
      lowest_{0, value, slope} {}

bool MoreThuente::report(double f, double g) {
  ++evaluations_;
  converged_ = false;
  if (!std::isfinite(f) || !std::isfinite(g)) {
    // Too far (overflow): halve towards the best point, and never step beyond that again (every
    // bound of later trials shrinks to it, so the failed step is not tried twice).
    stp_ = stx_ + 0.5 * (stp_ - stx_);
    o_.step_max = std::min(o_.step_max, stp_);
    stmax_ = std::min(stmax_, stp_);
    stmin_ = std::min(stmin_, stp_);
    return evaluations_ >= o_.max_evaluations || stp_ <= o_.step_min;
  }
  if (f < lowest_.value) lowest_ = {stp_, f, g};
  const double ftest = finit_ + stp_ * gtest_;
  if (stage_ == 1 && f <= ftest && g >= 0) stage_ = 2;
  if (f <= ftest && std::abs(g) <= o_.gtol * -ginit_) {
    converged_ = true;  // the strong Wolfe conditions hold at this point: it is the answer
    return true;
  }
  // Cannot go on: rounding leaves no room, the interval is within xtol, or a step bound is hit.
  if (bracketed_ && (stp_ <= stmin_ || stp_ >= stmax_)) return true;
  if (bracketed_ && stmax_ - stmin_ <= o_.xtol * stmax_) return true;
  if (stp_ == o_.step_max && f <= ftest && g <= gtest_) return true;
  if (stp_ == o_.step_min && (f > ftest || g >= gtest_)) return true;
  if (evaluations_ >= o_.max_evaluations) return true;

  Interval in{stx_, fx_, gx_, sty_, fy_, gy_, bracketed_};
  if (stage_ == 1 && f <= fx_ && f > ftest) {
    // First stage, a lower value that is not yet a sufficient decrease: step on ψ, whose
    // minimizers satisfy sufficient decrease, so the search cannot settle on a point that fails it.
    double fxm = fx_ - stx_ * gtest_, fym = fy_ - sty_ * gtest_;
    double gxm = gx_ - gtest_, gym = gy_ - gtest_;
    Interval mod{stx_, fxm, gxm, sty_, fym, gym, bracketed_};
    stp_ = next_step(mod, stp_, f - stp_ * gtest_, g - gtest_, stmin_, stmax_);
    fx_ = fxm + stx_ * gtest_, fy_ = fym + sty_ * gtest_;
    gx_ = gxm + gtest_, gy_ = gym + gtest_;
  } else {
    stp_ = next_step(in, stp_, f, g, stmin_, stmax_);
  }
  // Bisect when the interval does not shrink fast enough.
  if (bracketed_) {
    if (std::abs(sty_ - stx_) >= 0.66 * width1_) stp_ = stx_ + 0.5 * (sty_ - stx_);
    width1_ = width_;
    width_ = std::abs(sty_ - stx_);
  }
  if (bracketed_) {
    stmin_ = std::min(stx_, sty_);
    stmax_ = std::max(stx_, sty_);
  } else {
    stmin_ = stp_ + kExtrapolateLow * (stp_ - stx_);
    stmax_ = stp_ + kExtrapolateHigh * (stp_ - stx_);
  }
  stp_ = std::max(o_.step_min, std::min(o_.step_max, stp_));
  // No trial that rounding could not tell from the interval's ends: go back to the best point.
  if ((bracketed_ && (stp_ <= stmin_ || stp_ >= stmax_)) ||
      (bracketed_ && stmax_ - stmin_ <= o_.xtol * stmax_))
    stp_ = stx_;
  return false;
}

}  // namespace fathom::detail
