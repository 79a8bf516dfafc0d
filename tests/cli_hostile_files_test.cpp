// End-to-end tests of files whose headers claim sizes their bytes do not back: each is refused
// with a message naming the file and the claim, by a `fathom` limited to a small address space
// (ulimit -v), so that a loader which allocates for the claim before checking it fails here
// with std::bad_alloc instead of passing on a machine with memory to spare. (Under
// AddressSanitizer, whose shadow memory does not fit such a limit, the limit is left off and
// the tests check the messages only.)
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "cli_run.hpp"
#include "model_file_fixture.hpp"
#include "sanitizer.hpp"

namespace {

using namespace fathom_cli_test;
using fathom_model_file_test::json;
using fathom_model_file_test::with_metadata;

// Address space for one `fathom` run, in KiB: enough for the command itself (one thread, so
// the per-thread malloc arenas and BLAS buffers stay few), far below what any of the claims
// below would allocate (1 GiB and more).
constexpr long kAddressSpaceKiB = 768 * 1024;

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}

class HostileFilesTest : public CliFixture {
 protected:
  // Runs `fathom ARGS` in the test's folder within kAddressSpaceKiB.
  CliResult run_bounded(const std::string& args) const {
    const std::string limit =
        fathom_test::kAddressSanitizer ? "" : "ulimit -v " + std::to_string(kAddressSpaceKiB) + " && ";
    return run_shell(
        "OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MALLOC_ARENA_MAX=1 " + quoted(FATHOM_CLI_PATH) + " " + args,
        "/dev/null", limit);
  }
};

// The limit leaves room for real work: a model trains, saves and loads within it.
TEST_F(HostileFilesTest, TheLimitLeavesRoomForAnOrdinaryRun) {
  const CliResult r = run_bounded("train --quiet --data " + quoted(source_file("data/iris.csv")) +
                                  " --target species --layers 8:tanh,3:softmax --epochs 3 --save m.fathom");
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(run_bounded("info --model m.fathom").code, 0);
}

// The 3 KB model whose architecture says 30000x30000: `info` built and initialised the
// network for 52 s, then died of std::bad_alloc.
TEST_F(HostileFilesTest, ModelWithAHugeArchitecture) {
  ASSERT_EQ(run_bounded("train --quiet --data " + quoted(source_file("data/iris.csv")) +
                        " --target species --layers 4:tanh,3:softmax --epochs 1 --save m.fathom")
                .code,
            0);
  const std::string wide = with_metadata(read_text(path("m.fathom")), [](json& m) {
    m["input_dim"] = 30000;
    m["layers"].erase(0);  // the input scaling, fitted on 4 columns
    m["layers"][0]["config"]["units"] = 30000;
  });
  write_text(path("wide.fathom"), wide);
  const CliResult r = run_bounded("info --model wide.fathom");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_EQ(
      r.err.rfind("fathom: wide.fathom: the architecture needs at least 900030000 parameters (up to layer "
                  "'dense_1') but the file holds ",
                  0),
      0u)
      << describe(r);
}

// /dev/zero as a model was read for 2 GB.
TEST_F(HostileFilesTest, ModelFromAnEndlessDevice) {
  const CliResult r = run_bounded("info --model /dev/zero");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_EQ(r.err, "fathom: /dev/zero: not a fathom model file (bad magic)\n");
}

// A 20-byte PGM header claiming 16384x16384 filled 1 GiB before its truncation was found.
TEST_F(HostileFilesTest, PgmClaimingAGigabyte) {
  write_text(path("a_x_.pgm"), "P5 16384 16384 255\nabc");
  write_text(path("list.txt"), "a_x_.pgm\n");
  const CliResult r = run_bounded(
      "train --data pgm-list:list.txt --label-from-name '_(x)_' --layers 4:relu,2:softmax --epochs 1");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_EQ(r.err, "fathom: list.txt:1: a_x_.pgm: truncated pixel data: expected 268435456 bytes, found 3\n")
      << describe(r);
}

// A 1.6 KB IDX header claiming 2^24 images of 28x28 asked for 52 GB (`fathom: std::bad_alloc`).
TEST_F(HostileFilesTest, IdxClaimingFiftyGigabytes) {
  write_text(path("im"), be32(0x00000803) + be32(1u << 24) + be32(28) + be32(28) + std::string(1568, '\x7f'));
  write_text(path("lb"), be32(0x00000801) + be32(1u << 24) + std::string(2, '\1'));
  const CliResult r = run_bounded("train --data idx:im,lb --layers 4:relu,2:softmax --epochs 1");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_EQ(r.err,
            "fathom: im: truncated pixel data: the header claims 16777216 images of 28x28 pixels "
            "(13153337360 bytes), the file has 1584\n")
      << describe(r);
}

}  // namespace
