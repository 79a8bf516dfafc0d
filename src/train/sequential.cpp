// Sequential: building, compiling, the four verbs of a training step (forward, zero_grad,
// backward, step), train_step, and inference (infer, predict) over caller-owned workspaces.
// The training loop and evaluate live in fit.cpp, online backprop in online_sgd.cpp, summary()
// in summary.cpp.
#include "fathom/train/sequential.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "../core/finite.hpp"
#include "diverged.hpp"
#include "fathom/core/error.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/optim/sgd.hpp"
#include "fathom/train/metrics.hpp"
#include "model_objective.hpp"
#include "online_sgd.hpp"

namespace fathom {

Sequential::Sequential(Index input_dim, std::uint64_t seed) : input_dim_(input_dim), rng_(seed) {
  require(input_dim > 0, "Sequential: input_dim must be > 0, got " + std::to_string(input_dim));
}

Sequential::~Sequential() = default;
Sequential::Sequential(Sequential&&) noexcept = default;
Sequential& Sequential::operator=(Sequential&&) noexcept = default;

Sequential::Sequential(const Sequential& other)
    : info(other.info),
      history(other.history),
      input_dim_(other.input_dim_),
      params_(std::make_unique<Parameters>(*other.params_)),
      loss_(other.loss_),
      metric_names_(other.metric_names_),
      rng_(other.rng_),
      max_width_(other.max_width_),
      gradients_kept_(other.gradients_kept_) {
  for (const auto& layer : other.layers_) layers_.push_back(layer->clone());
  inputs_.assign(layers_.size(), nullptr);
  cache_output();
  if (other.optimizer_) {
    optimizer_ = other.optimizer_->clone();  // with its state
    optimizer_->rebind(*params_);
  }
}

Sequential& Sequential::operator=(const Sequential& other) {
  if (this != &other) *this = Sequential(other);
  return *this;
}

void Sequential::add_layer(std::unique_ptr<Layer> layer) {
  require(layer != nullptr, "Sequential::add: null layer");
  if (layer->name().empty()) {
    int same = 1;
    for (const auto& l : layers_) same += l->type() == layer->type();
    layer->set_name(layer->type() + "_" + std::to_string(same));
  }
  for (const auto& l : layers_) {
    require(l->name() != layer->name(),
            "Sequential::add: a layer named \"" + layer->name() + "\" already exists");
  }
  layers_.push_back(std::move(layer));
  optimizer_.reset();  // the architecture changed: compile again
}

void Sequential::compile(CompileOptions options) {
  require(!layers_.empty(), "Sequential::compile: the model has no layers");
  std::unique_ptr<Optimizer> optimizer = options.optimizer.release();
  require(optimizer != nullptr, "Sequential::compile: no optimizer");
  // Uncompiled until the end: a refusal below (a metric's name, an arena too large for the
  // optimizer) leaves a model that asks to be compiled, never a half-built one.
  optimizer_.reset();
  params_->clear();
  Index width = input_dim_;
  max_width_ = input_dim_;
  for (auto& layer : layers_) {
    layer->build(width, *params_);
    width = layer->output_dim();
    max_width_ = std::max(max_width_, width);
  }
  params_->finalize();
  for (auto& layer : layers_) layer->initialize(*params_, rng_);
  optimizer->bind(*params_);
  std::vector<std::string> metric_names;
  for (const auto& name : options.metrics)
    metric_names.push_back(make_metric(name)->name());  // checks the name
  loss_ = options.loss;
  metric_names_ = std::move(metric_names);
  inputs_.assign(layers_.size(), nullptr);
  cache_output();
  reserved_ = 0;
  last_n_ = 0;
  output_ = nullptr;
  forward_pending_ = false;
  gradients_kept_ = true;
  optimizer_ = std::move(optimizer);
}

void Sequential::cache_output() {
  max_layer_width_ = 0;
  for (const auto& layer : layers_) max_layer_width_ = std::max(max_layer_width_, layer->output_dim());
  output_dense_ = layers_.empty() ? nullptr : dynamic_cast<const Dense*>(layers_.back().get());
  fused_ = output_dense_ != nullptr && loss_.fuses_with(output_dense_->activation());
  online_ = std::make_unique<detail::OnlineSgd>(layers_);
}

void Sequential::require_compiled(const char* what) const {
  if (!optimizer_) throw Error(std::string("Sequential::") + what + ": compile the model first");
}

Index Sequential::output_dim() const { return layers_.empty() ? input_dim_ : layers_.back()->output_dim(); }

Optimizer& Sequential::optimizer() {
  require_compiled("optimizer");
  return *optimizer_;
}
const Optimizer& Sequential::optimizer() const {
  require_compiled("optimizer");
  return *optimizer_;
}

Activation Sequential::output_activation() const {
  return output_dense_ != nullptr ? output_dense_->activation() : Activation(ActivationKind::Linear);
}

void Sequential::reserve(Index max_batch) {
  require_compiled("reserve");
  if (max_batch <= reserved_) return;
  for (auto& layer : layers_) layer->reserve(max_batch);
  grad_out_.resize(output_dim(), max_batch);
  scratch_a_.resize(max_width_, max_batch);
  scratch_b_.resize(max_width_, max_batch);
  reserved_ = max_batch;
}

// x is (inputs, n); returns the last layer's output (outputs, n).
ConstMatrixView Sequential::run_forward(ConstMatrixView x, bool training) {
  ++passes_;
  if (x.rows() != input_dim_) {
    throw ShapeError("model expects " + std::to_string(input_dim_) + " inputs per sample, data has " +
                     std::to_string(x.rows()));
  }
  reserve(x.cols());
  ConstMatrixView Y = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    inputs_[i] = Y.data();
    Rng& rng = parallel_.own_stream ? layer_rng_ : rng_;
    new (&Y) ConstMatrixView(layers_[i]->forward(Y, *params_, training, rng));  // rebind the view
  }
  output_ = Y.data();
  last_n_ = x.cols();
  return Y;
}

