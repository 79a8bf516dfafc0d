// The callbacks fit() calls between epochs (ModelCheckpoint, which writes model files, is in
// src/io/model_checkpoint.cpp).
#include "fathom/train/callbacks.hpp"

#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "fathom/core/error.hpp"
#include "fathom/train/metrics.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom {

double monitored_value(const Logs& logs, const std::string& monitor) {
  auto it = logs.find(monitor);
  if (it == logs.end()) {
    std::string keys;
    for (const auto& [k, v] : logs) keys += (keys.empty() ? "" : ", ") + k;
    throw InvalidArgument("callback monitors \"" + monitor +
                          "\", which this fit does not report; available: " + keys);
  }
  return it->second;
}

bool monitor_higher_is_better(const std::string& monitor) {
  std::string_view name = monitor;
  if (name.starts_with("val_")) name.remove_prefix(4);
  if (name == "loss") return false;
  try {
    return metric_higher_is_better(name);
  } catch (const InvalidArgument&) {
    throw InvalidArgument("\"" + monitor +
                          "\" is neither the loss nor a metric, so mode \"auto\" cannot tell which way it "
                          "improves: give mode \"min\" or \"max\"");
  }
}

bool monitor_maximizes(const std::string& mode, const std::string& monitor, const std::string& who) {
  if (mode == "max") return true;
  if (mode == "min") return false;
  require(mode == "auto", who + ": mode must be auto, min or max, got \"" + mode + "\"");
  return monitor_higher_is_better(monitor);
}

namespace {
template <class T>
std::string got(T value) {
  std::ostringstream out;
  out << ", got " << value;
  return out.str();
}
}  // namespace

// --- EarlyStopping ---

EarlyStopping::EarlyStopping(EarlyStoppingOptions options) : options_(std::move(options)) {
  require(options_.patience >= 0, "EarlyStopping: patience must be >= 0" + got(options_.patience));
  require(options_.min_delta >= 0, "EarlyStopping: min_delta must be >= 0" + got(options_.min_delta));
  maximize_ = monitor_maximizes(options_.mode, options_.monitor, "EarlyStopping");
}

bool EarlyStopping::improved(double value) const {
  if (best_epoch_ < 0) return true;
  return maximize_ ? value > best_ + options_.min_delta : value < best_ - options_.min_delta;
}

void EarlyStopping::on_train_begin(Sequential& model) {
  (void)model;
  best_epoch_ = -1;
  wait_ = 0;
  stopped_epoch_ = -1;
  best_weights_.clear();
}

void EarlyStopping::on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
  const double value = monitored_value(logs, options_.monitor);
  if (improved(value)) {
    best_ = value;
    best_epoch_ = epoch;
    wait_ = 0;
    if (options_.restore_best_weights) {
      auto w = model.parameters().values();
      best_weights_.assign(w.begin(), w.end());
    }
    return;
  }
  if (++wait_ >=
      std::max(options_.patience, 1)) {  // Keras: patience 0 and 1 both stop at the first bad epoch
    stopped_epoch_ = epoch;
    model.stop_training = true;
  }
}

void EarlyStopping::on_train_end(Sequential& model) {
  // As Keras 3: the best weights come back at the end whether or not training stopped early.
  const bool restore = options_.restore_best_weights && !best_weights_.empty();
  if (restore) std::copy(best_weights_.begin(), best_weights_.end(), model.parameters().values().begin());
  // Kept in the model (and its file) for the report, which marks both epochs.
  model.info.stopped_epoch = stopped_epoch_;
  model.info.restored_epoch = restore ? best_epoch_ : -1;
}

// --- CSVLogger ---

CSVLogger::CSVLogger(std::string path, bool append) : path_(std::move(path)), append_(append) {}

void CSVLogger::on_train_begin(Sequential& model) {
  (void)model;
  keys_.clear();
  header_written_ = false;
  if (out_ != nullptr) return;
  std::ofstream out(path_, append_ ? std::ios::app : std::ios::trunc);
  if (!out) throw FileError(path_ + ": cannot open for writing");
  header_written_ = append_ && out.tellp() > 0;
}

void CSVLogger::on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
  (void)model;
  if (out_ != nullptr) {
    write_row(*out_, epoch, logs);
    return;
  }
  std::ofstream out(path_, std::ios::app);
  if (!out) throw FileError(path_ + ": cannot open for writing");
  write_row(out, epoch, logs);
  if (!out.flush()) throw FileError(path_ + ": write failed");
}

