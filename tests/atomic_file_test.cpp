// Atomic file writes: content round trip, and on every failure the previous file survives
// untouched and no temporary file is left in the folder.
#include "fathom/io/atomic_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

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
  EXPECT_EQ(msg.rfind(path + ": cannot replace the file", 0), 0u) << msg;
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

TEST_F(AtomicFileTest, EmptyPathRejected) { EXPECT_THROW(fathom::write_file_atomic("", "x"), FileError); }

}  // namespace
