// Callbacks: what fit() calls between epochs (Keras's EarlyStopping, CSVLogger, LambdaCallback,
// ReduceLROnPlateau, LearningRateScheduler), plus ConvergenceStop (stop when the cost
// converges, docs/concepts.md) and ProgressLogger (per-epoch lines to a stream).
// ModelCheckpoint writes model files, so it lives with them in io (model_checkpoint.hpp).
#pragma once

#include <functional>
#include <iosfwd>
#include <limits>
#include <string>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/optim/schedule.hpp"
#include "fathom/train/history.hpp"

namespace fathom {

class Sequential;

// What fit() tells its callbacks before training begins (Keras's `callback.params`). Holds
// views, so it is copied but not assigned: a callback keeps it in a std::optional.
struct FitParams {
  int epochs = 0;  // the fit runs epochs initial_epoch .. epochs − 1
  int initial_epoch = 0;
  Index samples = 0;     // training samples per epoch (after any validation split)
  Index batch_size = 0;  // samples per step; the last step of an epoch may hold fewer
  Index steps = 0;       // steps (mini-batches) per epoch
  bool has_validation = false;
  // The training samples (inputs × samples, outputs × samples) in their stored order, valid
  // until on_train_end: e.g. a fixed batch to measure gradients on (TensorBoard).
  ConstMatrixView x{nullptr, 0, 0}, y{nullptr, 0, 0};
};

// One training step's results, passed after every step (kept to plain numbers, so that
// reporting a step allocates nothing).
struct BatchLogs {
  Index batch = 0;  // the step within the epoch, counted from 0
  Index size = 0;   // samples in this step
  double loss = 0;  // this step's mean loss, before its update
};

// fit() calls, in order: set_params, on_train_begin, then per epoch on_epoch_begin,
// on_train_batch_end after every step, on_epoch_end; finally on_train_end.
class Callback {
 public:
  virtual ~Callback() = default;
  virtual void set_params(const FitParams& params) { (void)params; }
  virtual void on_train_begin(Sequential& model) { (void)model; }
  virtual void on_epoch_begin(Sequential& model, int epoch) { (void)model, (void)epoch; }
  virtual void on_train_batch_end(Sequential& model, const BatchLogs& logs) { (void)model, (void)logs; }
  virtual void on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
    (void)model, (void)epoch, (void)logs;
  }
  virtual void on_train_end(Sequential& model) { (void)model; }
};

// Reads `monitor` from logs; throws InvalidArgument listing the available keys if absent.
double monitored_value(const Logs& logs, const std::string& monitor);
// "auto" mode: the loss ("loss", "val_loss") is minimised; a metric ("val_accuracy", "mae",
// "binary_accuracy(0.3)") goes the way its Metric::higher_is_better() says. Any other key
// throws InvalidArgument: its direction cannot be known, so give mode "min" or "max".
bool monitor_higher_is_better(const std::string& monitor);
// A callback's mode ("min", "max" or "auto") resolved for `monitor`: true to maximise.
// `who` names the callback in the error for any other mode.
bool monitor_maximizes(const std::string& mode, const std::string& monitor, const std::string& who);

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  int patience = 0;           // stop after this many epochs without improvement (0 acts as 1, as in Keras)
  double min_delta = 0;       // smallest change that counts as an improvement
  std::string mode = "auto";  // "auto", "min", "max"
  bool restore_best_weights = false;
};

// Stops when the monitored value has not improved for `patience` epochs (docs/concepts.md, stopping rules:
// the validation error starts to rise, "the net is starting to memorize").
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(EarlyStoppingOptions options = {});
  void on_train_begin(Sequential& model) override;
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;
  void on_train_end(Sequential& model) override;
  int stopped_epoch() const { return stopped_epoch_; }  // −1 if it never stopped training
  int best_epoch() const { return best_epoch_; }
  double best() const { return best_; }

 private:
  bool improved(double value) const;
  EarlyStoppingOptions options_;
  bool maximize_ = false;
  double best_ = 0;
  int best_epoch_ = -1, wait_ = 0, stopped_epoch_ = -1;
  std::vector<float> best_weights_;
};

// Writes one CSV row per epoch: "epoch" (counted from 0, as History counts) then every key of
// the first epoch's logs in sorted order, to 9 significant digits. To a file (with append, after
// the rows already there, without a second header), or to a stream: each fit writes its header
// and rows there, e.g. into a string the caller saves once training has succeeded.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string path, bool append = false);
  explicit CSVLogger(std::ostream& out) : out_(&out) {}
  void on_train_begin(Sequential& model) override;
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;

 private:
  void write_row(std::ostream& out, int epoch, const Logs& logs);
  std::string path_;
  std::ostream* out_ = nullptr;  // the stream, when not writing to path_
  bool append_ = false;
  bool header_written_ = false;
  std::vector<std::string> keys_;
};

