// End-to-end tests of the `fathom` command's output files: every output path of train, cv and
// predict is checked before any work (a missing folder is told at once, not after training), a
// read-only file is replaced only with --force, and a save deletes the temporary files that a
// killed save left (docs/file_format.md, "Saving").
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "cli_run.hpp"

namespace {

using namespace fathom_cli_test;

const std::string kIris = quoted(source_file("data/iris.csv"));
const std::string kTrain =
    "train --data " + kIris + " --target species --layers 4:tanh,3:softmax --epochs 2 ";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void make_read_only(const fs::path& p) {
  fs::permissions(p, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
}

// The PID of a process that has ended: a child that exits at once, reaped.
pid_t ended_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

using CliOutputs = CliFixture;

// Before the check, a missing folder was found by the save after the whole run had trained.
TEST_F(CliOutputs, MissingOutputFolderIsToldBeforeTraining) {
  const std::string expected =
      "fathom: nowhere/out.file: cannot write to folder nowhere: No such file or directory";
  for (const std::string flag : {"--save", "--log", "--checkpoint"}) {
    const CliResult r = run(kTrain + flag + " nowhere/out.file");
    EXPECT_EQ(r.code, 3) << flag << ' ' << describe(r);
    EXPECT_EQ(r.err, expected + "\n")
        << flag << ": not the only line, so training ran first: " << describe(r);
  }
  const CliResult cv =
      run("cv --data " + kIris + " --target species --folds 2 --hidden 2 --epochs 1 --save nowhere/out.file");
  EXPECT_EQ(cv.code, 3) << describe(cv);
  EXPECT_EQ(cv.err, expected + "\n") << describe(cv);
  EXPECT_EQ(cv.out, "") << "the folds ran first: " << describe(cv);

  ASSERT_EQ(run(kTrain + "--quiet --save m.fathom").code, 0);
  const CliResult predict = run("predict --model m.fathom --data " + kIris + " --out nowhere/out.file");
  EXPECT_EQ(predict.code, 3) << describe(predict);
  EXPECT_EQ(predict.err, expected + "\n") << describe(predict);
}

// A rename replaces a file without write permission; cp and mv -i users expect to be asked.
TEST_F(CliOutputs, ReadOnlyOutputIsReplacedOnlyWithForce) {
  write_text(path("m.fathom"), "precious");
  make_read_only(path("m.fathom"));
  const CliResult refused = run(kTrain + "--save m.fathom");
  EXPECT_EQ(refused.code, 3) << describe(refused);
  EXPECT_TRUE(contains(refused.err, "fathom: m.fathom: the file is read-only; pass --force to replace it"))
      << describe(refused);
  EXPECT_EQ(lines_of(refused.err).size(), 1u) << "trained first: " << describe(refused);
  EXPECT_EQ(read_text(path("m.fathom")), "precious");

  const CliResult forced = run(kTrain + "--quiet --save m.fathom --force");
  EXPECT_EQ(forced.code, 0) << describe(forced);
  EXPECT_EQ(run("info --model m.fathom").code, 0);

  for (const std::string flag : {"--log", "--checkpoint"}) {
    write_text(path("other"), "precious");
    make_read_only(path("other"));
    const CliResult r = run(kTrain + flag + " other");
    EXPECT_EQ(r.code, 3) << flag << ' ' << describe(r);
    EXPECT_TRUE(contains(r.err, "other: the file is read-only")) << describe(r);
    EXPECT_EQ(read_text(path("other")), "precious");
    EXPECT_EQ(run(kTrain + "--quiet --force " + flag + " other").code, 0) << flag;
    EXPECT_NE(read_text(path("other")), "precious") << flag;
    fs::remove(path("other"));
  }

  write_text(path("p.csv"), "precious");
  make_read_only(path("p.csv"));
  const CliResult predict = run("predict --model m.fathom --data " + kIris + " --out p.csv");
  EXPECT_EQ(predict.code, 3) << describe(predict);
  EXPECT_TRUE(contains(predict.err, "p.csv: the file is read-only; pass --force")) << describe(predict);
  EXPECT_EQ(read_text(path("p.csv")), "precious");
  EXPECT_EQ(run("predict --model m.fathom --data " + kIris + " --out p.csv --force").code, 0);
  EXPECT_TRUE(contains(read_text(path("p.csv")), "setosa"));
}

// What a kill -9 mid-save leaves: the next save to the same file deletes it.
TEST_F(CliOutputs, SaveDeletesTheTemporaryFilesOfAKilledSave) {
  const std::string dead = std::to_string(ended_pid());
  write_text(path("m.fathom.partial." + dead + ".0"), "half a model");
  write_text(path("m.fathom.tmp." + dead + ".4"), "half a model, from an earlier fathom");
  write_text(path("n.fathom.partial." + dead + ".0"), "another file's");
  const CliResult r = run(kTrain + "--quiet --save m.fathom");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(fs::exists(path("m.fathom")));
  EXPECT_FALSE(fs::exists(path("m.fathom.partial." + dead + ".0")));
  EXPECT_FALSE(fs::exists(path("m.fathom.tmp." + dead + ".4")));
  EXPECT_TRUE(fs::exists(path("n.fathom.partial." + dead + ".0")));
}

}  // namespace
