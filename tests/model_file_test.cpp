// The model file: bit-exact round trips, exact resumption of training, the byte layout that
// docs/file_format.md promises, and a clear rejection of every kind of damaged file.
#include "fathom/io/model_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "fathom/core/error.hpp"
#include "fathom/io/atomic_file.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/nn/normalization.hpp"
#include "fathom/nn/dropout.hpp"
#include "fathom/optim/adaptive.hpp"
#include "fathom/optim/sgd.hpp"
#include "fathom/train/sequential.hpp"
#include "fathom/train/summary.hpp"

namespace fs = std::filesystem;
using fathom::Dense;
using fathom::Dropout;
using fathom::FileError;
using fathom::Index;
using fathom::Matrix;
using fathom::Scalar;
using fathom::Sequential;
using json = nlohmann::json;

namespace {

// CRC-32 (zlib), written bit by bit here so the test does not share the library's table code.
std::uint32_t reference_crc32(std::string_view bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}
std::uint32_t get_u32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}
std::uint64_t get_u64(std::string_view b, std::size_t at) {
  return get_u32(b, at) | (static_cast<std::uint64_t>(get_u32(b, at + 4)) << 32);
}
void set_u32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}
void set_u64(std::string& b, std::size_t at, std::uint64_t v) {
  set_u32(b, at, static_cast<std::uint32_t>(v));
  set_u32(b, at + 4, static_cast<std::uint32_t>(v >> 32));
}
void fix_checksum(std::string& b) {
  set_u32(b, b.size() - 4, reference_crc32(std::string_view(b).substr(0, b.size() - 4)));
}

// Replaces the metadata JSON with edit(metadata), keeping the file otherwise valid (lengths,
// padding and checksum), so the loader's semantic checks are what fire.
std::string with_metadata(const std::string& file, const std::function<void(json&)>& edit) {
  const std::uint64_t json_bytes = get_u64(file, 16);
  json meta = json::parse(file.substr(32, json_bytes));
  edit(meta);
  std::string text = meta.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out = file.substr(0, 32) + text + file.substr(32 + json_bytes);
  set_u64(out, 16, text.size());
  fix_checksum(out);
  return out;
}

bool same_bits(std::span<const Scalar> a, std::span<const Scalar> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(Scalar)) == 0;
}
bool same_bits(const fathom::Vector& a, const fathom::Vector& b) {
  return same_bits(std::span<const Scalar>(a.data(), static_cast<std::size_t>(a.size())),
                   std::span<const Scalar>(b.data(), static_cast<std::size_t>(b.size())));
}

// 4 inputs → 8 relu → dropout → 3 softmax, trained with Adam, so every part of the file
// (optimizer moments, rng state consumed by dropout and shuffling, history) is non-trivial.
struct Data {
  Matrix x, y;
};
Data make_data() {
  fathom::Rng rng(99);
  Data d{Matrix(4, 40), Matrix::Zero(3, 40)};
  for (Index j = 0; j < d.x.cols(); ++j) {
    for (Index i = 0; i < d.x.rows(); ++i) d.x(i, j) = static_cast<Scalar>(rng.uniform(-2, 3));
    d.y(static_cast<Index>(rng.below(3)), j) = 1;
  }
  return d;
}

// Input scaling (a Normalization layer fitted on the data), Dense, Dropout, Dense.
Sequential make_model() {
  Sequential m(4, 1234);
  m.add(fathom::Normalization::adapt(make_data().x, "standard"));
  m.add(Dense(8, "relu"));
  m.add(Dropout(0.25f));
  m.add(Dense(3, "softmax"));
  m.compile({.loss = "cce", .optimizer = fathom::Adam({.learning_rate = 0.01f}), .metrics = {"accuracy"}});
  return m;
}

class ModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("fathom_model_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& name) const { return (dir_ / name).string(); }

  // A trained model saved to disk; returns the file's bytes.
  std::string saved_model(const std::string& path) {
    Sequential m = make_model();
    const Data d = make_data();
    m.info.class_names = {"setosa", "versicolor", "virginica"};
    m.info.task = "classify";
    m.fit(d.x, d.y, {.epochs = 2, .batch_size = 8});
    fathom::save_model(m, path);
    return fathom::read_file(path);
  }
  // The FileError message of load_model(path), checked to start with the path.
  static std::string load_error(const std::string& path) {
    try {
      fathom::load_model(path);
    } catch (const FileError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << "message does not start with the path: " << msg;
      return msg;
    }
    ADD_FAILURE() << path << ": loaded without error";
    return "";
  }
  std::string load_error_of(const std::string& bytes) {
    const std::string path = file("damaged.fathom");
    fathom::write_file_atomic(path, bytes);
    return load_error(path);
  }

  fs::path dir_;
};

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

