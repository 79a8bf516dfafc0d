// The training loop: epochs, mini-batches, shuffling, validation, callbacks and history, over
// a model's train_step (Sequential::fit and Sequential::evaluate call these). It owns the
// batch buffers and the sample order; the model owns the network and the step.
#pragma once

#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/train/history.hpp"

namespace fathom {

class Callback;
class Communicator;
class Sequential;

// evaluate and predict run the network on this many samples at a time. It sets the memory
// (three buffers as wide as the widest layer, 3 MB for 784-256-128-10) and the values' last bit
// (Sequential::predict). Batches of 1,024 rather than 256 give the threads wider products:
// 2-thread predict() 26 → 23 ms on 10,000 images.
inline constexpr Index kInferenceBatch = 1024;

// The batch size of FitOptions::batch_size = 0 for the per-batch optimizers (Keras's default).
inline constexpr Index kDefaultBatch = 32;

struct FitOptions {
  int epochs = 1;
  // 1 = online (stochastic) GD; ≥ number of samples = full batch; 0 (the default) = 32, or every
  // training sample for a full-batch optimizer (rprop, irprop+, lbfgs, lm: Optimizer::full_batch),
  // which refuses a smaller batch.
  Index batch_size = 0;
  bool shuffle = true;  // a new sample order every epoch
  // Hold out this fraction of the samples (the last ones, before shuffling, as Keras does).
  double validation_split = 0;
  // Or explicit validation data (features × n and outputs × n); both or neither.
  const Matrix* validation_x = nullptr;
  const Matrix* validation_y = nullptr;
  std::vector<Callback*> callbacks = {};
  int initial_epoch = 0;  // to resume: epochs run from initial_epoch to epochs − 1
  // Data-parallel training (docs/scaling.md): fit runs on every process of the communicator's
  // group with the same data and options; each computes its share of every batch (batch_size is
  // the whole batch's), the gradients are summed, and every process applies the same update.
  // Losses, metrics and validation are over all processes, so callbacks see the same logs
  // everywhere; rank 0's model is copied to the others first. nullptr: this process alone.
  Communicator* communicator = nullptr;
};

// Trains model on x (inputs × n) and y (outputs × n); see Sequential::fit. The views are read
// in place (a caller's own column-major memory, e.g. a numpy array, is never copied whole).
History fit(Sequential& model, ConstMatrixView x, ConstMatrixView y, const FitOptions& options = {});
inline History fit(Sequential& model, const Matrix& x, const Matrix& y, const FitOptions& options = {}) {
  return fit(model, view(x), view(y), options);
}
// "loss" and every compiled metric over the whole of x, y; see Sequential::evaluate. Only reads
// the model: safe from many threads at once on one model (sequential.hpp, "Threads").
Logs evaluate(const Sequential& model, ConstMatrixView x, ConstMatrixView y,
              Index batch_size = kInferenceBatch);
inline Logs evaluate(const Sequential& model, const Matrix& x, const Matrix& y,
                     Index batch_size = kInferenceBatch) {
  return evaluate(model, view(x), view(y), batch_size);
}

}  // namespace fathom
