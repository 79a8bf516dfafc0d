// Internal: online backprop, the training step Sequential::train_step takes for one sample with
// plain SGD (w ← w − η g: no momentum, decay or clipping) when every layer is Dense. Forward,
// every δ with the old weights (BP1, BP2), then SGD::step_outer writes W −= η δ xᵀ, b −= η δ
// straight into the weights (BP3, BP4 and the rule in one): the same update as forward,
// zero_grad, backward and step, without a gradient buffer as large as the model.
//
// One function over raw arrays: layers up to 64 wide run plain loops (a 2-2-1 net's whole
// update is a few dozen multiply-adds, so views, shape checks and a call per layer and verb
// would be most of its cost), wider ones gemv through fathom::gemm. It writes only its own
// buffer, never the layers' V/Y/δ buffers nor the gradient arena.
#pragma once

#include <memory>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/core/parameters.hpp"
#include "fathom/nn/layer.hpp"
#include "fathom/nn/loss.hpp"
#include "fathom/optim/sgd.hpp"

namespace fathom {

class Dense;
class Normalization;

namespace detail {

class OnlineSgd {
 public:
  // Plans the step for these layers; applies() is false unless every one is a Dense layer
  // (after an optional leading Normalization layer, whose scaled input it keeps in its buffer).
  explicit OnlineSgd(const std::vector<std::unique_ptr<Layer>>& layers);

  bool applies() const { return !layers_.empty(); }
  // One sample x (inputs × 1) against targets y (outputs × 1). Returns the loss before the
  // update. Throws DivergedError, leaving the weights untouched, when the loss or a δ is NaN
  // or Inf, and after the update when it made a weight NaN or Inf.
  double step(ConstMatrixView x, ConstMatrixView y, Parameters& params, SGD& sgd, const Loss& loss);
  // The outputs of the last step's forward pass (outputs × 1).
  const Scalar* output() const { return buffer_.data() + layers_.back().a; }

 private:
  struct Plan {
    const Dense* dense;
    Index inputs, units;
    Index v, a, d;  // offsets of the pre-activations, activations and deltas in buffer_
    bool narrow;    // plain loops rather than gemv
  };
  void forward(const Scalar* x, Parameters& params);
  // BP2 from layer l to l − 1: dp = φ'(v_prev) ⊙ Wᵀ d.
  void backward_layer(std::size_t l, Parameters& params);
  const Normalization* normalization_ = nullptr;
  Index scaled_x_ = 0;  // offset of the scaled input in buffer_
  std::vector<Plan> layers_;
  std::vector<OuterGradient> grads_;
  std::vector<Scalar> buffer_;
};

}  // namespace detail
}  // namespace fathom
