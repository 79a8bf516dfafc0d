// The objective a full-batch optimizer minimizes during train_step (optim/objective.hpp): the
// model's loss on one batch as a function of its parameter arena, evaluated by the model's own
// forward and backward passes.
#pragma once

#include "fathom/optim/objective.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom::detail {

class ModelObjective final : public Objective {
 public:
  // x (inputs × n) and y (outputs × n): the batch of the step, already checked by train_step.
  ModelObjective(Sequential& model, ConstMatrixView x, ConstMatrixView y) : model_(model), x_(x), y_(y) {}

  double evaluate(bool gradient) override;
  Index samples() const override { return x_.cols(); }
  Index residuals_per_sample() const override;
  void jacobian(Index first, Index count, MatrixView Jt, std::span<Scalar> r) override;

  // Throws if the model's loss is random (Dropout draws new masks at every evaluation), which a
  // rule evaluating trial weights cannot use.
  static void require_deterministic(const Sequential& model);

  // Whether the optimizer evaluated anything (the model's output buffers then hold a trial's).
  bool used() const { return used_; }
  // Whether it evaluated a gradient (the model then holds the last one as a candidate to keep).
  bool gradient_evaluated() const { return gradient_evaluated_; }

 private:
  // On first use: keeps the batch's outputs at the step's starting weights (for the metrics).
  void first_use();

  Sequential& model_;
  ConstMatrixView x_, y_;
  bool used_ = false;
  bool gradient_evaluated_ = false;
};

}  // namespace fathom::detail
