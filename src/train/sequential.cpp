// Sequential: building, compiling, and the four verbs of a training step
// (forward, zero_grad, backward, step). fit/evaluate/predict live in fit.cpp.
#include "fathom/train/sequential.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>
#include <utility>

#include "../core/finite.hpp"
#include "fathom/core/error.hpp"
#include "fathom/core/threads.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/train/callbacks.hpp"

namespace fathom {

Sequential::Sequential(Index input_dim, std::uint64_t seed) : input_dim_(input_dim), rng_(seed) {
  require(input_dim > 0, "Sequential: input_dim must be > 0, got " + std::to_string(input_dim));
}

Sequential::~Sequential() = default;

Sequential::Sequential(const Sequential& other)
    : info(other.info),
      history(other.history),
      input_dim_(other.input_dim_),
      params_(std::make_unique<Parameters>(*other.params_)),
      loss_(other.loss_),
      metric_names_(other.metric_names_),
      rng_(other.rng_),
      max_width_(other.max_width_) {
  for (const auto& layer : other.layers_) layers_.push_back(layer->clone());
  for (const auto& name : metric_names_) metrics_.push_back(make_metric(name));
  inputs_.assign(layers_.size(), nullptr);
  cache_output();
  if (other.optimizer_) {
    optimizer_ = other.optimizer_->clone();
    optimizer_->bind(*params_);
    auto mine = optimizer_->state();
    auto theirs = other.optimizer_->state();
    for (std::size_t i = 0; i < mine.size() && i < theirs.size(); ++i) {
      std::copy(theirs[i].second.begin(), theirs[i].second.end(), mine[i].second.begin());
    }
    optimizer_->set_iterations(other.optimizer_->iterations());
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
  loss_ = options.loss;
  optimizer_ = options.optimizer.release();
  require(optimizer_ != nullptr, "Sequential::compile: no optimizer");
  optimizer_->bind(*params_);
  metric_names_.clear();
  metrics_.clear();
  for (const auto& name : options.metrics) {
    metrics_.push_back(make_metric(name));
    metric_names_.push_back(metrics_.back()->name());
  }
  inputs_.assign(layers_.size(), nullptr);
  cache_output();
  reserved_ = 0;
  last_n_ = 0;
  output_ = nullptr;
}

void Sequential::cache_output() {
  output_dense_ = layers_.empty() ? nullptr : dynamic_cast<const Dense*>(layers_.back().get());
  fused_ = output_dense_ != nullptr && loss_.fuses_with(output_dense_->activation());
  online_ok_ = true;
  for (const auto& layer : layers_) {
    online_ok_ = online_ok_ && (layer->parameter_count() == 0 || dynamic_cast<const Dense*>(layer.get()) != nullptr);
  }
  cache_tiny();
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
  if (const auto* dense = layers_.empty() ? nullptr : dynamic_cast<const Dense*>(layers_.back().get())) {
    return dense->activation();
  }
  return Activation(ActivationKind::Linear);
}

void Sequential::reserve(Index max_batch) {
  require_compiled("reserve");
  if (max_batch <= reserved_) return;
  for (auto& layer : layers_) layer->reserve(max_batch);
  batch_x_.resize(input_dim_, max_batch);
  batch_y_.resize(output_dim(), max_batch);
  grad_out_.resize(output_dim(), max_batch);
  scratch_a_.resize(max_width_, max_batch);
  scratch_b_.resize(max_width_, max_batch);
  reserved_ = max_batch;
}

// x is (inputs, n); returns the last layer's output (outputs, n).
ConstMatrixView Sequential::forward(ConstMatrixView x, bool training) {
  require_compiled("forward");
  if (x.rows() != input_dim_) {
    throw ShapeError("model expects " + std::to_string(input_dim_) + " inputs per sample, data has " +
                     std::to_string(x.rows()));
  }
  reserve(x.cols());
  ConstMatrixView Y = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    inputs_[i] = Y.data();
    new (&Y) ConstMatrixView(layers_[i]->forward(Y, *params_, training, rng_));  // rebind the view
  }
  output_ = Y.data();
  last_n_ = x.cols();
  return Y;
}

double Sequential::batch_loss(ConstMatrixView A, ConstMatrixView T) const {
  if (fused_) return loss_.value(A, T, output_dense_->activation(), output_dense_->V());
  return loss_.value(A, T);
}

// Backpropagation: the output delta (BP1), then every layer backwards (BP2–BP4) with the
// weights of the forward pass; the optimizer changes them only in step().
double Sequential::backward(ConstMatrixView y) { return backward_impl(y, true); }

double Sequential::backward_impl(ConstMatrixView y, bool param_grads) {
  require_compiled("backward");
  require(output_ != nullptr, "Sequential::backward: call forward first");
  const Index n = last_n_;
  if (y.rows() != output_dim() || y.cols() != n) {
    throw ShapeError("targets are " + std::to_string(y.rows()) + "x" + std::to_string(y.cols()) +
                     " but the model's outputs are " + std::to_string(output_dim()) + "x" +
                     std::to_string(n));
  }
  ConstMatrixView A(output_, output_dim(), n);
  const double loss = batch_loss(A, y);
  const bool fused = fused_;
  MatrixView grad = left_cols(grad_out_, n);
  if (fused) {
    loss_.fused_delta(A, y, grad);  // δ^L = (a − t)/n
  } else {
    loss_.gradient(A, y, grad);  // ∂C/∂a; the layer multiplies by φ'(v) (BP1)
  }
  Matrix* next = &scratch_a_;
  deltas_finite_ = true;
  // One layer's backward: with parameter gradients (BP1–BP4), or only δ and dX (online_step).
  auto layer_backward = [&](Layer& layer, ConstMatrixView X, bool is_delta, MatrixView* dX) {
    if (param_grads) {
      layer.backward(X, cview(grad), is_delta, *params_, dX);
    } else {
      deltas_finite_ &= layer.backward_deltas(X, cview(grad), is_delta, *params_, dX);
    }
  };
  for (std::size_t k = layers_.size(); k-- > 0;) {
    Layer& layer = *layers_[k];
    ConstMatrixView X(inputs_[k], layer.input_dim(), n);
    if (k == 0) {
      layer_backward(layer, X, fused && k + 1 == layers_.size(), nullptr);
      break;
    }
    MatrixView dX(next->data(), layer.input_dim(), n);
    layer_backward(layer, X, fused && k + 1 == layers_.size(), &dX);
    new (&grad) MatrixView(dX);  // rebind: the next layer down reads this layer's dX
    next = next == &scratch_a_ ? &scratch_b_ : &scratch_a_;
  }
  return loss;
}

void Sequential::step() {
  require_compiled("step");
  if (!detail::all_finite(std::as_const(*params_).grads())) {
    throw DivergedError(
        "training diverged: a gradient is NaN or Inf (try a smaller learning rate); "
        "the weights were left as they were before this step");
  }
  if (!optimizer_->step()) {  // the rule checks the new weights in its own pass
    throw DivergedError(
        "training diverged: the update made a weight NaN or Inf (try a smaller learning rate); "
        "reload or re-initialize the model before using it");
  }
}

double Sequential::train_step(ConstMatrixView x, ConstMatrixView y) {
  require_compiled("train_step");
  if (x.cols() == 1 && online_ok_ && optimizer_->is_plain_sgd()) {
    if (!tiny_.empty() && x.rows() == input_dim_ && y.rows() == output_dim() && y.cols() == 1) {
      return tiny_online_step(x, y);
    }
    train_output_ = forward(x, true).data();
    return online_step(y);
  }
  train_output_ = forward(x, true).data();
  zero_grad();
  const double loss = backward(y);
  if (!std::isfinite(loss)) throw_diverged_loss(loss);
  step();
  return loss;
}

void Sequential::throw_diverged_loss(double loss) {
  throw DivergedError("training diverged: the loss is " + std::to_string(loss) +
                      " (try a smaller learning rate); the weights were left as they were before this step");
}

// Online backprop for one sample with plain SGD: every δ first (with the old weights, as
// backward does), then w ← w − η δ xᵀ straight into each layer's weights. The same update as
// zero_grad + backward + step, without writing, scanning and reading back a gradient as large
// as the model (three passes over the arena per sample). The gradient buffer is not written:
// use the four verbs to see it.
double Sequential::online_step(ConstMatrixView y) {
  const double loss = backward_impl(y, false);
  if (!std::isfinite(loss)) throw_diverged_loss(loss);
  // δ xᵀ is finite when every δ and every layer input is (a NaN pixel can pass a ReLU as 0).
  bool inputs_finite = true;
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    inputs_finite &= detail::all_finite({inputs_[k], static_cast<std::size_t>(layers_[k]->input_dim())});
  }
  if (!deltas_finite_ || !inputs_finite) {
    throw DivergedError(
        "training diverged: a gradient is NaN or Inf (try a smaller learning rate); "
        "the weights were left as they were before this step");
  }
  const Scalar eta = optimizer_->learning_rate();
  bool finite = true;
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    finite &= layers_[k]->apply_sgd(ConstMatrixView(inputs_[k], layers_[k]->input_dim(), 1), eta, *params_);
  }
  optimizer_->count_step();
  if (!finite) {
    throw DivergedError(
        "training diverged: the update made a weight NaN or Inf (try a smaller learning rate); "
        "reload or re-initialize the model before using it");
  }
  return loss;
}

