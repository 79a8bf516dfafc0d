// iRPROP− and iRPROP+ (formulas in rprop.hpp). Their options are RPROPOptions'; their rows are in
// optimizer.cpp's table.
#include "fathom/optim/rprop.hpp"

#include <algorithm>
#include <cmath>

#include "checks.hpp"
#include "fathom/core/error.hpp"

namespace fathom::detail {

namespace {
const RPROPOptions& checked_rprop(const char* name, const RPROPOptions& options) {
  checked(name, options);
  if (!(options.eta_plus > 1))
    throw InvalidArgument(std::string(name) + ": eta_plus must be > 1, got " +
                          std::to_string(options.eta_plus));
  if (!(options.eta_minus > 0))
    throw InvalidArgument(std::string(name) + ": eta_minus must be > 0, got " +
                          std::to_string(options.eta_minus));
  if (!(options.delta_min <= options.delta0 && options.delta0 <= options.delta_max))
    throw InvalidArgument(std::string(name) + ": need delta_min <= delta0 <= delta_max, got " +
                          std::to_string(options.delta_min) + ", " + std::to_string(options.delta0) + ", " +
                          std::to_string(options.delta_max));
  return options;
}

Scalar sign(Scalar x) { return Scalar(x > 0) - Scalar(x < 0); }
}  // namespace

// No learning rate: the base's is a placeholder that nothing reads (has_learning_rate is false).
RpropRule::RpropRule(const char* name, RPROPOptions options, bool backtrack)
    : Optimizer(1, 0), options_(checked_rprop(name, options)), backtrack_(backtrack) {
  if (backtrack_) {
    previous_update_ = add_state("previous_update");
    previous_loss_ = add_scalar("previous_loss", std::numeric_limits<double>::infinity());
  }
}

void RpropRule::check_state() const {
  if (backtrack_ && std::isnan(scalar(previous_loss_)))
    throw InvalidArgument(name() + ": state previous_loss is NaN, expected a loss or inf");
}

bool RpropRule::apply(const StepInput& in) {
  if (backtrack_ && std::isnan(in.loss))
    throw Error(name() +
                ": needs the loss of each step (train with fit or train_step, or call backward before step)");
  loss_ = in.loss;
  return update(in.w, in.g, in.t);
}

bool RpropRule::update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t /*t*/) {
  const auto gp = buffer(previous_gradient_), delta = buffer(step_size_);
  const std::span<Scalar> dwp = backtrack_ ? buffer(previous_update_) : std::span<Scalar>{};
  const bool worse = backtrack_ && loss_ > scalar(previous_loss_);
  const Scalar up = options_.eta_plus, down = options_.eta_minus;
  const Scalar dmax = options_.delta_max, dmin = options_.delta_min;
  bool finite = true, zero = true;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const Scalar gi = g[i], same = sign(gi) * sign(gp[i]);
    zero = zero && gi == 0;
    Scalar dw = 0;
    if (same > 0) {
      delta[i] = std::min(delta[i] * up, dmax);
      dw = -sign(gi) * delta[i];
      gp[i] = gi;
    } else if (same < 0) {
      delta[i] = std::max(delta[i] * down, dmin);
      if (worse) dw = -dwp[i];  // iRPROP+: the step that raised the loss is taken back
      gp[i] = 0;
    } else {
      dw = -sign(gi) * delta[i];
      gp[i] = gi;
    }
    w[i] += dw;
    if (backtrack_) dwp[i] = dw;
    finite = finite && std::isfinite(w[i]);
  }
  if (backtrack_) scalar(previous_loss_) = loss_;
  // Nothing left to follow: every step from here would be the same zero (the loss has saturated,
  // e.g. a cross-entropy of exactly 0 in float).
  if (zero) set_converged("the gradient is zero");
  return finite;
}

}  // namespace fathom::detail
