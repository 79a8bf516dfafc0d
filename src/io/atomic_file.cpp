// Atomic file replacement (temp file + fsync + rename + folder fsync) and whole-file reads,
// on POSIX file descriptors so that every step's failure is seen and reported with errno.
#include "fathom/io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "fathom/core/error.hpp"

namespace fathom {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw FileError(path + ": " + what + ": " + std::strerror(err));
}

// Writes all of bytes, retrying partial writes and interrupted calls. Returns 0 or an errno.
int write_all(int fd, std::string_view bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    const ::ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

// Makes the rename itself durable. Some filesystems cannot fsync a folder (EINVAL); the data
// is then as safe as that filesystem allows, so that is not an error.
int sync_folder(const std::string& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int err = 0;
  if (::fsync(fd) != 0 && errno != EINVAL) err = errno;
  ::close(fd);
  return err;
}

}  // namespace

void write_file_atomic(const std::string& path, std::string_view bytes) {
  if (path.empty()) throw FileError("write_file_atomic: empty path");
  // The temp file must be in the target's folder: rename is only atomic within a filesystem.
  // pid + counter keeps concurrent writers (threads or processes) off each other's temp file.
  static std::atomic<unsigned long> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string folder = parent.empty() ? std::string(".") : parent.string();

  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail(path, "cannot create temporary file " + tmp, errno);

  // From here on, any failure removes the temp file; the target is untouched until rename.
  auto abandon = [&](const std::string& what, int err, bool close_fd) {
    if (close_fd) ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, what, err);
  };
  if (const int err = write_all(fd, bytes)) abandon("cannot write temporary file " + tmp, err, true);
  if (::fsync(fd) != 0) abandon("cannot sync temporary file " + tmp, errno, true);
  // close can report a deferred write error (NFS), so it is checked too.
  if (::close(fd) != 0) abandon("cannot close temporary file " + tmp, errno, false);
  if (::rename(tmp.c_str(), path.c_str()) != 0) abandon("cannot replace the file", errno, false);
  if (const int err = sync_folder(folder)) fail(path, "written, but cannot sync folder " + folder, err);
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, "cannot open", errno);
  std::string bytes;
  struct ::stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) bytes.reserve(static_cast<std::size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    const ::ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      fail(path, "cannot read", err);
    }
    bytes.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return bytes;
}

}  // namespace fathom
