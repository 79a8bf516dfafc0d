// Normalization: input scaling as a layer (Keras's Normalization), fitted from data and then
// fixed: y = (x − offset) ⊙ scale per feature (standard: offset = mean, scale = 1/sd; minmax:
// offset = min, scale = 1/(max − min); see data/scaling.hpp). As the first layer of a model,
// forward, train_step, predict and evaluate all see the same scaled inputs, and the fitted
// values are saved with the layer. They are not trained: they live in the layer's config, not
// in the parameter arena, so no optimizer (nor weight decay) ever moves them.
#pragma once

#include <string_view>

#include "fathom/data/scaling.hpp"
#include "fathom/nn/layer.hpp"

namespace fathom {

class Normalization final : public Layer {
 public:
  // Fitted values (method "standard" or "minmax", offset and scale one per feature).
  explicit Normalization(InputScaling scaling);
  // Fits on x (features × samples) with "standard" or "minmax".
  static Normalization adapt(const Matrix& x, std::string_view method);

  std::string type() const override { return "normalization"; }
  Index output_dim() const override { return input_dim_; }
  std::string describe() const override;
  const InputScaling& scaling() const { return scaling_; }

  void build(Index input_dim, Parameters& params) override;
  void reserve(Index max_batch) override;
  // Y = (X − offset) ⊙ scale into out, column by column (scratch is not used).
  ConstMatrixView infer(ConstMatrixView X, const Parameters& params, MatrixView out,
                        MatrixView scratch) const override;
  // infer() over the layer's own buffer.
  ConstMatrixView forward(ConstMatrixView X, const Parameters& params, bool training, Rng& rng) override;
  // dX = dY ⊙ scale (no parameters to differentiate).
  void backward(ConstMatrixView X, ConstMatrixView grad, bool grad_is_delta, Parameters& params,
                MatrixView* dX) override;
  // Writes y = (x − offset) ⊙ scale for one sample of input_dim() values (online backprop).
  void apply(const Scalar* x, Scalar* y) const;
  std::string config_json() const override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Normalization>(*this); }

 private:
  InputScaling scaling_;
  Matrix Y_;
};

}  // namespace fathom
