// The function a full-batch optimizer minimizes (docs/concepts.md, full-batch training): the
// model's loss over the training batch as a function of the parameter arena. train_step hands
// one to Optimizer::step; L-BFGS evaluates it along its search direction, Levenberg–Marquardt
// asks it for the Jacobian of the residuals.
#pragma once

#include <span>

#include "fathom/core/matrix.hpp"

namespace fathom {

class Objective {
 public:
  virtual ~Objective() = default;
  // The loss at the arena's current values. With gradient = true, also its gradient ∂loss/∂w,
  // written over the arena's gradients.
  virtual double evaluate(bool gradient) = 0;

  // For least-squares methods: the loss is ½ Σ rᵢ² / samples() over the residuals r = output −
  // target (the mse loss), residuals() = outputs × samples of them. Both throw for another loss.
  virtual Index samples() const = 0;
  virtual Index residuals_per_sample() const = 0;
  // The residuals of samples [first, first + count) at the arena's current values (outputs ×
  // count, sample by sample) and their Jacobian, transposed: column i of Jt (parameters × outputs
  // · count) is ∂rᵢ/∂w. Overwrites the arena's gradients.
  virtual void jacobian(Index first, Index count, MatrixView Jt, std::span<Scalar> r) = 0;
};

}  // namespace fathom
