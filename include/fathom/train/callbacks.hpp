// Callbacks: what fit() calls between epochs (Keras's EarlyStopping, ModelCheckpoint,
// CSVLogger, LambdaCallback, ReduceLROnPlateau, LearningRateScheduler), plus ConvergenceStop
// (SPEC §5: stop when the cost converges) and ProgressLogger (per-epoch lines to a stream).
#pragma once

#include <functional>
#include <iosfwd>
#include <limits>
#include <string>
#include <vector>

#include "fathom/optim/schedule.hpp"
#include "fathom/train/history.hpp"

namespace fathom {

class Sequential;

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(Sequential& model) { (void)model; }
  virtual void on_epoch_begin(Sequential& model, int epoch) { (void)model, (void)epoch; }
  virtual void on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
    (void)model, (void)epoch, (void)logs;
  }
  virtual void on_train_end(Sequential& model) { (void)model; }
};

// Reads `monitor` from logs; throws InvalidArgument listing the available keys if absent.
double monitored_value(const Logs& logs, const std::string& monitor);
// "auto" mode: accuracy-like keys are maximised, everything else minimised.
bool monitor_higher_is_better(const std::string& monitor);

struct EarlyStoppingOptions {
  std::string monitor = "val_loss";
  int patience = 0;           // stop after this many epochs without improvement (0 acts as 1, as in Keras)
  double min_delta = 0;       // smallest change that counts as an improvement
  std::string mode = "auto";  // "auto", "min", "max"
  bool restore_best_weights = false;
};

// Stops when the monitored value has not improved for `patience` epochs (SPEC §5: the
// validation error starts to rise, "the net is starting to memorize").
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

struct ModelCheckpointOptions {
  std::string path;
  std::string monitor = "val_loss";
  bool save_best_only = true;
  std::string mode = "auto";
};

// Saves the model (atomically) after an epoch, or only when the monitored value improved.
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(ModelCheckpointOptions options);
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;
  int saves() const { return saves_; }

 private:
  ModelCheckpointOptions options_;
  bool maximize_ = false;
  bool have_best_ = false;
  double best_ = 0;
  int saves_ = 0;
};

// Writes one CSV row per epoch: epoch, then every key of the logs in sorted order.
class CSVLogger : public Callback {
 public:
  explicit CSVLogger(std::string path, bool append = false);
  void on_train_begin(Sequential& model) override;
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;

 private:
  std::string path_;
  bool append_;
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

// Stops when the cost stops changing (SPEC §5: "when the cost converges").
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

// Prints "epoch 3/20  loss 0.1234  accuracy 0.9500  val_loss ...  (0.52 s)" per epoch.
class ProgressLogger : public Callback {
 public:
  explicit ProgressLogger(std::ostream& out, int every = 1) : out_(out), every_(every) {}
  void on_train_begin(Sequential& model) override;
  void on_epoch_begin(Sequential& model, int epoch) override;
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;

 private:
  std::ostream& out_;
  int every_;
  int epochs_ = 0;
  double epoch_start_ = 0;
};

}  // namespace fathom
