// Dense layer: forward V = W·Y + b, Y = φ(V); backward with BP1–BP4 (docs/concepts.md, BP1–BP4).
#include "fathom/nn/dense.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "fathom/core/error.hpp"
#include "fathom/core/gemm.hpp"

namespace fathom {

Dense::Dense(DenseOptions options) : options_(std::move(options)) {
  require(options_.units > 0, "Dense" + (options_.name.empty() ? "" : " \"" + options_.name + "\"") +
                                  ": units must be > 0, got " + std::to_string(options_.units));
  name_ = options_.name;
}

Dense::Dense(Index units, Activation activation, bool use_bias)
    : Dense(DenseOptions{.units = units, .activation = activation, .use_bias = use_bias}) {}

std::size_t Dense::parameter_count() const {
  return static_cast<std::size_t>(options_.units * input_dim_ + (options_.use_bias ? options_.units : 0));
}

std::string Dense::describe() const {
  return "dense " + std::to_string(options_.units) + " " + options_.activation.name() +
         (options_.use_bias ? "" : " (no bias)");
}

void Dense::build(Index input_dim, Parameters& params) {
  require(input_dim > 0,
          "layer \"" + name_ + "\": input width must be > 0, got " + std::to_string(input_dim));
  input_dim_ = input_dim;
  W_ = params.add(name_ + "/W", options_.units, input_dim);
  b_ = options_.use_bias ? params.add(name_ + "/b", options_.units, 1) : ParamRef{};
}

void Dense::initialize(Parameters& params, Rng& rng) {
  options_.kernel_initializer.fill(params.value(W_), input_dim_, options_.units, rng);
  if (options_.use_bias) options_.bias_initializer.fill(params.value(b_), input_dim_, options_.units, rng);
}

void Dense::reserve(Index max_batch) {
  V_.resize(options_.units, max_batch);
  Y_.resize(options_.units, max_batch);
  delta_.resize(options_.units, max_batch);
}

// X is (inputs, n), W is (units, inputs), b is (units); V (scratch) and Y (out) are (units, n).
ConstMatrixView Dense::infer(ConstMatrixView X, const Parameters& params, MatrixView Y, MatrixView V) const {
  if (X.rows() != input_dim_) {
    throw ShapeError("layer \"" + name_ + "\": expected " + std::to_string(input_dim_) + " inputs, got " +
                     std::to_string(X.rows()));
  }
  gemm(Trans::No, Trans::No, 1, params.value(W_), X, 0, V);  // V = W·X
  options_.activation.forward_biased(V, options_.use_bias ? params.value(b_).data() : nullptr,
                                     Y);  // Y = φ(V + b)
  return cview(Y);
}

ConstMatrixView Dense::forward(ConstMatrixView X, const Parameters& params, bool training, Rng& rng) {
  (void)training, (void)rng;
  if (X.cols() > V_.cols()) {
    throw ShapeError("layer \"" + name_ + "\": batch of " + std::to_string(X.cols()) +
                     " exceeds the reserved " + std::to_string(V_.cols()));
  }
  const ConstMatrixView Y = infer(X, params, left_cols(Y_, X.cols()), left_cols(V_, X.cols()));
  n_ = X.cols();
  return Y;
}

MatrixView Dense::compute_delta(ConstMatrixView X, ConstMatrixView grad, bool grad_is_delta) {
  if (grad.rows() != options_.units || grad.cols() != n_ || X.cols() != n_) {
    throw ShapeError("layer \"" + name_ + "\": backward shapes do not match the last forward");
  }
  MatrixView delta = left_cols(delta_, n_);
  if (grad_is_delta) {
    delta = grad;  // BP1 with the fused output delta (a − t); kept so delta() shows it (trace)
  } else {
    options_.activation.backward(V(), Y(), grad, delta);  // δ = dY ⊙ φ'(V)   (BP1 / BP2's Hadamard)
  }
  return delta;
}

// grad is (units, n): dY = ∂C/∂Y, or δ itself when grad_is_delta. dX is (inputs, n).
void Dense::backward(ConstMatrixView X, ConstMatrixView grad, bool grad_is_delta, Parameters& params,
                     MatrixView* dX) {
  const MatrixView delta = compute_delta(X, grad, grad_is_delta);
  gemm(Trans::No, Trans::Yes, 1, cview(delta), X, 1, params.grad(W_));  // BP4: ∂C/∂W += δ · Xᵀ
  if (options_.use_bias) {                                              // BP3: ∂C/∂b += Σ_columns δ
    Scalar* db = params.grad(b_).data();
    for (Index j = 0; j < n_; ++j) {
      const Scalar* d = delta.data() + j * delta.rows();
      for (Index i = 0; i < delta.rows(); ++i) db[i] += d[i];
    }
  }
  if (dX != nullptr)
    gemm(Trans::Yes, Trans::No, 1, cview(params.value(W_)), cview(delta), 0, *dX);  // BP2: Wᵀ·δ
}

std::string Dense::config_json() const {
  nlohmann::json j{{"units", options_.units},
                   {"activation", options_.activation.name()},
                   {"use_bias", options_.use_bias},
                   {"kernel_initializer", options_.kernel_initializer.name()},
                   {"bias_initializer", options_.bias_initializer.name()},
                   {"name", name_}};
  return j.dump();
}

}  // namespace fathom
