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

}  // namespace
