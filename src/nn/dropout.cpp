// Inverted dropout (docs/concepts.md, dropout).
#include "fathom/nn/dropout.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "fathom/core/error.hpp"

namespace fathom {

Dropout::Dropout(Scalar rate) : rate_(rate) {
  require(std::isfinite(rate) && rate >= 0 && rate < 1,
          "Dropout: rate must be in [0, 1), got " + std::to_string(rate));
}

std::string Dropout::describe() const {
  std::ostringstream out;
  out << "dropout " << rate_;
  return out.str();
}

void Dropout::reserve(Index max_batch) {
  mask_.resize(input_dim_, max_batch);
  Y_.resize(input_dim_, max_batch);
}

ConstMatrixView Dropout::infer(ConstMatrixView X, const Parameters& params, MatrixView out,
                               MatrixView scratch) const {
  (void)params, (void)out, (void)scratch;
  if (X.rows() != input_dim_) {
    throw ShapeError("layer \"" + name_ + "\": expected " + std::to_string(input_dim_) + " inputs, got " +
                     std::to_string(X.rows()));
  }
  return X;  // inverted dropout scales in training, so inference passes the inputs through
}

// X, the mask and Y are (inputs, n).
ConstMatrixView Dropout::forward(ConstMatrixView X, const Parameters& params, bool training, Rng& rng) {
  if (X.rows() != input_dim_ || X.cols() > Y_.cols()) {
    throw ShapeError("layer \"" + name_ + "\": expected " + std::to_string(input_dim_) +
                     " inputs and at most " + std::to_string(Y_.cols()) + " samples, got " +
                     std::to_string(X.rows()) + "x" + std::to_string(X.cols()));
  }
  last_training_ = training && rate_ > 0;
  if (!last_training_) return infer(X, params, left_cols(Y_, X.cols()), left_cols(mask_, X.cols()));
  const Index n = X.cols();
  MatrixView mask = left_cols(mask_, n);
  MatrixView Y = left_cols(Y_, n);
  const Scalar keep_scale = 1 / (1 - rate_);
  for (Index i = 0; i < mask.size(); ++i) mask.data()[i] = rng.uniform() >= rate_ ? keep_scale : 0.0f;
  Y = X.cwiseProduct(mask);
  return cview(Y);
}

void Dropout::backward(ConstMatrixView X, ConstMatrixView grad, bool grad_is_delta, Parameters& params,
                       MatrixView* dX) {
  (void)X, (void)grad_is_delta, (void)params;
  if (dX == nullptr) return;
  if (last_training_) {
    *dX = grad.cwiseProduct(left_cols(mask_, grad.cols()));
  } else {
    *dX = grad;
  }
}

std::string Dropout::config_json() const {
  nlohmann::json j{{"rate", rate_}, {"name", name_}};
  return j.dump();
}

}  // namespace fathom
