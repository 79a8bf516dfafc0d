// Input scaling fitted on training data and stored with the model (docs/concepts.md, input scaling).
//   standard: x' = (x − mean) / sd      minmax: x' = (x − min) / (max − min)
// A feature with zero spread is left centred (scale 1).
#pragma once

#include <string>
#include <string_view>

#include "fathom/core/matrix.hpp"

namespace fathom {

struct InputScaling {
  std::string method = "none";  // "none", "standard", "minmax"
  Vector offset;                // subtracted per feature
  Vector scale;                 // then multiplied per feature

  // Fits on x (features × samples). Throws InvalidArgument for an unknown method.
  static InputScaling fit(const Matrix& x, std::string_view method);
  bool enabled() const { return method != "none"; }
  // X (features × n) in place; allocation-free.
  void apply(MatrixView X) const;
};

}  // namespace fathom
