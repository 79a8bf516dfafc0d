// ModelCheckpoint: saves the model atomically when the monitored value improves.
#include "fathom/core/error.hpp"
#include "fathom/io/model_file.hpp"
#include "fathom/train/callbacks.hpp"

namespace fathom {

ModelCheckpoint::ModelCheckpoint(ModelCheckpointOptions options) : options_(std::move(options)) {
  require(!options_.path.empty(), "ModelCheckpoint: path is empty");
  if (options_.mode == "max") {
    maximize_ = true;
  } else if (options_.mode == "min") {
    maximize_ = false;
  } else {
    require(options_.mode == "auto",
            "ModelCheckpoint: mode must be auto, min or max, got \"" + options_.mode + "\"");
    maximize_ = monitor_higher_is_better(options_.monitor);
  }
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
  save_model(model, options_.path);
  ++saves_;
}

}  // namespace fathom
