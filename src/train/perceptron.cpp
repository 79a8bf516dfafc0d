// The perceptron learning rule.
#include "fathom/train/perceptron.hpp"

#include <cmath>
#include <numeric>

#include "fathom/core/error.hpp"

namespace fathom {

Perceptron::Perceptron(Index inputs, Index outputs, PerceptronOptions options)
    : options_(options), W_(outputs, inputs), b_(outputs), rng_(options.seed) {
  require(inputs > 0 && outputs > 0, "Perceptron: inputs and outputs must be > 0, got " +
                                         std::to_string(inputs) + " and " + std::to_string(outputs));
  require(std::isfinite(options.init_scale) && options.init_scale >= 0,
          "Perceptron: init_scale must be >= 0, got " + std::to_string(options.init_scale));
  require(options.learning_rate > 0,
          "Perceptron: learning_rate must be > 0, got " + std::to_string(options.learning_rate));
  require(options.max_epochs >= 1,
          "Perceptron: max_epochs must be >= 1, got " + std::to_string(options.max_epochs));
  for (Index i = 0; i < W_.size(); ++i)
    W_.data()[i] = Scalar(rng_.uniform(-options.init_scale, options.init_scale));
  b_.setZero();
}

int Perceptron::fit(const Matrix& x, const Matrix& t) {
  require<ShapeError>(x.rows() == W_.cols(), "Perceptron: expects " + std::to_string(W_.cols()) +
                                                 " inputs, x has " + std::to_string(x.rows()) + " rows");
  require<ShapeError>(
      t.rows() == W_.rows() && t.cols() == x.cols(),
      "Perceptron: targets must be " + std::to_string(W_.rows()) + "x" + std::to_string(x.cols()));
  require<DataError>(x.cols() > 0, "Perceptron: no samples");
  require<DataError>(x.allFinite() && t.allFinite(), "Perceptron: data has NaN or Inf");
  std::vector<Index> order(static_cast<std::size_t>(x.cols()));
  std::iota(order.begin(), order.end(), Index(0));
  errors_.clear();
  converged_ = false;
  Vector y(W_.rows());
  for (int epoch = 0; epoch < options_.max_epochs; ++epoch) {
    if (options_.shuffle) {
      for (Index i = x.cols() - 1; i > 0; --i) std::swap(order[i], order[rng_.below(std::uint64_t(i + 1))]);
    }
    Index errors = 0;
    for (Index j : order) {
      y = ((W_ * x.col(j) + b_).array() > 0).cast<Scalar>();
      const Vector e = t.col(j) - y;  // t − y: 0 when right, ±1 when wrong
      if (e.cwiseAbs().sum() == 0) continue;
      ++errors;
      W_ += options_.learning_rate * e * x.col(j).transpose();
      b_ += options_.learning_rate * e;
    }
    errors_.push_back(errors);
    if (errors == 0) {
      converged_ = true;
      return epoch + 1;
    }
  }
  return options_.max_epochs;
}

Matrix Perceptron::predict(const Matrix& x) const {
  require<ShapeError>(x.rows() == W_.cols(), "Perceptron: expects " + std::to_string(W_.cols()) +
                                                 " inputs, x has " + std::to_string(x.rows()) + " rows");
  return (((W_ * x).colwise() + b_).array() > 0).cast<Scalar>();
}

}  // namespace fathom
