// What `train` says after fitting: the scores on the training and validation data (a
// regression's errors in the targets' own units), what early stopping did, and a one-line
// warning when the run ended still improving or never beat the trivial predictor.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "common.hpp"

namespace fathom::cli {

// The loss (as trained: on standardized targets for a scaled regression) and the task's
// metrics of `model` on (x, y), y as trained on; for a regression "mae", "rmse" and "r2" (R²
// averaged over the outputs) in the targets' units instead of the training metrics.
Logs final_scores(Sequential& model, const Matrix& x, const Matrix& y, Task task);

// "training set: 120 samples  accuracy 0.9750  loss 0.0712"
void print_scores(std::ostream& out, const std::string& title, Index samples, const Logs& scores,
                  bool standardized_loss);

// What early stopping did, in one line: the epoch it stopped after and the epoch whose weights
// it restored (epochs counted from 1, as the progress lines count them); none when it neither
// stopped nor restored earlier weights.
std::optional<std::string> early_stopping_note(const EarlyStopping& early, const std::string& monitor,
                                               int patience, const History& run);

// A convergence warning in one line, as scikit-learn's ConvergenceWarning: the monitored loss
// of `run` (val_loss when there is one) at its last epoch is more than 1%, and more than 10⁻⁴ per
// epoch, below its best before the last epochs (up to 10), so more epochs would help.
std::optional<std::string> still_improving_warning(const History& run);

// A warning in one line when the trained network does no better on (x, y) than the trivial
// predictor fitted on the training targets: always the most frequent class (accuracy), or the
// mean of each target (loss). `scores` are final_scores(model, x, y, task).
std::optional<std::string> trivial_predictor_warning(Sequential& model, const Matrix& train_y,
                                                     const Matrix& y, Task task, const Logs& scores,
                                                     const std::string& data_name);

}  // namespace fathom::cli
