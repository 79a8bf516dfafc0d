// Atomic file replacement (temp file + fsync + rename + folder fsync), checks of a destination
// before a long run, and reads in pieces, on POSIX file descriptors so that every step's failure
// is seen and reported with errno.
#include "fathom/io/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <vector>

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

// Temporary files are NAME.partial.PID.N; NAME.tmp.PID.N is what earlier versions wrote.
constexpr const char* kTempMarkers[] = {".partial.", ".tmp."};

std::string folder_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

// A temporary file name for path that no other writer (thread or process) uses at the same time.
std::string temp_name(const std::string& path) {
  static std::atomic<unsigned long> counter{0};
  return path + kTempMarkers[0] + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

// The PID in "PID.N", or 0 when `suffix` is not of that form.
::pid_t pid_of(std::string_view suffix) {
  long pid = 0, n = 0;
  const char* end = suffix.data() + suffix.size();
  auto [p, ec] = std::from_chars(suffix.data(), end, pid);
  if (ec != std::errc() || p == end || *p != '.' || pid <= 0) return 0;
  auto [q, ec2] = std::from_chars(p + 1, end, n);
  if (ec2 != std::errc() || q != end || p + 1 == q) return 0;
  return static_cast<::pid_t>(pid);
}

// Removes the temporary files of earlier writes to path whose process has ended: a kill -9 or
// a power cut mid-write leaves one, and nothing else ever would remove it. A PID is taken as
// ended only when no process of that number exists on this machine (kill(pid, 0) says ESRCH);
// this process's own files may be another thread's write in progress, so they stay. Best
// effort: a file that cannot be listed or removed is left as it is.
void remove_stale_temp_files(const std::string& path) {
  const std::string folder = folder_of(path);
  const std::string name = std::filesystem::path(path).filename().string();
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> stale;
  while (const ::dirent* entry = ::readdir(dir)) {
    const std::string_view entry_name(entry->d_name);
    if (entry_name.size() <= name.size() || entry_name.compare(0, name.size(), name) != 0) continue;
    const std::string_view rest = entry_name.substr(name.size());
    for (const char* marker : kTempMarkers) {
      const std::string_view m(marker);
      if (rest.size() <= m.size() || rest.compare(0, m.size(), m) != 0) continue;
      const ::pid_t pid = pid_of(rest.substr(m.size()));
      if (pid == 0 || pid == ::getpid()) continue;
      if (::kill(pid, 0) != 0 && errno == ESRCH) stale.emplace_back(entry_name);
    }
  }
  ::closedir(dir);
  for (const auto& file : stale) {
    const std::string full = (std::filesystem::path(folder) / file).string();
    struct ::stat st {};
    if (::lstat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode)) ::unlink(full.c_str());
  }
}

// What an existing target must be for write_file_atomic to replace it: a regular file (a
// rename over a device or /dev/stdout would replace the device node or link itself), and
// writable unless the caller says otherwise. Root may write anything, so a file with no write
// bit at all counts as read-only too, as the owner said so with chmod.
void check_existing_target(const std::string& path, const WriteOptions& options) {
  struct ::stat st {};
  if (::stat(path.c_str(), &st) != 0) return;  // not there (yet): nothing to protect
  if (S_ISDIR(st.st_mode)) throw FileError(path + ": is a folder, not a file");
  if (!S_ISREG(st.st_mode))
    throw FileError(path + ": is not a regular file (a device, pipe or socket); fathom writes files");
  // (A read-only mount, EROFS, is not the file's own setting: the folder check reports it.)
  const bool read_only = (::access(path.c_str(), W_OK) != 0 && errno == EACCES) ||
                         (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0;
  if (read_only && !options.replace_read_only)
    throw FileError(path + ": the file is read-only; pass --force to replace it (in the library: " +
                    "WriteOptions::replace_read_only)");
}

}  // namespace

void check_writable_destination(const std::string& path, const WriteOptions& options) {
  if (path.empty()) throw FileError("an output path is empty");
  const std::string folder = folder_of(path);
  struct ::stat st {};
  if (::stat(folder.c_str(), &st) != 0) fail(path, "cannot write to folder " + folder, errno);
  if (!S_ISDIR(st.st_mode)) throw FileError(path + ": " + folder + " is not a folder");
  check_existing_target(path, options);
  // Creating a file is the only test that holds for root, read-only mounts, ACLs and quotas
  // alike: the save will create its temporary file the same way.
  const std::string probe = temp_name(path);
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) fail(path, "cannot create files in folder " + folder, errno);
  ::close(fd);
  ::unlink(probe.c_str());
}

void write_file_atomic(const std::string& path, std::string_view bytes, const WriteOptions& options) {
  if (path.empty()) throw FileError("write_file_atomic: empty path");
  check_existing_target(path, options);
  remove_stale_temp_files(path);
  // The temp file must be in the target's folder: rename is only atomic within a filesystem.
  const std::string tmp = temp_name(path);
  const std::string folder = folder_of(path);

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

InputFile::InputFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) fail(path, "cannot open", errno);
  struct ::stat st {};
  if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode)) size_ = static_cast<std::uint64_t>(st.st_size);
}

InputFile::~InputFile() { ::close(fd_); }

std::size_t InputFile::read(std::string& out, std::size_t n) {
  const std::size_t start = out.size();
  // Reserving is safe only up to what a regular file holds; otherwise the string grows as
  // bytes arrive.
  if (size_) out.reserve(start + static_cast<std::size_t>(std::min<std::uint64_t>(n, *size_)));
  char buf[1 << 16];
  std::size_t done = 0;
  while (done < n) {
    const ::ssize_t got = ::read(fd_, buf, std::min(sizeof buf, n - done));
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      out.resize(start);
      fail(path_, "cannot read", err);
    }
    out.append(buf, static_cast<std::size_t>(got));
    done += static_cast<std::size_t>(got);
  }
  return done;
}

std::string read_file(const std::string& path) {
  InputFile in(path);
  std::string bytes;
  // A regular file in one piece (one byte more, in case it grew); anything else to its end.
  const std::size_t piece = in.size() ? static_cast<std::size_t>(*in.size()) + 1 : std::size_t(1) << 20;
  while (in.read(bytes, piece) > 0) continue;
  return bytes;
}

}  // namespace fathom
