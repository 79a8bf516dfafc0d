// Levenberg–Marquardt (levenberg_marquardt.hpp): the Gauss–Newton system from the objective's
// Jacobian (JᵀJ accumulated a chunk of samples at a time with OpenBLAS's dsyrk, so J is never
// held whole; or, with fewer residuals than parameters, J whole and JJᵀ), and damped solves with
// Eigen's in-place LDLT until a step lowers the loss. Its options are
// LevenbergMarquardtOptions'; its row is in optimizer.cpp's table.
#include "fathom/optim/levenberg_marquardt.hpp"

#include <cblas.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "checks.hpp"
#include "fathom/core/error.hpp"

namespace fathom {
namespace {

// Residual rows per chunk of the Jacobian (primal form): large enough for an efficient rank
// update of JᵀJ, small enough that the chunk (parameters × rows doubles) stays a few MB.
constexpr Index kChunkRows = 256;

const LevenbergMarquardtOptions& checked_lm(const LevenbergMarquardtOptions& options) {
  detail::checked(LevenbergMarquardt::kName, options);
  if (!(options.mu_increase > 1))
    throw InvalidArgument("lm: mu_increase must be > 1, got " + std::to_string(options.mu_increase));
  if (!(options.mu_decrease > 0))
    throw InvalidArgument("lm: mu_decrease must be in (0, 1), got " + std::to_string(options.mu_decrease));
  if (!(options.mu <= options.mu_max))
    throw InvalidArgument("lm: mu must be <= mu_max, got " + std::to_string(options.mu) + " > " +
                          std::to_string(options.mu_max));
  return options;
}

}  // namespace

// No learning rate: the base's is a placeholder that nothing reads (has_learning_rate is false).
LevenbergMarquardt::LevenbergMarquardt(LevenbergMarquardtOptions options)
    : Optimizer(1, 0), options_(checked_lm(options)) {}

void LevenbergMarquardt::bound(std::size_t size) {
  if (size > kMaxParameters) {
    std::ostringstream out;
    out << "lm: the model has " << size
        << " parameters; Levenberg-Marquardt holds JᵀJ and its factorization, "
        << "two matrices of parameters² doubles (" << (16.0 * double(size) * double(size) / 1e9)
        << " GB here), and is limited to " << kMaxParameters
        << " parameters (1 GiB): use lbfgs or irprop+ for this model, or make it smaller";
    throw InvalidArgument(out.str());
  }
  // Sized by the first step, which knows the number of residuals (and so the form).
  w0_.assign(size, 0);
  rows_ = 0;
}

void LevenbergMarquardt::check_state() const {
  const double mu = scalar(mu_);
  if (!(mu > 0 && mu <= double(options_.mu_max))) {
    std::ostringstream out;
    out << "lm: state mu " << mu << " must be in (0, mu_max " << options_.mu_max << "]";
    throw InvalidArgument(out.str());
  }
}

LevenbergMarquardt::LevenbergMarquardt(const LevenbergMarquardt& other)
    : Optimizer(other), options_(other.options_), mu_(other.mu_), w0_(other.w0_.size(), 0) {}

bool LevenbergMarquardt::update(std::span<Scalar>, std::span<const Scalar>, std::int64_t) {
  throw Error("lm: a step needs the Jacobian and the loss at trial weights: train with fit or train_step");
}

void LevenbergMarquardt::size_for(Index p, Index m, Index k) {
  if (rows_ == m) return;
  rows_ = m;
  dual_ = m < p;
  const Index chunk = dual_ ? m : std::max<Index>(1, kChunkRows / k) * k;
  jt_chunk_.resize(p, chunk);
  residuals_.assign(std::size_t(dual_ ? m : chunk), 0);
  jt_.resize(p, chunk);
  const Index q = dual_ ? m : p;  // the order of the system solved
  gram_.resize(q, q);
  system_.resize(q, q);
  rhs_.resize(p);
  delta_.resize(q);
  extra_.resize(q);
  step_.resize(p);
}

void LevenbergMarquardt::linearize(Objective& objective) {
  const Index p = Index(w0_.size()), n = objective.samples(), k = objective.residuals_per_sample();
  size_for(p, n * k, k);
  const Index per_chunk = jt_chunk_.cols() / k;
  if (!dual_) gram_.setZero();
  rhs_.setZero();
  for (Index first = 0; first < n; first += per_chunk) {
    const Index count = std::min(per_chunk, n - first), rows = count * k;
    objective.jacobian(first, count, MatrixView(jt_chunk_.data(), p, rows),
                       std::span(residuals_.data(), rows));
    auto jt = jt_.leftCols(rows);
    jt = jt_chunk_.leftCols(rows).cast<double>();
    const auto r = Eigen::Map<const Eigen::VectorXf>(residuals_.data(), rows).cast<double>();
    rhs_.noalias() += jt * r;  // Jᵀr
    if (dual_) {
      // JJᵀ (m × m, lower): OpenBLAS's dsyrk.
      cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, int(rows), int(p), 1.0, jt.data(), int(p), 0.0,
                  gram_.data(), int(rows));
    } else {
      // JᵀJ += Jcᵀ Jc (p × p, lower), a chunk of residuals at a time.
      cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, int(p), int(rows), 1.0, jt.data(), int(p), 1.0,
                  gram_.data(), int(p));
    }
  }
  count_evaluations(1);
}

