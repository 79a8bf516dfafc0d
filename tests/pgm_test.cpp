// PGM image lists: tiny P2 and P5 (8 and 16 bit) images written here, comments in headers, paths
// relative to the list, labels from the file name, and every error case.
#include "fathom/data/pgm.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fathom/core/error.hpp"
#include "scratch_dir.hpp"

namespace fathom {
namespace {

namespace fs = std::filesystem;

// Each test writes its images in its own scratch folder, which has a faces/ subfolder.
class Pgm : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir_.path() / "faces"); }

  std::string write(const std::string& name, const std::string& bytes) { return dir_.write(name, bytes); }
  // A 3×2 P2 image with a comment in its header; pixel k is `first + k` out of maxval 10.
  std::string p2(const std::string& name, int first) {
    std::string text = "P2\n# made by a test\n3 2\n10\n";
    for (int k = 0; k < 6; ++k) text += std::to_string(first + k) + (k % 3 == 2 ? "\n" : " ");
    return write(name, text);
  }
  // The same size in binary with 8-bit pixels (maxval 255).
  std::string p5(const std::string& name, const std::string& pixels, const std::string& size = "3 2") {
    return write(name, "P5 " + size + " 255\n" + pixels);
  }
  std::string error_of(const std::string& list, const PgmListOptions& options) {
    try {
      read_pgm_list(write("list.txt", list), options);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  testing::ScratchDir dir_;
};

TEST_F(Pgm, ReadsP2AndP5ScaledByMaxvalWithLabelsFromNames) {
  p2("faces/an2i_left_1.pgm", 0);
  p5("faces/an2i_up_2.pgm", std::string("\x00\x33\x66\x99\xCC\xFF", 6));
  write("faces/bob_left_3.pgm", std::string("P5\n#c\n3 2\n65535\n") +
                                    std::string("\xFF\xFF\x00\x00\x80\x00", 6) + std::string(6, '\0'));
  const std::string list =
      write("list.txt", "# the faces\nfaces/an2i_left_1.pgm\n\n  faces/an2i_up_2.pgm \r\n" +
                            dir_.file("faces/bob_left_3.pgm") + "\n");
  const Dataset d = read_pgm_list(list, {.label_regex = "_(left|right|straight|up)_"});
  ASSERT_EQ(d.x.rows(), 6);
  ASSERT_EQ(d.samples(), 3);
  EXPECT_FLOAT_EQ(d.x(0, 0), 0.0f);
  EXPECT_FLOAT_EQ(d.x(5, 0), 0.5f);  // 5 / 10, row by row
  EXPECT_FLOAT_EQ(d.x(1, 1), 0.2f);  // 0x33 / 255
  EXPECT_FLOAT_EQ(d.x(5, 1), 1.0f);
  EXPECT_FLOAT_EQ(d.x(0, 2), 1.0f);                 // 0xFFFF / 65535, big-endian
  EXPECT_FLOAT_EQ(d.x(2, 2), 32768.0f / 65535.0f);  // 0x8000
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"left", "up"}));
  EXPECT_EQ(d.y, (Matrix(2, 3) << 1, 0, 1, 0, 1, 0).finished());
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"label"}));
  EXPECT_EQ(d.feature_names.size(), 6u);
  EXPECT_EQ(d.source, list);

  // No regex: no targets. Given classes keep their order.
  const Dataset unlabelled = read_pgm_list(list, {});
  EXPECT_EQ(unlabelled.y.rows(), 0);
  EXPECT_EQ(unlabelled.samples(), 3);
  const Dataset given = read_pgm_list(
      list, {.label_regex = "_(left|right|straight|up)_", .class_names = {"up", "right", "left"}});
  EXPECT_EQ(given.y.col(0), Vector::Unit(3, 2));
  EXPECT_EQ(given.y.col(1), Vector::Unit(3, 0));
  const Dataset binary =
      read_pgm_list(list, {.label_regex = "_(left|up)_", .encoding = TargetEncoding::Binary});
  EXPECT_EQ(binary.y, (Matrix(1, 3) << 0, 1, 0).finished());  // "up" sorts after "left": positive
}

