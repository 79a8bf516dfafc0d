// Regression targets standardized for training: t' = (t − mean) / sd per target row, fitted on
// the training targets. A regression on real units (a price, a blood value in the hundreds)
// then starts with errors of about one, as the default learning rates and initial weights
// expect, and columns of very different scales weigh alike in the loss. The model keeps the
// fit (ModelInfo::target_scaling, saved in the model file) and its outputs are mapped back with
// invert(), so predictions and errors are in the targets' own units. Classification targets are
// never scaled. A target row with zero spread is only centred (sd 1).
#pragma once

#include <string>
#include <string_view>

#include "fathom/core/matrix.hpp"

namespace fathom {

struct TargetScaling {
  std::string method = "none";  // "none" or "standard"
  Vector mean;                  // per target row (standard)
  Vector sd;                    // per target row, > 0

  // Fits on y (targets × samples). Throws InvalidArgument for an unknown method, DataError for
  // no samples or a non-finite target.
  static TargetScaling fit(ConstMatrixView y, std::string_view method);
  // A stored fit, checked for `outputs` target rows (InvalidArgument when it does not fit).
  static TargetScaling stored(std::string_view method, Vector mean, Vector sd, Index outputs);
  bool enabled() const { return method != "none"; }

  // In place; allocation-free. ShapeError when y's rows are not the fitted targets.
  void apply(MatrixView y) const;   // t' = (t − mean) / sd: what the network is trained on
  void invert(MatrixView y) const;  // o = o' · sd + mean: outputs back in the targets' units
};

}  // namespace fathom