// δ = −(JᵀJ + cI)⁻¹ b with b = Jᵀr + nλw and c = μ + nλ. Primal: the p × p system. Dual (fewer
// residuals m than parameters p), with J held whole: (JᵀJ + cI)⁻¹Jᵀ = Jᵀ(JJᵀ + cI)⁻¹ turns the
// Jᵀr part into an m × m solve, and the penalty's part is (nλ/c)(w − Jᵀ(JJᵀ + cI)⁻¹Jw).
bool LevenbergMarquardt::solve(double c, double nl2, std::span<const Scalar> w) {
  system_.triangularView<Eigen::Lower>() = gram_;
  system_.diagonal().array() += c;
  // In place: the factorization overwrites system_ (two small vectors are its only memory).
  Eigen::LDLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> ldlt(system_);
  if (ldlt.info() != Eigen::Success) return false;
  const auto W = Eigen::Map<const Eigen::VectorXf>(w.data(), Index(w.size())).cast<double>();
  if (!dual_) {
    delta_ = -(rhs_ + nl2 * W);
    ldlt.solveInPlace(delta_);
    step_ = delta_;
    return step_.allFinite();
  }
  const auto J = jt_.leftCols(rows_);  // Jᵀ, p × m
  delta_ = Eigen::Map<const Eigen::VectorXf>(residuals_.data(), rows_).cast<double>();
  ldlt.solveInPlace(delta_);
  step_.noalias() = -(J * delta_);
  if (nl2 != 0) {
    extra_.noalias() = J.transpose() * W;
    ldlt.solveInPlace(extra_);
    step_ -= (nl2 / c) * (W - J * extra_);
  }
  return step_.allFinite();
}

bool LevenbergMarquardt::apply(const StepInput& in) {
  if (in.objective == nullptr) update(in.w, in.g, in.t);  // throws: the step needs the objective
  Objective& objective = *in.objective;
  const std::span<Scalar> w = in.w;
  auto W = Eigen::Map<Eigen::VectorXf>(w.data(), Index(w.size()));
  linearize(objective);
  // The objective n·(loss + (λ/2)‖w‖²) = ½Σr² + (nλ/2)‖w‖²: its gradient Jᵀr + nλw, its
  // Gauss–Newton Hessian JᵀJ + nλI.
  const double n = double(objective.samples()), l2 = double(options_.l2);
  if (const double norm = 2 * (rhs_ + (n * l2) * W.cast<double>()).norm();
      norm <= options_.gradient_tolerance) {
    set_converged(detail::at_most("the gradient norm of the squared errors", norm, "gradient_tolerance",
                                  options_.gradient_tolerance));
    return true;
  }
  const auto objective_at = [&](double loss) {
    return loss + (l2 == 0 ? 0.0 : 0.5 * l2 * W.cast<double>().squaredNorm());
  };
  const double f0 = objective_at(in.loss);
  std::copy(w.begin(), w.end(), w0_.begin());
  const auto W0 = Eigen::Map<const Eigen::VectorXf>(w0_.data(), W.size());
  double& mu = scalar(mu_);
  for (;;) {
    bool lower = false;
    if (solve(mu + n * l2, n * l2, w0_)) {
      W = W0 + step_.cast<Scalar>();
      const double f = objective_at(objective.evaluate(false));
      count_evaluations(1);
      lower = std::isfinite(f) && f < f0;
    }
    if (lower) {
      mu = std::max(mu * double(options_.mu_decrease), 1e-20);
      return W.allFinite();
    }
    W = W0;
    mu *= double(options_.mu_increase);
    if (!(mu <= double(options_.mu_max))) {
      mu = double(options_.mu_max);
      std::ostringstream why;
      why << "no step lowered the loss with mu up to mu_max " << options_.mu_max;
      set_converged(why.str());
      return true;
    }
  }
}

}  // namespace fathom
