// Atomic file writes: content round trip, and on every failure the previous file survives
// untouched and no temporary file is left in the folder.
#include "fathom/io/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include "fathom/core/error.hpp"
#include "scratch_dir.hpp"

namespace fs = std::filesystem;
using fathom::FileError;

namespace {

// Each test writes in its own scratch folder.
class AtomicFileTest : public ::testing::Test {
 protected:
  std::string file(const std::string& name) const { return dir_.file(name); }
  std::set<std::string> listing() const { return dir_.names(); }
  static std::string message_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const FileError& e) {
      return e.what();
    }
    return "(no FileError thrown)";
  }

  fathom::testing::ScratchDir dir_;
};

TEST_F(AtomicFileTest, WritesAndReadsBack) {
  const std::string path = file("a.bin");
  std::string bytes = "hello";
  bytes.push_back('\0');
  bytes += "world";
  fathom::write_file_atomic(path, bytes);
  EXPECT_EQ(fathom::read_file(path), bytes);
  EXPECT_EQ(listing(), std::set<std::string>{"a.bin"});
}

TEST_F(AtomicFileTest, ReplacesExistingFileAndHandlesEmptyAndLargeContent) {
  const std::string path = file("a.bin");
  fathom::write_file_atomic(path, "old contents that are longer");
  fathom::write_file_atomic(path, "");
  EXPECT_EQ(fathom::read_file(path), "");
  std::string big(3 << 20, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 2654435761u >> 13);
  fathom::write_file_atomic(path, big);
  EXPECT_EQ(fathom::read_file(path), big);
  EXPECT_EQ(listing(), std::set<std::string>{"a.bin"});
}

TEST_F(AtomicFileTest, RelativePathInCurrentFolder) {
  const fs::path old_cwd = fs::current_path();
  fs::current_path(dir_.path());
  fathom::write_file_atomic("rel.bin", "x");
  fs::current_path(old_cwd);
  EXPECT_EQ(fathom::read_file(file("rel.bin")), "x");
  EXPECT_EQ(listing(), std::set<std::string>{"rel.bin"});
}

TEST_F(AtomicFileTest, ReadMissingFileNamesPath) {
  const std::string path = file("missing.bin");
  const std::string msg = message_of([&] { fathom::read_file(path); });
  EXPECT_EQ(msg.rfind(path + ": cannot open", 0), 0u) << msg;
  EXPECT_NE(msg.find("No such file"), std::string::npos) << msg;
}

TEST_F(AtomicFileTest, ReadFolderFails) {
  const std::string msg = message_of([&] { fathom::read_file(dir_.path().string()); });
  EXPECT_EQ(msg.rfind(dir_.path().string() + ":", 0), 0u) << msg;
}

TEST_F(AtomicFileTest, TargetIsAFolderLeavesItAndNoTempFile) {
  const std::string path = file("sub");
  fs::create_directory(path);
  std::ofstream(path + "/keep.txt") << "keep";
  const std::string msg = message_of([&] { fathom::write_file_atomic(path, "new"); });
  EXPECT_EQ(msg, path + ": is a folder, not a file");
  EXPECT_TRUE(fs::is_directory(path));
  EXPECT_EQ(fathom::read_file(path + "/keep.txt"), "keep");
  EXPECT_EQ(listing(), std::set<std::string>{"sub"});
}

TEST_F(AtomicFileTest, MissingFolderFails) {
  const std::string path = file("no/such/folder/a.bin");
  const std::string msg = message_of([&] { fathom::write_file_atomic(path, "x"); });
  EXPECT_EQ(msg.rfind(path + ": cannot create temporary file", 0), 0u) << msg;
  EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  EXPECT_TRUE(listing().empty());
}

// A write that fails half-way (here: the process file-size limit, which holds even for root)
// must leave the previous file intact and remove the partial temp file.
TEST_F(AtomicFileTest, FailureMidWriteKeepsOldFile) {
  const std::string path = file("model.bin");
  fathom::write_file_atomic(path, "previous model");

  ::rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // get EFBIG from write() instead of a signal
  ::rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const std::string msg = message_of([&] { fathom::write_file_atomic(path, std::string(1 << 20, 'n')); });
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);

  EXPECT_EQ(msg.rfind(path + ": cannot write temporary file", 0), 0u) << msg;
  EXPECT_NE(msg.find("too large"), std::string::npos) << msg;  // strerror(EFBIG)
  // The temporary file's name says what it is (docs/file_format.md, "Saving").
  EXPECT_NE(msg.find(path + ".partial." + std::to_string(::getpid()) + "."), std::string::npos) << msg;
  EXPECT_EQ(fathom::read_file(path), "previous model");
  EXPECT_EQ(listing(), std::set<std::string>{"model.bin"});
}

// Without write permission on the folder the temp file cannot even be created. Root ignores
// permissions, so the test checks first whether they are enforced here.
TEST_F(AtomicFileTest, ReadOnlyFolderKeepsOldFile) {
  const std::string path = file("model.bin");
  fathom::write_file_atomic(path, "previous model");
  fs::permissions(dir_.path(), fs::perms::owner_read | fs::perms::owner_exec);
  const bool enforced = !std::ofstream(file("probe"));
  if (!enforced) {
    fs::remove(file("probe"));
    GTEST_SKIP() << "folder permissions are not enforced for this user (root)";
  }
  const std::string msg = message_of([&] { fathom::write_file_atomic(path, "new model"); });
  fs::permissions(dir_.path(), fs::perms::owner_all);
  EXPECT_EQ(msg.rfind(path + ": cannot create temporary file", 0), 0u) << msg;
  EXPECT_NE(msg.find("Permission denied"), std::string::npos) << msg;
  EXPECT_EQ(fathom::read_file(path), "previous model");
  EXPECT_EQ(listing(), std::set<std::string>{"model.bin"});
}

