// Saving and loading models: a versioned, checksummed binary file (docs/file_format.md) with
// the architecture, weights, optimizer state, input scaling, class names and history.
// Saving is atomic: a crash or kill mid-save never leaves a broken file or loses the old one.
#pragma once

#include <string>
#include <string_view>

#include "fathom/io/atomic_file.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom {

// An existing read-only file at path is refused unless options.replace_read_only.
void save_model(const Sequential& model, const std::string& path, const WriteOptions& options = {});
// Throws FileError saying what is wrong: missing, truncated, corrupted (checksum), wrong
// magic, a newer format version, or sizes that the file's bytes do not back (checked before
// anything of that size is read or built).
Sequential load_model(const std::string& path);

// The bytes save_model writes, in memory (pickling, a database column, a network message).
// Throws as save_model does for a model that is not compiled or holds NaN/Inf.
std::string model_bytes(const Sequential& model);
// A model from those bytes, checked as load_model checks a file; `name` stands for the file in
// the error messages.
Sequential model_from_bytes(std::string_view bytes, const std::string& name = "model bytes");

}  // namespace fathom
