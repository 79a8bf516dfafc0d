// ModelCheckpoint: saves the model atomically when the monitored value improves.
#include "fathom/io/model_checkpoint.hpp"

#include "fathom/core/error.hpp"
#include "fathom/io/model_file.hpp"

namespace fathom {

ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options) : options_(std::move(options)) {
  require(!options_.path.empty(), "ModelCheckpoint: path is empty");
  // Saving every epoch compares nothing, so it needs no direction for the monitor.
  if (options_.save_best_only)
    maximize_ = monitor_maximizes(options_.mode, options_.monitor, "ModelCheckpoint");
}

void ModelCheckpoint::on_epoch_end(Sequential& model, int epoch, const Logs& logs) {
  (void)epoch;
  if (options_.save_best_only) {
    const double value = monitored_value(logs, options_.monitor);
    const bool better = !have_best_ || (maximize_ ? value > best_ : value < best_);
    if (!better) return;
    best_ = value;
    have_best_ = true;
  }
  save_model(model, options_.path, {.replace_read_only = options_.replace_read_only});
  ++saves_;
}

}  // namespace fathom
