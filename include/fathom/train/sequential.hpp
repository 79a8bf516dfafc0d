// Sequential: the Keras-style model. Add layers, compile with a loss, an optimizer and metrics,
// then fit / evaluate / predict. Progressive disclosure, from the most to the least automatic:
//   fit()  →  callbacks  →  train_step()  →  forward() / zero_grad() / backward() / step()
//
// Threads. Inference is const and safe to run on one model from any number of threads at once:
// predict, predict_classes, evaluate and infer (each call, or each InferenceWorkspace, has its
// own buffers; the model is only read). Everything else has one owner at a time: fit,
// train_step, forward / zero_grad / backward / step, output, loss_of(y), gradients, reserve,
// compile, add and the optimizer, callbacks and rng write the model or its training buffers, so
// no other call (inference included) may run on that model meanwhile. A server loads a model
// once and answers from a thread pool; to train while serving, train a copy and swap it in.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/core/parameters.hpp"
#include "fathom/core/rng.hpp"
#include "fathom/nn/layer.hpp"
#include "fathom/nn/loss.hpp"
#include "fathom/optim/optimizer.hpp"
#include "fathom/train/fit.hpp"
#include "fathom/train/history.hpp"
#include "fathom/train/model_info.hpp"

namespace fathom {

class Dense;
class Communicator;
namespace detail {
class OnlineSgd;
class ModelObjective;
}  // namespace detail

// Holds the optimizer a model is compiled with: any Optimizer by value (SGD({...})), or a name.
class OptimizerHandle {
 public:
  template <std::derived_from<Optimizer> O>
  OptimizerHandle(O optimizer) : ptr_(std::make_unique<O>(std::move(optimizer))) {}      // NOLINT
  OptimizerHandle(std::unique_ptr<Optimizer> optimizer) : ptr_(std::move(optimizer)) {}  // NOLINT
  OptimizerHandle(const char* name) : ptr_(make_optimizer(name)) {}                      // NOLINT
  OptimizerHandle(const std::string& name) : ptr_(make_optimizer(name)) {}               // NOLINT
  std::unique_ptr<Optimizer> release() { return std::move(ptr_); }

 private:
  std::unique_ptr<Optimizer> ptr_;
};

struct CompileOptions {
  Loss loss = Loss("mse");
  OptimizerHandle optimizer = OptimizerHandle("sgd");
  std::vector<std::string> metrics = {};
};

class Sequential;

// The buffers of inference (Sequential::infer): the layers' outputs and pre-activations for a
// batch. One per thread; reused across calls, it makes repeated inference allocate nothing. It
// grows to the largest model and batch it has served and never shrinks; any model may use it.
class InferenceWorkspace {
 public:
  InferenceWorkspace() = default;
  // Sized beforehand for batches of up to max_batch samples of `model`, so that not even the
  // first call allocates.
  InferenceWorkspace(const Sequential& model, Index max_batch);
  void reserve(const Sequential& model, Index max_batch);

 private:
  friend class Sequential;
  void reserve(Index rows, Index cols);
  // Layers write their outputs alternately into a_ and b_ (each reads the other), and their
  // scratch (Dense: the pre-activations V) into pre_, which keeps the output layer's after a pass.
  Matrix a_, b_, pre_;
  const Scalar* output_ = nullptr;  // the last pass's outputs (in a_, b_ or the caller's x)
  Index n_ = 0;                     // and its number of samples
};

class Sequential {
 public:
  explicit Sequential(Index input_dim, std::uint64_t seed = 0);
  Sequential(const Sequential& other);
  Sequential& operator=(const Sequential& other);
  Sequential(Sequential&&) noexcept;
  Sequential& operator=(Sequential&&) noexcept;
  ~Sequential();

  // Appends a layer (Dense, Dropout, ...); its input width is the previous layer's output.
  template <std::derived_from<Layer> L>
  L& add(L layer) {
    auto ptr = std::make_unique<L>(std::move(layer));
    L& ref = *ptr;
    add_layer(std::move(ptr));
    return ref;
  }
  void add_layer(std::unique_ptr<Layer> layer);

  // Builds the parameter arena, draws the initial weights (from the seed) and binds the
  // optimizer. Compiling again re-initializes the weights.
  void compile(CompileOptions options);
  bool compiled() const { return optimizer_ != nullptr; }

