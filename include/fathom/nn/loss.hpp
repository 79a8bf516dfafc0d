// Cost (loss) functions (docs/concepts.md, cost functions), in one table in src/nn/loss.cpp, resolvable by
// name. Every loss is a sum over the outputs of one sample and a mean over the samples of a batch:
//   mse    ½ Σ_k (t_k − o_k)²                (quadratic cost C = 1/(2n) Σ ||y − a||², docs/concepts.md)
//   mae    Σ_k |t_k − o_k|
//   huber  Σ_k ½e² if |e| ≤ δ else δ(|e| − ½δ), e = t_k − o_k      ("huber" or "huber(δ)")
//   bce    −Σ_k [t_k log o_k + (1 − t_k) log(1 − o_k)]
//   cce    −Σ_c t_c log o_c                   (with softmax outputs)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/nn/activation.hpp"

namespace fathom {

enum class LossKind { Mse, Mae, Huber, Bce, Cce };

class Loss {
 public:
  Loss() = default;
  explicit Loss(LossKind kind, Scalar delta = 1);
  Loss(std::string_view name);                                     // NOLINT: implicit on purpose
  Loss(const char* name) : Loss(std::string_view(name)) {}         // NOLINT
  Loss(const std::string& name) : Loss(std::string_view(name)) {}  // NOLINT

  LossKind kind() const { return kind_; }
  Scalar delta() const { return delta_; }
  std::string name() const;
  // The name with what the cost is, for people reading a printed loss: "mse = ½‖t−o‖²" (the
  // quadratic cost, half the squared error summed over the outputs; the "mse" metric is the
  // plain mean of (t−o)², twice as large for one output), "mae = Σ|t−o|"; the name otherwise.
  std::string display_name() const;

  // True for softmax+cce and sigmoid+bce: the output delta δ^L is then simply (a − t)/n.
  bool fuses_with(const Activation& output) const;

  // Mean over the batch of the per-sample loss. A (outputs), T (targets): outputs × n.
  // When the pair is fused and the pre-activations V are given, the loss is computed from V
  // (log-sum-exp / softplus), so saturated outputs never give Inf or NaN.
  double value(ConstMatrixView A, ConstMatrixView T) const;
  double value(ConstMatrixView A, ConstMatrixView T, const Activation& output, ConstMatrixView V) const;
  // dA = ∂C/∂A for C = mean over the n columns (the 1/n is included).
  void gradient(ConstMatrixView A, ConstMatrixView T, MatrixView dA) const;
  // The fused output delta δ^L = ∂C/∂V (only meaningful when fuses_with(output)):
  // sigmoid+bce (A − T)/n; softmax+cce (A·Σ_c t_c − T)/n, which is (A − T)/n for one-hot or
  // any targets summing to 1 (and stays exact for targets such as 0.9/0.1 that do not).
  void fused_delta(ConstMatrixView A, ConstMatrixView T, MatrixView delta) const;

  // One sample's n outputs, unchecked (for online backprop, train/online_sgd.cpp, where the checks
  // would cost as much as the arithmetic): the same loss as value() and the same dA as gradient().
  double value_and_gradient(const Scalar* a, const Scalar* t, Scalar* dA, Index n) const;

  friend bool operator==(const Loss&, const Loss&) = default;

 private:
  LossKind kind_ = LossKind::Mse;
  Scalar delta_ = 1;
};

std::vector<std::string> loss_names();

}  // namespace fathom
