// The model file: bit-exact round trips, exact resumption of training, the byte layout that
// docs/file_format.md promises, and saves that fail without touching the previous file.
#include "fathom/io/model_file.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "model_file_fixture.hpp"

using namespace fathom_model_file_test;

namespace {

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

// The bytes in memory are the file's bytes, and they are checked as a file is: a damaged copy
// is a FileError that names what stood for the file.
TEST_F(ModelFileTest, BytesInMemoryAreTheFileAndAreCheckedAlike) {
  Sequential m = make_model();
  const Data d = make_data();
  m.fit(d.x, d.y, {.epochs = 2, .batch_size = 8});
  const std::string path = file("bytes.fathom");
  fathom::save_model(m, path);
  const std::string bytes = fathom::model_bytes(m);
  EXPECT_EQ(bytes, fathom::read_file(path));
  Sequential r = fathom::model_from_bytes(bytes);
  EXPECT_TRUE(same_bits(r.parameters().values(), m.parameters().values()));
  EXPECT_EQ(fathom::model_bytes(r), bytes);

  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x20;
  try {
    (void)fathom::model_from_bytes(damaged, "the blob");
    FAIL() << "a damaged copy was accepted";
  } catch (const fathom::FileError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("the blob: ", 0), 0u) << e.what();
  }
  EXPECT_THROW((void)fathom::model_from_bytes(bytes.substr(0, 10)), fathom::FileError);
  Sequential uncompiled(3);
  EXPECT_THROW((void)fathom::model_bytes(uncompiled), fathom::Error);
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
  EXPECT_EQ(dir_.names(), (std::set<std::string>{"m.fathom", "m.fathom.dir"}));  // no temp files
}

}  // namespace