  // Trains on x (inputs × n) and y (outputs × n) with the training loop of train/fit.hpp.
  // Throws on bad shapes, NaN/Inf data, invalid options, or training that diverges
  // (DivergedError): a NaN/Inf loss or gradient is caught before the update, so the weights
  // stay those of the previous step; an update that overflows the weights themselves is
  // reported right after it.
  History fit(const Matrix& x, const Matrix& y, const FitOptions& options = {}) {
    return fathom::fit(*this, x, y, options);
  }
  History fit(ConstMatrixView x, ConstMatrixView y, const FitOptions& options = {}) {
    return fathom::fit(*this, x, y, options);
  }
  // Inference (const: see "Threads" above). Each call runs on buffers of its own.
  // "loss" and every compiled metric, over the whole of x, y (batch_size samples at a time).
  Logs evaluate(const Matrix& x, const Matrix& y, Index batch_size = kInferenceBatch) const {
    return fathom::evaluate(*this, x, y, batch_size);
  }
  Logs evaluate(ConstMatrixView x, ConstMatrixView y, Index batch_size = kInferenceBatch) const {
    return fathom::evaluate(*this, x, y, batch_size);
  }
  static constexpr Index kInferenceBatch = fathom::kInferenceBatch;
  // Outputs (outputs × n) for inputs x (inputs × n), batch_size samples at a time. The batch
  // sets the memory used and, in the last bit only, the values: a product's shape picks its
  // kernel (Eigen, gemv or OpenBLAS's sgemm), which rounds differently; batch_size 1 gives each
  // sample the same outputs however it is batched. Throws on NaN/Inf inputs.
  Matrix predict(ConstMatrixView x, Index batch_size = kInferenceBatch) const;
  Matrix predict(const Matrix& x, Index batch_size = kInferenceBatch) const {
    return predict(view(x), batch_size);
  }
  // argmax per column (one output: threshold 0.5).
  std::vector<Index> predict_classes(const Matrix& x, Index batch_size = kInferenceBatch) const;
  // The network's outputs (outputs × n) for x (inputs × n) in one pass over the buffers of ws,
  // a view into ws valid until its next use: with a workspace kept per thread, repeated calls
  // allocate nothing. The same values as predict(); x is not scanned for NaN/Inf (NaN in, NaN out).
  ConstMatrixView infer(ConstMatrixView x, InferenceWorkspace& ws) const;
  // The loss of the outputs the last infer(x, ws) left in ws against y (outputs × n), as
  // evaluate() computes it (from the logits when the output activation and the loss fuse).
  double loss_of(ConstMatrixView y, const InferenceWorkspace& ws) const;

  // One mini-batch: forward, zero_grad, backward, step. Returns the batch loss (before the
  // step). Its observable effects are the same whichever way it runs: the weights and
  // iterations() move exactly as the four verbs below would move them; output() holds the
  // batch's outputs; the forward pass is consumed (backward() needs a new forward()); and
  // gradients() throws, as train_step keeps no gradients. (A single sample with plain SGD on
  // a net of Dense layers runs as online backprop, train/online_sgd.hpp, which never writes a
  // gradient buffer; neither are the layers' V/Y/δ buffers written then.)
  double train_step(ConstMatrixView x, ConstMatrixView y);
  // The four verbs, for a loop of one's own.
  ConstMatrixView forward(ConstMatrixView x, bool training = false);
  void zero_grad();
  // Loss of the last forward against y; accumulates every gradient (BP1–BP4).
  double backward(ConstMatrixView y);
  // The optimizer's update from backward()'s gradients and loss. lbfgs and lm, which evaluate
  // the loss at more points, throw here: they step through train_step.
  void step();

  // The outputs (outputs × n) of the last forward() or train_step().
  ConstMatrixView output() const;
  // The loss of the last forward()'s outputs against y, without gradients (from the logits
  // when the output activation and the loss fuse).
  double loss_of(ConstMatrixView y) const;
  // The gradient arena as the four verbs left it (after backward(), or zeros after
  // zero_grad()). Throws after train_step(), which does not keep its gradients.
  std::span<const Scalar> gradients() const;

  // Sizes every buffer for batches of up to max_batch samples (fit does this itself).
  void reserve(Index max_batch);

  Index input_dim() const { return input_dim_; }
  Index output_dim() const;
  std::size_t layer_count() const { return layers_.size(); }
  Layer& layer(std::size_t i) { return *layers_.at(i); }
  const Layer& layer(std::size_t i) const { return *layers_.at(i); }
  Parameters& parameters() { return *params_; }
  const Parameters& parameters() const { return *params_; }
  Optimizer& optimizer();
  const Optimizer& optimizer() const;
  const Loss& loss() const { return loss_; }
  const std::vector<std::string>& metric_names() const { return metric_names_; }
  Rng& rng() { return rng_; }
  const Rng& rng() const { return rng_; }
  // The last layer's activation (linear if the model ends in a non-Dense layer).
  Activation output_activation() const;
  // info.task when recorded, else the task the output layer and loss imply (implied_task).
  std::string task() const {
    return info.task.empty() ? implied_task(output_activation(), output_dim(), loss_.name()) : info.task;
  }

