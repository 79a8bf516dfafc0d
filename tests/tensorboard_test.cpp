// The TensorBoard callback (train/tensorboard.hpp) and its record framing: CRC-32C against the
// standard's check values, the exact bytes of a framed record, the folder layout, errors naming
// the path, and training that is bit-identical with and without the callback. The messages
// themselves are parsed by an independent reader, tests/tensorboard/read_events.py (ctest
// tensorboard_events_read_back).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "../src/core/crc32c.hpp"
#include "../src/train/tfrecord.hpp"
#include "cli_run.hpp"
#include "fathom/fathom.hpp"
#include "scratch_dir.hpp"

namespace {

using namespace fathom;
namespace fs = std::filesystem;
using fathom::testing::ScratchDir;

std::string bytes_of(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::uint64_t le(const std::string& s, std::size_t at, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[at + std::size_t(i)]);
  return v;
}

// The data of every record of a file, checking each record's two CRCs.
std::vector<std::string> records_of(const fs::path& path) {
  const std::string blob = bytes_of(path);
  std::vector<std::string> records;
  std::size_t pos = 0;
  while (pos < blob.size()) {
    EXPECT_GE(blob.size() - pos, 16u) << path << ": a record cut short at byte " << pos;
    if (blob.size() - pos < 16) break;
    const std::uint64_t n = le(blob, pos, 8);
    EXPECT_EQ(le(blob, pos + 8, 4), detail::masked_crc32c(blob.substr(pos, 8))) << "length CRC at " << pos;
    const std::string data = blob.substr(pos + 12, n);
    EXPECT_EQ(le(blob, pos + 12 + n, 4), detail::masked_crc32c(data)) << "data CRC at " << pos;
    records.push_back(data);
    pos += 12 + n + 4;
  }
  return records;
}

// The one event file in `dir`, checking its name against TensorFlow's pattern.
fs::path event_file_in(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  EXPECT_EQ(files.size(), 1u) << dir;
  if (files.empty()) return {};
  static const std::regex name(R"(events\.out\.tfevents\.\d{10}\.[^/]+\.\d+\.\d+\.v2)");
  EXPECT_TRUE(std::regex_match(files[0].filename().string(), name)) << files[0];
  return files[0];
}

// Three well-separated classes in two inputs.
void class_data(Matrix& x, Matrix& y, Index n = 60) {
  Rng rng(5);
  x.resize(2, n);
  y = Matrix::Zero(3, n);
  for (Index j = 0; j < n; ++j) {
    const Index c = j % 3;
    x(0, j) = Scalar(double(c) + rng.uniform(-0.3, 0.3));
    x(1, j) = Scalar(double(c % 2) + rng.uniform(-0.3, 0.3));
    y(c, j) = 1;
  }
}

Sequential classifier(OptimizerHandle optimizer, double dropout = 0) {
  Sequential model(2, 11);
  model.add(Dense(6, "tanh"));
  if (dropout > 0) model.add(Dropout(dropout));
  model.add(Dense(3, "softmax"));
  model.compile({.loss = "cce", .optimizer = std::move(optimizer), .metrics = {"accuracy"}});
  return model;
}

TEST(Crc32c, StandardCheckValues) {
  EXPECT_EQ(detail::crc32c("123456789"), 0xE3069283u);
  // RFC 3720, B.4.
  EXPECT_EQ(detail::crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(detail::crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending += char(i);
  EXPECT_EQ(detail::crc32c(ascending), 0x46DD794Eu);
  EXPECT_EQ(detail::crc32c(""), 0u);
  // Continued in pieces, the same CRC.
  EXPECT_EQ(detail::crc32c("6789", detail::crc32c("12345")), 0xE3069283u);
}

TEST(TFRecord, MaskedCrcAndFrameBytes) {
  // ((0xE3069283 >> 15) | (0xE3069283 << 17)) + 0xa282ead8, modulo 2^32.
  EXPECT_EQ(detail::masked_crc32c("123456789"), 0xC78AB0E5u);
  // The empty record: 8 zero bytes of length, their masked CRC, no data, the masked CRC of "".
  EXPECT_EQ(detail::tfrecord_frame(""), std::string("\0\0\0\0\0\0\0\0\x29\x03\x98\x07\xd8\xea\x82\xa2", 16));
  EXPECT_EQ(detail::tfrecord_frame("abc"), std::string("\x03\0\0\0\0\0\0\0\xb0\x99\x49\x0e"
                                                       "abc\x6e\x57\xf1\x21",
                                                       19));
}

TEST(TFRecord, WriterFramesRecordsAndNamesAFullDisk) {
  ScratchDir dir;
  const fs::path path = dir.path() / "records";
  {
    detail::RecordWriter writer(path);
    writer.write("abc");
    writer.write(std::string(5000, 'x'));
    writer.flush();
  }
  const auto records = records_of(path);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0], "abc");
  EXPECT_EQ(records[1], std::string(5000, 'x'));

  if (fs::exists("/dev/full")) {
    detail::RecordWriter full("/dev/full");
    try {
      full.write(std::string(100000, 'x'));  // more than stdio's buffer: fails here or at the flush
      full.flush();
      FAIL() << "writing to /dev/full did not throw";
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(detail::RecordWriter(dir.path() / "no" / "such" / "folder"), FileError);
}

TEST(TensorBoard, TrainAndValidationFoldersAsKerasLaysThemOut) {
  ScratchDir dir;
  Matrix x, y;
  class_data(x, y);
  Sequential model = classifier(Adam({.learning_rate = 0.01f}));
  TensorBoard tb(TensorBoardOptions{.log_dir = dir.path() / "logs", .update_freq = 1});
  const int epochs = 3;
  model.fit(x, y, {.epochs = epochs, .batch_size = 16, .validation_split = 0.25, .callbacks = {&tb}});

  const fs::path train = event_file_in(dir.path() / "logs" / "train");
  const fs::path validation = event_file_in(dir.path() / "logs" / "validation");
  EXPECT_EQ(tb.train_file(), train);
  EXPECT_EQ(tb.validation_file(), validation);
  const auto train_records = records_of(train);
  const auto validation_records = records_of(validation);
  // train: the file version, the summary, then per epoch its 3 batches (45 samples, 16 a batch)
  // and the epoch's scalars and histograms.
  ASSERT_EQ(train_records.size(), 2u + epochs * (3 + 1));
  ASSERT_EQ(validation_records.size(), 1u + epochs);
  for (const auto* records : {&train_records, &validation_records}) {
    EXPECT_NE(records->front().find("brain.Event:2"), std::string::npos);
  }
  EXPECT_NE(train_records[1].find("model_summary"), std::string::npos);
  EXPECT_NE(train_records[1].find("Total params: 39"), std::string::npos);  // 6·2 + 6 + 3·6 + 3
  const std::string& epoch0 = train_records[2 + 3];
  for (const char* tag : {"epoch_loss", "epoch_accuracy", "epoch_learning_rate", "dense_1/W", "dense_1/b",
                          "dense_2/W/gradient", "dense_2/b/gradient"}) {
    EXPECT_NE(epoch0.find(tag), std::string::npos) << tag;
  }
  EXPECT_NE(train_records[2].find("batch_loss"), std::string::npos);
  EXPECT_NE(validation_records[1].find("epoch_loss"), std::string::npos);
  EXPECT_EQ(validation_records[1].find("val_"), std::string::npos);  // the same tags as train's
}

TEST(TensorBoard, WithoutValidationNoValidationFolderAndHistogramsEveryN) {
  ScratchDir dir;
  Matrix x, y;
  class_data(x, y);
  Sequential model = classifier(SGD({.learning_rate = 0.1f}));
  TensorBoard tb(TensorBoardOptions{.log_dir = dir.path(), .histogram_freq = 2, .write_gradients = false});
  model.fit(x, y, {.epochs = 4, .batch_size = 8, .callbacks = {&tb}});
  EXPECT_EQ(dir.names(), (std::set<std::string>{"train"}));
  EXPECT_TRUE(tb.validation_file().empty());
  const auto records = records_of(event_file_in(dir.path() / "train"));
  ASSERT_EQ(records.size(), 2u + 4);
  for (int epoch = 0; epoch < 4; ++epoch) {
    const std::string& r = records[2 + std::size_t(epoch)];
    EXPECT_EQ(r.find("dense_1/W") != std::string::npos, epoch % 2 == 0) << epoch;
    EXPECT_EQ(r.find("gradient"), std::string::npos);
  }
}

// A TensorBoard next to a running training sees every finished epoch.
TEST(TensorBoard, EachEpochReachesTheFileAtItsEnd) {
  ScratchDir dir;
  Matrix x, y;
  class_data(x, y);
  Sequential model = classifier(SGD({.learning_rate = 0.1f}));
  TensorBoard tb(dir.path());
  std::vector<std::size_t> seen;
  LambdaCallback probe(
      [&](Sequential&, int, const Logs&) { seen.push_back(records_of(tb.train_file()).size()); });
  model.fit(x, y, {.epochs = 3, .batch_size = 8, .callbacks = {&tb, &probe}});
  EXPECT_EQ(seen, (std::vector<std::size_t>{3, 4, 5}));  // the file version, the summary, the epochs
}

// Gradients are computed on a fixed batch between epochs: the training itself must not notice.
TEST(TensorBoard, TrainingIsBitIdenticalWithAndWithoutIt) {
  struct Case {
    const char* name;
    OptimizerHandle (*optimizer)();
    double dropout;
    Index batch_size;
  };
  const Case cases[] = {
      {"adam_dropout", [] { return OptimizerHandle(Adam({.learning_rate = 0.01f})); }, 0.3, 7},
      {"online_sgd", [] { return OptimizerHandle(SGD({.learning_rate = 0.05f})); }, 0, 1},
  };
  Matrix x, y;
  class_data(x, y);
  for (const Case& c : cases) {
    ScratchDir dir;
    Sequential plain = classifier(c.optimizer(), c.dropout);
    Sequential logged = classifier(c.optimizer(), c.dropout);
    TensorBoard tb(TensorBoardOptions{.log_dir = dir.path(), .update_freq = 1});
    const FitOptions options{.epochs = 5, .batch_size = c.batch_size, .validation_split = 0.2};
    FitOptions with = options;
    with.callbacks = {&tb};
    const History a = plain.fit(x, y, options);
    const History b = logged.fit(x, y, with);
    const auto wa = plain.parameters().values(), wb = logged.parameters().values();
    ASSERT_EQ(wa.size(), wb.size());
    EXPECT_EQ(std::memcmp(wa.data(), wb.data(), wa.size_bytes()), 0) << c.name;
    EXPECT_EQ(a.values, b.values) << c.name;
    EXPECT_EQ(plain.optimizer().iterations(), logged.optimizer().iterations()) << c.name;
    EXPECT_EQ(plain.rng().next(), logged.rng().next()) << c.name;
    EXPECT_FALSE(records_of(tb.train_file()).empty());
  }
}

TEST(TensorBoard, ErrorsNameThePath) {
  ScratchDir dir;
  const std::string file = dir.write("not_a_folder", "x");
  Matrix x, y;
  class_data(x, y);
  Sequential model = classifier(SGD({.learning_rate = 0.1f}));
  TensorBoard tb(fs::path(file) / "logs");
  try {
    model.fit(x, y, {.epochs = 1, .callbacks = {&tb}});
    FAIL() << "fit did not throw";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
  EXPECT_THROW(TensorBoard(TensorBoardOptions{}), InvalidArgument);
  EXPECT_THROW(TensorBoard(TensorBoardOptions{.log_dir = "d", .histogram_freq = -1}), InvalidArgument);
  EXPECT_THROW(TensorBoard(TensorBoardOptions{.log_dir = "d", .update_freq = -2}), InvalidArgument);
}

class TensorBoardCli : public fathom_cli_test::CliFixture {};

TEST_F(TensorBoardCli, FrequenciesWithoutTheFolderAreAUsageError) {
  const auto r =
      run("train --data " + fathom_cli_test::quoted(fathom_cli_test::source_file("data/iris.csv")) +
          " --target species --epochs 1 --update-freq 2");
  EXPECT_EQ(r.code, 2) << fathom_cli_test::describe(r);
  EXPECT_NE(r.err.find("--tensorboard"), std::string::npos) << r.err;
  const auto perceptron = run("train --perceptron --data " +
                              fathom_cli_test::quoted(fathom_cli_test::source_file("data/iris.csv")) +
                              " --target species --epochs 1 --histogram-freq 3");
  EXPECT_EQ(perceptron.code, 2) << fathom_cli_test::describe(perceptron);
  EXPECT_NE(perceptron.err.find("--histogram-freq does not apply"), std::string::npos) << perceptron.err;
}

TEST_F(TensorBoardCli, AFolderThatCannotBeMadeIsNamed) {
  fathom_cli_test::write_text(path("taken"), "a file, not a folder");
  const auto r =
      run("train --data " + fathom_cli_test::quoted(fathom_cli_test::source_file("data/iris.csv")) +
          " --target species --epochs 1 --quiet --tensorboard taken/logs");
  EXPECT_EQ(r.code, 3) << fathom_cli_test::describe(r);  // a file that cannot be written
  EXPECT_NE(r.err.find("taken/logs/train"), std::string::npos) << r.err;
}

}  // namespace
