// Loading a damaged model file: every kind of damage (missing, empty, wrong magic, truncated,
// flipped bytes, newer version, malformed or inconsistent metadata) is rejected with a message
// that starts with the path and says what is wrong.
#include <gtest/gtest.h>

#include <string>

#include "model_file_fixture.hpp"

using namespace fathom_model_file_test;

namespace {

TEST_F(ModelFileTest, MissingFile) {
  const std::string msg = load_error(file("nope.fathom"));
  EXPECT_CONTAINS(msg, "cannot open");
  EXPECT_CONTAINS(msg, "No such file or directory");
}

TEST_F(ModelFileTest, EmptyFile) { EXPECT_CONTAINS(load_error_of(""), "empty file"); }

TEST_F(ModelFileTest, WrongMagic) {
  std::string b = saved_model(file("m.fathom"));
  b[0] = 'G';
  EXPECT_CONTAINS(load_error_of(b), "not a fathom model file (bad magic)");
  EXPECT_CONTAINS(load_error_of("input,label\n1,2\n3,4\n5,6\n7,8\n9,10\n11,12\n13,14\n"), "bad magic");
}

TEST_F(ModelFileTest, TruncatedAtSeveralLengths) {
  const std::string b = saved_model(file("m.fathom"));
  const std::size_t json_end = 32 + get_u64(b, 16);
  for (const std::size_t n : {std::size_t{3}, std::size_t{8}, std::size_t{31}}) {
    const std::string msg = load_error_of(b.substr(0, n));
    EXPECT_CONTAINS(msg, "truncated: expected at least 36 bytes, the file has " + std::to_string(n));
  }
  for (const std::size_t n : {std::size_t{32}, std::size_t{35}, std::size_t{100}, json_end - 1, json_end + 10,
                              (json_end + b.size()) / 2, b.size() - 4, b.size() - 1}) {
    const std::string msg = load_error_of(b.substr(0, n));
    EXPECT_CONTAINS(
        msg, "truncated: expected " + std::to_string(b.size()) + " bytes, the file has " + std::to_string(n));
  }
}

TEST_F(ModelFileTest, FlippedByteFailsTheChecksum) {
  const std::string b = saved_model(file("m.fathom"));
  const std::size_t json_end = 32 + get_u64(b, 16);
  for (const std::size_t at : {std::size_t{40}, json_end / 2, (json_end + b.size()) / 2, b.size() - 2}) {
    std::string damaged = b;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    EXPECT_CONTAINS(load_error_of(damaged), "checksum mismatch (file corrupted)") << "byte " << at;
  }
  EXPECT_CONTAINS(load_error_of(b + "extra"), "checksum mismatch (file corrupted)");
}

TEST_F(ModelFileTest, NewerFormatVersion) {
  std::string b = saved_model(file("m.fathom"));
  set_u32(b, 8, 3);
  fix_checksum(b);  // a well-formed file from a future fathom: the version check must fire
  EXPECT_CONTAINS(load_error_of(b), "format version 3 is newer than this fathom supports (2)");
}

TEST_F(ModelFileTest, MalformedMetadataJson) {
  std::string b = saved_model(file("m.fathom"));
  b[32] = '[';  // "{...}" becomes "[...}"
  fix_checksum(b);
  EXPECT_CONTAINS(load_error_of(b), "malformed metadata JSON");
}

TEST_F(ModelFileTest, MetadataThatDoesNotFitTheArchitecture) {
  const std::string b = saved_model(file("m.fathom"));
  EXPECT_CONTAINS(load_error_of(with_metadata(b, [](json& m) { m["tensors"][0]["rows"] = 9; })),
                  "tensor 0 is");
  EXPECT_CONTAINS(load_error_of(with_metadata(b, [](json& m) { m["tensors"].erase(0); })),
                  "tensor table has");
  EXPECT_CONTAINS(load_error_of(with_metadata(b, [](json& m) { m["layers"][3]["config"]["units"] = 5; })),
                  "tensor");
  EXPECT_CONTAINS(load_error_of(with_metadata(b, [](json& m) { m["arrays"][1]["count"] = 3; })),
                  "float array 1");
  EXPECT_CONTAINS(load_error_of(with_metadata(b, [](json& m) { m["layers"][0]["type"] = "conv2d"; })),
                  "cannot rebuild the model");
  EXPECT_CONTAINS(load_error_of(with_metadata(b, [](json& m) { m.erase("loss"); })), "invalid metadata");
  EXPECT_CONTAINS(load_error_of(with_metadata(b, [](json& m) { m["rng"]["s"][0] = "zz"; })),
                  "invalid metadata");
  // The untouched file still loads: the edits above are what was rejected.
  EXPECT_NO_THROW(fathom::load_model(file("m.fathom")));
}

// An architecture is checked against the tensor table and the floats the file holds before
// the network is built: here 100000 inputs into 100000 units (10^10 weights, 40 GB, twice
// over with the gradients) claimed by a file of a few KB, with a tensor table that agrees.
// Building it first made this end in std::bad_alloc (or an initialisation of minutes).
TEST_F(ModelFileTest, ArchitectureLargerThanTheFileIsRefusedBeforeBuilding) {
  const std::string b = saved_model(file("m.fathom"));
  const std::int64_t wide = 100000;
  const std::string huge = with_metadata(b, [&](json& m) {
    m["input_dim"] = wide;
    m["layers"].erase(0);  // the normalization layer, fitted on 4 inputs
    m["layers"][0]["config"]["units"] = wide;
    m["tensors"] =
        json::array({{{"name", "dense_1/W"}, {"rows", wide}, {"cols", wide}, {"offset", 0}},
                     {{"name", "dense_1/b"}, {"rows", wide}, {"cols", 1}, {"offset", wide * wide}},
                     {{"name", "dense_2/W"}, {"rows", 3}, {"cols", wide}, {"offset", wide * wide + wide}},
                     {{"name", "dense_2/b"}, {"rows", 3}, {"cols", 1}, {"offset", wide * wide + 4 * wide}}});
  });
  const std::string msg = load_error_of(huge);
  EXPECT_CONTAINS(
      msg,
      "the architecture needs at least 10000100000 parameters (up to layer 'dense_1') but the file "
      "holds ");
  // A width no file could back is refused before the layer is even declared.
  EXPECT_CONTAINS(
      load_error_of(with_metadata(b, [](json& m) { m["layers"][1]["config"]["units"] = 1LL << 40; })),
      "layer 'dense_1' has 1099511627776 outputs");
}

// A device or pipe is read no further than a header's worth when that is no model file's:
// /dev/zero was read for gigabytes before.
TEST_F(ModelFileTest, EndlessDeviceIsNotReadToTheEnd) {
  EXPECT_CONTAINS(load_error("/dev/zero"), "not a fathom model file (bad magic)");
}

}  // namespace
