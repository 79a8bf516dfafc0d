// Stochastic gradient descent with momentum, Nesterov look-ahead and L1/L2 decay (docs/concepts.md,
// momentum and weight decay). Its options are SGDOptions'; its row is in optimizer.cpp's table.
#include "fathom/optim/sgd.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string_view>

#include "../core/parallel.hpp"
#include "checks.hpp"
#include "fathom/core/threads.hpp"

namespace fathom {

// The options are checked before the base constructor runs, so that errors name "sgd".
SGD::SGD(SGDOptions options) : Optimizer(detail::checked(kName, options)), options_(options) {}

namespace {
// The two loops of the rule over one block, with restrict pointers so that they vectorize.
void plain_block(Scalar* __restrict w, const Scalar* __restrict g, std::int64_t n, Scalar eta, Scalar l1,
                 Scalar l2) {
  for (std::int64_t i = 0; i < n; ++i) {
    const Scalar wi = w[i];
    const Scalar sign = Scalar(wi > 0) - Scalar(wi < 0);
    w[i] = wi + (-eta * g[i] - l2 * wi - l1 * sign);
  }
}

void momentum_block(Scalar* __restrict w, const Scalar* __restrict g, Scalar* __restrict v, std::int64_t n,
                    Scalar eta, Scalar l1, Scalar l2, Scalar alpha, Scalar take_velocity,
                    Scalar take_direct) {
  for (std::int64_t i = 0; i < n; ++i) {
    const Scalar wi = w[i];
    const Scalar sign = Scalar(wi > 0) - Scalar(wi < 0);
    // d = −η g − λ₂ w(t−1) − λ₁ sign(w(t−1)); Δw(t) = d + α Δw(t−1)
    const Scalar d = -eta * g[i] - l2 * wi - l1 * sign;
    const Scalar dw = alpha * v[i] + d;
    v[i] = dw;
    w[i] = wi + take_velocity * dw + take_direct * d;
  }
}
}  // namespace

bool SGD::update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t /*t*/) {
  const Scalar eta = learning_rate_;
  const Scalar alpha = options_.momentum;
  const Scalar l1 = options_.l1;
  const Scalar l2 = options_.l2;
  // Plain:    w += Δw(t)                      → w += 1·Δw(t) + 0·d
  // Nesterov: w += α Δw(t) + d  (look-ahead)  → w += α·Δw(t) + 1·d
  // Blending with constants keeps one branch-free loop the compiler vectorizes.
  const Scalar take_velocity = options_.nesterov ? alpha : Scalar(1);
  const Scalar take_direct = options_.nesterov ? Scalar(1) : Scalar(0);
  Scalar* weights = w.data();
  const Scalar* grads = g.data();
  Scalar* velocity = buffer(velocity_).data();
  const auto n = static_cast<std::int64_t>(w.size());
  // Blocks of 1024 parameters: the loops below vectorize (no reduction in them), then the new
  // weights of the block, still in L1, are checked (Σ w − w is 0 while all are finite).
  constexpr std::int64_t kBlock = 1024;
  auto block = [=](std::int64_t b) {
    const std::int64_t begin = b * kBlock, end = std::min(n, begin + kBlock);
    if (alpha == 0) {
      // No momentum: Δw(t−1) is never read again (Nesterov's look-ahead is d too), so the
      // velocity is left at zero and the loop touches 3 floats per parameter instead of 5.
      plain_block(weights + begin, grads + begin, end - begin, eta, l1, l2);
    } else {
      momentum_block(weights + begin, grads + begin, velocity + begin, end - begin, eta, l1, l2, alpha,
                     take_velocity, take_direct);
    }
    const auto W = Eigen::Map<const Eigen::ArrayXf>(weights + begin, static_cast<Index>(end - begin));
    return (W - W).sum();
  };
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  // Element-wise: the same result on any number of threads.
  const Scalar check = detail::parallel_sum(blocks, threads_for_elements(w.size()), block);
  return std::isfinite(check);
}

}  // namespace fathom
