// SGD's plain rule w ← w − η g for gradients in factored form, g = δ xᵀ (one Dense layer, one
// sample): online backprop's update. For every input j, column j of W moves by −η x_j δ (an
// axpy); an input of exactly 0 leaves its column as it is, so it is skipped (half of an image's
// pixels, half of a ReLU layer's outputs). The finiteness of the new weights is summed in the
// same pass (w − w is 0 for finite w, NaN otherwise), per row so that the loops stay vectorised.
#include <algorithm>
#include <cmath>

#include "fathom/core/error.hpp"
#include "fathom/optim/sgd.hpp"

namespace fathom {

namespace {
constexpr Index kChunk = 64;        // rows summed into one block of accumulators
constexpr Index kVectorUnits = 16;  // narrower columns sum into a register instead

// W −= η δ xᵀ, b −= η δ; returns a sum that is finite iff every new weight is.
Scalar descend(const OuterGradient& g, Scalar eta) {
  const Index units = g.units;
  const Scalar* __restrict d = g.delta;
  if (units < kVectorUnits) {
    Scalar check = 0;
    for (Index j = 0; j < g.inputs; ++j) {
      if (g.x[j] == 0) continue;
      const Scalar s = -eta * g.x[j];
      Scalar* __restrict w = g.W + j * units;
      for (Index i = 0; i < units; ++i) {
        w[i] += s * d[i];
        check += w[i] - w[i];
      }
    }
    if (g.b != nullptr) {
      Scalar* __restrict b = g.b;
      for (Index i = 0; i < units; ++i) {
        b[i] -= eta * d[i];
        check += b[i] - b[i];
      }
    }
    return check;
  }
  Scalar check[kChunk] = {};
  for (Index j = 0; j < g.inputs; ++j) {
    if (g.x[j] == 0) continue;
    const Scalar s = -eta * g.x[j];
    Scalar* w = g.W + j * units;
    for (Index r = 0; r < units; r += kChunk) {
      const Index n = std::min(kChunk, units - r);
      Scalar* __restrict wr = w + r;
      const Scalar* __restrict dr = d + r;
      for (Index i = 0; i < n; ++i) {
        const Scalar v = wr[i] + s * dr[i];
        wr[i] = v;
        check[i] += v - v;
      }
    }
  }
  if (g.b != nullptr) {
    for (Index r = 0; r < units; r += kChunk) {
      const Index n = std::min(kChunk, units - r);
      Scalar* __restrict br = g.b + r;
      const Scalar* __restrict dr = d + r;
      for (Index i = 0; i < n; ++i) {
        const Scalar v = br[i] - eta * dr[i];
        br[i] = v;
        check[i] += v - v;
      }
    }
  }
  Scalar sum = 0;
  for (Index i = 0; i < kChunk; ++i) sum += check[i];
  return sum;
}
}  // namespace

bool SGD::step_outer(std::span<const OuterGradient> grads) {
  if (!plain()) {
    throw Error("sgd: step_outer needs the plain rule (no momentum, l1, l2 or clip_norm)");
  }
  Scalar check = 0;
  for (const OuterGradient& g : grads) check += descend(g, learning_rate_);
  set_iterations(iterations() + 1);  // one step, however many layers it updated
  return std::isfinite(check);
}

}  // namespace fathom
