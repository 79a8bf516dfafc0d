// Dense (fully connected) layer: V = W·Y + b, Y_out = φ(V), with BP1–BP4 in backward (docs/concepts.md).
#pragma once

#include "fathom/nn/activation.hpp"
#include "fathom/nn/initializer.hpp"
#include "fathom/nn/layer.hpp"

namespace fathom {

struct DenseOptions {
  Index units = 0;
  Activation activation = Activation(ActivationKind::Linear);
  bool use_bias = true;
  Initializer kernel_initializer = Initializer::glorot_uniform();
  Initializer bias_initializer = Initializer::zeros();
  std::string name = "";
};

class Dense final : public Layer {
 public:
  explicit Dense(DenseOptions options);
  Dense(Index units, Activation activation = Activation(ActivationKind::Linear), bool use_bias = true);

  std::string type() const override { return "dense"; }
  Index output_dim() const override { return options_.units; }
  std::size_t parameter_count() const override;
  std::string describe() const override;
  const DenseOptions& options() const { return options_; }
  const Activation& activation() const { return options_.activation; }
  bool use_bias() const { return options_.use_bias; }

  // Views of this layer's weights W (units × inputs), bias b (units × 1) and their gradients.
  MatrixView W(Parameters& p) const { return p.value(W_); }
  MatrixView b(Parameters& p) const { return p.value(b_); }
  MatrixView dW(Parameters& p) const { return p.grad(W_); }
  MatrixView db(Parameters& p) const { return p.grad(b_); }
  const ParamRef& W_ref() const { return W_; }
  const ParamRef& b_ref() const { return b_; }

  // The pre-activations V and outputs Y of the last forward (units × n), and the deltas
  // δ = ∂C/∂V of the last backward. Sequential::train_step does not promise to write them
  // (its online backprop keeps its own buffer), and inference (predict, evaluate) never does:
  // to inspect a step, use the four verbs.
  ConstMatrixView V() const { return ConstMatrixView(V_.data(), V_.rows(), n_); }
  ConstMatrixView Y() const { return ConstMatrixView(Y_.data(), Y_.rows(), n_); }
  ConstMatrixView delta() const { return ConstMatrixView(delta_.data(), delta_.rows(), n_); }

  void build(Index input_dim, Parameters& params) override;
  void initialize(Parameters& params, Rng& rng) override;
  void reserve(Index max_batch) override;
  // The one forward computation: V = W·X + b into the scratch buffer, Y = φ(V) into the output
  // buffer. forward() runs it over the layer's own V and Y.
  ConstMatrixView infer(ConstMatrixView X, const Parameters& params, MatrixView Y,
                        MatrixView V) const override;
  ConstMatrixView forward(ConstMatrixView X, const Parameters& params, bool training, Rng& rng) override;
  void backward(ConstMatrixView X, ConstMatrixView grad, bool grad_is_delta, Parameters& params,
                MatrixView* dX) override;
  std::string config_json() const override;
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Dense>(*this); }

 private:
  DenseOptions options_;
  // δ of the last backward (BP1 / BP2's Hadamard product), or grad itself when it is δ.
  MatrixView compute_delta(ConstMatrixView X, ConstMatrixView grad, bool grad_is_delta);
  ParamRef W_, b_;
  Matrix V_, Y_, delta_;
  Index n_ = 0;
};

}  // namespace fathom
