// L-BFGS (docs/concepts.md, L-BFGS; Liu & Nocedal 1989): a quasi-Newton method. From the last m
// pairs sᵢ = wᵢ₊₁ − wᵢ and yᵢ = gᵢ₊₁ − gᵢ it applies an approximation H of the inverse Hessian to
// the gradient (the two-loop recursion, H₀ = γI with γ = sᵀy / yᵀy of the newest pair), and
// moves along d = −H g by a step α from a Moré–Thuente line search satisfying the strong Wolfe
// conditions (sufficient decrease 1e-4, curvature 0.9):  w ← w + α d. Each step() is one iteration: the loss
// and gradient at w, then the line search's evaluations (usually one or two). The objective is the loss plus
// (l2/2)·‖w‖². Full batch, unless mini_batches is set.
#pragma once

#include <vector>

#include "fathom/optim/optimizer.hpp"

namespace fathom {

struct LBFGSOptions {
  Scalar learning_rate = 1;  // the line search's first trial step (α₀ = 1 is the quasi-Newton step)
  Scalar history = 10;       // m: the pairs (s, y) kept, a whole number from 1 to 1,000
  // Convergence: the largest gradient component at or below this, or a relative loss change
  // |f − f'| / max(|f|, |f'|, 1) of one step at or below change_tolerance.
  Scalar gradient_tolerance = 1e-5f;
  Scalar change_tolerance = 1e-9f;
  Scalar max_evaluations = 20;  // of the loss per line search, a whole number ≥ 1
  // The line search's curvature constant c₂ in (0, 1): |φ'(α)| ≤ c₂|φ'(0)|. Small values make
  // the search close to exact (more evaluations); 0.9 is the usual one for quasi-Newton steps.
  Scalar curvature = 0.9f;
  Scalar l2 = 0;  // λ: (λ/2)·‖w‖² added to the loss, λ·w to its gradient
  // Allow batches smaller than the training set (each step then minimizes a different batch's
  // loss: noisy, for very large data only). It is then a per-batch rule: fit's default batch is
  // 32, shuffled, unless batch_size says otherwise.
  bool mini_batches = false;

  static constexpr auto fields() {
    using F = OptionField<LBFGSOptions>;
    using enum OptionRange;
    return std::array{F{"learning_rate", positive, &LBFGSOptions::learning_rate},
                      F{"history", positive, &LBFGSOptions::history},
                      F{"gradient_tolerance", non_negative, &LBFGSOptions::gradient_tolerance},
                      F{"change_tolerance", non_negative, &LBFGSOptions::change_tolerance},
                      F{"max_evaluations", positive, &LBFGSOptions::max_evaluations},
                      F{"curvature", fraction, &LBFGSOptions::curvature},
                      F{"l2", non_negative, &LBFGSOptions::l2},
                      F{"mini_batches", flag, nullptr, &LBFGSOptions::mini_batches}};
  }
};

class LBFGS final : public Optimizer {
 public:
  static constexpr const char* kName = "lbfgs";
  explicit LBFGS(LBFGSOptions options = {});
  std::string name() const override { return kName; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<LBFGS>(*this); }
  bool needs_objective() const override { return true; }
  void check_state() const override;
  bool full_batch() const override { return !options_.mini_batches; }
  const LBFGSOptions& options() const { return options_; }
  // The pairs held now (0 after bind, at most history).
  int stored_pairs() const { return int(scalar(stored_)); }

 protected:
  void bound(std::size_t size) override;
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;
  bool apply(const StepInput& in) override;

 private:
  // d = −H g by the two-loop recursion over the stored pairs.
  void direction(std::span<const Scalar> g);
  // Runs the line search from x0_ along d_; leaves w at the accepted point with the objective's
  // gradient there. Returns that point's objective, or NaN if no step lowered it.
  double line_search(std::span<Scalar> w, std::span<const Scalar> g, Objective& objective, double f0,
                     double slope0, double first_step);
  double penalized(double loss, std::span<const Scalar> w) const;

  LBFGSOptions options_;
  int m_;
  std::vector<std::size_t> s_, y_;       // state buffers: pair i is (s_[i], y_[i]), a ring
  std::size_t stored_ = 0, newest_ = 0;  // scalars: pairs held, index of the newest
  // Working memory (not state), sized by bound(): the direction, the start point and gradient,
  // the two-loop coefficients.
  AlignedVector d_, x0_, g0_;
  std::vector<double> alpha_;
  bool search_converged_ = false;  // the last line search met the Wolfe conditions
};

}  // namespace fathom
