// ModelCheckpoint (as Keras's): saves the model file after an epoch, or only when the monitored
// value improved. A callback of fit() that writes files, so it lives in io, next to save_model.
#pragma once

#include <string>

#include "fathom/train/callbacks.hpp"

namespace fathom {

struct ModelCheckpointOptions {
  std::string path;
  std::string monitor = "val_loss";
  bool save_best_only = true;
  std::string mode = "auto";       // "auto", "min", "max" (see monitor_maximizes)
  bool replace_read_only = false;  // as in WriteOptions: a read-only file at path is refused
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

}  // namespace fathom