  ModelInfo info;              // what the data was: written to and read from model files
  History history;             // appended to by every fit(), kept in the model file
  bool stop_training = false;  // set by a callback to end fit() after the current epoch

 private:
  void require_compiled(const char* what) const;
  // After compile/copy: the output Dense layer, whether its activation and the loss fuse, and
  // the online backprop plan.
  void cache_output();
  friend class detail::ModelObjective;
  friend History fit(Sequential&, ConstMatrixView, ConstMatrixView, const FitOptions&);
  // backward(), with the output gradient, and so every gradient, multiplied by `scale`.
  double backward_scaled(ConstMatrixView y, Scalar scale);
  // BP1–BP4 from the output gradient (∂C/∂a, or δ^L when is_delta) of the last forward.
  void backpropagate(MatrixView grad, bool is_delta);
  // The optimizer's step, after checking the gradients: loss and objective as Optimizer::step.
  void step_with(double loss, Objective* objective);
  // Shape-checks x against the model and runs the forward pass.
  ConstMatrixView run_forward(ConstMatrixView x, bool training);
  // x's shape against the model's inputs, for the inference calls (`what` names the call).
  void check_inputs(ConstMatrixView x, const char* what) const;

  Index input_dim_;
  std::vector<std::unique_ptr<Layer>> layers_;
  // Behind a pointer so that its address, which the optimizer holds, survives a move.
  std::unique_ptr<Parameters> params_ = std::make_unique<Parameters>();
  std::unique_ptr<Optimizer> optimizer_;
  Loss loss_;
  std::vector<std::string> metric_names_;
  Rng rng_;
  Index reserved_ = 0;
  Index max_width_ = 0;        // the widest of the inputs and every layer's output
  Index max_layer_width_ = 0;  // the widest layer output (inference's buffers)
  // Backpropagation's buffers (sized by reserve): the output gradient and two scratch blocks.
  Matrix grad_out_, scratch_a_, scratch_b_;
  // Where each layer's input of the last forward lives, and the model's output.
  std::vector<const Scalar*> inputs_;
  const Scalar* output_ = nullptr;
  Index last_n_ = 0;
  bool forward_pending_ = false;                                 // a forward() that backward() may use
  double last_loss_ = std::numeric_limits<double>::quiet_NaN();  // of the last backward(), for step()
  Matrix step_output_;  // a full-batch step's outputs before its update (output())
  // Every forward(), zero_grad() and backward() counts one: what a pass left in the buffers is
  // still there while the count has not moved.
  std::uint64_t passes_ = 0;
  // In fit's full-batch epochs, a step that ended on a gradient evaluation at its final weights
  // (L-BFGS's line search does) hands it to the next step on the same data, which then starts
  // from it instead of evaluating those weights again: the loss, the gradient (in the arena) and
  // the outputs (in the layers' buffers), valid while no pass ran and the weights are unchanged.
  struct KeptEvaluation {
    bool valid = false;
    const Scalar *x = nullptr, *y = nullptr;
    Index n = 0;
    double loss = 0;
    std::uint64_t passes = 0;
    const Scalar* output = nullptr;
    AlignedVector weights;
  };
  KeptEvaluation kept_;
  bool keep_evaluations_ = false;  // set by fit for its full-batch steps
  // Data-parallel training (fit given a Communicator, docs/scaling.md): train_step's batch is
  // this process's share of a batch of `batch` samples over every process of `comm`; the
  // gradient and the loss are summed over them before the update. Set by fit for its steps.
  struct DataParallel {
    Communicator* comm = nullptr;
    Index batch = 0;
    // Random layers (Dropout) draw from layer_rng_, a stream of this process's seeded from rng_
    // at every step, so that rng_ (the batch order) stays the same on every process.
    bool own_stream = false;
  };
  DataParallel parallel_;
  Rng layer_rng_;
  // train_step's forward and backward passes, or none on a share of no samples: the loss, and
  // the gradient in the arena, summed over the processes in data-parallel training.
  double evaluate_batch(ConstMatrixView x, ConstMatrixView y);
  // ModelObjective's gradient evaluations: the candidate for kept_.
  void gradient_evaluated(double loss);
  // Whether kept_ holds the loss and gradient of x, y at the current weights.
  bool kept_applies(ConstMatrixView x, ConstMatrixView y) const;
  // kept_applies on every process of a data-parallel step (a callback on one process may have
  // run a pass there), so that all evaluate the batch again or none does.
  bool kept_applies_everywhere(ConstMatrixView x, ConstMatrixView y);
  bool gradients_kept_ = true;  // false after train_step
  const Dense* output_dense_ = nullptr;
  bool fused_ = false;
  std::unique_ptr<detail::OnlineSgd> online_;  // online backprop's plan and buffer
};

}  // namespace fathom