TEST_F(ModelFileTest, RoundTripIsBitExact) {
  Sequential m = make_model();
  const Data d = make_data();
  m.info.class_names = {"setosa", "versicolor", "virginica"};
  m.info.task = "classify";
  m.fit(d.x, d.y, {.epochs = 3, .batch_size = 8, .validation_split = 0.25});
  const std::string path = file("model.fathom");
  fathom::save_model(m, path);
  Sequential r = fathom::load_model(path);

  EXPECT_EQ(r.input_dim(), m.input_dim());
  ASSERT_EQ(r.layer_count(), m.layer_count());
  for (std::size_t i = 0; i < m.layer_count(); ++i) {
    EXPECT_EQ(r.layer(i).type(), m.layer(i).type());
    EXPECT_EQ(r.layer(i).name(), m.layer(i).name());
    EXPECT_EQ(r.layer(i).config_json(), m.layer(i).config_json());
  }
  EXPECT_TRUE(same_bits(r.parameters().values(), m.parameters().values()));
  ASSERT_EQ(r.parameters().entries().size(), m.parameters().entries().size());

  EXPECT_EQ(r.optimizer().name(), "adam");
  EXPECT_EQ(r.optimizer().config_json(), m.optimizer().config_json());
  EXPECT_EQ(r.optimizer().learning_rate(), m.optimizer().learning_rate());
  EXPECT_EQ(r.optimizer().iterations(), m.optimizer().iterations());
  EXPECT_GT(r.optimizer().iterations(), 0);
  const auto ms = m.optimizer().state();
  const auto rs = r.optimizer().state();
  ASSERT_EQ(rs.size(), ms.size());
  ASSERT_FALSE(ms.empty());
  for (std::size_t i = 0; i < ms.size(); ++i) {
    EXPECT_EQ(rs[i].first, ms[i].first);
    EXPECT_TRUE(same_bits(rs[i].second, ms[i].second)) << ms[i].first;
  }

  EXPECT_EQ(r.loss(), m.loss());
  EXPECT_EQ(r.metric_names(), m.metric_names());
  EXPECT_EQ(r.info.task, "classify");
  EXPECT_EQ(r.info.class_names, m.info.class_names);
  const auto* rn = dynamic_cast<const fathom::Normalization*>(&r.layer(0));
  const auto* mn = dynamic_cast<const fathom::Normalization*>(&m.layer(0));
  ASSERT_NE(rn, nullptr);
  ASSERT_NE(mn, nullptr);
  EXPECT_EQ(rn->scaling().method, "standard");
  EXPECT_TRUE(same_bits(rn->scaling().offset, mn->scaling().offset));
  EXPECT_TRUE(same_bits(rn->scaling().scale, mn->scaling().scale));
  EXPECT_TRUE(r.predict(d.x) == m.predict(d.x));  // the loaded model scales its inputs as the saved one
  EXPECT_EQ(r.history.epochs, m.history.epochs);
  EXPECT_EQ(r.history.values, m.history.values);  // doubles compared exactly
  EXPECT_TRUE(r.history.has("val_loss"));

  const auto a = m.rng().state(), b = r.rng().state();
  EXPECT_EQ(std::memcmp(a.s, b.s, sizeof a.s), 0);
  EXPECT_EQ(a.has_spare, b.has_spare);
  EXPECT_EQ(std::memcmp(&a.spare, &b.spare, sizeof a.spare), 0);

  EXPECT_EQ(fathom::summary(r), fathom::summary(m));
  const Matrix pm = m.predict(d.x), pr = r.predict(d.x);
  EXPECT_EQ(std::memcmp(pm.data(), pr.data(), sizeof(Scalar) * static_cast<std::size_t>(pm.size())), 0);

  // Saving what was loaded gives the same bytes: nothing is lost or reformatted.
  fathom::save_model(r, file("again.fathom"));
  EXPECT_EQ(fathom::read_file(file("again.fathom")), fathom::read_file(path));
}

TEST_F(ModelFileTest, RoundTripOfUntrainedModelWithDefaults) {
  Sequential m(3, 5);
  m.add(Dense(2, "sigmoid", /*use_bias=*/false));
  m.compile({});  // mse, plain sgd, no metrics
  const std::string path = file("plain.fathom");
  fathom::save_model(m, path);
  Sequential r = fathom::load_model(path);
  EXPECT_TRUE(same_bits(r.parameters().values(), m.parameters().values()));
  EXPECT_EQ(r.optimizer().name(), "sgd");
  EXPECT_EQ(r.optimizer().iterations(), 0);
  EXPECT_EQ(r.layer_count(), 1u);  // no input scaling layer
  EXPECT_TRUE(r.info.class_names.empty());
  EXPECT_EQ(r.history.size(), 0u);
  EXPECT_EQ(fathom::summary(r), fathom::summary(m));
}

