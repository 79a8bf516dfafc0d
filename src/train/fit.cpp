// Sequential::fit, evaluate and predict: the training loop owns epochs, batches, shuffling,
// validation and callbacks; each batch is gathered into preallocated buffers.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "../core/finite.hpp"
#include "fathom/core/error.hpp"
#include "fathom/train/callbacks.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom {
namespace {

// Throws a DataError naming the first NaN or Inf of m (its sample counted from first_sample).
// A vectorised scan first; the element-by-element search only when it finds something.
void check_finite(ConstMatrixView m, const char* what, const char* name, Index first_sample = 0) {
  if (detail::all_finite({m.data(), static_cast<std::size_t>(m.size())})) return;
  for (Index j = 0; j < m.cols(); ++j) {
    for (Index i = 0; i < m.rows(); ++i) {
      if (!std::isfinite(m(i, j))) {
        throw DataError(std::string(what) + " data: " + name + " has " +
                        (std::isnan(m(i, j)) ? "NaN" : "Inf") + " at sample " + std::to_string(first_sample + j) +
                        ", row " + std::to_string(i));
      }
    }
  }
}

}  // namespace

void Sequential::check_data(const Matrix& x, const Matrix& y, const char* what) const {
  require<DataError>(x.cols() > 0, std::string(what) + " data is empty (0 samples)");
  if (x.rows() != input_dim_) {
    throw ShapeError(std::string(what) + " data: the model expects " + std::to_string(input_dim_) +
                     " inputs per sample, x has " + std::to_string(x.rows()) + " rows");
  }
  if (y.rows() != output_dim()) {
    throw ShapeError(std::string(what) + " data: the model has " + std::to_string(output_dim()) +
                     " outputs, y has " + std::to_string(y.rows()) + " rows");
  }
  if (y.cols() != x.cols()) {
    throw ShapeError(std::string(what) + " data: x has " + std::to_string(x.cols()) + " samples but y has " +
                     std::to_string(y.cols()));
  }
  check_finite(view(x), what, "x");
  check_finite(view(y), what, "y");
}

ConstMatrixView Sequential::gather(ConstMatrixView x, Index start, Index n, bool ordered, Matrix& buffer) {
  const Index rows = x.rows();
  MatrixView out(buffer.data(), rows, n);
  if (ordered) {
    for (Index j = 0; j < n; ++j) {
      std::memcpy(out.data() + j * rows, x.data() + order_[start + j] * rows, sizeof(Scalar) * rows);
    }
  } else {
    std::memcpy(out.data(), x.data() + start * rows, sizeof(Scalar) * rows * n);
  }
  if (&buffer == &batch_x_) info.scaling.apply(out);
  return cview(out);
}

ConstMatrixView Sequential::input_batch(ConstMatrixView x, Index start, Index n) {
  if (!info.scaling.enabled()) return ConstMatrixView(x.data() + start * x.rows(), x.rows(), n);
  return gather(x, start, n, false, batch_x_);
}

