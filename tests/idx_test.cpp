// IDX loader: tiny image and label files written here (plain and gzip), every error case, and the
// real Fashion-MNIST test set that scripts/setup.sh installs.
#include "fathom/data/idx.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fathom/core/error.hpp"
#include "scratch_dir.hpp"

namespace fathom {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

void put32(Bytes& b, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<unsigned char>(v >> shift));
}

// An images file: n images of rows × cols, pixel (i, r, c) = pixel_value(i, r, c).
unsigned char pixel_value(int i, int r, int c) {
  return static_cast<unsigned char>((i * 37 + r * 11 + c * 3) % 256);
}
Bytes images(int n, int rows, int cols) {
  Bytes b;
  put32(b, 0x00000803);
  put32(b, std::uint32_t(n));
  put32(b, std::uint32_t(rows));
  put32(b, std::uint32_t(cols));
  for (int i = 0; i < n; ++i)
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) b.push_back(pixel_value(i, r, c));
  return b;
}
Bytes labels(const std::vector<int>& values) {
  Bytes b;
  put32(b, 0x00000801);
  put32(b, std::uint32_t(values.size()));
  for (int v : values) b.push_back(static_cast<unsigned char>(v));
  return b;
}

// A labels file's header alone, claiming n labels.
Bytes labels_header(std::uint32_t n) {
  Bytes b;
  put32(b, 0x00000801);
  put32(b, n);
  return b;
}

// Each test writes its files in its own scratch folder.
class Idx : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const Bytes& bytes) {
    return dir_.write(name, std::string(bytes.begin(), bytes.end()));
  }
  std::string write_gz(const std::string& name, const Bytes& bytes) {
    const std::string path = dir_.file(name);
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
    gzclose(f);
    return path;
  }
  // The FileError message of loading these two files ("" if none).
  static std::string error_of(const std::string& images_path, const std::string& labels_path) {
    try {
      read_idx(images_path, labels_path);
    } catch (const FileError& e) {
      return e.what();
    }
    return "";
  }

  testing::ScratchDir dir_;
};

void expect_small_set(const Dataset& d) {
  ASSERT_EQ(d.x.rows(), 3 * 4);
  ASSERT_EQ(d.samples(), 5);
  for (int i = 0; i < 5; ++i)
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c) ASSERT_EQ(d.x(r * 4 + c, i), float(pixel_value(i, r, c)) / 255.0f);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7"}));
  ASSERT_EQ(d.y.rows(), 8);
  EXPECT_EQ(d.y.col(0), Vector::Unit(8, 3));
  EXPECT_EQ(d.y.col(4), Vector::Unit(8, 7));
  EXPECT_EQ(d.y.sum(), 5.0f);
  ASSERT_EQ(d.feature_names.size(), 12u);
  EXPECT_EQ(d.feature_names[5], "px5");
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"label"}));
}

TEST_F(Idx, ReadsPlainFiles) {
  const std::string im = write("im", images(5, 3, 4));
  const Dataset d = read_idx(im, write("lb", labels({3, 0, 1, 0, 7})));
  expect_small_set(d);
  EXPECT_EQ(d.source, im);
  EXPECT_EQ(d.x.maxCoeff(), float(pixel_value(4, 2, 3)) / 255.0f);  // within [0, 1]
}

TEST_F(Idx, ReadsGzipFiles) {
  expect_small_set(read_idx(write_gz("im.gz", images(5, 3, 4)), write_gz("lb.gz", labels({3, 0, 1, 0, 7}))));
}