// The PID of a process that has ended: a child that exits at once, reaped.
::pid_t ended_pid() {
  const ::pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

// A kill -9 mid-save leaves NAME.partial.PID.N behind; the next save to NAME removes those of
// ended processes (and the NAME.tmp.PID.N of earlier versions), and nothing else.
TEST_F(AtomicFileTest, NextWriteRemovesStaleTempFilesOfEndedProcesses) {
  const std::string dead = std::to_string(ended_pid());
  const std::string self = std::to_string(::getpid());
  const std::set<std::string> kept = {
      "model.bin.partial." + self + ".7",  // this process: perhaps another thread's write
      "model.bin.partial.1.0",             // PID 1 always runs
      "other.bin.partial." + dead + ".0",  // another target's
      "model.bin.partial." + dead + ".x",  // not a temporary file's name
      "model.bin.partial." + dead,
  };
  for (const auto& name : kept) dir_.write(name, "keep");
  dir_.write("model.bin.partial." + dead + ".0", "stale");
  dir_.write("model.bin.tmp." + dead + ".3", "stale, older name");

  fathom::write_file_atomic(file("model.bin"), "new");
  std::set<std::string> expected = kept;
  expected.insert("model.bin");
  EXPECT_EQ(listing(), expected);
}

// A read-only file is not replaced behind its owner's back (as cp and mv -i ask first); asked
// explicitly, it is. No write bit at all counts as read-only even for root.
TEST_F(AtomicFileTest, ReadOnlyTargetIsRefusedUnlessAskedTo) {
  const std::string path = file("model.bin");
  fathom::write_file_atomic(path, "precious");
  fs::permissions(path, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  const std::string msg = message_of([&] { fathom::write_file_atomic(path, "new"); });
  EXPECT_EQ(msg, path +
                     ": the file is read-only; pass --force to replace it (in the library: "
                     "WriteOptions::replace_read_only)");
  EXPECT_EQ(fathom::read_file(path), "precious");
  EXPECT_EQ(message_of([&] { fathom::check_writable_destination(path); }), msg);

  EXPECT_NO_THROW(fathom::check_writable_destination(path, {.replace_read_only = true}));
  fathom::write_file_atomic(path, "new", {.replace_read_only = true});
  EXPECT_EQ(fathom::read_file(path), "new");
  EXPECT_EQ(listing(), std::set<std::string>{"model.bin"});
}

// Checked before a long run: every way the later save would fail that can be seen now.
TEST_F(AtomicFileTest, CheckWritableDestinationSaysWhatIsWrong) {
  EXPECT_NO_THROW(fathom::check_writable_destination(file("new.bin")));
  EXPECT_TRUE(listing().empty());  // the probe file is gone

  const std::string missing = file("no/such/a.bin");
  EXPECT_EQ(message_of([&] { fathom::check_writable_destination(missing); }),
            missing + ": cannot write to folder " + file("no/such") + ": No such file or directory");
  const std::string plain = dir_.write("plain", "x");
  EXPECT_EQ(message_of([&] { fathom::check_writable_destination(plain + "/a.bin"); }),
            plain + "/a.bin: " + plain + " is not a folder");
  fs::create_directory(file("sub"));
  EXPECT_EQ(message_of([&] { fathom::check_writable_destination(file("sub")); }),
            file("sub") + ": is a folder, not a file");
  EXPECT_EQ(message_of([&] { fathom::check_writable_destination("/dev/null"); }),
            "/dev/null: is not a regular file (a device, pipe or socket); fathom writes files");
  EXPECT_THROW(fathom::check_writable_destination(""), FileError);

  // A folder without write permission, where that is enforced (not for root).
  fs::create_directory(file("locked"));
  fs::permissions(file("locked"), fs::perms::owner_read | fs::perms::owner_exec);
  if (!std::ofstream(file("locked/probe"))) {
    const std::string msg = message_of([&] { fathom::check_writable_destination(file("locked/a.bin")); });
    EXPECT_EQ(msg, file("locked/a.bin") + ": cannot create files in folder " + file("locked") +
                       ": Permission denied");
  }
  fs::permissions(file("locked"), fs::perms::owner_all);
}

// InputFile reads what is asked and no more, and knows which files have a size.
TEST_F(AtomicFileTest, InputFileReadsInPieces) {
  fathom::InputFile zero("/dev/zero");
  EXPECT_FALSE(zero.size().has_value());
  std::string bytes;
  EXPECT_EQ(zero.read(bytes, 100), 100u);
  EXPECT_EQ(bytes, std::string(100, '\0'));

  fathom::InputFile plain(dir_.write("p.bin", "abcdef"));
  EXPECT_EQ(plain.size(), std::optional<std::uint64_t>(6));
  std::string got = "x";
  EXPECT_EQ(plain.read(got, 4), 4u);
  EXPECT_EQ(plain.read(got, 4), 2u);
  EXPECT_EQ(plain.read(got, 4), 0u);
  EXPECT_EQ(got, "xabcdef");
}

TEST_F(AtomicFileTest, EmptyPathRejected) { EXPECT_THROW(fathom::write_file_atomic("", "x"), FileError); }

}  // namespace
