// The gradient checker of fathom (docs/concepts.md, backpropagation): compares backprop's
// analytic gradients with central differences (f(w + h) − f(w − h)) / 2h of the loss, and
// reports the worst relative error |a − n| / max(|a|, |n|, floor). Used by the tests and by
// `fathom gradcheck`. In float32, about 1e-4 is typical; 1e-2 or more means a wrong gradient
// (or a relu-like kink or a saturated output within h of a value).
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "fathom/core/matrix.hpp"

namespace fathom {

class Sequential;

struct GradientCheckOptions {
  double step = 1e-3;   // h of the central difference
  double floor = 1e-2;  // keeps near-zero gradients from inflating the relative error
};

// The worst relative error over a set of values, and where it is.
struct GradientError {
  double worst = 0;       // +Inf when a gradient or a difference was not finite
  std::size_t index = 0;  // which value, counted from 0 within the checked set
  double analytic = 0;
  double numeric = 0;
};

// One parameter tensor of a model, e.g. "dense_1/W" (rows × cols).
struct TensorGradientError {
  std::string name;
  Index rows = 0, cols = 0;
  GradientError error;
};

// Moves each x[i] by ±h, evaluates `loss` at both points and compares the central difference
// with analytic[i]. x is left as it was.
GradientError central_difference_check(std::span<Scalar> x, std::span<const double> analytic,
                                       const std::function<double()>& loss,
                                       const GradientCheckOptions& options = {});

// For a compiled model: the gradient of the loss of (x, y) from one forward(x), zero_grad()
// and backward(y), against central differences of that loss (the value backward() returns),
// for every parameter tensor, in the arena's order. Forward passes run with training = false
// (no dropout), so the loss is a function of the weights alone. Afterwards the weights are as
// they were and the gradient buffer holds the analytic gradient.
std::vector<TensorGradientError> gradient_check(Sequential& model, ConstMatrixView x, ConstMatrixView y,
                                                const GradientCheckOptions& options = {});

}  // namespace fathom