History Sequential::fit(const Matrix& x, const Matrix& y, const FitOptions& options) {
  require_compiled("fit");
  require(options.epochs >= 1, "fit: epochs must be >= 1, got " + std::to_string(options.epochs));
  require(options.initial_epoch >= 0 && options.initial_epoch < options.epochs,
          "fit: initial_epoch must be in [0, epochs), got " + std::to_string(options.initial_epoch));
  require(options.batch_size >= 1, "fit: batch_size must be >= 1, got " + std::to_string(options.batch_size));
  require(options.validation_split >= 0 && options.validation_split < 1,
          "fit: validation_split must be in [0, 1), got " + std::to_string(options.validation_split));
  require((options.validation_x == nullptr) == (options.validation_y == nullptr),
          "fit: give both validation_x and validation_y, or neither");
  require(options.validation_x == nullptr || options.validation_split == 0,
          "fit: give validation data or a validation_split, not both");
  check_data(x, y, "training");
  if (options.validation_x != nullptr) check_data(*options.validation_x, *options.validation_y, "validation");
  for (std::size_t i = 0; i < options.callbacks.size(); ++i) {
    require(options.callbacks[i] != nullptr, "fit: callbacks[" + std::to_string(i) + "] is null");
  }

  // The validation split holds out the last samples, before any shuffling (as Keras does).
  const Index n_all = x.cols();
  const Index n_val = static_cast<Index>(std::floor(double(n_all) * options.validation_split));
  const Index n = n_all - n_val;
  require<DataError>(options.validation_split == 0 || (n_val >= 1 && n >= 1),
                     "fit: validation_split " + std::to_string(options.validation_split) + " of " +
                         std::to_string(n_all) + " samples leaves an empty training or validation set");
  ConstMatrixView x_train(x.data(), x.rows(), n), y_train(y.data(), y.rows(), n);
  const bool has_val = n_val > 0 || options.validation_x != nullptr;
  ConstMatrixView x_val = options.validation_x ? view(*options.validation_x)
                                               : ConstMatrixView(x.data() + x.rows() * n, x.rows(), n_val);
  ConstMatrixView y_val = options.validation_y ? view(*options.validation_y)
                                               : ConstMatrixView(y.data() + y.rows() * n, y.rows(), n_val);

  const Index batch = std::min(options.batch_size, n);
  reserve(std::max<Index>(batch, std::min<Index>(256, std::max<Index>(x_val.cols(), 1))));
  order_.resize(static_cast<std::size_t>(n));

  History fit_history;
  stop_training = false;
  for (Callback* cb : options.callbacks) cb->on_train_begin(*this);
  for (int epoch = options.initial_epoch; epoch < options.epochs && !stop_training; ++epoch) {
    for (Callback* cb : options.callbacks) cb->on_epoch_begin(*this, epoch);
    // Each epoch's order depends only on the generator's state, so a resumed fit (the state
    // is saved in the model file) replays exactly the same batches.
    std::iota(order_.begin(), order_.end(), Index(0));
    if (options.shuffle) {
      for (Index i = n - 1; i > 0; --i)
        std::swap(order_[i], order_[rng_.below(static_cast<std::uint64_t>(i + 1))]);
    }
    for (auto& m : metrics_) m->reset();
    double loss_sum = 0;
    for (Index start = 0; start < n; start += batch) {
      const Index nb = std::min(batch, n - start);
      ConstMatrixView bx = gather(x_train, start, nb, true, batch_x_);
      ConstMatrixView by = gather(y_train, start, nb, true, batch_y_);
      loss_sum += train_step(bx, by) * double(nb);
      ConstMatrixView A(train_output_, output_dim(), nb);  // outputs of this batch's forward pass
      for (auto& m : metrics_) m->update(A, by);
    }
    Logs logs{{"loss", loss_sum / double(n)}};
    for (auto& m : metrics_) logs[m->name()] = m->result();
    if (has_val) {
      for (const auto& [key, value] : evaluate_view(x_val, y_val, kInferenceBatch)) logs["val_" + key] = value;
    }
    logs["lr"] = optimizer_->learning_rate();
    fit_history.append(epoch, logs);
    history.append(epoch, logs);
    for (Callback* cb : options.callbacks) cb->on_epoch_end(*this, epoch, logs);
  }
  for (Callback* cb : options.callbacks) cb->on_train_end(*this);
  return fit_history;
}

Logs Sequential::evaluate_view(ConstMatrixView x, ConstMatrixView y, Index batch_size) {
  require(batch_size >= 1, "evaluate: batch_size must be >= 1, got " + std::to_string(batch_size));
  const Index n = x.cols();
  const Index batch = std::min(batch_size, n);
  reserve(batch);
  for (auto& m : metrics_) m->reset();
  double loss_sum = 0;
  for (Index start = 0; start < n; start += batch) {
    const Index nb = std::min(batch, n - start);
    ConstMatrixView A = forward(input_batch(x, start, nb), false);
    ConstMatrixView T(y.data() + start * y.rows(), y.rows(), nb);
    loss_sum += batch_loss(A, T) * double(nb);
    for (auto& m : metrics_) m->update(A, T);
  }
  Logs logs{{"loss", loss_sum / double(n)}};
  for (auto& m : metrics_) logs[m->name()] = m->result();
  return logs;
}

Logs Sequential::evaluate(const Matrix& x, const Matrix& y, Index batch_size) {
  require_compiled("evaluate");
  check_data(x, y, "evaluation");
  return evaluate_view(view(x), view(y), batch_size);
}

Matrix Sequential::predict(const Matrix& x, Index batch_size) {
  require_compiled("predict");
  require(batch_size >= 1, "predict: batch_size must be >= 1, got " + std::to_string(batch_size));
  if (x.rows() != input_dim_) {
    throw ShapeError("predict: the model expects " + std::to_string(input_dim_) +
                     " inputs per sample, x has " + std::to_string(x.rows()) + " rows");
  }
  const Index n = x.cols();
  Matrix out(output_dim(), n);
  if (n == 0) return out;
  const Index batch = std::min(batch_size, n);
  reserve(batch);
  for (Index start = 0; start < n; start += batch) {
    const Index nb = std::min(batch, n - start);
    // Each batch is checked for NaN/Inf just before its forward pass reads it: one trip
    // through memory for the data instead of two.
    check_finite(ConstMatrixView(x.data() + start * x.rows(), x.rows(), nb), "prediction", "x", start);
    ConstMatrixView A = forward(input_batch(view(x), start, nb), false);
    out.middleCols(start, nb) = A;
  }
  return out;
}

std::vector<Index> Sequential::predict_classes(const Matrix& x, Index batch_size) {
  const Matrix A = predict(x, batch_size);
  return predicted_classes(view(A));
}

}  // namespace fathom
