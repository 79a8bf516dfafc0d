// TensorBoard (as Keras's callback of that name): writes what fit() sees into event files that
// TensorBoard reads (docs/tensorboard.md), laid out as Keras lays them out:
//   LOG_DIR/train/events.out.tfevents.<secs>.<host>.<pid>.<n>.v2       the training side
//   LOG_DIR/validation/events.out.tfevents.<secs>.<host>.<pid>.<n>.v2  when fit validates
// Per epoch (step = the epoch, counted from 0): the scalars epoch_loss, epoch_<metric> and
// epoch_learning_rate in train/, and the validation loss and metrics under the same tags in
// validation/, so TensorBoard draws the two runs on one chart. Every histogram_freq epochs a
// histogram (30 equal-width buckets) of each parameter tensor, tagged with its arena name
// ("dense_1/W"), and of its gradient ("dense_1/W/gradient"). With update_freq N, batch_loss
// every N batches at step = the optimizer's iteration count. The model's summary() once, as
// text. Every fit() starts new files; the records reach the files at each epoch's end.
#pragma once

#include <filesystem>
#include <memory>

#include "fathom/train/callbacks.hpp"

namespace fathom {

struct TensorBoardOptions {
  std::filesystem::path log_dir;
  int histogram_freq = 1;  // histograms every this many epochs (epochs 0, N, 2N, …); 0: none
  int update_freq = 0;     // 0: per epoch only; N: also batch_loss every N batches
  // The gradients' histograms, computed at the epoch's end on one fixed batch: the first
  // batch_size training samples, with forward(x, training = false), zero_grad and backward(y).
  // The weights, the optimizer and the generator are left untouched (training with and without
  // the callback is bit-identical); the model's training buffers and output() are not.
  bool write_gradients = true;
};

class TensorBoard : public Callback {
 public:
  // InvalidArgument for an empty log_dir or a negative frequency.
  explicit TensorBoard(TensorBoardOptions options);
  explicit TensorBoard(std::filesystem::path log_dir)
      : TensorBoard(TensorBoardOptions{.log_dir = std::move(log_dir)}) {}
  ~TensorBoard() override;
  TensorBoard(TensorBoard&&) noexcept;
  TensorBoard& operator=(TensorBoard&&) noexcept;

  void set_params(const FitParams& params) override;
  // Creates the folders and the files (FileError naming the path when it cannot), writes the
  // summary.
  void on_train_begin(Sequential& model) override;
  void on_train_batch_end(Sequential& model, const BatchLogs& logs) override;
  // Writes the epoch's records and flushes them (FileError naming the file when the disk is full).
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;
  void on_train_end(Sequential& model) override;

  // The files of the last fit (empty paths before the first, or without validation).
  const std::filesystem::path& train_file() const;
  const std::filesystem::path& validation_file() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fathom