TEST_F(Idx, ErrorsNameTheFileAndWhatIsWrong) {
  const std::string im = write("im", images(5, 3, 4));
  const std::string lb = write("lb", labels({3, 0, 1, 0, 7}));
  EXPECT_EQ(error_of(lb, lb), lb + ": not an IDX images file: magic number 0x00000801, expected 0x00000803");
  EXPECT_EQ(error_of(im, im), im + ": not an IDX labels file: magic number 0x00000803, expected 0x00000801");
  const std::string missing = dir_.file("nope");
  EXPECT_NE(error_of(missing, lb).find(missing + ": cannot open"), std::string::npos);
  EXPECT_NE(error_of(im, missing).find(missing + ": cannot open"), std::string::npos);

  Bytes cut = images(5, 3, 4);
  cut.resize(cut.size() - 7);
  const std::string cut_path = write("cut", cut);
  EXPECT_EQ(
      error_of(cut_path, lb),
      cut_path +
          ": truncated pixel data: the header claims 5 images of 3x4 pixels (76 bytes), the file has 69");
  const std::string tiny = write("tiny", Bytes{0, 0, 8, 3, 0, 0});
  EXPECT_EQ(error_of(tiny, lb), tiny + ": truncated header: expected 16 bytes, read 6");
  Bytes few_labels = labels({3, 0, 1, 0, 7});
  few_labels.pop_back();
  const std::string few = write("few", few_labels);
  EXPECT_EQ(error_of(im, few), few + ": truncated labels: expected 13 bytes, read 12");

  const std::string four = write("four", labels({1, 2, 3, 4}));
  EXPECT_EQ(error_of(im, four), im + " has 5 images but " + four + " has 4 labels");
  const std::string none = write("none", images(0, 3, 4));
  EXPECT_NE(error_of(none, write("nolb", labels({}))).find(none + ": no images"), std::string::npos);

  // A gzip stream cut short reads as truncated (or as zlib's own error), never as valid data.
  Bytes gz_bytes;
  {
    const std::string full = write_gz("full.gz", images(5, 3, 4));
    std::ifstream in(full, std::ios::binary);
    gz_bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  gz_bytes.resize(gz_bytes.size() / 2);
  const std::string half = write("half.gz", gz_bytes);
  EXPECT_NE(error_of(half, lb).rfind(half + ": ", 0), std::string::npos);
}

// A header claiming far more images than the file holds (here 2^24 images of 28x28: 52 GB as
// floats) is refused from the file's size before anything of that size is allocated; before
// the check this test died of std::bad_alloc.
TEST_F(Idx, ClaimedSizeIsCheckedAgainstThePlainFile) {
  Bytes b = images(2, 28, 28);
  b[4] = 1;  // 0x01000000 images
  b[7] = 0;
  const std::string path = write("huge", b);
  const std::string lb = write("lb", labels_header(1u << 24));
  EXPECT_EQ(
      error_of(path, lb),
      path +
          ": truncated pixel data: the header claims 16777216 images of 28x28 pixels (13153337360 bytes), "
          "the file has 1584");
}

// Gzip data: a claim beyond deflate's 1032:1 is refused from the compressed size; one within it
// is checked by decompressing into a buffer that grows with the data, so a short file stops at
// its real length. Here 8 KB of gzip claims 2^24 images of 32x32 (16 GiB, 64 GiB of floats),
// then 64 KB of incompressible gzip claims 1000 such images and holds 64.
TEST_F(Idx, ClaimedSizeIsCheckedAgainstTheGzipData) {
  Bytes b;
  put32(b, 0x00000803);
  put32(b, 1u << 24);
  put32(b, 32);
  put32(b, 32);
  b.resize(b.size() + (std::size_t(8) << 20), 0);
  const std::string path = write_gz("huge.gz", b);
  const std::string size = std::to_string(fs::file_size(path));
  const std::string lb = write_gz("lb.gz", labels_header(1u << 24));
  EXPECT_EQ(error_of(path, lb),
            path +
                ": truncated pixel data: the header claims 16777216 images of 32x32 pixels "
                "(17179869200 bytes), more than a gzip file of " +
                size + " bytes can hold");

  Bytes noise = images(64, 32, 32);
  noise[6] = 0x03;  // 1000 images
  noise[7] = 0xE8;
  for (std::size_t i = 16, x = 12345; i < noise.size(); ++i) {
    x = x * 6364136223846793005u + 1442695040888963407u;
    noise[i] = static_cast<unsigned char>(x >> 56);
  }
  const std::string short_gz = write_gz("short.gz", noise);
  EXPECT_EQ(error_of(short_gz, write_gz("lb1000.gz", labels_header(1000))),
            short_gz +
                ": truncated pixel data: the header claims 1000 images of 32x32 pixels (1024016 bytes), "
                "decompressed 65552");
}

TEST(IdxFashionMnist, TestSetLoads) {
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  const std::string im = dir + "t10k-images-idx3-ubyte.gz", lb = dir + "t10k-labels-idx1-ubyte.gz";
  ASSERT_TRUE(fs::exists(im) && fs::exists(lb))
      << im << " is missing: run scripts/setup.sh (it installs Debian's dataset-fashion-mnist)";
  const Dataset d = read_idx(im, lb);
  ASSERT_EQ(d.x.rows(), 784);
  ASSERT_EQ(d.samples(), 10000);
  ASSERT_EQ(d.y.rows(), 10);
  EXPECT_EQ(d.class_names.back(), "9");
  EXPECT_EQ(d.y.rowwise().sum(), Vector::Constant(10, 1000.0f));  // the test set is balanced
  EXPECT_GE(d.x.minCoeff(), 0.0f);
  EXPECT_EQ(d.x.maxCoeff(), 1.0f);
  EXPECT_EQ(d.y(9, 0), 1.0f);  // the first test image is an ankle boot (class 9)
}

}  // namespace
}  // namespace fathom
