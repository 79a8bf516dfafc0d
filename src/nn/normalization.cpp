// Normalization layer: fixed per-feature scaling of its inputs.
#include "fathom/nn/normalization.hpp"

#include <nlohmann/json.hpp>

#include "fathom/core/error.hpp"

namespace fathom {

Normalization::Normalization(InputScaling scaling) : scaling_(std::move(scaling)) {
  require(scaling_.method == "standard" || scaling_.method == "minmax",
          "Normalization: method must be standard or minmax, got \"" + scaling_.method + "\"");
  require(scaling_.offset.size() > 0 && scaling_.offset.size() == scaling_.scale.size(),
          "Normalization: offset and scale must have one value per feature (got " +
              std::to_string(scaling_.offset.size()) + " and " + std::to_string(scaling_.scale.size()) + ")");
  require(scaling_.offset.allFinite() && scaling_.scale.allFinite(),
          "Normalization: offset and scale must be finite");
}

Normalization Normalization::adapt(const Matrix& x, std::string_view method) {
  return Normalization(InputScaling::fit(x, method));
}

std::string Normalization::describe() const { return "normalization " + scaling_.method; }

void Normalization::build(Index input_dim, Parameters& params) {
  (void)params;
  if (input_dim != scaling_.offset.size()) {
    throw ShapeError("layer \"" + name_ + "\": fitted on " + std::to_string(scaling_.offset.size()) +
                     " features, its input has " + std::to_string(input_dim));
  }
  input_dim_ = input_dim;
}

void Normalization::reserve(Index max_batch) { Y_.resize(input_dim_, max_batch); }

ConstMatrixView Normalization::infer(ConstMatrixView X, const Parameters& params, MatrixView out,
                                     MatrixView scratch) const {
  (void)params, (void)scratch;
  if (X.rows() != input_dim_ || out.rows() != input_dim_ || out.cols() != X.cols()) {
    throw ShapeError("layer \"" + name_ + "\": expected " + std::to_string(input_dim_) + " inputs into " +
                     std::to_string(out.rows()) + "x" + std::to_string(out.cols()) + ", got " +
                     std::to_string(X.rows()) + "x" + std::to_string(X.cols()));
  }
  for (Index j = 0; j < X.cols(); ++j) apply(X.data() + j * input_dim_, out.data() + j * input_dim_);
  return cview(out);
}

ConstMatrixView Normalization::forward(ConstMatrixView X, const Parameters& params, bool training, Rng& rng) {
  (void)training, (void)rng;
  if (X.cols() > Y_.cols()) {
    throw ShapeError("layer \"" + name_ + "\": batch of " + std::to_string(X.cols()) +
                     " exceeds the reserved " + std::to_string(Y_.cols()));
  }
  const MatrixView Y = left_cols(Y_, X.cols());
  return infer(X, params, Y, Y);
}

void Normalization::backward(ConstMatrixView X, ConstMatrixView grad, bool grad_is_delta, Parameters& params,
                             MatrixView* dX) {
  (void)X, (void)grad_is_delta, (void)params;
  if (dX != nullptr) *dX = scaling_.scale.asDiagonal() * grad;
}

void Normalization::apply(const Scalar* __restrict x, Scalar* __restrict y) const {
  const Scalar* offset = scaling_.offset.data();
  const Scalar* scale = scaling_.scale.data();
  for (Index i = 0; i < input_dim_; ++i) y[i] = (x[i] - offset[i]) * scale[i];
}

std::string Normalization::config_json() const {
  // Floats widened to double print with enough digits to read back bit for bit.
  auto array = [](const Vector& v) {
    nlohmann::json a = nlohmann::json::array();
    for (Index i = 0; i < v.size(); ++i) a.push_back(double(v[i]));
    return a;
  };
  return nlohmann::json{{"method", scaling_.method},
                        {"offset", array(scaling_.offset)},
                        {"scale", array(scaling_.scale)},
                        {"name", name_}}
      .dump();
}

}  // namespace fathom