// Calls a function at the end of every epoch.
class LambdaCallback : public Callback {
 public:
  using Fn = std::function<void(Sequential&, int, const Logs&)>;
  explicit LambdaCallback(Fn on_epoch_end) : fn_(std::move(on_epoch_end)) {}
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override { fn_(model, epoch, logs); }

 private:
  Fn fn_;
};

struct ConvergenceStopOptions {
  std::string monitor = "loss";
  double tolerance = 1e-6;  // |change| below this counts as converged
  int patience = 1;         // for this many consecutive epochs
};

// Stops when the cost stops changing (docs/concepts.md, stopping rules).
class ConvergenceStop : public Callback {
 public:
  explicit ConvergenceStop(ConvergenceStopOptions options = {});
  void on_train_begin(Sequential& model) override;
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;
  int stopped_epoch() const { return stopped_epoch_; }

 private:
  ConvergenceStopOptions options_;
  double last_ = std::numeric_limits<double>::quiet_NaN();
  int calm_ = 0, stopped_epoch_ = -1;
};

struct ReduceLROnPlateauOptions {
  std::string monitor = "val_loss";
  double factor = 0.1;
  int patience = 10;
  double min_delta = 1e-4;
  double min_lr = 0;
  int cooldown = 0;
};

class ReduceLROnPlateau : public Callback {
 public:
  explicit ReduceLROnPlateau(ReduceLROnPlateauOptions options = {});
  void on_train_begin(Sequential& model) override;
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;

 private:
  ReduceLROnPlateauOptions options_;
  bool maximize_ = false;
  double best_ = 0;
  bool have_best_ = false;
  int wait_ = 0, cooldown_left_ = 0;
};

// Sets the optimizer's learning rate at the start of every epoch from a Schedule and the
// rate the optimizer had when training began.
class LearningRateScheduler : public Callback {
 public:
  explicit LearningRateScheduler(Schedule schedule) : schedule_(schedule) {}
  void on_train_begin(Sequential& model) override;
  void on_epoch_begin(Sequential& model, int epoch) override;

 private:
  Schedule schedule_;
  float initial_ = 0;
};

struct ProgressLoggerOptions {
  int every = 1;                 // print every n-th epoch of a fit
  int epochs = 0;                // the fit's total epochs, shown as "epoch  3/20" (0: the fit's own)
  bool live_bar = false;         // for a terminal: a bar that moves within each epoch (steps done,
                                 // samples/s, time left, running loss) and, between epochs, the time
                                 // left for the fit; each line overwrites it (escape codes: leave it
                                 // off for files and pipes)
  double refresh_seconds = 0.1;  // the live bar is redrawn at most this often
};

// Prints "epoch  3/20  accuracy 0.9500  loss 0.1234  val_loss 0.2345  (0.52 s)" per epoch: the
// epoch counted from 1 (History and CSVLogger count from 0), every log but the learning rate,
// and the seconds the epoch took. With live_bar, within an epoch (as Keras's progress bar):
// "epoch  3/20 [=======>......] 120/469  23456 samples/s  ETA 2.1 s  loss 0.4321".
class ProgressLogger : public Callback {
 public:
  explicit ProgressLogger(std::ostream& out, int every = 1)
      : ProgressLogger(out, ProgressLoggerOptions{.every = every}) {}
  ProgressLogger(std::ostream& out, ProgressLoggerOptions options);
  void set_params(const FitParams& params) override;
  void on_train_begin(Sequential& model) override;
  void on_epoch_begin(Sequential& model, int epoch) override;
  void on_train_batch_end(Sequential& model, const BatchLogs& logs) override;
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;
  void on_train_end(Sequential& model) override;  // clears a bar an early stop left

 private:
  std::string epoch_label(int epoch) const;  // "epoch  3/20"
  void draw_step_bar(double now);
  std::ostream& out_;
  ProgressLoggerOptions options_;
  int epochs_ = 0;   // the total shown: options_.epochs, else the fit's
  Index steps_ = 0;  // per epoch, from the fit's params
  int epochs_run_ = 0, epoch_ = 0;
  double train_start_ = 0, epoch_start_ = 0, last_draw_ = 0;
  // The epoch so far: steps, samples and the sum of their losses (weighted by samples).
  Index steps_done_ = 0, samples_done_ = 0;
  double loss_sum_ = 0;
};

}  // namespace fathom
