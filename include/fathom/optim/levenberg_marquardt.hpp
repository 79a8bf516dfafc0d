// Levenberg–Marquardt (docs/concepts.md, Levenberg–Marquardt): for the sum-of-squares loss (mse),
// the damped Gauss–Newton step from the Jacobian J of the residuals r = output − target (one row
// per output and sample, by backpropagation):
//   (JᵀJ + μI) δ = −Jᵀr,   w ← w + δ   if the loss falls: μ ← μ·mu_decrease;
//                                      else μ ← μ·mu_increase and solve again (until μ > mu_max)
// as MATLAB's trainlm. JᵀJ + μI is factored by Eigen's LDLT (Cholesky) in double; with fewer
// residuals m than parameters the same step comes from the m × m system JJᵀ + μI, as
// (JᵀJ + μI)⁻¹Jᵀ = Jᵀ(JJᵀ + μI)⁻¹. With l2 = λ the objective is the loss plus (λ/2)·‖w‖² (nλ joins
// μ on the diagonal). Full batch.
//
// Memory: JᵀJ and its factorization are two P×P matrices of doubles, 16·P² bytes for P
// parameters; models of more than kMaxParameters (8,192: 1 GiB) are refused at compile().
#pragma once

#include <Eigen/Core>

#include "fathom/optim/optimizer.hpp"

namespace fathom {

struct LevenbergMarquardtOptions {
  Scalar mu = 1e-3f;          // μ of the first step
  Scalar mu_increase = 10;    // > 1
  Scalar mu_decrease = 0.1f;  // in (0, 1)
  Scalar mu_max = 1e10f;      // μ above this: no step lowers the loss (converged)
  // Converged when ‖2(Jᵀr + nλw)‖, the gradient of Σr² (+ nλ‖w‖²), is at most this
  // (trainlm's min_grad; on the sum, not the mean, so that it does not shrink with the data).
  Scalar gradient_tolerance = 1e-7f;
  Scalar l2 = 0;

  static constexpr auto fields() {
    using F = OptionField<LevenbergMarquardtOptions>;
    using enum OptionRange;
    return std::array{F{"mu", positive, &LevenbergMarquardtOptions::mu},
                      F{"mu_increase", positive, &LevenbergMarquardtOptions::mu_increase},
                      F{"mu_decrease", fraction, &LevenbergMarquardtOptions::mu_decrease},
                      F{"mu_max", positive, &LevenbergMarquardtOptions::mu_max},
                      F{"gradient_tolerance", non_negative, &LevenbergMarquardtOptions::gradient_tolerance},
                      F{"l2", non_negative, &LevenbergMarquardtOptions::l2}};
  }
};

class LevenbergMarquardt final : public Optimizer {
 public:
  static constexpr const char* kName = "lm";
  static constexpr std::size_t kMaxParameters = 8192;
  explicit LevenbergMarquardt(LevenbergMarquardtOptions options = {});
  // The options and state; not the working memory (up to 1.5 GiB), which the next step rebuilds.
  LevenbergMarquardt(const LevenbergMarquardt& other);
  LevenbergMarquardt& operator=(const LevenbergMarquardt&) = delete;
  std::string name() const override { return kName; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<LevenbergMarquardt>(*this); }
  bool needs_objective() const override { return true; }
  void check_state() const override;
  bool full_batch() const override { return true; }
  bool has_learning_rate() const override { return false; }
  const LevenbergMarquardtOptions& options() const { return options_; }
  // μ for the next step.
  double mu() const { return scalar(mu_); }

 protected:
  void bound(std::size_t size) override;
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;
  bool apply(const StepInput& in) override;

 private:
  // The Jacobian's products at the current weights: Jᵀr and JᵀJ (primal), or J whole and JJᵀ
  // (dual, fewer residuals than parameters).
  void linearize(Objective& objective);
  void size_for(Index parameters, Index residuals, Index per_sample);
  // step_ = −(JᵀJ + cI)⁻¹(Jᵀr + nλ·w); false if the factorization fails.
  bool solve(double c, double nl2, std::span<const Scalar> w);

  LevenbergMarquardtOptions options_;
  std::size_t mu_ = add_scalar("mu", options_.mu);
  // Working memory (not state), sized by the first step.
  Index rows_ = 0;                      // residuals m
  bool dual_ = false;                   // m < parameters: solve the m × m system
  Matrix jt_chunk_;                     // Jᵀ of a chunk of samples, as the objective writes it
  Eigen::MatrixXd jt_, gram_, system_;  // Jᵀ in double; JᵀJ or JJᵀ (lower); + cI, factored
  Eigen::VectorXd rhs_, delta_, extra_, step_;
  AlignedVector residuals_, w0_;
};

}  // namespace fathom
