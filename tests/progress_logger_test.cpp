// ProgressLogger inside real fits: every n-th epoch counted from one out of the total, and the
// live bar of a terminal.
#include <gtest/gtest.h>

#include <iomanip>
#include <sstream>
#include <string>

#include "callback_helpers.hpp"

using namespace fathom_callback_test;

TEST(ProgressLogger, EveryNthEpochCountedFromOneOutOfTheTotal) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  std::ostringstream text;
  ProgressLogger progress(text, {.every = 2, .epochs = 10});
  model.fit(x, y, {.epochs = 4, .batch_size = 5, .validation_split = 0.25, .callbacks = {&progress}});
  const auto lines = read_lines(std::istringstream(text.str()));
  ASSERT_EQ(lines.size(), 2u) << text.str();
  EXPECT_EQ(lines[0].rfind("epoch  2/10  loss ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("epoch  4/10  loss ", 0), 0u) << lines[1];
  for (const auto& line : lines) {
    EXPECT_NE(line.find("  val_loss "), std::string::npos) << line;
    EXPECT_EQ(line.find("lr"), std::string::npos) << "the rate is not a result: " << line;
    EXPECT_EQ(line.back(), ')') << line;
  }
  EXPECT_THROW(ProgressLogger(text, 0), InvalidArgument);
}

TEST(ProgressLogger, LiveBarOverwritesItselfAndEndsWithTheLastEpoch) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  std::ostringstream text;
  ProgressLogger progress(text, {.epochs = 3, .live_bar = true});
  model.fit(x, y, {.epochs = 3, .batch_size = 5, .callbacks = {&progress}});
  const std::string out = text.str();
  EXPECT_EQ(out.rfind("\r\033[Kepoch 1/3", 0), 0u) << out;
  EXPECT_NE(out.find("] 2/3  ETA "), std::string::npos) << out;
  EXPECT_EQ(out.find("] 3/3"), std::string::npos) << "no bar after the last epoch: " << out;
  EXPECT_TRUE(out.ends_with("\n\r\033[K")) << "the last line, then the bar cleared at the end: " << out;
}

TEST(ProgressLogger, LiveBarMovesWithinAnEpochWithRunningLoss) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  std::ostringstream text;
  // Redrawn after every step (refresh 0): 20 samples in steps of 5 draw steps 1–3 of 4; the
  // fourth is the epoch's line. The fit's own epoch count is shown when none is given.
  ProgressLogger progress(text, {.live_bar = true, .refresh_seconds = 0});
  model.fit(x, y, {.epochs = 2, .batch_size = 5, .shuffle = false, .callbacks = {&progress}});
  const std::string out = text.str();
  for (const char* step : {"] 1/4  ", "] 2/4  ", "] 3/4  "}) {
    EXPECT_NE(out.find(step), std::string::npos) << step << " in " << out;
  }
  EXPECT_EQ(out.find("] 4/4"), std::string::npos) << "the last step is the epoch line: " << out;
  EXPECT_NE(out.find(" samples/s  ETA "), std::string::npos) << out;
  // The first bar's running loss is the first step's loss: the model's loss on samples 0–4
  // before any update.
  Sequential fresh = small_model();
  fresh.forward(ConstMatrixView(x.data(), 2, 5));
  std::ostringstream first_loss;
  first_loss << "loss " << std::fixed << std::setprecision(4)
             << fresh.loss_of(ConstMatrixView(y.data(), 1, 5));
  const auto bar1 = out.substr(0, out.find("\r\033[Kepoch 1/2 [", 1));
  EXPECT_NE(bar1.find(first_loss.str()), std::string::npos) << first_loss.str() << " in " << bar1;
  EXPECT_NE(out.find("\r\033[Kepoch 2/2  loss "), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\n\r\033[K")) << "the last line, then the bar cleared at the end: " << out;
}

TEST(ProgressLogger, OffATerminalOnlyWholeLines) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  std::ostringstream text;
  ProgressLogger progress(text, {.refresh_seconds = 0});
  model.fit(x, y, {.epochs = 2, .batch_size = 5, .callbacks = {&progress}});
  const std::string out = text.str();
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_EQ(out.find('\033'), std::string::npos) << out;
  EXPECT_EQ(read_lines(std::istringstream(out)).size(), 2u) << out;
}
