// Stochastic gradient descent with momentum (docs/concepts.md, momentum and weight decay):
//   Δw(t) = −η ∂E/∂w + α Δw(t−1) − λ₂ w(t−1) − λ₁ sign(w(t−1)),   w(t) = w(t−1) + Δw(t)
// Nesterov (nesterov = true): w(t) = w(t−1) + α Δw(t) − η ∂E/∂w − λ₂ w(t−1) − λ₁ sign(w(t−1))
// (the look-ahead form used by Keras and PyTorch).
#pragma once

#include <span>
#include <vector>

#include "fathom/optim/optimizer.hpp"

namespace fathom {

// One Dense layer's gradient on one sample, in factored form: ∂C/∂W = δ xᵀ and ∂C/∂b = δ.
struct OuterGradient {
  Scalar* W;            // units × inputs, column-major (the layer's weights, updated in place)
  Scalar* b;            // units, or nullptr for a layer without bias
  const Scalar* delta;  // δ, units
  const Scalar* x;      // the layer's input, inputs
  Index units, inputs;
};

struct SGDOptions {
  Scalar learning_rate = 0.01f;  // η > 0
  Scalar momentum = 0;           // α in [0, 1)
  bool nesterov = false;
  Scalar l2 = 0;         // λ₂ ≥ 0, weight decay as in the formula above (not scaled by η)
  Scalar l1 = 0;         // λ₁ ≥ 0
  Scalar clip_norm = 0;  // > 0: clip the gradient's global L2 norm to this value

  static constexpr auto fields() {
    using F = OptionField<SGDOptions>;
    using enum OptionRange;
    return std::array{F{"learning_rate", positive, &SGDOptions::learning_rate},
                      F{"momentum", fraction, &SGDOptions::momentum},
                      F{"nesterov", flag, nullptr, &SGDOptions::nesterov},
                      F{"l2", non_negative, &SGDOptions::l2},
                      F{"l1", non_negative, &SGDOptions::l1},
                      F{"clip_norm", non_negative, &SGDOptions::clip_norm}};
  }
};

class SGD final : public Optimizer {
 public:
  static constexpr const char* kName = "sgd";
  explicit SGD(SGDOptions options = {});
  std::string name() const override { return kName; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<SGD>(*this); }
  const SGDOptions& options() const { return options_; }
  // The rule is w ← w − η g and nothing else: no momentum, decay or clipping.
  bool plain() const {
    return options_.momentum == 0 && options_.l1 == 0 && options_.l2 == 0 && clip_norm_ == 0;
  }
  // The same step for gradients given as outer products (online backprop, train/online_sgd.cpp):
  // W −= η δ xᵀ and b −= η δ written straight into the weights, so that no gradient buffer as
  // large as the model is written, scanned and read back for each sample. Needs plain().
  // Advances iterations() by one; returns false if a weight became NaN or Inf.
  bool step_outer(std::span<const OuterGradient> grads);

 protected:
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;

 private:
  SGDOptions options_;
  std::size_t velocity_ = add_state("velocity");  // Δw(t−1)
};

}  // namespace fathom
