// The TensorBoard callback (train/tensorboard.hpp): which records go into which file, and when.
// The framing is tfrecord.cpp's, the messages tensorboard_events.cpp's. It lives in train, next
// to CSVLogger, because it reads only the model and fit's logs (ModelCheckpoint is in io
// because it writes model files).
#include "fathom/train/tensorboard.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <sstream>

#include "fathom/core/error.hpp"
#include "fathom/core/histogram.hpp"
#include "fathom/train/sequential.hpp"
#include "fathom/train/summary.hpp"
#include "tensorboard_events.hpp"
#include "tfrecord.hpp"

namespace fathom {
namespace {

constexpr int kHistogramBins = 30;  // Keras's (and tf.summary.histogram's) default

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

// DIR/events.out.tfevents.<secs>.<host>.<pid>.<n>.v2, TensorFlow's pattern: <n> counts the
// files this process has opened, so two writers never share a name.
std::filesystem::path event_file_name(const std::filesystem::path& dir) {
  static std::atomic<int> opened{0};
  const auto secs = static_cast<long long>(detail::wall_time_now());
  return dir / ("events.out.tfevents." + std::to_string(secs) + "." + host_name() + "." +
                std::to_string(getpid()) + "." + std::to_string(opened++) + ".v2");
}

std::unique_ptr<detail::RecordWriter> open_event_file(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw FileError("cannot create the folder " + dir.string() + ": " + ec.message());
  auto writer = std::make_unique<detail::RecordWriter>(event_file_name(dir));
  writer->write(detail::file_version_event(detail::wall_time_now()));
  return writer;
}

// TensorBoard's text plugin renders markdown: indented lines are a code block, which keeps the
// summary's columns.
std::string as_code_block(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) out += "    " + line + "\n";
  return out;
}

// Keras's tags: epoch_loss, epoch_accuracy, …, and the learning rate as epoch_learning_rate.
std::string epoch_tag(const std::string& key) { return key == "lr" ? "epoch_learning_rate" : "epoch_" + key; }

}  // namespace

struct TensorBoard::Impl {
  TensorBoardOptions options;
  std::optional<FitParams> params;
  std::unique_ptr<detail::RecordWriter> train, validation;
  std::filesystem::path train_path, validation_path;
  std::int64_t batches = 0;                // batches of this fit so far
  detail::SummaryEvent batch_event{0, 0};  // batch_loss, refilled every update_freq steps
  std::string batch_bytes;

  void write_histograms(Sequential& model, detail::SummaryEvent& event) const;
};

TensorBoard::TensorBoard(TensorBoardOptions options) : impl_(std::make_unique<Impl>()) {
  require(!options.log_dir.empty(), "TensorBoard: log_dir is empty");
  require(options.histogram_freq >= 0, "TensorBoard: histogram_freq must be >= 0 (0: none), got " +
                                           std::to_string(options.histogram_freq));
  require(options.update_freq >= 0,
          "TensorBoard: update_freq must be >= 0 (0: per epoch), got " + std::to_string(options.update_freq));
  impl_->options = std::move(options);
}

TensorBoard::~TensorBoard() = default;
TensorBoard::TensorBoard(TensorBoard&&) noexcept = default;
TensorBoard& TensorBoard::operator=(TensorBoard&&) noexcept = default;

const std::filesystem::path& TensorBoard::train_file() const { return impl_->train_path; }
const std::filesystem::path& TensorBoard::validation_file() const { return impl_->validation_path; }

void TensorBoard::set_params(const FitParams& params) {
  impl_->params.reset();  // emplace, not assign: the views in FitParams rebind, never copy data
  impl_->params.emplace(params);
}

void TensorBoard::on_train_begin(Sequential& model) {
  Impl& s = *impl_;
  s.train.reset();
  s.validation.reset();
  s.validation_path.clear();
  s.batches = 0;
  s.batch_bytes.reserve(256);  // a batch_loss event is ~70 bytes: the buffer never grows as steps do
  s.train = open_event_file(s.options.log_dir / "train");
  s.train_path = s.train->path();
  if (s.params && s.params->has_validation) {
    s.validation = open_event_file(s.options.log_dir / "validation");
    s.validation_path = s.validation->path();
  }
  detail::SummaryEvent event(detail::wall_time_now(), s.params ? s.params->initial_epoch : 0);
  event.text("model_summary", as_code_block(summary(model)));
  s.train->write(event.serialized());
  s.train->flush();
  if (s.validation) s.validation->flush();
}

void TensorBoard::on_train_batch_end(Sequential& model, const BatchLogs& logs) {
  Impl& s = *impl_;
  if (s.options.update_freq == 0 || !s.train) return;
  if (++s.batches % s.options.update_freq != 0) return;
  // One event and buffer reused for every step: after the first, this allocates nothing.
  s.batch_event.restart(detail::wall_time_now(), model.optimizer().iterations());
  s.batch_event.scalar("batch_loss", logs.loss);
  s.batch_event.serialize_into(s.batch_bytes);
  s.train->write(s.batch_bytes);  // flushed with the epoch
}

void TensorBoard::Impl::write_histograms(Sequential& model, detail::SummaryEvent& event) const {
  Parameters& arena = model.parameters();
  for (const auto& entry : arena.entries()) {
    event.histogram(
        entry.name,
        histogram(std::as_const(arena).values().subspan(entry.ref.offset, entry.ref.size()), kHistogramBins));
  }
  if (!options.write_gradients || !params) return;
  // One fixed batch, the first batch_size training samples, in inference mode (no dropout
  // mask, so the generator is not drawn from); the optimizer never runs.
  const Index n = std::min(params->batch_size, params->x.cols());
  model.forward(ConstMatrixView(params->x.data(), params->x.rows(), n), false);
  model.zero_grad();
  model.backward(ConstMatrixView(params->y.data(), params->y.rows(), n));
  const std::span<const Scalar> grads = model.gradients();
  for (const auto& entry : arena.entries()) {
    event.histogram(entry.name + "/gradient",
                    histogram(grads.subspan(entry.ref.offset, entry.ref.size()), kHistogramBins));
  }
}

void TensorBoard::on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
  Impl& s = *impl_;
  if (!s.train) return;
  const double now = detail::wall_time_now();
  detail::SummaryEvent train(now, epoch), validation(now, epoch);
  for (const auto& [key, value] : logs) {
    if (key.rfind("val_", 0) == 0) {
      validation.scalar(epoch_tag(key.substr(4)), value);
    } else {
      train.scalar(epoch_tag(key), value);
    }
  }
  if (s.options.histogram_freq > 0 && epoch % s.options.histogram_freq == 0) s.write_histograms(model, train);
  s.train->write(train.serialized());
  s.train->flush();
  if (s.validation && !validation.empty()) {
    s.validation->write(validation.serialized());
    s.validation->flush();
  }
}

void TensorBoard::on_train_end(Sequential& model) {
  (void)model;
  Impl& s = *impl_;
  if (s.train) s.train->flush();
  if (s.validation) s.validation->flush();
  s.train.reset();
  s.validation.reset();
  s.params.reset();  // its views of the data end with the fit
}

}  // namespace fathom
