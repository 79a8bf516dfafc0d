// int8 weights and predict_int8, the C++ mirror of the int8 C code (deploy/c_source.hpp): the
// same operations in the same order, so its outputs are the exported function's. Compiled with
// -ffp-contract=off (CMakeLists.txt): no multiply-add here is fused, as none is in C99 compiled
// without FMA (a C compiler allowed to fuse them may still differ in the last bits).
#include "int8.hpp"

#include <algorithm>
#include <cmath>

#include "../core/finite.hpp"
#include "exportable.hpp"
#include "fathom/core/error.hpp"
#include "fathom/deploy/c_source.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/nn/dropout.hpp"
#include "fathom/nn/normalization.hpp"

namespace fathom {

namespace detail {

Int8Dense quantize_weights(ConstMatrixView W) {
  Int8Dense out;
  const float max_abs = W.size() ? W.cwiseAbs().maxCoeff() : 0.0f;
  out.q.assign(std::size_t(W.size()), 0);
  if (max_abs == 0) return out;
  out.scale = max_abs / float(kInt8Max);
  for (Index u = 0; u < W.rows(); ++u) {
    for (Index i = 0; i < W.cols(); ++i) {
      const int q = std::clamp(round_to_int(W(u, i) / out.scale), -kInt8Max, kInt8Max);
      out.q[std::size_t(i * W.rows() + u)] = std::int8_t(q);
    }
  }
  return out;
}

}  // namespace detail

using namespace detail;

namespace {

// Softmax in the C code's order: the max, then e^(v − max) summed left to right, then one
// multiplication by the sum's inverse (nn/activation's vectorized softmax rounds differently).
void softmax_as_c(const float* v, float* y, Index n) {
  float max = v[0], sum = 0.0f;
  for (Index u = 1; u < n; ++u)
    if (v[u] > max) max = v[u];
  for (Index u = 0; u < n; ++u) {
    y[u] = std::exp(v[u] - max);
    sum += y[u];
  }
  const float inverse = 1.0f / sum;
  for (Index u = 0; u < n; ++u) y[u] *= inverse;
}

}  // namespace

Matrix predict_int8(const Sequential& model, ConstMatrixView x) {
  require_exportable(model, "predict_int8");
  require<ShapeError>(x.rows() == model.input_dim(),
                      "predict_int8: the data has " + std::to_string(x.rows()) +
                          " features per sample, the model " + std::to_string(model.input_dim()));
  detail::check_finite(x, "predict_int8", "x");  // as predict: a NaN would be cast to int below
  Index width = model.input_dim();
  std::vector<Int8Dense> weights(model.layer_count());
  for (std::size_t l = 0; l < model.layer_count(); ++l) {
    const Layer& layer = model.layer(l);
    width = std::max(width, layer.output_dim());
    if (const auto* dense = dynamic_cast<const Dense*>(&layer)) {
      require(layer.input_dim() <= kInt8MaxInputs, "predict_int8: layer " + std::to_string(l + 1) + " has " +
                                                       std::to_string(layer.input_dim()) +
                                                       " inputs, more than int8's 32-bit sums allow");
      weights[l] = quantize_weights(model.parameters().value(dense->W_ref()));
    }
  }
  const auto n_width = static_cast<std::size_t>(width);
  std::vector<float> a(n_width), b(n_width);
  std::vector<int> q(n_width);
  std::vector<std::int32_t> sums(n_width);
  Matrix out(model.output_dim(), x.cols());
  for (Index j = 0; j < x.cols(); ++j) {
    std::copy(x.col(j).data(), x.col(j).data() + x.rows(), a.begin());
    for (std::size_t l = 0; l < model.layer_count(); ++l) {
      const Layer& layer = model.layer(l);
      const Index in = layer.input_dim(), units = layer.output_dim();
      if (const auto* norm = dynamic_cast<const Normalization*>(&layer)) {
        norm->apply(a.data(), b.data());
        std::swap(a, b);
      } else if (const auto* dense = dynamic_cast<const Dense*>(&layer)) {
        float max_abs = 0;
        for (Index i = 0; i < in; ++i) max_abs = std::max(max_abs, std::fabs(a[std::size_t(i)]));
        float input_scale = 0;
        if (max_abs > kInt8SmallestInput) {
          const float inverse = float(kInt8Max) / max_abs;
          input_scale = max_abs / float(kInt8Max);
          for (Index i = 0; i < in; ++i) q[std::size_t(i)] = round_to_int(a[std::size_t(i)] * inverse);
        } else {
          std::fill(q.begin(), q.begin() + in, 0);
        }
        const Int8Dense& w = weights[l];
        const float s = w.scale * input_scale;
        const Scalar* bias = dense->use_bias() ? model.parameters().value(dense->b_ref()).data() : nullptr;
        std::fill(sums.begin(), sums.begin() + units, 0);
        for (Index i = 0; i < in; ++i) {
          const std::int8_t* column = w.q.data() + i * units;  // input i's weight to each unit
          for (Index u = 0; u < units; ++u)
            sums[std::size_t(u)] += std::int32_t(column[u]) * q[std::size_t(i)];
        }
        for (Index u = 0; u < units; ++u)
          b[std::size_t(u)] = float(sums[std::size_t(u)]) * s + (bias ? bias[u] : 0.0f);
        if (dense->activation().kind() == ActivationKind::Softmax) {
          softmax_as_c(b.data(), a.data(), units);
        } else {
          dense->activation().forward_raw(b.data(), a.data(), units);  // one scalar call per value, as C
        }
      } else {
        require(dynamic_cast<const Dropout*>(&layer) != nullptr,
                "predict_int8: layer type " + layer.type() + " has no int8 form");
      }
    }
    Eigen::Map<Vector> column(out.col(j).data(), out.rows());
    column = Eigen::Map<const Vector>(a.data(), out.rows());
  }
  model.info.target_scaling.invert(view(out));
  return out;
}

}  // namespace fathom
