// What every export (ONNX, C, predict_int8) requires of a model before it reads it.
#pragma once

#include <string>

#include "fathom/train/sequential.hpp"

namespace fathom::detail {

// Compiled, and every number the export writes finite: the parameters (as save_model
// requires), the Normalization layers' offsets and scales, and the target scaling. Throws
// InvalidArgument (not compiled) or DivergedError, naming `what` ("ONNX export") and the value.
void require_exportable(const Sequential& model, const std::string& what);

}  // namespace fathom::detail
