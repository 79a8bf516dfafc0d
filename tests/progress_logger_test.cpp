// ProgressLogger inside real fits: every n-th epoch counted from one out of the total, and the
// live bar of a terminal.
#include <gtest/gtest.h>

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
  EXPECT_EQ(out.back(), '\n') << out;
}
