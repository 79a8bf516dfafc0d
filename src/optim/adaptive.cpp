// Adaptive step-size rules: Adagrad, RMSprop, Adam and AdamW (formulas in adaptive.hpp). Their
// options and ranges are their Options structs'; their rows are in optimizer.cpp's table.
#include "fathom/optim/adaptive.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string_view>

#include "../core/parallel.hpp"
#include "checks.hpp"
#include "fathom/core/threads.hpp"

// GCC 12's own AVX-512 header trips -Wmaybe-uninitialized (`__m512 __Y = __Y;` in
// _mm512_undefined_ps, GCC bug 105593) once Eigen's packet sqrt is inlined here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace fathom {

namespace {

using Array = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
using ConstArray = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;

// Why blocks of Eigen array expressions rather than one plain loop: with GCC's default
// -fmath-errno, std::sqrt in a loop is not vectorized (a fused scalar Adam loop measured 9x
// slower). Eigen's sqrt is SIMD (with Eigen's default EIGEN_FAST_MATH it may lose 1-2 bits,
// harmless in a step size), and a block of 1024 floats per array keeps the few passes over
// one block in L1, so memory is still streamed once. `body` is inlined: no std::function.
constexpr std::size_t kBlock = 1024;

// Blocks are independent, so a large arena's blocks are shared among fathom's threads
// (core/threads.hpp); each element's arithmetic is the same on any number of threads. After
// each block, its new weights (still in L1) are checked: returns false if one is NaN or Inf.
template <class Body>
bool for_each_block(std::span<const Scalar> w, Body&& body) {
  const std::size_t size = w.size();
  const auto blocks = static_cast<std::int64_t>((size + kBlock - 1) / kBlock);
  auto run = [&](std::int64_t i) {
    const std::size_t offset = static_cast<std::size_t>(i) * kBlock;
    const Index n = Index(std::min(kBlock, size - offset));
    body(offset, n);
    const auto W = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(w.data() + offset, n);
    return (W - W).sum();
  };
  const Scalar check = detail::parallel_sum(blocks, threads_for_elements(size), run);
  return std::isfinite(check);
}

Array block(std::span<Scalar> s, std::size_t offset, Index n) { return Array(s.data() + offset, n); }
ConstArray block(std::span<const Scalar> s, std::size_t offset, Index n) {
  return ConstArray(s.data() + offset, n);
}

// 1 / (1 − βᵗ) for the 1-based step t, in double: 1 − β₂ᵗ loses most of its digits in float.
double bias_correction(Scalar beta, std::int64_t t) {
  return 1.0 / (1.0 - std::pow(double(beta), double(t)));
}

// The Adam step shared by Adam and AdamW: m = β₁m + (1−β₁)(g + λ₂w), v = β₂v + (1−β₂)(g + λ₂w)²,
// w ← keep·w − η m̂ / (√v̂ + ε). Adam: keep = 1 (L2 in the gradient); AdamW: λ₂ = 0 and
// keep = 1 − ηλ (decay decoupled from the gradient). The 0 and 1 leave every value exact.
bool adam_step(std::span<Scalar> w, std::span<const Scalar> g, std::span<Scalar> m, std::span<Scalar> v,
               Scalar b1, Scalar b2, Scalar eps, Scalar l2, Scalar eta, Scalar keep, std::int64_t t) {
  // m̂ = m·c1 and v̂ = v·c2; η folds into c1 so the loop does one multiply fewer.
  const Scalar step = Scalar(double(eta) * bias_correction(b1, t));
  const Scalar c2 = Scalar(bias_correction(b2, t));
  return for_each_block(w, [&](std::size_t at, Index n) {
    Array W = block(w, at, n), M = block(m, at, n), V = block(v, at, n);
    const ConstArray grad = block(g, at, n);
    M = b1 * M + (1 - b1) * (grad + l2 * W);
    V = b2 * V + (1 - b2) * (grad + l2 * W).square();
    W = keep * W - step * M / ((c2 * V).sqrt() + eps);
  });
}

}  // namespace

// ---- Adagrad: G += g²; w −= η g / (√G + ε) --------------------------------------------------

Adagrad::Adagrad(AdagradOptions options) : Optimizer(detail::checked(kName, options)), options_(options) {}

bool Adagrad::update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t /*t*/) {
  const Scalar eta = learning_rate_, eps = options_.epsilon, l2 = options_.l2;
  const auto accumulator = buffer(accumulator_);
  return for_each_block(w, [&](std::size_t at, Index n) {
    Array W = block(w, at, n), G = block(accumulator, at, n);
    const ConstArray grad = block(g, at, n);
    G += (grad + l2 * W).square();
    W -= eta * (grad + l2 * W) / (G.sqrt() + eps);
  });
}

// ---- RMSprop: S = ρS + (1−ρ)g²; w −= η g / (√S + ε), or through momentum m = μm + step -------

RMSprop::RMSprop(RMSpropOptions options) : Optimizer(detail::checked(kName, options)), options_(options) {}

bool RMSprop::update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t /*t*/) {
  const Scalar eta = learning_rate_, rho = options_.rho, mu = options_.momentum;
  const Scalar eps = options_.epsilon, l2 = options_.l2;
  const auto mean_square = buffer(mean_square_), momentum = buffer(momentum_);
  return for_each_block(w, [&](std::size_t at, Index n) {
    Array W = block(w, at, n), S = block(mean_square, at, n);
    const ConstArray grad = block(g, at, n);
    S = rho * S + (1 - rho) * (grad + l2 * W).square();
    if (mu > 0) {
      Array M = block(momentum, at, n);
      M = mu * M + eta * (grad + l2 * W) / (S.sqrt() + eps);
      W -= M;
    } else {
      W -= eta * (grad + l2 * W) / (S.sqrt() + eps);
    }
  });
}

// ---- Adam: m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; w −= η m̂ / (√v̂ + ε) -------------------------

Adam::Adam(AdamOptions options) : Optimizer(detail::checked(kName, options)), options_(options) {}

bool Adam::update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) {
  return adam_step(w, g, buffer(m_), buffer(v_), options_.beta1, options_.beta2, options_.epsilon,
                   options_.l2, learning_rate_, 1, t);
}

// ---- AdamW: w −= η λ w, then the Adam step (the decay is not part of the gradient) ------------

AdamW::AdamW(AdamWOptions options) : Optimizer(detail::checked(kName, options)), options_(options) {}

bool AdamW::update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) {
  const Scalar keep = Scalar(1.0 - double(learning_rate_) * double(options_.weight_decay));
  return adam_step(w, g, buffer(m_), buffer(v_), options_.beta1, options_.beta2, options_.epsilon, 0,
                   learning_rate_, keep, t);
}

}  // namespace fathom