ConstMatrixView Sequential::forward(ConstMatrixView x, bool training) {
  require_compiled("forward");
  const ConstMatrixView out = run_forward(x, training);
  forward_pending_ = true;
  return out;
}

void Sequential::zero_grad() {
  ++passes_;
  params_->zero_grad();
  gradients_kept_ = true;
}

ConstMatrixView Sequential::output() const {
  require(output_ != nullptr, "Sequential::output: no forward pass or training step has run yet");
  return ConstMatrixView(output_, output_dim(), last_n_);
}

double Sequential::loss_of(ConstMatrixView y) const {
  require_compiled("loss_of");
  require(forward_pending_, "Sequential::loss_of: call forward first");
  const ConstMatrixView A = output();
  if (y.rows() != A.rows() || y.cols() != A.cols()) {
    throw ShapeError("targets are " + std::to_string(y.rows()) + "x" + std::to_string(y.cols()) +
                     " but the model's outputs are " + std::to_string(A.rows()) + "x" +
                     std::to_string(A.cols()));
  }
  if (fused_) return loss_.value(A, y, output_dense_->activation(), output_dense_->V());
  return loss_.value(A, y);
}

std::span<const Scalar> Sequential::gradients() const {
  if (!gradients_kept_) {
    throw Error(
        "Sequential::gradients: train_step does not keep its gradients; to see them, run forward, "
        "zero_grad and backward");
  }
  return std::as_const(*params_).grads();
}

// Backpropagation: the output delta (BP1), then every layer backwards (BP2–BP4) with the
// weights of the forward pass; the optimizer changes them only in step().
double Sequential::backward(ConstMatrixView y) { return backward_scaled(y, 1); }

double Sequential::backward_scaled(ConstMatrixView y, Scalar scale) {
  ++passes_;
  require_compiled("backward");
  require(forward_pending_, "Sequential::backward: call forward first");
  const double loss = loss_of(y);
  const Index n = last_n_;
  const ConstMatrixView A = output();
  MatrixView grad = left_cols(grad_out_, n);
  if (fused_) {
    loss_.fused_delta(A, y, grad);  // δ^L = (a − t)/n
  } else {
    loss_.gradient(A, y, grad);  // ∂C/∂a; the layer multiplies by φ'(v) (BP1)
  }
  if (scale != 1) grad *= scale;  // every gradient below is linear in it
  backpropagate(grad, fused_);
  last_loss_ = loss;
  return loss;
}

