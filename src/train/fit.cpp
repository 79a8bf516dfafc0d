// The training loop (train/fit.hpp): epochs, batches, shuffling, validation, callbacks and
// history over the model's train_step. Each batch is gathered into buffers allocated once per
// fit() call, so no batch allocates.
#include "fathom/train/fit.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <optional>

#include "../core/finite.hpp"
#include "data_parallel.hpp"
#include "fathom/core/error.hpp"
#include "fathom/nn/dropout.hpp"
#include "fathom/nn/loss.hpp"
#include "fathom/train/callbacks.hpp"
#include "fathom/train/metrics.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom {
namespace {

void check_data(const Sequential& model, ConstMatrixView x, ConstMatrixView y, const char* what) {
  require<DataError>(x.cols() > 0, std::string(what) + " data is empty (0 samples)");
  if (x.rows() != model.input_dim()) {
    throw ShapeError(std::string(what) + " data: the model expects " + std::to_string(model.input_dim()) +
                     " inputs per sample, x has " + std::to_string(x.rows()) + " rows");
  }
  if (y.rows() != model.output_dim()) {
    throw ShapeError(std::string(what) + " data: the model has " + std::to_string(model.output_dim()) +
                     " outputs, y has " + std::to_string(y.rows()) + " rows");
  }
  if (y.cols() != x.cols()) {
    throw ShapeError(std::string(what) + " data: x has " + std::to_string(x.cols()) + " samples but y has " +
                     std::to_string(y.cols()));
  }
  detail::check_finite(x, what, "x");
  detail::check_finite(y, what, "y");
  // Cross-entropy on 0/1 outputs is defined for targets in [0, 1] only: a label left unencoded
  // (1/2, −1/1) would train without an error towards nothing meaningful.
  if (model.loss().kind() == LossKind::Bce) {
    const Scalar* t = y.data();
    for (Index i = 0; i < y.size(); ++i) {
      if (t[i] < 0 || t[i] > 1) {
        throw DataError(std::string(what) + " data: the bce loss needs targets in [0, 1], y has " +
                        std::to_string(t[i]) + " at sample " + std::to_string(i / y.rows()) + ", output " +
                        std::to_string(i % y.rows()) + " (class labels must be encoded as 0/1)");
      }
    }
  }
}

std::vector<std::unique_ptr<Metric>> make_metrics(const Sequential& model) {
  std::vector<std::unique_ptr<Metric>> metrics;
  for (const auto& name : model.metric_names()) metrics.push_back(make_metric(name));
  return metrics;
}

// Gathers the columns of x in a given order into a buffer (allocated once per fit).
class Batches {
 public:
  Batches(ConstMatrixView x, Index max_batch) : x_(x), buffer_(x.rows(), max_batch) {}
  ConstMatrixView operator()(const std::vector<Index>& order, Index start, Index n) {
    const Index rows = x_.rows();
    for (Index j = 0; j < n; ++j) {
      std::memcpy(buffer_.data() + j * rows, x_.data() + order[std::size_t(start + j)] * rows,
                  sizeof(Scalar) * rows);
    }
    return ConstMatrixView(buffer_.data(), rows, n);
  }

