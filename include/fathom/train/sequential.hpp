// Sequential: the Keras-style model. Add layers, compile with a loss, an optimizer and metrics,
// then fit / evaluate / predict. Progressive disclosure (STYLE habit 4):
//   fit()  →  callbacks  →  train_step()  →  forward() / zero_grad() / backward() / step()
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/core/parameters.hpp"
#include "fathom/core/rng.hpp"
#include "fathom/data/scaling.hpp"
#include "fathom/nn/layer.hpp"
#include "fathom/nn/loss.hpp"
#include "fathom/optim/optimizer.hpp"
#include "fathom/train/history.hpp"
#include "fathom/train/metrics.hpp"

namespace fathom {

class Callback;
class Dense;

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

struct FitOptions {
  int epochs = 1;
  Index batch_size = 32;  // 1 = online (stochastic) GD; ≥ number of samples = full batch
  bool shuffle = true;    // a new sample order every epoch
  // Hold out this fraction of the samples (the last ones, before shuffling, as Keras does).
  double validation_split = 0;
  // Or explicit validation data (features × n and outputs × n); both or neither.
  const Matrix* validation_x = nullptr;
  const Matrix* validation_y = nullptr;
  std::vector<Callback*> callbacks = {};
  int initial_epoch = 0;  // to resume: epochs run from initial_epoch to epochs − 1
};

// Metadata a model file carries besides the network.
struct ModelInfo {
  InputScaling scaling;                  // applied to inputs by fit/evaluate/predict
  std::vector<std::string> class_names;    // the label of each class (classification)
  std::vector<std::string> feature_names;  // input columns, in input order (for reading new data)
  std::vector<std::string> target_names;   // target columns
  std::string task;                      // "classify", "multilabel", "regress", or ""
  // Targets 0/1 were trained as targets_low/targets_high (SPEC §6's 0.1/0.9); both 0: as given.
  Scalar targets_low = 0, targets_high = 0;
};

class Sequential {
 public:
  explicit Sequential(Index input_dim, std::uint64_t seed = 0);
  Sequential(const Sequential& other);
  Sequential& operator=(const Sequential& other);
  Sequential(Sequential&&) noexcept = default;
  Sequential& operator=(Sequential&&) noexcept = default;
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

  // Trains on x (inputs × n) and y (outputs × n). Throws on bad shapes, NaN/Inf data,
  // invalid options, or training that diverges (DivergedError): a NaN/Inf loss or gradient
  // is caught before the update, so the weights stay those of the previous step; an update
  // that overflows the weights themselves is reported right after it.
  History fit(const Matrix& x, const Matrix& y, const FitOptions& options = {});
  // "loss" and every compiled metric, over the whole of x, y.
  // evaluate and predict run the network on batch_size samples at a time (only memory depends
  // on it: ~10 MB of buffers for 784-256-128-10 at the default). Batches of 1,024 rather
  // than 256 give the threads wider products: 2-thread predict() 26 → 23 ms on 10,000 images.
  static constexpr Index kInferenceBatch = 1024;
  Logs evaluate(const Matrix& x, const Matrix& y, Index batch_size = kInferenceBatch);
  // Outputs (outputs × n) for inputs x (inputs × n).
  Matrix predict(const Matrix& x, Index batch_size = kInferenceBatch);
  // argmax per column (one output: threshold 0.5).
  std::vector<Index> predict_classes(const Matrix& x, Index batch_size = kInferenceBatch);
  // Keras-like table: layer, output shape, parameters, activation; totals; loss, optimizer.
  std::string summary() const;

  // One mini-batch: forward, zero_grad, backward, step. Returns the batch loss (before the step).
  // A single sample with plain SGD (no momentum, decay or clipping) takes the online path:
  // the same update, w −= η δ xᵀ, written straight into the weights from the deltas. The
  // gradient buffer is then not written, and for nets of Dense layers up to 64 wide neither are
  // the layers' V/Y/delta buffers; the four verbs below always fill all of them.
  double train_step(ConstMatrixView x, ConstMatrixView y);
  // The four verbs, for a loop of one's own. x is used as given (no input scaling).
  ConstMatrixView forward(ConstMatrixView x, bool training = false);
  void zero_grad() { params_->zero_grad(); }
  // Loss of the last forward against y; accumulates every gradient (BP1–BP4).
  double backward(ConstMatrixView y);
  void step();

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

  ModelInfo info;
  History history;             // appended to by every fit(), kept in the model file
  bool stop_training = false;  // set by a callback to end fit() after the current epoch

 private:
  void check_data(const Matrix& x, const Matrix& y, const char* what) const;
  double backward_impl(ConstMatrixView y, bool param_grads);
  double online_step(ConstMatrixView y);
  // The tiny-network path (train/tiny_online.cpp): online_step's update for nets of small
  // Dense layers, over raw arrays in one function.
  double tiny_online_step(ConstMatrixView x, ConstMatrixView y);
  void cache_tiny();
  [[noreturn]] static void throw_diverged_loss(double loss);
  void require_compiled(const char* what) const;
  // Finds the output Dense layer and whether its activation and the loss fuse (after compile/copy).
  void cache_output();
  // Loss of the last forward's outputs A against T (from the logits when the pair is fused).
  double batch_loss(ConstMatrixView A, ConstMatrixView T) const;
  // Copies columns [start, start + n) of x (or the columns order_[start..] when `ordered`)
  // into batch_x_ and applies the input scaling.
  ConstMatrixView gather(ConstMatrixView x, Index start, Index n, bool ordered, Matrix& buffer);
  // Columns [start, start + n) of x in file order, as the network's input: x's own memory when
  // no input scaling is set (no copy), else gathered and scaled into batch_x_.
  ConstMatrixView input_batch(ConstMatrixView x, Index start, Index n);
  Logs evaluate_view(ConstMatrixView x, ConstMatrixView y, Index batch_size);

  Index input_dim_;
  std::vector<std::unique_ptr<Layer>> layers_;
  // Behind a pointer so that its address, which the optimizer holds, survives a move.
  std::unique_ptr<Parameters> params_ = std::make_unique<Parameters>();
  std::unique_ptr<Optimizer> optimizer_;
  Loss loss_;
  std::vector<std::string> metric_names_;
  std::vector<std::unique_ptr<Metric>> metrics_;
  Rng rng_;
  Index reserved_ = 0;
  // Per-batch buffers (sized by reserve): gathered batch, output gradient, backprop scratch.
  Matrix batch_x_, batch_y_, grad_out_, scratch_a_, scratch_b_;
  std::vector<Index> order_;
  // Where each layer's input of the last forward lives, and the model's output.
  std::vector<const Scalar*> inputs_;
  const Scalar* output_ = nullptr;
  // The outputs of the last train_step (outputs × its batch), wherever that path left them:
  // fit() feeds them to the metrics. The tiny path keeps them in tiny_buffer_.
  const Scalar* train_output_ = nullptr;
  // Every layer with parameters is a Dense layer, so the online paths can update them all.
  bool online_ok_ = false;
  Index last_n_ = 0;
  Index max_width_ = 0;
  const Dense* output_dense_ = nullptr;
  bool fused_ = false;
  bool deltas_finite_ = true;  // set by the last backward_impl without parameter gradients
  // Set by cache_tiny when every layer is a Dense layer of at most 64 inputs and units: each
  // layer's place in tiny_buffer_ (pre-activations v, activations a, deltas d).
  struct TinyLayer {
    const Dense* dense;
    Index inputs, units, v, a, d;
  };
  std::vector<TinyLayer> tiny_;
  std::vector<Scalar> tiny_buffer_;
};

}  // namespace fathom