// BP1–BP4 from the output gradient `grad` (outputs × the last forward's n): ∂C/∂a, or δ^L itself
// when `is_delta`. Accumulates every layer's gradients into the arena.
void Sequential::backpropagate(MatrixView grad, bool is_delta) {
  const Index n = last_n_;
  Matrix* next = &scratch_a_;
  for (std::size_t k = layers_.size(); k-- > 0;) {
    Layer& layer = *layers_[k];
    const ConstMatrixView X(inputs_[k], layer.input_dim(), n);
    const bool delta = is_delta && k + 1 == layers_.size();
    if (k == 0) {
      layer.backward(X, cview(grad), delta, *params_, nullptr);
      break;
    }
    MatrixView dX(next->data(), layer.input_dim(), n);
    layer.backward(X, cview(grad), delta, *params_, &dX);
    new (&grad) MatrixView(dX);  // rebind: the next layer down reads this layer's dX
    next = next == &scratch_a_ ? &scratch_b_ : &scratch_a_;
  }
  gradients_kept_ = true;
}

void Sequential::step() {
  require_compiled("step");
  step_with(last_loss_, nullptr);
  optimizer_->set_evaluations(optimizer_->evaluations() + 1);  // the forward and backward before it
}

void Sequential::step_with(double loss, Objective* objective) {
  if (!detail::all_finite(std::as_const(*params_).grads()))
    detail::diverged_before_update("a gradient is NaN or Inf");
  // The rule checks the new weights in its own pass.
  if (!optimizer_->step(loss, objective)) detail::diverged_in_update();
}

double Sequential::train_step(ConstMatrixView x, ConstMatrixView y) {
  require_compiled("train_step");
  auto* sgd = dynamic_cast<SGD*>(optimizer_.get());
  double loss = 0;
  // (Online backprop writes no gradient buffer: a share of a data-parallel batch takes the
  // general path, whose gradient is summed over the processes.)
  if (x.cols() == 1 && sgd != nullptr && sgd->plain() && online_->applies() && parallel_.comm == nullptr) {
    if (x.rows() != input_dim_ || y.rows() != output_dim() || y.cols() != 1) {
      throw ShapeError("train_step: the model takes " + std::to_string(input_dim_) + " inputs and " +
                       std::to_string(output_dim()) + " targets per sample, got " + std::to_string(x.rows()) +
                       " and " + std::to_string(y.rows()) + "x" + std::to_string(y.cols()));
    }
    forward_pending_ = false;
    gradients_kept_ = false;
    loss = online_->step(x, y, *params_, *sgd, loss_);
    optimizer_->set_evaluations(optimizer_->evaluations() + 1);
    output_ = online_->output();
    last_n_ = 1;
    return loss;
  }
  // A rule that evaluates the loss at trial weights needs it to be one function: refused before
  // anything moves.
  if (optimizer_->needs_objective()) detail::ModelObjective::require_deterministic(*this);
  if (kept_applies_everywhere(x, y)) {
    // The last step's final evaluation was of these weights on this data: its loss, gradient
    // and outputs are still in place.
    loss = kept_.loss;
    output_ = kept_.output;
    last_n_ = x.cols();
  } else {
    loss = evaluate_batch(x, y);
    optimizer_->set_evaluations(optimizer_->evaluations() + 1);
  }
  kept_.valid = false;
  forward_pending_ = false;
  gradients_kept_ = false;
  if (!std::isfinite(loss)) detail::diverged_before_update("the loss is " + std::to_string(loss));
  // A full-batch rule may evaluate the loss at other weights (a line search, a Jacobian): the
  // objective keeps this batch's outputs first, so output() still holds them after the step.
  detail::ModelObjective objective(*this, x, y);
  step_with(loss, &objective);
  if (objective.used()) {
    // Its last gradient evaluation, if nothing ran after it and the weights stayed there, is
    // where the next step starts (kept for fit's full-batch steps only: there the data stay put).
    const auto w = std::as_const(*params_).values();
    kept_.valid = keep_evaluations_ && objective.gradient_evaluated() && kept_.passes == passes_ &&
                  kept_.weights.size() == w.size() &&
                  std::memcmp(w.data(), kept_.weights.data(), w.size() * sizeof(Scalar)) == 0;
    kept_.x = x.data();
    kept_.y = y.data();
    kept_.n = x.cols();
    output_ = step_output_.data();
    last_n_ = x.cols();
    forward_pending_ = false;
    gradients_kept_ = false;
  }
  return loss;
}

