// Atomic file replacement: write to a temporary file in the same folder, fsync, rename over
// the target, fsync the folder. Readers see the old file or the new one, never a mix.
// The temporary file is NAME.partial.PID.N (docs/file_format.md, "Saving"); one left behind by
// a killed process is removed by the next write to NAME.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fathom {

struct WriteOptions {
  // An existing target without write permission is refused, as cp and mv -i would ask first;
  // true replaces it anyway (the command line's --force).
  bool replace_read_only = false;
};

// Replaces `path` with `bytes` atomically. Throws FileError naming the path on failure, and
// leaves no temporary file behind. Removes the temporary files of earlier writes to `path`
// whose process is no longer running (killed mid-write).
void write_file_atomic(const std::string& path, std::string_view bytes, const WriteOptions& options = {});

// Checks now what write_file_atomic(path, ...) will need later, so that a long run (training)
// fails before it starts rather than at its end: the folder exists and a file can be created
// in it, `path` is not a folder, and an existing file is not read-only (unless
// options.replace_read_only). Throws FileError naming the path and what is wrong.
void check_writable_destination(const std::string& path, const WriteOptions& options = {});

// A file read in pieces, so that a reader can check what a header claims before it reads (and
// allocates for) the rest: memory grows with the bytes actually there, never with a claim.
class InputFile {
 public:
  // Throws FileError naming the path if it cannot be opened.
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Appends up to n more bytes to out; returns how many (fewer only at the end of the file).
  std::size_t read(std::string& out, std::size_t n);
  // The size of a regular file; nullopt for a pipe, a terminal or a device such as /dev/zero.
  std::optional<std::uint64_t> size() const { return size_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::optional<std::uint64_t> size_;
};

// Reads a whole file; throws FileError naming the path if it cannot be read.
std::string read_file(const std::string& path);

}  // namespace fathom
