// Online SGD for tiny networks (XOR's 2-2-1, the 25-20-20-20-5 digits net): the update of
// Sequential::online_step — forward, every δ with the old weights, then w −= η δ aᵀ and
// b −= η δ — over raw arrays in one function. A 2-2-1 net's whole update is a few dozen
// multiply-adds, so views, shape checks and a call per layer and verb would be most of its
// cost (0.26 µs per update through the general path, against FANN's 0.085 µs).
#include <algorithm>
#include <cmath>

#include "fathom/core/error.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom {

namespace {
constexpr Index kTinyWidth = 64;    // inputs and units per layer
constexpr Index kVectorUnits = 16;  // from this many units, BP2's dot products go through Eigen

bool finite(const Scalar* x, Index n) {
  Scalar check = 0;
  for (Index i = 0; i < n; ++i) check += x[i] - x[i];  // 0 for finite values, NaN otherwise
  return std::isfinite(check);
}
}  // namespace

void Sequential::cache_tiny() {
  tiny_.clear();
  Index used = 0;
  for (const auto& layer : layers_) {
    const auto* dense = dynamic_cast<const Dense*>(layer.get());
    if (dense == nullptr || dense->input_dim() > kTinyWidth || dense->output_dim() > kTinyWidth) {
      tiny_.clear();
      break;
    }
    const Index units = dense->output_dim();
    tiny_.push_back({dense, dense->input_dim(), units, used, used + units, used + 2 * units});
    used += 3 * units;
  }
  tiny_buffer_.assign(static_cast<std::size_t>(used), Scalar(0));
}

double Sequential::tiny_online_step(ConstMatrixView x, ConstMatrixView y) {
  output_ = nullptr;  // the layers' own buffers will not hold this step: backward() needs a forward()
  Scalar* buffer = tiny_buffer_.data();
  Parameters& params = *params_;
  const std::size_t L = tiny_.size();
  // Forward: v = W a_prev + b, a = φ(v).
  const Scalar* in = x.data();
  for (const TinyLayer& t : tiny_) {
    const Scalar* W = params.value(t.dense->W_ref()).data();
    Scalar* v = buffer + t.v;
    if (t.dense->use_bias()) {
      const Scalar* b = params.value(t.dense->b_ref()).data();
      for (Index i = 0; i < t.units; ++i) v[i] = b[i];
    } else {
      for (Index i = 0; i < t.units; ++i) v[i] = 0;
    }
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
    t.dense->activation().forward_raw(v, buffer + t.a, t.units);
    in = buffer + t.a;
  }
  // Output delta (BP1) and loss, exactly as backward() computes them.
  const TinyLayer& out = tiny_.back();
  train_output_ = buffer + out.a;
  const ConstMatrixView A(buffer + out.a, out.units, 1), V(buffer + out.v, out.units, 1);
  Scalar* d = buffer + out.d;
  double loss = 0;
  if (fused_) {
    loss = loss_.value(A, y, out.dense->activation(), V);
    loss_.fused_delta(A, y, MatrixView(d, out.units, 1));
  } else {
    loss = loss_.value_and_gradient(buffer + out.a, y.data(), d, out.units);
    out.dense->activation().backward_raw(buffer + out.v, buffer + out.a, d, d, out.units);
  }
  if (!std::isfinite(loss)) throw_diverged_loss(loss);
  // BP2 down the layers with the old weights: d_prev = φ'(v_prev) ⊙ Wᵀ d.
  bool deltas_finite = finite(x.data(), x.rows()) && finite(d, out.units);
  for (std::size_t l = L - 1; l > 0; --l) {
    const TinyLayer& t = tiny_[l];
    const TinyLayer& prev = tiny_[l - 1];
    const Scalar* W = params.value(t.dense->W_ref()).data();
    const Scalar* dl = buffer + t.d;
    Scalar* dp = buffer + prev.d;
    if (t.units < kVectorUnits) {
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
    prev.dense->activation().backward_raw(buffer + prev.v, buffer + prev.a, dp, dp, prev.units);
    deltas_finite = deltas_finite && finite(dp, prev.units) && finite(buffer + prev.a, prev.units);
  }
  if (!deltas_finite) {
    throw DivergedError(
        "training diverged: a gradient is NaN or Inf (try a smaller learning rate); "
        "the weights were left as they were before this step");
  }
  // The update (BP3, BP4 and the SGD rule in one): W −= η δ a_prevᵀ, b −= η δ.
  // Finiteness is summed per row (a vector of w − w) so that the loops stay vectorised.
  const Scalar eta = optimizer_->learning_rate();
  Index widest = 1;
  for (const TinyLayer& t : tiny_) widest = std::max(widest, t.units);
  Scalar check[kTinyWidth];
  for (Index i = 0; i < widest; ++i) check[i] = 0;
  Scalar narrow_check = 0;  // layers narrower than kVectorUnits sum into a register
  in = x.data();
  for (const TinyLayer& t : tiny_) {
    Scalar* W = params.value(t.dense->W_ref()).data();
    const Scalar* __restrict dl = buffer + t.d;
    for (Index j = 0; j < t.inputs; ++j) {
      if (in[j] == 0) continue;
      const Scalar s = -eta * in[j];
      Scalar* __restrict w = W + j * t.units;
      if (t.units < kVectorUnits) {
        Scalar c = 0;
        for (Index i = 0; i < t.units; ++i) {
          w[i] += s * dl[i];
          c += w[i] - w[i];
        }
        narrow_check += c;
      } else {
        for (Index i = 0; i < t.units; ++i) {
          w[i] += s * dl[i];
          check[i] += w[i] - w[i];
        }
      }
    }
    if (t.dense->use_bias()) {
      Scalar* __restrict b = params.value(t.dense->b_ref()).data();
      for (Index i = 0; i < t.units; ++i) {
        b[i] -= eta * dl[i];
        check[i] += b[i] - b[i];
      }
    }
    in = buffer + t.a;
  }
  optimizer_->count_step();
  if (!finite(check, widest) || !std::isfinite(narrow_check)) {
    throw DivergedError(
        "training diverged: the update made a weight NaN or Inf (try a smaller learning rate); "
        "reload or re-initialize the model before using it");
  }
  return loss;
}

}  // namespace fathom