void CSVLogger::write_row(std::ostream& out, int epoch, const Logs& logs) {
  if (keys_.empty()) {
    for (const auto& [k, v] : logs) keys_.push_back(k);
  }
  std::ostringstream row;
  if (!header_written_) {
    row << "epoch";
    for (const auto& k : keys_) row << ',' << k;
    row << '\n';
    header_written_ = true;
  }
  row << epoch << std::setprecision(9);
  for (const auto& k : keys_) {
    auto it = logs.find(k);
    row << ',';
    if (it != logs.end()) row << it->second;
  }
  out << row.str() << '\n';
}

// --- ConvergenceStop ---

ConvergenceStop::ConvergenceStop(ConvergenceStopOptions options) : options_(std::move(options)) {
  require(options_.tolerance >= 0, "ConvergenceStop: tolerance must be >= 0" + got(options_.tolerance));
  require(options_.patience >= 1, "ConvergenceStop: patience must be >= 1" + got(options_.patience));
}

void ConvergenceStop::on_train_begin(Sequential& model) {
  (void)model;
  last_ = std::numeric_limits<double>::quiet_NaN();
  calm_ = 0;
  stopped_epoch_ = -1;
}

void ConvergenceStop::on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
  const double value = monitored_value(logs, options_.monitor);
  calm_ = (!std::isnan(last_) && std::abs(value - last_) < options_.tolerance) ? calm_ + 1 : 0;
  last_ = value;
  if (calm_ >= options_.patience) {
    stopped_epoch_ = epoch;
    model.stop_training = true;
  }
}

// --- ReduceLROnPlateau ---

ReduceLROnPlateau::ReduceLROnPlateau(ReduceLROnPlateauOptions options) : options_(std::move(options)) {
  require(options_.factor > 0 && options_.factor < 1,
          "ReduceLROnPlateau: factor must be in (0, 1)" + got(options_.factor));
  require(options_.patience >= 0, "ReduceLROnPlateau: patience must be >= 0" + got(options_.patience));
  require(options_.cooldown >= 0, "ReduceLROnPlateau: cooldown must be >= 0" + got(options_.cooldown));
  require(options_.min_lr >= 0, "ReduceLROnPlateau: min_lr must be >= 0" + got(options_.min_lr));
  require(options_.min_delta >= 0, "ReduceLROnPlateau: min_delta must be >= 0" + got(options_.min_delta));
  maximize_ = monitor_higher_is_better(options_.monitor);
}

void ReduceLROnPlateau::on_train_begin(Sequential& model) {
  (void)model;
  have_best_ = false;
  wait_ = 0;
  cooldown_left_ = 0;
}

void ReduceLROnPlateau::on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
  (void)epoch;
  const double value = monitored_value(logs, options_.monitor);
  const bool better =
      !have_best_ || (maximize_ ? value > best_ + options_.min_delta : value < best_ - options_.min_delta);
  if (cooldown_left_ > 0) --cooldown_left_;
  if (better) {
    best_ = value;
    have_best_ = true;
    wait_ = 0;
    return;
  }
  if (cooldown_left_ > 0) {
    wait_ = 0;  // as Keras: no waiting is counted during the cooldown
    return;
  }
  if (++wait_ >= std::max(options_.patience, 1)) {
    const double lr = model.optimizer().learning_rate();
    const double reduced = std::max(lr * options_.factor, options_.min_lr);
    if (reduced < lr && reduced > 0) model.optimizer().set_learning_rate(static_cast<Scalar>(reduced));
    wait_ = 0;
    cooldown_left_ = options_.cooldown;
  }
}

// --- LearningRateScheduler ---

void LearningRateScheduler::on_train_begin(Sequential& model) {
  initial_ = model.optimizer().initial_learning_rate();
}

void LearningRateScheduler::on_epoch_begin(Sequential& model, int epoch) {
  model.optimizer().set_learning_rate(schedule_.learning_rate(epoch, initial_));
}

// --- ProgressLogger ---

