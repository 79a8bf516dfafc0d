// The perceptron (docs/concepts.md, perceptron): one layer of step units y = step(W x + b), trained by the
// perceptron learning rule  W += η (t − y) xᵀ,  b += η (t − y),  one sample at a time.
// It learns any linearly separable task and provably cannot learn XOR (docs/concepts.md, worked example 3).
#pragma once

#include <cstdint>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/core/rng.hpp"

namespace fathom {

struct PerceptronOptions {
  Scalar learning_rate = 1;
  int max_epochs = 100;
  bool shuffle = true;
  std::uint64_t seed = 0;
  Scalar init_scale = 0.05f;  // initial weights uniform in [−init_scale, init_scale]
};

class Perceptron {
 public:
  Perceptron(Index inputs, Index outputs = 1, PerceptronOptions options = {});

  // x: inputs × n, t: outputs × n with 0/1 targets. Stops after an epoch without errors or
  // after max_epochs; returns the number of epochs run.
  int fit(const Matrix& x, const Matrix& t);
  // 0/1 outputs, outputs × n.
  Matrix predict(const Matrix& x) const;
  // Whether the last fit ended with an epoch in which every sample was right.
  bool converged() const { return converged_; }
  // Misclassified samples in each epoch of the last fit.
  const std::vector<Index>& errors_per_epoch() const { return errors_; }

  const Matrix& W() const { return W_; }
  const Vector& b() const { return b_; }

 private:
  PerceptronOptions options_;
  Matrix W_;
  Vector b_;
  Rng rng_;
  bool converged_ = false;
  std::vector<Index> errors_;
};

}  // namespace fathom
