// Resilient backpropagation (docs/concepts.md, RPROP): full-batch steps of a per-weight size Δ
// that grows while the gradient keeps its sign and shrinks when it flips; only the gradient's
// sign is used (Riedmiller & Braun 1993; the improved variants of Igel & Hüsken 2000).
//   g·g' > 0:  Δ = min(η⁺Δ, Δmax);  Δw = −sign(g)·Δ
//   g·g' < 0:  Δ = max(η⁻Δ, Δmin);  iRPROP−: no step, g := 0
//                                   iRPROP+: Δw = −Δw' (undo the last step) if the loss rose, g := 0
//   g·g' = 0:  Δw = −sign(g)·Δ
// g' is the previous step's gradient (as stored), Δw' its update. A gradient of exactly zero
// everywhere ends training (converged()).
#pragma once

#include "fathom/optim/optimizer.hpp"

namespace fathom {

struct RPROPOptions {
  Scalar eta_plus = 1.2f;   // η⁺ > 1: growth while the sign holds
  Scalar eta_minus = 0.5f;  // η⁻ in (0, 1): shrink when it flips
  Scalar delta0 = 0.1f;     // Δ of the first step
  Scalar delta_max = 50;
  Scalar delta_min = 1e-6f;

  static constexpr auto fields() {
    using F = OptionField<RPROPOptions>;
    using enum OptionRange;
    return std::array{
        F{"eta_plus", positive, &RPROPOptions::eta_plus}, F{"eta_minus", fraction, &RPROPOptions::eta_minus},
        F{"delta0", positive, &RPROPOptions::delta0}, F{"delta_max", positive, &RPROPOptions::delta_max},
        F{"delta_min", non_negative, &RPROPOptions::delta_min}};
  }
};

namespace detail {
// The rule of both variants; `backtrack` selects iRPROP+.
class RpropRule : public Optimizer {
 public:
  bool full_batch() const override { return true; }
  bool has_learning_rate() const override { return false; }
  void check_state() const override;
  const RPROPOptions& options() const { return options_; }

 protected:
  RpropRule(const char* name, RPROPOptions options, bool backtrack);
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;
  bool apply(const StepInput& in) override;

 private:
  RPROPOptions options_;
  bool backtrack_;
  std::size_t previous_gradient_ = add_state("previous_gradient");
  std::size_t step_size_ = add_state("step_size", options_.delta0);
  // iRPROP+ only: the last step's updates and loss.
  std::size_t previous_update_ = 0, previous_loss_ = 0;
  double loss_ = std::numeric_limits<double>::quiet_NaN();
};
}  // namespace detail

// iRPROP−, FANN's default and the usual "RPROP".
class RPROP final : public detail::RpropRule {
 public:
  static constexpr const char* kName = "rprop";
  explicit RPROP(RPROPOptions options = {}) : RpropRule(kName, options, false) {}
  std::string name() const override { return kName; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<RPROP>(*this); }
};

// iRPROP+: as iRPROP−, and a flip of sign after a step that raised the loss undoes that step.
class IRPROPPlus final : public detail::RpropRule {
 public:
  static constexpr const char* kName = "irprop+";
  explicit IRPROPPlus(RPROPOptions options = {}) : RpropRule(kName, options, true) {}
  std::string name() const override { return kName; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<IRPROPPlus>(*this); }
};

}  // namespace fathom