namespace {
double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ProgressLogger::ProgressLogger(std::ostream& out, ProgressLoggerOptions options)
    : out_(out), options_(options) {
  require(options_.every >= 1, "ProgressLogger: every must be >= 1" + got(options_.every));
  require(options_.epochs >= 0, "ProgressLogger: epochs must be >= 0" + got(options_.epochs));
  require(options_.refresh_seconds >= 0,
          "ProgressLogger: refresh_seconds must be >= 0" + got(options_.refresh_seconds));
}

void ProgressLogger::set_params(const FitParams& params) {
  epochs_ = options_.epochs > 0 ? options_.epochs : params.epochs;
  steps_ = params.steps;
}

void ProgressLogger::on_train_begin(Sequential& model) {
  (void)model;
  epochs_run_ = 0;
  train_start_ = now_seconds();
}

void ProgressLogger::on_epoch_begin(Sequential& model, int epoch) {
  (void)model;
  epoch_ = epoch;
  epoch_start_ = last_draw_ = now_seconds();
  steps_done_ = samples_done_ = 0;
  loss_sum_ = 0;
}

std::string ProgressLogger::epoch_label(int epoch) const {
  std::ostringstream label;
  label << "epoch ";
  if (epochs_ > 0) {
    label << std::setw(int(std::to_string(epochs_).size())) << epoch + 1 << '/' << epochs_;
  } else {
    label << epoch + 1;
  }
  return label.str();
}

// Per step: a few additions and a clock read; the bar itself (which allocates its text) is drawn
// at most every refresh_seconds, and never for a file or pipe.
void ProgressLogger::on_train_batch_end(Sequential& model, const BatchLogs& logs) {
  (void)model;
  ++steps_done_;
  samples_done_ += logs.size;
  loss_sum_ += logs.loss * double(logs.size);
  if (!options_.live_bar || steps_ == 0 || steps_done_ >= steps_) return;
  const double now = now_seconds();
  if (now - last_draw_ < options_.refresh_seconds) return;
  last_draw_ = now;
  draw_step_bar(now);
}

void ProgressLogger::draw_step_bar(double now) {
  const double elapsed = now - epoch_start_;
  const double done = double(steps_done_) / double(steps_);
  const int width = 20, filled = std::min(width - 1, int(done * width));
  std::ostringstream bar;
  bar << "\r\033[K" << epoch_label(epoch_) << " [" << std::string(std::size_t(filled), '=') << '>'
      << std::string(std::size_t(width - filled - 1), '.') << "] " << steps_done_ << '/' << steps_;
  if (elapsed > 0) {
    bar << "  " << std::fixed << std::setprecision(0) << double(samples_done_) / elapsed << " samples/s"
        << "  ETA " << std::setprecision(1) << elapsed / done * (1 - done) << " s";
  }
  bar << "  loss " << std::setprecision(4) << loss_sum_ / double(samples_done_);
  out_ << bar.str() << std::flush;
}

void ProgressLogger::on_train_end(Sequential& model) {
  (void)model;
  // The run's bar is printed after every epoch but the last; one an early stop left goes.
  if (options_.live_bar) out_ << "\r\033[K" << std::flush;
}

void ProgressLogger::on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
  (void)model;
  const bool print = ++epochs_run_ % options_.every == 0;
  if (!print && !options_.live_bar) return;
  const double now = now_seconds();
  const int total = epochs_;
  if (!print) {  // a skipped epoch still clears its step bar
    out_ << "\r\033[K" << std::flush;
  } else {
    std::ostringstream line;  // built apart, so the stream's own format flags stay as they were
    line << epoch_label(epoch);
    for (const auto& [key, value] : logs) {
      if (key != "lr") line << "  " << key << ' ' << std::fixed << std::setprecision(4) << value;
    }
    line << "  (" << std::setprecision(2) << now - epoch_start_ << " s)";
    if (!options_.live_bar) {
      out_ << line.str() << '\n';
      return;
    }
    out_ << "\r\033[K" << line.str() << '\n';  // over the bar the epoch's steps left
  }
  if (total > 0 && epoch + 1 < total) {
    const double done = double(epoch + 1) / total;
    const int width = 30, filled = int(done * width);
    const double left = (now - train_start_) / epochs_run_ * (total - epoch - 1);
    std::ostringstream bar;
    bar << '[' << std::string(std::size_t(filled), '#') << std::string(std::size_t(width - filled), '.')
        << "] " << epoch + 1 << '/' << total << "  ETA " << std::fixed << std::setprecision(0) << left
        << " s";
    out_ << bar.str() << std::flush;
  }
}

}  // namespace fathom
