// Activation functions φ and their derivatives φ' (docs/concepts.md, activation functions). All of them live
// in one table in src/nn/activation.cpp and are resolvable by name ("relu", "leaky_relu(0.1)", "elu(1.0)").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fathom/core/matrix.hpp"

namespace fathom {

enum class ActivationKind {
  Step,
  Linear,
  Sigmoid,
  Tanh,
  Relu,
  LeakyRelu,
  Elu,
  Gelu,
  Softplus,
  Softmax,
  Gaussian
};

class Activation {
 public:
  Activation() = default;
  Activation(ActivationKind kind, Scalar alpha);
  explicit Activation(ActivationKind kind);
  // By name, e.g. "sigmoid", "leaky_relu", "leaky_relu(0.2)"; throws InvalidArgument if unknown.
  Activation(std::string_view name);  // NOLINT: implicit on purpose, for .activation = "relu"
  Activation(const char* name) : Activation(std::string_view(name)) {}         // NOLINT
  Activation(const std::string& name) : Activation(std::string_view(name)) {}  // NOLINT

  ActivationKind kind() const { return kind_; }
  Scalar alpha() const { return alpha_; }
  // Canonical name that parses back to the same activation, e.g. "leaky_relu(0.01)".
  std::string name() const;
  // Softmax couples a column's entries; every other activation is element-wise.
  bool elementwise() const { return kind_ != ActivationKind::Softmax; }

  // Y = φ(V). V, Y: units × batch (may alias).
  void forward(ConstMatrixView V, MatrixView Y) const;
  // V += b (per row), then Y = φ(V), in one pass over memory. b: units (nullptr: no bias).
  void forward_biased(MatrixView V, const Scalar* b, MatrixView Y) const;
  // dV = dY ⊙ φ'(V) (softmax: per column, dV = J(V)ᵀ dY). Uses Y = φ(V) where cheaper.
  // All units × batch; dV may alias dY.
  void backward(ConstMatrixView V, ConstMatrixView Y, ConstMatrixView dY, MatrixView dV) const;

  // One sample's n values through plain loops, for tiny layers where a view's set-up costs
  // more than the arithmetic (online backprop, train/online_sgd.cpp): y = φ(v), and
  // delta = g ⊙ φ'(v) using y = φ(v) (softmax: Jᵀ g). delta may alias g.
  void forward_raw(const Scalar* v, Scalar* y, Index n) const;
  void backward_raw(const Scalar* v, const Scalar* y, const Scalar* g, Scalar* delta, Index n) const;

  // Scalar φ(z) and φ'(z), for element-wise activations (tests, tracing, teaching).
  Scalar apply(Scalar z) const;
  Scalar derivative(Scalar z) const;

  friend bool operator==(const Activation&, const Activation&) = default;

 private:
  ActivationKind kind_ = ActivationKind::Linear;
  Scalar alpha_ = 0;
};

// Names in the activation table, for help texts and error messages.
std::vector<std::string> activation_names();

}  // namespace fathom
