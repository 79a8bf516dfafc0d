// Levenberg–Marquardt (levenberg_marquardt.hpp): the normal equations accumulated from the
// objective's Jacobian a chunk of samples at a time (so J itself is never held whole), and
// damped solves with Eigen's in-place LDLT until a step lowers the loss. Its options are
// LevenbergMarquardtOptions'; its row is in optimizer.cpp's table.
#include "fathom/optim/levenberg_marquardt.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "checks.hpp"
#include "fathom/core/error.hpp"

namespace fathom {
namespace {

// Residual rows per chunk of the Jacobian: large enough for an efficient rank update of JᵀJ,
// small enough that the chunk (parameters × rows) stays a few MB.
constexpr Index kChunkRows = 64;

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

// "what value is at most option limit", numbers to 3 digits (a message of set_converged).
std::string at_most(const char* what, double value, const char* option, double limit) {
  std::ostringstream out;
  out.precision(3);
  out << what << ' ' << value << " is at most " << option << ' ' << limit;
  return out.str();
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
  const auto p = Index(size);
  jtj_.setZero(p, p);
  system_.setZero(p, p);
  jtr_.setZero(p);
  delta_.setZero(p);
  w0_.assign(size, 0);
  jt_chunk_.setZero(0, 0);  // sized by the first step, once the outputs per sample are known
  jt_double_.setZero(0, 0);
  residuals_.clear();
}

bool LevenbergMarquardt::update(std::span<Scalar>, std::span<const Scalar>, std::int64_t) {
  throw Error("lm: a step needs the Jacobian and the loss at trial weights: train with fit or train_step");
}

void LevenbergMarquardt::normal_equations(Objective& objective) {
  const Index p = jtj_.rows(), n = objective.samples(), k = objective.residuals_per_sample();
  const Index per_chunk = std::max<Index>(1, kChunkRows / k);
  if (jt_chunk_.cols() != per_chunk * k) {
    jt_chunk_.resize(p, per_chunk * k);
    jt_double_.resize(p, per_chunk * k);
    residuals_.assign(std::size_t(per_chunk * k), 0);
  }
  jtj_.setZero();
  jtr_.setZero();
  for (Index first = 0; first < n; first += per_chunk) {
    const Index count = std::min(per_chunk, n - first), rows = count * k;
    objective.jacobian(first, count, MatrixView(jt_chunk_.data(), p, rows),
                       std::span(residuals_.data(), rows));
    auto jt = jt_double_.leftCols(rows);
    jt = jt_chunk_.leftCols(rows).cast<double>();
    jtj_.selfadjointView<Eigen::Lower>().rankUpdate(jt);  // JᵀJ += Jcᵀ Jc
    jtr_.noalias() += jt * Eigen::Map<const Eigen::VectorXf>(residuals_.data(), rows).cast<double>();
  }
  count_evaluations(1);
}

bool LevenbergMarquardt::apply(const StepInput& in) {
  if (in.objective == nullptr) update(in.w, in.g, in.t);  // throws: the step needs the objective
  Objective& objective = *in.objective;
  const std::span<Scalar> w = in.w;
  auto W = Eigen::Map<Eigen::VectorXf>(w.data(), Index(w.size()));
  normal_equations(objective);
  if (const double norm = 2 * jtr_.norm(); norm <= options_.gradient_tolerance) {
    set_converged(at_most("the gradient norm of the squared errors", norm, "gradient_tolerance",
                          options_.gradient_tolerance));
    return true;
  }
  // The objective n·(loss + (λ/2)‖w‖²) = ½Σr² + (nλ/2)‖w‖²: its gradient Jᵀr + nλw, its
  // Gauss–Newton Hessian JᵀJ + nλI.
  const double n = double(objective.samples()), l2 = double(options_.l2);
  const auto objective_at = [&](double loss) {
    return loss + (l2 == 0 ? 0.0 : 0.5 * l2 * W.cast<double>().squaredNorm());
  };
  if (l2 != 0) jtr_ += (n * l2) * W.cast<double>();
  const double f0 = objective_at(in.loss);
  std::copy(w.begin(), w.end(), w0_.begin());
  const auto W0 = Eigen::Map<const Eigen::VectorXf>(w0_.data(), W.size());
  double& mu = scalar(mu_);
  for (;;) {
    system_.triangularView<Eigen::Lower>() = jtj_;
    system_.diagonal().array() += mu + n * l2;
    // In place: the factorization overwrites system_ (two small vectors of P are its only memory).
    Eigen::LDLT<Eigen::Ref<Eigen::MatrixXd>, Eigen::Lower> ldlt(system_);
    bool lower = false;
    if (ldlt.info() == Eigen::Success) {
      delta_ = -jtr_;
      ldlt.solveInPlace(delta_);
      W = W0 + delta_.cast<Scalar>();
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
    if (mu > double(options_.mu_max)) {
      mu = double(options_.mu_max);
      std::ostringstream why;
      why << "no step lowered the loss with mu up to mu_max " << options_.mu_max;
      set_converged(why.str());
      return true;
    }
  }
}

}  // namespace fathom