 private:
  ConstMatrixView x_;
  Matrix buffer_;
};

// Columns [share.first, share.first + share.count) of a matrix view.
ConstMatrixView columns(ConstMatrixView m, detail::Share share) {
  return ConstMatrixView(m.data() + share.first * m.rows(), m.rows(), share.count);
}

Logs evaluate_share(const Sequential& model, ConstMatrixView x, ConstMatrixView y, Index n_all,
                    Index batch_size, InferenceWorkspace& ws, Communicator* comm);

// Inference only (Sequential::infer over ws): the model is read, never written. x and y have
// been checked. Given a communicator (data-parallel fit), this process evaluates its share of
// the samples and the loss and metrics are summed over every process's.
Logs evaluate_view(const Sequential& model, ConstMatrixView x, ConstMatrixView y, Index batch_size,
                   InferenceWorkspace& ws, Communicator* comm = nullptr) {
  require(batch_size >= 1, "evaluate: batch_size must be >= 1, got " + std::to_string(batch_size));
  const Index n_all = x.cols();
  const detail::Share share =
      comm ? detail::share_of(n_all, comm->rank(), comm->size()) : detail::Share{0, n_all};
  return evaluate_share(model, columns(x, share), columns(y, share), n_all, batch_size, ws, comm);
}

// evaluate_view's loop over this process's share (x, y) of n_all samples.
Logs evaluate_share(const Sequential& model, ConstMatrixView x, ConstMatrixView y, Index n_all,
                    Index batch_size, InferenceWorkspace& ws, Communicator* comm) {
  const Index n = x.cols();
  const Index batch = std::max<Index>(1, std::min(batch_size, n));
  ws.reserve(model, batch);
  auto metrics = make_metrics(model);
  double loss_sum = 0;
  for (Index start = 0; start < n; start += batch) {
    const Index nb = std::min(batch, n - start);
    const ConstMatrixView A = model.infer(ConstMatrixView(x.data() + start * x.rows(), x.rows(), nb), ws);
    const ConstMatrixView T(y.data() + start * y.rows(), y.rows(), nb);
    loss_sum += model.loss_of(T, ws) * double(nb);
    for (auto& m : metrics) m->update(A, T);
  }
  if (comm != nullptr) {
    // A share of no samples still sizes the metrics' totals (Metric::reduce).
    if (n == 0)
      for (auto& m : metrics) m->update(ConstMatrixView(y.data(), y.rows(), 0), y);
    comm->allreduce_sum(std::span<double>(&loss_sum, 1));
    for (auto& m : metrics) m->reduce(*comm);
  }
  Logs logs{{"loss", loss_sum / double(n_all)}};
  for (auto& m : metrics) logs[m->name()] = m->result();
  return logs;
}

bool has_random_layers(const Sequential& model) {
  for (std::size_t i = 0; i < model.layer_count(); ++i)
    if (const auto* dropout = dynamic_cast<const Dropout*>(&model.layer(i)); dropout && dropout->rate() > 0)
      return true;
  return false;
}

// Before a data-parallel fit: every process must hold the same data and options (checked, and
// refused on every process if not), then starts from rank 0's model.
void start_data_parallel(Communicator& comm, Sequential& model, ConstMatrixView x, ConstMatrixView y,
                         ConstMatrixView x_val, ConstMatrixView y_val, const FitOptions& options,
                         Index batch) {
  // The model as configured: its layers, loss, metrics and optimizer (a process with other
  // metrics would sum other totals; one with another loss, other gradients).
  std::string config = model.loss().name();
  config.append("|").append(model.optimizer().name()).append(model.optimizer().config_json());
  for (const auto& metric : model.metric_names()) config.append("|").append(metric);
  for (std::size_t i = 0; i < model.layer_count(); ++i)
    config.append("|").append(model.layer(i).config_json());
  detail::Agreement mine;
  mine.add("the fingerprint of the model's layers, loss, metrics and optimizer", detail::fingerprint(config));
  mine.add("the number of training samples", std::uint64_t(x.cols()));
  mine.add("the number of validation samples", std::uint64_t(x_val.cols()));
  mine.add("the batch size", std::uint64_t(batch));
  mine.add("epochs", std::uint64_t(options.epochs));
  mine.add("initial_epoch", std::uint64_t(options.initial_epoch));
  mine.add("shuffle", options.shuffle ? 1 : 0);
  mine.add("the number of parameters", model.parameters().size());
  mine.add("the optimizer's state buffers", model.optimizer().state().size());
  mine.add("the fingerprint of the training inputs", detail::fingerprint({x.data(), std::size_t(x.size())}));
  mine.add("the fingerprint of the training targets", detail::fingerprint({y.data(), std::size_t(y.size())}));
  mine.add("the fingerprint of the validation inputs",
           detail::fingerprint({x_val.data(), std::size_t(x_val.size())}));
  mine.add("the fingerprint of the validation targets",
           detail::fingerprint({y_val.data(), std::size_t(y_val.size())}));
  detail::require_agreement(comm, mine);
  detail::broadcast_model(comm, model);
}

void check_options(const FitOptions& options) {
  require(options.epochs >= 1, "fit: epochs must be >= 1, got " + std::to_string(options.epochs));
  require(options.initial_epoch >= 0 && options.initial_epoch < options.epochs,
          "fit: initial_epoch must be in [0, epochs), got " + std::to_string(options.initial_epoch));
  require(options.batch_size >= 0,
          "fit: batch_size must be >= 1 (or 0 for the default), got " + std::to_string(options.batch_size));
  require(options.validation_split >= 0 && options.validation_split < 1,
          "fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));
  require((options.validation_x == nullptr) == (options.validation_y == nullptr),
          "fit: give both validation_x and validation_y, or neither");
  require(options.validation_x == nullptr || options.validation_split == 0,
          "fit: give validation data or a validation_split, not both");
  for (std::size_t i = 0; i < options.callbacks.size(); ++i) {
    require(options.callbacks[i] != nullptr, "fit: callbacks[" + std::to_string(i) + "] is null");
  }
  if (const Communicator* comm = options.communicator) {
    require(comm->size() >= 1 && comm->rank() >= 0 && comm->rank() < comm->size(),
            "fit: the communicator's rank " + std::to_string(comm->rank()) + " is not in [0, " +
                std::to_string(comm->size()) + ")");
  }
}

// What fit() works out before training: the training and validation views and the batch.
struct Plan {
  Index n;
  ConstMatrixView x_train, y_train;
  bool has_val;
  ConstMatrixView x_val, y_val;
  bool whole;
  Index batch;
};

// The checks of fit's arguments (throwing on bad ones) and its plan.
Plan plan_fit(const Sequential& model, ConstMatrixView x, ConstMatrixView y, const FitOptions& options) {
  require(model.compiled(), "Sequential::fit: compile the model first");
  check_options(options);
  check_data(model, x, y, "training");
  if (options.validation_x != nullptr)
    check_data(model, view(*options.validation_x), view(*options.validation_y), "validation");

  // The validation split holds out the last samples, before any shuffling (as Keras does).
  const Index n_all = x.cols();
  const Index n_val = static_cast<Index>(std::floor(double(n_all) * options.validation_split));
  const Index n = n_all - n_val;
  require<DataError>(options.validation_split == 0 || (n_val >= 1 && n >= 1),
                     "fit: validation_split " + std::to_string(options.validation_split) + " of " +
                         std::to_string(n_all) + " samples leaves an empty training or validation set");
  const Optimizer& optimizer = model.optimizer();
  const bool whole = optimizer.full_batch();
  const Index batch =
      options.batch_size == 0 ? (whole ? n : std::min(kDefaultBatch, n)) : std::min(options.batch_size, n);
  if (whole && batch < n) {
    throw InvalidArgument("fit: " + optimizer.name() + " steps on the whole training set, but batch_size " +
                          std::to_string(options.batch_size) + " is smaller than its " + std::to_string(n) +
                          " samples (leave batch_size at its default, 0, or set it to " + std::to_string(n) +
                          " or more" + (optimizer.name() == "lbfgs" ? "; or allow mini_batches)" : ")"));
  }
  return {.n = n,
          .x_train = ConstMatrixView(x.data(), x.rows(), n),
          .y_train = ConstMatrixView(y.data(), y.rows(), n),
          .has_val = n_val > 0 || options.validation_x != nullptr,
          .x_val = options.validation_x ? view(*options.validation_x)
                                        : ConstMatrixView(x.data() + x.rows() * n, x.rows(), n_val),
          .y_val = options.validation_y ? view(*options.validation_y)
                                        : ConstMatrixView(y.data() + y.rows() * n, y.rows(), n_val),
          .whole = whole,
          .batch = batch};
}

}  // namespace

History fit(Sequential& model, ConstMatrixView x, ConstMatrixView y, const FitOptions& options) {
  // Data-parallel training (docs/scaling.md): this process computes its share of every batch.
  // A group of one is one process's training, without a collective call.
  Communicator* comm =
      options.communicator != nullptr && options.communicator->size() > 1 ? options.communicator : nullptr;
  std::optional<Plan> planned;
  if (comm == nullptr) {
    planned.emplace(plan_fit(model, x, y, options));
  } else {
    // A process whose arguments fail the checks must not leave the others waiting for it in the
    // first collective call: every process learns of it, and all throw.
    std::exception_ptr error;
    try {
      planned.emplace(plan_fit(model, x, y, options));
    } catch (...) {
      error = std::current_exception();
    }
    detail::require_no_errors(*comm, error);
  }
  const auto& [n, x_train, y_train, has_val, x_val, y_val, whole, batch] = *planned;
  if (comm != nullptr) start_data_parallel(*comm, model, x_train, y_train, x_val, y_val, options, batch);
  model.reserve(batch);  // validation runs on its own workspace, not on the training buffers
  // The full-batch steps may start from the last step's final evaluation (Sequential::kept_):
  // within this fit the data stay where they are. Never kept past it.
  model.kept_.valid = false;
  model.keep_evaluations_ = whole;
  struct StopKeeping {
    Sequential& model;
    ~StopKeeping() {
      model.keep_evaluations_ = false;
      model.kept_.valid = false;
      model.parallel_ = {};
    }
  } stop_keeping{model};
  const bool own_stream = comm != nullptr && has_random_layers(model);
  // A full-batch step reads the training data in place; the others gather each batch.
  Batches inputs(x_train, whole ? 0 : batch), targets(y_train, whole ? 0 : batch);
  InferenceWorkspace validation;  // sized by the first validation, reused by every epoch's
  std::vector<Index> order(static_cast<std::size_t>(n));
  auto metrics = make_metrics(model);
  Rng& rng = model.rng();

  History fit_history;
  model.stop_training = false;
  const FitParams params{.epochs = options.epochs,
                         .initial_epoch = options.initial_epoch,
                         .samples = n,
                         .batch_size = batch,
                         .steps = (n + batch - 1) / batch,
                         .has_validation = has_val,
                         .x = x_train,
                         .y = y_train};
  for (Callback* cb : options.callbacks) cb->set_params(params);
  for (Callback* cb : options.callbacks) cb->on_train_begin(model);
  for (int epoch = options.initial_epoch; epoch < options.epochs && !model.stop_training; ++epoch) {
    for (Callback* cb : options.callbacks) cb->on_epoch_begin(model, epoch);
    // Each epoch's order depends only on the generator's state, so a resumed fit (the state
    // is saved in the model file) replays exactly the same batches.
    std::iota(order.begin(), order.end(), Index(0));
    // A full-batch step sees every sample whatever their order: no shuffle (nor its draws).
    if (options.shuffle && !whole) {
      for (Index i = n - 1; i > 0; --i) {
        std::swap(order[std::size_t(i)], order[rng.below(static_cast<std::uint64_t>(i + 1))]);
      }
    }
    for (auto& m : metrics) m->reset();
    double loss_sum = 0;
    for (Index start = 0; start < n; start += batch) {
      const Index nb = std::min(batch, n - start);
      // This process's share of the batch (all of it without a communicator).
      const detail::Share share =
          comm ? detail::share_of(nb, comm->rank(), comm->size()) : detail::Share{0, nb};
      const ConstMatrixView bx =
          whole ? columns(x_train, share) : inputs(order, start + share.first, share.count);
      const ConstMatrixView by =
          whole ? columns(y_train, share) : targets(order, start + share.first, share.count);
      model.parallel_ = {.comm = comm, .batch = nb, .own_stream = own_stream};
      const double loss = model.train_step(bx, by);  // in data-parallel training, the whole batch's
      loss_sum += loss * double(nb);
      for (auto& m : metrics) m->update(model.output(), by);  // this batch's outputs, before its update
      const BatchLogs step{.batch = start / batch, .size = nb, .loss = loss};
      for (Callback* cb : options.callbacks) cb->on_train_batch_end(model, step);
    }
    Logs logs{{"loss", loss_sum / double(n)}};
    if (comm != nullptr) {
      for (auto& m : metrics) m->reduce(*comm);
      detail::require_same_weights(*comm, model);
    }
    for (auto& m : metrics) logs[m->name()] = m->result();
    if (has_val) {
      for (const auto& [key, value] : evaluate_view(model, x_val, y_val, kInferenceBatch, validation, comm))
        logs["val_" + key] = value;
    }
    // (The model's optimizer now: a callback may have compiled the model again.)
    if (model.optimizer().has_learning_rate()) logs["lr"] = model.optimizer().learning_rate();
    fit_history.append(epoch, logs);
    model.history.append(epoch, logs);
    // A rule that has converged would not move again: this epoch is the last.
    if (!model.optimizer().converged().empty()) model.stop_training = true;
    for (Callback* cb : options.callbacks) cb->on_epoch_end(model, epoch, logs);
    if (comm != nullptr) {
      // A callback that stops one process (a time limit) stops them all.
      double stopping = model.stop_training ? 1.0 : 0.0;
      comm->allreduce_sum(std::span<double>(&stopping, 1));
      model.stop_training = stopping > 0;
    }
  }
  for (Callback* cb : options.callbacks) cb->on_train_end(model);
  return fit_history;
}

Logs evaluate(const Sequential& model, ConstMatrixView x, ConstMatrixView y, Index batch_size) {
  require(model.compiled(), "Sequential::evaluate: compile the model first");
  check_data(model, x, y, "evaluation");
  InferenceWorkspace ws;
  return evaluate_view(model, x, y, batch_size, ws);
}

}  // namespace fathom