TEST_F(ModelFileTest, LayoutMatchesTheDocumentedFormat) {
  const std::string b = saved_model(file("m.fathom"));
  ASSERT_GE(b.size(), 36u);
  EXPECT_EQ(b.substr(0, 8), std::string("FATHOM\0\x1a", 8));
  EXPECT_EQ(get_u32(b, 8), 2u);   // format version
  EXPECT_EQ(get_u32(b, 12), 0u);  // flags
  const std::uint64_t json_bytes = get_u64(b, 16), data_bytes = get_u64(b, 24);
  EXPECT_EQ(json_bytes % 8, 0u);
  EXPECT_EQ(b.size(), 32 + json_bytes + data_bytes + 4);
  EXPECT_EQ(reference_crc32("123456789"), 0xCBF43926u);  // the standard CRC-32 check value
  EXPECT_EQ(get_u32(b, b.size() - 4), reference_crc32(std::string_view(b).substr(0, b.size() - 4)));

  const json meta = json::parse(b.substr(32, json_bytes));
  const Sequential m = fathom::load_model(file("m.fathom"));
  EXPECT_EQ(meta.at("input_dim"), 4);
  EXPECT_EQ(meta.at("layers").size(), 4u);  // normalization, dense, dropout, dense
  EXPECT_EQ(meta.at("loss"), "cce");
  EXPECT_EQ(meta.at("optimizer").at("name"), "adam");
  // Arrays are back to back: the parameters, then each optimizer state buffer.
  std::uint64_t expect_offset = 0;
  for (const auto& a : meta.at("arrays")) {
    EXPECT_EQ(a.at("byte_offset").get<std::uint64_t>(), expect_offset);
    expect_offset += 4 * a.at("count").get<std::uint64_t>();
  }
  EXPECT_EQ(expect_offset, data_bytes);
  EXPECT_EQ(meta.at("arrays")[0].at("count").get<std::size_t>(), m.parameters().size());
  // The first tensor's first value is the first float of the data section.
  Scalar first = 0;
  std::memcpy(&first, b.data() + 32 + json_bytes, 4);
  EXPECT_EQ(first, m.parameters().values()[0]);
}

// Resuming from a file continues exactly as if training had never stopped: the rng state
// (dropout masks), Adam's moments and step count all come back.
void expect_resume_is_exact(const std::string& path, bool shuffle) {
  const Data d = make_data();
  Sequential straight = make_model();
  straight.fit(d.x, d.y, {.epochs = 4, .batch_size = 8, .shuffle = shuffle});

  Sequential first_half = make_model();
  first_half.fit(d.x, d.y, {.epochs = 2, .batch_size = 8, .shuffle = shuffle});
  fathom::save_model(first_half, path);
  Sequential resumed = fathom::load_model(path);
  resumed.fit(d.x, d.y, {.epochs = 4, .batch_size = 8, .shuffle = shuffle, .initial_epoch = 2});

  EXPECT_TRUE(same_bits(resumed.parameters().values(), straight.parameters().values()));
  EXPECT_EQ(resumed.optimizer().iterations(), straight.optimizer().iterations());
  EXPECT_EQ(resumed.history.epochs, straight.history.epochs);
  EXPECT_EQ(resumed.history.values, straight.history.values);
}

TEST_F(ModelFileTest, ResumedTrainingIsBitIdentical) { expect_resume_is_exact(file("half.fathom"), false); }

// fit() derives each epoch's order from the saved generator state alone, so a resumed
// shuffled run replays exactly the batches of an uninterrupted one.
TEST_F(ModelFileTest, ResumedShuffledTrainingIsBitIdentical) {
  expect_resume_is_exact(file("half.fathom"), true);
}

TEST_F(ModelFileTest, SavingAnUncompiledModelThrows) {
  Sequential m(3);
  m.add(Dense(2));
  EXPECT_THROW(fathom::save_model(m, file("x.fathom")), fathom::Error);
  EXPECT_FALSE(fs::exists(file("x.fathom")));
}

TEST_F(ModelFileTest, NonFiniteWeightsAreNeverSaved) {
  const std::string path = file("nan.fathom");
  const std::string before = saved_model(path);
  Sequential m = make_model();
  m.parameters().values()[3] = std::numeric_limits<float>::quiet_NaN();
  try {
    fathom::save_model(m, path);
    FAIL() << "saved a model with a NaN weight";
  } catch (const fathom::DivergedError& e) {
    EXPECT_NE(std::string(e.what()).find("NaN or Inf"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fathom::read_file(path), before);  // the previous file is intact
}

TEST_F(ModelFileTest, FailedSaveKeepsThePreviousFile) {
  const std::string path = file("m.fathom");
  const std::string before = saved_model(path);
  Sequential m = make_model();
  fs::create_directory(file("m.fathom.dir"));
  EXPECT_THROW(fathom::save_model(m, file("m.fathom.dir")), FileError);  // target is a folder
  EXPECT_THROW(fathom::save_model(m, file("missing/m.fathom")), FileError);
  EXPECT_EQ(fathom::read_file(path), before);
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) names.insert(e.path().filename().string());
  EXPECT_EQ(names, (std::set<std::string>{"m.fathom", "m.fathom.dir"}));  // no temp files
}

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