TEST_F(Pgm, ErrorsNameTheListLineAndTheImage) {
  p2("a_left_.pgm", 0);
  const std::string list = dir_.file("list.txt");
  const std::string a = dir_.file("a_left_.pgm");

  const std::string bad_magic = write("magic.pgm", "P6\n3 2\n255\n");
  EXPECT_EQ(error_of("a_left_.pgm\nmagic.pgm\n", {}),
            list + ":2: " + bad_magic + ": not a PGM file: it starts with \"P6\", expected P2 or P5");

  const std::string cut = p5("cut.pgm", "abcd");
  EXPECT_EQ(error_of("cut.pgm\n", {}),
            list + ":1: " + cut + ": truncated pixel data: expected 6 bytes, found 4");
  const std::string cut_text = write("cut2.pgm", "P2 3 2 10\n1 2 3\n4\n");
  EXPECT_EQ(error_of("cut2.pgm\n", {}),
            list + ":1: " + cut_text + ": truncated pixel data: expected 6 pixel values, found 4");
  const std::string over = write("over.pgm", "P2 3 2 10\n1 2 3\n4 5 11\n");
  EXPECT_EQ(error_of("over.pgm\n", {}), list + ":1: " + over + ": pixel value 11 exceeds maxval 10");
  const std::string no_size = write("nosize.pgm", "P5 x 2 255\n");
  EXPECT_NE(error_of("nosize.pgm\n", {}).find("expected the width"), std::string::npos);

  const std::string big = p5("big.pgm", std::string(8, '\x10'), "4 2");
  EXPECT_EQ(error_of("a_left_.pgm\n\nbig.pgm\n", {}), list + ":3: " + big +
                                                          ": image is 4x2 but the first image (" + a +
                                                          ") is 3x2; all must be the same size");

  const std::string missing = dir_.file("gone.pgm");
  EXPECT_EQ(error_of("gone.pgm\n", {}), list + ":1: " + missing + ": cannot open");
  EXPECT_EQ(error_of("# only a comment\n\n", {}), list + ": no images listed");

  p2("plain.pgm", 1);
  EXPECT_EQ(error_of("a_left_.pgm\nplain.pgm\n", {.label_regex = "_(left|right)_"}),
            list + ":2: " + dir_.file("plain.pgm") +
                ": the label regex \"_(left|right)_\" does not match the file name \"plain.pgm\"");
  EXPECT_NE(error_of("a_left_.pgm\n", {.label_regex = "(unclosed"}).find("not a valid regular expression"),
            std::string::npos);
  EXPECT_NE(error_of("a_left_.pgm\n", {.label_regex = "_(left)_", .class_names = {"up"}})
                .find("unknown class \"left\"; the known classes are: up"),
            std::string::npos);
  EXPECT_NE(error_of("a_left_.pgm\n", {.label_regex = "_(left)_", .encoding = TargetEncoding::Binary})
                .find("1 classes (left); binary targets need exactly 2"),
            std::string::npos);
  try {
    read_pgm_list(dir_.file("no_list.txt"), {});
    ADD_FAILURE() << "no FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("no_list.txt: cannot open"), std::string::npos);
  }
}

// A header's size is checked against the bytes that follow it before the pixels are stored:
// a 20-byte file claiming 16384x16384 filled 1 GiB before it was found short (the CLI test
// HostileFilesTest.PgmClaimingAGigabyte bounds the memory too).
TEST_F(Pgm, ClaimedSizeIsCheckedBeforeThePixelsAreStored) {
  const std::string list = dir_.file("list.txt");
  const std::string p5_8 = write("p5.pgm", "P5 16384 16384 255\nabc");
  EXPECT_EQ(error_of("p5.pgm\n", {}),
            list + ":1: " + p5_8 + ": truncated pixel data: expected 268435456 bytes, found 3");
  const std::string p5_16 = write("p5w.pgm", "P5 16384 16384 65535\nabcd");
  EXPECT_EQ(error_of("p5w.pgm\n", {}),
            list + ":1: " + p5_16 + ": truncated pixel data: expected 536870912 bytes, found 4");
  const std::string p2 = write("p2.pgm", "P2 16384 16384 255\n1 2 3\n");
  EXPECT_EQ(error_of("p2.pgm\n", {}),
            list + ":1: " + p2 + ": truncated pixel data: expected 268435456 pixel values, found 3");
  EXPECT_EQ(error_of("/dev/zero\n", {}), list + ":1: /dev/zero: not a regular file");
}

}  // namespace
}  // namespace fathom