std::string Sequential::summary() const {
  std::ostringstream out;
  const auto line = std::string(72, '-');
  out << "Model: sequential (" << input_dim_ << " inputs)\n" << line << '\n';
  out << std::left << std::setw(20) << "Layer (type)" << std::setw(16) << "Output shape" << std::setw(12)
      << "Param #"
      << "Activation\n"
      << line << '\n';
  std::size_t total = 0;
  for (const auto& layer : layers_) {
    std::string activation;
    if (const auto* d = dynamic_cast<const Dense*>(layer.get())) {
      activation = d->activation().name() + (d->use_bias() ? "" : " (no bias)");
    } else {
      activation = layer->describe();
    }
    out << std::setw(20) << (layer->name() + " (" + layer->type() + ")") << std::setw(16)
        << ("(None, " + std::to_string(layer->output_dim()) + ")") << std::setw(12)
        << layer->parameter_count() << activation << '\n';
    total += layer->parameter_count();
  }
  out << line << "\nTotal params: " << total << '\n';
  if (optimizer_) {
    out << "Loss: " << loss_.name() << "\nOptimizer: " << optimizer_->name() << ' '
        << optimizer_->config_json() << '\n';
    if (!metric_names_.empty()) {
      out << "Metrics:";
      for (const auto& m : metric_names_) out << ' ' << m;
      out << '\n';
    }
  }
  return out.str();
}

}  // namespace fathom
