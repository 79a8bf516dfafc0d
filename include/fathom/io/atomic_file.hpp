// Atomic file replacement: write to a temporary file in the same folder, fsync, rename over
// the target, fsync the folder. Readers see the old file or the new one, never a mix.
#pragma once

#include <string>
#include <string_view>

namespace fathom {

// Replaces `path` with `bytes` atomically. Throws FileError naming the path on failure, and
// leaves no temporary file behind.
void write_file_atomic(const std::string& path, std::string_view bytes);
// Reads a whole file; throws FileError naming the path if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace fathom