// ---------------------------------------------------------------------------------------------
// Inference: const, over the caller's workspace; the layers' and the model's own buffers are
// never touched, so any number of threads may run it on one model.

InferenceWorkspace::InferenceWorkspace(const Sequential& model, Index max_batch) {
  reserve(model, max_batch);
}

void InferenceWorkspace::reserve(const Sequential& model, Index max_batch) {
  Index rows = 0;
  for (std::size_t i = 0; i < model.layer_count(); ++i) rows = std::max(rows, model.layer(i).output_dim());
  reserve(rows, max_batch);
}

// Grows, never shrinks: a buffer is reallocated only when a pass needs more than it holds.
void InferenceWorkspace::reserve(Index rows, Index cols) {
  if (rows * cols <= a_.size()) return;
  rows = std::max(rows, a_.rows());
  cols = std::max(cols, a_.cols());
  a_.resize(rows, cols);
  b_.resize(rows, cols);
  pre_.resize(rows, cols);
}

void Sequential::check_inputs(ConstMatrixView x, const char* what) const {
  require_compiled(what);
  if (x.rows() != input_dim_) {
    throw ShapeError(std::string(what) + ": the model expects " + std::to_string(input_dim_) +
                     " inputs per sample, x has " + std::to_string(x.rows()) + " rows");
  }
}

// Every layer's infer() in turn: each writes its output into whichever of a_ and b_ its input
// is not in (a Dropout layer hands its input on, so the next layer may read a_ or b_), its
// scratch into pre_. The layer views are as wide as the layer, as the training buffers are, so
// every column starts at the same alignment and the results are those of forward() bit for bit.
ConstMatrixView Sequential::infer(ConstMatrixView x, InferenceWorkspace& ws) const {
  check_inputs(x, "infer");
  const Index n = x.cols();
  ws.reserve(max_layer_width_, n);
  ConstMatrixView Y = x;
  for (const auto& layer : layers_) {
    const Index rows = layer->output_dim();
    Scalar* out = Y.data() == ws.a_.data() ? ws.b_.data() : ws.a_.data();
    new (&Y) ConstMatrixView(layer->infer(Y, *params_, MatrixView(out, rows, n),
                                          MatrixView(ws.pre_.data(), rows, n)));  // rebind the view
  }
  ws.output_ = Y.data();
  ws.n_ = n;
  return Y;
}

double Sequential::loss_of(ConstMatrixView y, const InferenceWorkspace& ws) const {
  require_compiled("loss_of");
  require(ws.output_ != nullptr, "Sequential::loss_of: run infer(x, ws) first");
  const ConstMatrixView A(ws.output_, output_dim(), ws.n_);
  if (y.rows() != A.rows() || y.cols() != A.cols()) {
    throw ShapeError("targets are " + std::to_string(y.rows()) + "x" + std::to_string(y.cols()) +
                     " but the model's outputs are " + std::to_string(A.rows()) + "x" +
                     std::to_string(A.cols()));
  }
  // A fused output layer is Dense, the last to write pre_: its pre-activations are there.
  if (fused_)
    return loss_.value(A, y, output_dense_->activation(),
                       ConstMatrixView(ws.pre_.data(), A.rows(), A.cols()));
  return loss_.value(A, y);
}

Matrix Sequential::predict(ConstMatrixView x, Index batch_size) const {
  check_inputs(x, "predict");
  require(batch_size >= 1, "predict: batch_size must be >= 1, got " + std::to_string(batch_size));
  const Index n = x.cols();
  Matrix out(output_dim(), n);
  if (n == 0) return out;
  const Index batch = std::min(batch_size, n);
  InferenceWorkspace ws;
  ws.reserve(max_layer_width_, batch);
  for (Index start = 0; start < n; start += batch) {
    const Index nb = std::min(batch, n - start);
    // Each batch is checked for NaN/Inf just before its forward pass reads it: one trip
    // through memory for the data instead of two.
    const ConstMatrixView xb(x.data() + start * x.rows(), x.rows(), nb);
    detail::check_finite(xb, "prediction", "x", start);
    out.middleCols(start, nb) = infer(xb, ws);  // x's own memory, no copy
  }
  return out;
}

std::vector<Index> Sequential::predict_classes(const Matrix& x, Index batch_size) const {
  const Matrix A = predict(x, batch_size);
  return predicted_classes(view(A));
}

}  // namespace fathom
