// L-BFGS (lbfgs.hpp): the two-loop recursion over a ring of m pairs kept as state buffers, and
// one Moré–Thuente line search per step (line_search.hpp). Its options are LBFGSOptions'; its row
// is in optimizer.cpp's table.
#include "fathom/optim/lbfgs.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <sstream>

#include "checks.hpp"
#include "fathom/core/error.hpp"
#include "line_search.hpp"

namespace fathom {
namespace {

using Vec = Eigen::Map<Eigen::VectorXf>;
using ConstVec = Eigen::Map<const Eigen::VectorXf>;

Vec vec(std::span<Scalar> s) { return Vec(s.data(), Index(s.size())); }
ConstVec vec(std::span<const Scalar> s) { return ConstVec(s.data(), Index(s.size())); }
Vec vec(AlignedVector& s) { return Vec(s.data(), Index(s.size())); }

// Dot products in double: a float sum over a large arena loses the small terms.
template <class A, class B>
double dot(const A& a, const B& b) {
  return a.template cast<double>().dot(b.template cast<double>());
}

int whole(const char* option, Scalar value, int most) {
  if (value != std::floor(value) || value < 1 || value > Scalar(most)) {
    std::ostringstream out;
    out << "lbfgs: " << option << " must be a whole number from 1 to " << most << ", got " << value;
    throw InvalidArgument(out.str());
  }
  return int(value);
}

}  // namespace

LBFGS::LBFGS(LBFGSOptions options)
    : Optimizer(detail::checked(kName, options).learning_rate, 0),
      options_(options),
      m_(whole("history", options.history, 1000)) {
  whole("max_evaluations", options.max_evaluations, 1000);
  if (!(options.curvature > 1e-4f))  // c₂ must exceed the sufficient-decrease constant
    throw InvalidArgument("lbfgs: curvature must be in (0.0001, 1), got " +
                          std::to_string(options.curvature));
  for (int i = 0; i < m_; ++i) s_.push_back(add_state(std::string("s").append(std::to_string(i))));
  for (int i = 0; i < m_; ++i) y_.push_back(add_state(std::string("y").append(std::to_string(i))));
  stored_ = add_scalar("stored_pairs", 0);
  newest_ = add_scalar("newest_pair", 0);
}

void LBFGS::check_state() const {
  const double stored = scalar(stored_), newest = scalar(newest_);
  if (!(stored >= 0 && stored <= m_ && stored == std::floor(stored)) ||
      !(newest >= 0 && newest < m_ && newest == std::floor(newest))) {
    std::ostringstream out;
    out << "lbfgs: state stored_pairs " << stored << " and newest_pair " << newest
        << " must be whole numbers in [0, " << m_ << "] and [0, " << m_ << ")";
    throw InvalidArgument(out.str());
  }
}

void LBFGS::bound(std::size_t size) {
  d_.assign(size, 0);
  x0_.assign(size, 0);
  g0_.assign(size, 0);
  alpha_.assign(std::size_t(m_), 0);
}

bool LBFGS::update(std::span<Scalar>, std::span<const Scalar>, std::int64_t) {
  throw Error(
      "lbfgs: a step needs the loss at trial weights (its line search): train with fit or train_step");
}

double LBFGS::penalized(double loss, std::span<const Scalar> w) const {
  if (options_.l2 == 0) return loss;
  return loss + 0.5 * double(options_.l2) * vec(w).cast<double>().squaredNorm();
}

void LBFGS::direction(std::span<const Scalar> g) {
  auto d = vec(d_);
  d = vec(g);  // q
  const int stored = stored_pairs();
  const int newest = int(scalar(newest_));
  // Newest to oldest: αᵢ = ρᵢ sᵢᵀq, q −= αᵢ yᵢ (ρᵢ = 1 / yᵢᵀsᵢ, recomputed: cheaper than state).
  for (int k = 0; k < stored; ++k) {
    const int i = (newest - k + m_) % m_;
    const auto s = vec(buffer(s_[std::size_t(i)])), y = vec(buffer(y_[std::size_t(i)]));
    alpha_[std::size_t(i)] = dot(s, d) / dot(y, s);
    d -= Scalar(alpha_[std::size_t(i)]) * y;
  }
  if (stored > 0) {
    const auto s = vec(buffer(s_[std::size_t(newest)])), y = vec(buffer(y_[std::size_t(newest)]));
    d *= Scalar(dot(s, y) / dot(y, y));  // H₀ = γI
  }
  // Oldest to newest: β = ρᵢ yᵢᵀr, r += (αᵢ − β) sᵢ.
  for (int k = stored - 1; k >= 0; --k) {
    const int i = (newest - k + m_) % m_;
    const auto s = vec(buffer(s_[std::size_t(i)])), y = vec(buffer(y_[std::size_t(i)]));
    const double beta = dot(y, d) / dot(y, s);
    d += Scalar(alpha_[std::size_t(i)] - beta) * s;
  }
  d = -d;
}

double LBFGS::line_search(std::span<Scalar> w, std::span<const Scalar> g, Objective& objective, double f0,
                          double slope0, double first_step) {
  detail::LineSearchOptions ls_options;
  ls_options.max_evaluations = int(options_.max_evaluations);
  ls_options.gtol = options_.curvature;
  detail::MoreThuente search(f0, slope0, first_step, ls_options);
  const auto x0 = vec(x0_), d = vec(d_);
  auto W = vec(w);
  const auto G = vec(g);  // the arena's gradients: each evaluation writes its own there
  const Scalar l2 = options_.l2;
  // φ(α) = f(x0 + αd) and φ'(α) = ∇f(x0 + αd)ᵀd.
  const auto evaluate_at = [&](double step, double& slope) {
    W = x0 + Scalar(step) * d;
    const double f = penalized(objective.evaluate(true), w);
    count_evaluations(1);
    slope = l2 == 0 ? dot(G, d) : dot(G + l2 * W, d);
    return f;
  };
  double slope = 0, f = evaluate_at(search.step(), slope);
  while (!search.report(f, slope)) f = evaluate_at(search.step(), slope);
  search_converged_ = search.converged();
  if (search_converged_) return f;  // the point just evaluated
  // Ended without the Wolfe conditions: the lowest point, if any went below f0.
  const detail::LinePoint lowest = search.lowest();
  if (lowest.step == 0) {
    W = x0;
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (lowest.step != search.step()) f = evaluate_at(lowest.step, slope);  // its gradient, again
  return f;
}

bool LBFGS::apply(const StepInput& in) {
  if (in.objective == nullptr) update(in.w, in.g, in.t);  // throws: a line search needs the objective
  const std::span<Scalar> w = in.w;
  const auto W = vec(w);
  const Scalar l2 = options_.l2;
  // The start point: the loss and gradient that train_step computed here (plus the penalty).
  auto g0 = vec(g0_);
  g0 = vec(in.g);
  if (l2 != 0) g0 += l2 * W;
  const double f0 = penalized(in.loss, w);
  const double largest = g0.cwiseAbs().maxCoeff();
  if (largest <= options_.gradient_tolerance) {
    set_converged(detail::at_most("the largest gradient component", largest, "gradient_tolerance",
                                  options_.gradient_tolerance));
    return true;
  }
  direction(g0_);
  double slope0 = dot(g0, vec(d_));
  if (!(slope0 < 0)) {
    // Not a descent direction (rounding in the pairs): start the history again.
    scalar(stored_) = 0;
    direction(g0_);
    slope0 = dot(g0, vec(d_));
  }
  vec(x0_) = W;
  // With no pairs d = −g, whose length says nothing of the step: the first trial is at most 1/‖g‖.
  const double first =
      double(learning_rate_) * (stored_pairs() == 0 ? std::min(1.0, 1.0 / g0.cast<double>().norm()) : 1.0);
  const double f = line_search(w, in.g, *in.objective, f0, slope0, first);
  if (std::isnan(f)) {
    if (stored_pairs() > 0) {
      scalar(stored_) = 0;  // the next step tries steepest descent
    } else {
      set_converged("no lower loss along the gradient (the line search's trials all rose)");
    }
    return true;
  }
  // The new pair: s = w − x0, y = g − g0 (g at w, with the penalty); kept only with sᵀy > 0,
  // which keeps H positive definite.
  auto s = vec(d_), y = vec(g0_);  // the direction and g0 are spent: their memory holds the pair
  s = W - vec(x0_);
  y = vec(in.g) - g0;
  if (l2 != 0) y += l2 * W;
  const double sy = dot(s, y), yy = dot(y, y);
  if (sy > 1e-10 * yy && yy > 0) {
    const int next = stored_pairs() == 0 ? 0 : (int(scalar(newest_)) + 1) % m_;
    vec(buffer(s_[std::size_t(next)])) = s;
    vec(buffer(y_[std::size_t(next)])) = y;
    scalar(newest_) = next;
    scalar(stored_) = std::min(stored_pairs() + 1, m_);
  }
  const double change = std::abs(f0 - f) / std::max({std::abs(f0), std::abs(f), 1.0});
  if (change <= options_.change_tolerance) {
    if (search_converged_ || stored_pairs() <= 1) {
      set_converged(detail::at_most("the loss's relative change", change, "change_tolerance",
                                    options_.change_tolerance));
    } else {
      scalar(stored_) = 0;  // a search that stalled along d: the next step starts again from −g
    }
  }
  return W.allFinite();
}

}  // namespace fathom
