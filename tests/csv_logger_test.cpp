// CSVLogger inside real fits: the header, one row per epoch matching the history, appending.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <iterator>
#include <string>

#include "callback_helpers.hpp"
#include "scratch_dir.hpp"

using namespace fathom_callback_test;

namespace {

// A scratch folder for the log, the regression data and a fresh small model.
class CSVLoggerTest : public ::testing::Test {
 protected:
  CSVLoggerTest() { line_data(x, y); }
  fathom::testing::ScratchDir dir;
  Matrix x, y;
  Sequential model = small_model();
};

}  // namespace

TEST_F(CSVLoggerTest, HeaderSortedKeysAndOneRowPerEpoch) {
  const fs::path path = dir.path() / "log.csv";
  CSVLogger csv(path.string());
  std::ostringstream text;  // the stream form (the CLI's --log) writes the same text
  CSVLogger to_stream(text);
  const History h = model.fit(
      x, y, {.epochs = 3, .batch_size = 5, .validation_split = 0.25, .callbacks = {&csv, &to_stream}});
  std::ifstream in(path);
  EXPECT_EQ(text.str(), std::string(std::istreambuf_iterator<char>(in), {}));

  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 4u);
  // epoch first, then the logs' keys in sorted (std::map) order.
  EXPECT_EQ(lines[0], "epoch,loss,lr,val_loss");
  for (std::size_t e = 0; e < 3; ++e) {
    const auto cells = split_csv(lines[e + 1]);
    ASSERT_EQ(cells.size(), 4u) << lines[e + 1];
    EXPECT_EQ(cells[0], std::to_string(e));
    const double loss = std::stod(cells[1]), val_loss = std::stod(cells[3]);
    EXPECT_NEAR(loss, h["loss"][e], 1e-6 * std::abs(h["loss"][e])) << "epoch " << e;
    EXPECT_NEAR(val_loss, h["val_loss"][e], 1e-6 * std::abs(h["val_loss"][e])) << "epoch " << e;
    EXPECT_NEAR(std::stod(cells[2]), 0.1, 1e-7);
  }
}

TEST_F(CSVLoggerTest, AppendAddsRowsWithoutASecondHeader) {
  const fs::path path = dir.path() / "log.csv";
  CSVLogger first(path.string());
  model.fit(x, y, {.epochs = 3, .batch_size = 5, .validation_split = 0.25, .callbacks = {&first}});
  CSVLogger resumed(path.string(), /*append=*/true);
  model.fit(
      x, y,
      {.epochs = 5, .batch_size = 5, .validation_split = 0.25, .callbacks = {&resumed}, .initial_epoch = 3});

  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 1u + 3u + 2u);
  EXPECT_EQ(lines[0], "epoch,loss,lr,val_loss");
  int headers = 0;
  for (const auto& line : lines) headers += line.rfind("epoch", 0) == 0;
  EXPECT_EQ(headers, 1);
  for (std::size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(split_csv(lines[i]).at(0), std::to_string(i - 1));

  // Without append the file starts over.
  CSVLogger fresh(path.string());
  model.fit(x, y, {.epochs = 1, .batch_size = 5, .validation_split = 0.25, .callbacks = {&fresh}});
  EXPECT_EQ(read_lines(path).size(), 2u);
}

TEST_F(CSVLoggerTest, AppendToAMissingFileWritesTheHeader) {
  const fs::path path = dir.path() / "new.csv";
  CSVLogger csv(path.string(), /*append=*/true);
  model.fit(x, y, {.epochs = 2, .batch_size = 5, .callbacks = {&csv}});
  const auto lines = read_lines(path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "epoch,loss,lr");
}
