// The model's loss as the objective of a full-batch step (model_objective.hpp), and the
// evaluation a step keeps for the next one (Sequential::kept_).
#include "model_objective.hpp"

#include <cstring>

#include "data_parallel.hpp"
#include "fathom/core/error.hpp"
#include "fathom/nn/dropout.hpp"

namespace fathom::detail {

void ModelObjective::require_deterministic(const Sequential& model) {
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    if (dynamic_cast<const Dropout*>(&model.layer(i)) != nullptr) {
      throw InvalidArgument(
          model.optimizer().name() + " evaluates the loss at several weights per step and needs " +
          "it to be the same function each time; the Dropout layer \"" + model.layer(i).name() +
          "\" draws new masks at every evaluation (remove it, or train with another optimizer)");
    }
  }
}

void ModelObjective::first_use() {
  if (used_) return;
  model_.step_output_ = model_.output();
  used_ = true;
}

double ModelObjective::evaluate(bool gradient) {
  first_use();
  const auto& parallel = model_.parallel_;
  double loss = 0;
  if (!gradient) {
    // In data-parallel training, the loss of every process's share together (as below).
    if (x_.cols() > 0) {
      model_.forward(x_, true);
      loss = model_.loss_of(y_);
    }
    return parallel.comm == nullptr ? loss : sum_loss(*parallel.comm, loss, x_.cols(), parallel.batch);
  }
  loss = model_.evaluate_batch(x_, y_);
  model_.gradient_evaluated(loss);
  gradient_evaluated_ = true;
  return loss;
}

Index ModelObjective::residuals_per_sample() const {
  if (model_.loss().kind() != LossKind::Mse) {
    throw InvalidArgument(model_.optimizer().name() +
                          " minimizes a sum of squares: compile the model with the mse "
                          "loss (it has " +
                          model_.loss().name() + ")");
  }
  return model_.output_dim();
}

// Row by row: one sample's forward pass, then per output k a backward pass from ∂a/∂a_k = e_k,
// whose gradients are the Jacobian row ∂a_k/∂w (= ∂r_k/∂w, as r = a − t).
void ModelObjective::jacobian(Index first, Index count, MatrixView Jt, std::span<Scalar> r) {
  const Index k_out = residuals_per_sample();
  if (model_.parallel_.comm != nullptr) {
    throw InvalidArgument(
        model_.optimizer().name() +
        " needs every sample's Jacobian row on one process and does not train data-parallel "
        "(use lbfgs or irprop+, whose gradients sum over processes)");
  }
  require(first >= 0 && count >= 1 && first + count <= samples(), "jacobian: samples out of range");
  require(Jt.rows() == Index(model_.parameters().size()) && Jt.cols() == count * k_out &&
              Index(r.size()) == count * k_out,
          "jacobian: Jt must be parameters × (outputs · count) and r outputs · count");
  first_use();
  const auto grads = std::as_const(model_.parameters()).grads();
  for (Index j = 0; j < count; ++j) {
    const Index sample = first + j;
    const ConstMatrixView a =
        model_.forward(ConstMatrixView(x_.data() + sample * x_.rows(), x_.rows(), 1), true);
    for (Index k = 0; k < k_out; ++k) r[std::size_t(j * k_out + k)] = a(k, 0) - y_(k, sample);
    for (Index k = 0; k < k_out; ++k) {
      model_.zero_grad();
      MatrixView grad = left_cols(model_.grad_out_, 1);
      grad.setZero();
      grad(k, 0) = 1;
      model_.backpropagate(grad, false);
      std::copy(grads.begin(), grads.end(), Jt.col(j * k_out + k).data());
    }
  }
}

}  // namespace fathom::detail

namespace fathom {

// The kept evaluation (Sequential::kept_): the last gradient evaluation of a full-batch step,
// which the next step of fit starts from when nothing has run and the weights have not moved.

void Sequential::gradient_evaluated(double loss) {
  kept_.loss = loss;
  kept_.passes = passes_;
  kept_.output = output_;
  const auto w = std::as_const(*params_).values();
  kept_.weights.assign(w.begin(), w.end());  // allocates once: the arena's size does not change
}

bool Sequential::kept_applies(ConstMatrixView x, ConstMatrixView y) const {
  if (!keep_evaluations_ || !kept_.valid || kept_.passes != passes_) return false;
  if (kept_.x != x.data() || kept_.y != y.data() || kept_.n != x.cols()) return false;
  const auto w = std::as_const(*params_).values();
  return kept_.weights.size() == w.size() &&
         std::memcmp(w.data(), kept_.weights.data(), w.size() * sizeof(Scalar)) == 0;
}

}  // namespace fathom
