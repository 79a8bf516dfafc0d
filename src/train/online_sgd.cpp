// Online backprop for one sample with plain SGD (see online_sgd.hpp).
#include "online_sgd.hpp"

#include <cmath>

#include "../core/finite.hpp"
#include "diverged.hpp"
#include "fathom/core/error.hpp"
#include "fathom/core/gemm.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/nn/normalization.hpp"

namespace fathom::detail {

namespace {
constexpr Index kNarrow = 64;       // layers with at most this many inputs and units: plain loops
constexpr Index kVectorUnits = 16;  // from this many units, BP2's dot products go through Eigen

// Every value finite? An inline sum for the few values of a narrow layer, the vectorised scan
// for wide ones.
bool finite(const Scalar* x, Index n) {
  if (n > kNarrow) return all_finite({x, static_cast<std::size_t>(n)});
  Scalar check = 0;
  for (Index i = 0; i < n; ++i) check += x[i] - x[i];  // 0 for finite values, NaN otherwise
  return std::isfinite(check);
}

}  // namespace

OnlineSgd::OnlineSgd(const std::vector<std::unique_ptr<Layer>>& layers) {
  Index used = 0;
  std::size_t first = 0;
  if (!layers.empty()) normalization_ = dynamic_cast<const Normalization*>(layers.front().get());
  if (normalization_ != nullptr) {
    first = 1;
    used = normalization_->input_dim();
  }
  for (std::size_t k = first; k < layers.size(); ++k) {
    const auto* dense = dynamic_cast<const Dense*>(layers[k].get());
    if (dense == nullptr) {
      layers_.clear();
      break;
    }
    const Index inputs = dense->input_dim(), units = dense->output_dim();
    layers_.push_back(
        {dense, inputs, units, used, used + units, used + 2 * units, inputs <= kNarrow && units <= kNarrow});
    used += 3 * units;
  }
  buffer_.assign(static_cast<std::size_t>(used), Scalar(0));
  grads_.resize(layers_.size());
}

// v = W a_prev + b, a = φ(v), layer by layer.
void OnlineSgd::forward(const Scalar* x, Parameters& params) {
  Scalar* buffer = buffer_.data();
  const Scalar* in = x;
  for (const Plan& t : layers_) {
    const Scalar* W = params.value(t.dense->W_ref()).data();
    const Scalar* b = t.dense->use_bias() ? params.value(t.dense->b_ref()).data() : nullptr;
    Scalar* v = buffer + t.v;
    Scalar* a = buffer + t.a;
    if (!t.narrow) {
      MatrixView V(v, t.units, 1);
      gemm(Trans::No, Trans::No, 1, ConstMatrixView(W, t.units, t.inputs), ConstMatrixView(in, t.inputs, 1),
           0, V);
      t.dense->activation().forward_biased(V, b, MatrixView(a, t.units, 1));
    } else {
      for (Index i = 0; i < t.units; ++i) v[i] = b != nullptr ? b[i] : Scalar(0);
      if (t.units < kVectorUnits) {  // row by row, the sum in a register
        for (Index i = 0; i < t.units; ++i) {
          Scalar sum = v[i];
          for (Index j = 0; j < t.inputs; ++j) sum += W[i + j * t.units] * in[j];
          v[i] = sum;
        }
      } else {  // column by column: a vectorised axpy per input
        for (Index j = 0; j < t.inputs; ++j) {
          const Scalar xj = in[j];
          const Scalar* w = W + j * t.units;
          for (Index i = 0; i < t.units; ++i) v[i] += w[i] * xj;
        }
      }
      t.dense->activation().forward_raw(v, a, t.units);
    }
    in = a;
  }
}

void OnlineSgd::backward_layer(std::size_t l, Parameters& params) {
  const Plan& t = layers_[l];
  const Plan& prev = layers_[l - 1];
  Scalar* buffer = buffer_.data();
  const Scalar* W = params.value(t.dense->W_ref()).data();
  const Scalar* dl = buffer + t.d;
  Scalar* dp = buffer + prev.d;
  if (!t.narrow) {
    MatrixView D(dp, t.inputs, 1);
    gemm(Trans::Yes, Trans::No, 1, ConstMatrixView(W, t.units, t.inputs), ConstMatrixView(dl, t.units, 1), 0,
         D);
  } else if (t.units < kVectorUnits) {
    for (Index j = 0; j < t.inputs; ++j) {
      const Scalar* w = W + j * t.units;
      Scalar sum = 0;
      for (Index i = 0; i < t.units; ++i) sum += w[i] * dl[i];
      dp[j] = sum;
    }
  } else {  // dot products long enough for Eigen's vectorised reduction to pay
    Eigen::Map<Vector>(dp, t.inputs).noalias() =
        Eigen::Map<const Matrix>(W, t.units, t.inputs).transpose() * Eigen::Map<const Vector>(dl, t.units);
  }
  if (prev.narrow) {
    prev.dense->activation().backward_raw(buffer + prev.v, buffer + prev.a, dp, dp, prev.units);
  } else {
    const MatrixView D(dp, prev.units, 1);
    prev.dense->activation().backward(ConstMatrixView(buffer + prev.v, prev.units, 1),
                                      ConstMatrixView(buffer + prev.a, prev.units, 1), cview(D), D);
  }
}

double OnlineSgd::step(ConstMatrixView x_given, ConstMatrixView y, Parameters& params, SGD& sgd,
                       const Loss& loss) {
  Scalar* buffer = buffer_.data();
  ConstMatrixView x = x_given;
  if (normalization_ != nullptr) {  // the Dense layers' input is the scaled sample
    normalization_->apply(x_given.data(), buffer + scaled_x_);
    new (&x) ConstMatrixView(buffer + scaled_x_, x_given.rows(), 1);
  }
  forward(x.data(), params);
  // Output delta (BP1) and loss, exactly as Sequential::backward computes them.
  const Plan& out = layers_.back();
  const Activation& phi = out.dense->activation();
  const ConstMatrixView A(buffer + out.a, out.units, 1), V(buffer + out.v, out.units, 1);
  Scalar* d = buffer + out.d;
  double value = 0;
  if (loss.fuses_with(phi)) {
    value = loss.value(A, y, phi, V);
    loss.fused_delta(A, y, MatrixView(d, out.units, 1));  // δ = a − t
  } else {
    value = loss.value_and_gradient(buffer + out.a, y.data(), d, out.units);  // ∂C/∂a
    if (out.narrow) {
      phi.backward_raw(buffer + out.v, buffer + out.a, d, d, out.units);
    } else {
      const MatrixView D(d, out.units, 1);
      phi.backward(V, A, cview(D), D);
    }
  }
  if (!std::isfinite(value)) diverged_before_update("the loss is " + std::to_string(value));
  // BP2 down the layers with the old weights. δ xᵀ is finite when every δ and every layer
  // input is (a NaN pixel can pass a ReLU as 0, so the inputs are checked too).
  bool finite_so_far = finite(x.data(), x.rows()) && finite(d, out.units);
  for (std::size_t l = layers_.size() - 1; l > 0; --l) {
    backward_layer(l, params);
    const Plan& prev = layers_[l - 1];
    finite_so_far =
        finite_so_far && finite(buffer + prev.d, prev.units) && finite(buffer + prev.a, prev.units);
  }
  if (!finite_so_far) diverged_before_update("a gradient is NaN or Inf");
  const Scalar* in = x.data();
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Plan& t = layers_[l];
    grads_[l] = {params.value(t.dense->W_ref()).data(),
                 t.dense->use_bias() ? params.value(t.dense->b_ref()).data() : nullptr,
                 buffer + t.d,
                 in,
                 t.units,
                 t.inputs};
    in = buffer + t.a;
  }
  if (!sgd.step_outer(grads_)) diverged_in_update();
  return value;
}

}  // namespace fathom::detail
