// Saving and loading models: a versioned, checksummed binary file (docs/file_format.md) with
// the architecture, weights, optimizer state, input scaling, class names and history.
// Saving is atomic: a crash or kill mid-save never leaves a broken file or loses the old one.
#pragma once

#include <string>

#include "fathom/train/sequential.hpp"

namespace fathom {

void save_model(const Sequential& model, const std::string& path);
// Throws FileError saying what is wrong: missing, truncated, corrupted (checksum), wrong
// magic, or a newer format version.
Sequential load_model(const std::string& path);

}  // namespace fathom
