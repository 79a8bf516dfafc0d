// What every fuzz target shares: the rule that a fathom::Error is the expected answer to bad
// bytes (anything else, another exception or a crash, is a finding), and a scratch folder for
// the loaders that take a path rather than bytes.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "fathom/core/error.hpp"

namespace fathom_fuzz {

// One folder per process (libFuzzer's -jobs/-workers run several), removed at a normal exit.
inline const std::filesystem::path& scratch_dir() {
  struct Dir {
    std::filesystem::path path;
    Dir() {
      path = std::filesystem::temp_directory_path() / ("fathom-fuzz-" + std::to_string(::getpid()));
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static const Dir dir;
  return dir.path;
}

// Writes the bytes to scratch_dir()/name, replacing what was there, and returns the path.
inline std::string write_file(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::string path = (scratch_dir() / name).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  out.close();
  if (!out) throw std::runtime_error("fuzz harness: cannot write " + path);
  return path;
}

// Runs the loader; fathom's own errors are an answer, everything else escapes to the caller
// (libFuzzer reports it as a crash, the replay test as a failure).
template <class Load>
int expect_only_fathom_errors(Load&& load) {
  try {
    load();
  } catch (const fathom::Error&) {
  }
  return 0;
}

}  // namespace fathom_fuzz
