// Inverted dropout: in training each input is kept with probability 1 − rate and scaled by
// 1/(1 − rate); at inference the layer is the identity.
#pragma once

#include "fathom/nn/layer.hpp"

namespace fathom {

class Dropout final : public Layer {
 public:
  explicit Dropout(Scalar rate);

  std::string type() const override { return "dropout"; }
  Index output_dim() const override { return input_dim_; }
  std::string describe() const override;
  Scalar rate() const { return rate_; }

  void reserve(Index max_batch) override;
  // The identity: returns X.
  ConstMatrixView infer(ConstMatrixView X, const Parameters& params, MatrixView out,
                        MatrixView scratch) const override;
  ConstMatrixView forward(ConstMatrixView X, const Parameters& params, bool training, Rng& rng) override;
  void backward(ConstMatrixView X, ConstMatrixView grad, bool grad_is_delta, Parameters& params,
                MatrixView* dX) override;
  std::string config_json() const override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Dropout>(*this); }

 private:
  Scalar rate_;
  Matrix mask_, Y_;
  bool last_training_ = false;
};

}  // namespace fathom
