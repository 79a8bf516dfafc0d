// Learning-rate schedules: values at chosen epochs worked by hand, names that parse back to the
// same schedule, and names that must be refused.
#include "fathom/optim/schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "fathom/core/error.hpp"

namespace fathom {
namespace {

void expect_rate(const Schedule& s, int epoch, double expected) {
  EXPECT_NEAR(s.learning_rate(epoch, 0.1f), expected, 1e-6 * expected + 1e-12)
      << s.name() << " epoch " << epoch;
}

const double kEta0 = 0.1f;  // the float initial rate, as the schedule sees it

TEST(Schedule, ConstantKeepsTheInitialRate) {
  const Schedule s;
  EXPECT_EQ(s.kind(), ScheduleKind::Constant);
  EXPECT_EQ(s.name(), "constant");
  for (int epoch : {0, 1, 100}) EXPECT_EQ(s.learning_rate(epoch, 0.1f), 0.1f);
  EXPECT_EQ(Schedule("constant").kind(), ScheduleKind::Constant);
}

TEST(Schedule, StepHalvesEveryTenEpochs) {
  const Schedule s("step(0.5,10)");
  EXPECT_EQ(s.kind(), ScheduleKind::Step);
  expect_rate(s, 0, kEta0);
  expect_rate(s, 9, kEta0);
  expect_rate(s, 10, kEta0 * 0.5);
  expect_rate(s, 25, kEta0 * 0.25);
  expect_rate(s, 30, kEta0 * 0.125);
}

TEST(Schedule, ExponentialDecaysEachEpoch) {
  const Schedule s("exponential(0.96)");
  expect_rate(s, 0, kEta0);
  expect_rate(s, 1, kEta0 * 0.96);
  expect_rate(s, 3, kEta0 * 0.96 * 0.96 * 0.96);
}

TEST(Schedule, CosineAnnealsToItsFloorAndStays) {
  const Schedule s("cosine(50)");
  expect_rate(s, 0, kEta0);
  expect_rate(s, 25, kEta0 / 2);  // cos(π/2) = 0: halfway
  expect_rate(s, 10, kEta0 * 0.5 * (1 + std::cos(std::numbers::pi / 5)));
  EXPECT_NEAR(s.learning_rate(50, 0.1f), 0, 1e-9);
  EXPECT_NEAR(s.learning_rate(80, 0.1f), 0, 1e-9);

  const Schedule floor("cosine(50,1e-5)");
  expect_rate(floor, 0, kEta0);
  expect_rate(floor, 25, 1e-5 + (kEta0 - 1e-5) / 2);
  expect_rate(floor, 50, 1e-5);
  expect_rate(floor, 70, 1e-5);
}

TEST(Schedule, NamesParseBackToTheSameSchedule) {
  for (const char* text :
       {"constant", "step(0.5,10)", "exponential(0.96)", "cosine(50)", "cosine(50,1e-05)"}) {
    const Schedule s(text);
    EXPECT_EQ(s.name(), text);
    const Schedule again(s.name());
    EXPECT_EQ(again.kind(), s.kind());
    EXPECT_EQ(again.name(), s.name());
  }
  // Blanks are allowed on the way in; the helpers write the canonical form.
  EXPECT_EQ(Schedule(" step( 0.5 , 10 ) ").name(), "step(0.5,10)");
  EXPECT_EQ(Schedule::step(0.1, 3).name(), "step(0.1,3)");
  EXPECT_EQ(Schedule::exponential(0.9).name(), "exponential(0.9)");
  EXPECT_EQ(Schedule::cosine(20, 1e-5).name(), "cosine(20,1e-05)");
  // Every double survives the trip, not just short ones.
  const Schedule odd = Schedule::exponential(1.0 / 3.0);
  EXPECT_EQ(Schedule(odd.name()).learning_rate(7, 1.0f), odd.learning_rate(7, 1.0f));
}

TEST(Schedule, BadNamesThrowWithTheText) {
  for (const char* text : {"",
                           "linear",
                           "step",
                           "step(0.5)",
                           "step(0.5,10",
                           "step(0.5,10)x",
                           "step(0.5,)",
                           "step(,10)",
                           "step(0.5,10,2)",
                           "step(0,10)",
                           "step(0.5,0)",
                           "step(0.5,2.5)",
                           "exponential()",
                           "exponential(-0.9)",
                           "exponential(nan)",
                           "cosine(0)",
                           "cosine(50,-1)",
                           "cosine(50,1e-5,3)",
                           "cosine(inf)",
                           "(50)",
                           "cosine(abc)"}) {
    try {
      const Schedule s(text);
      ADD_FAILURE() << "accepted \"" << text << "\" as " << s.name();
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("\"" + std::string(text) + "\""), std::string::npos) << e.what();
    }
  }
}

TEST(Schedule, InvalidNumbersAndEpochsThrow) {
  EXPECT_THROW(Schedule::step(0.5, 0).learning_rate(3, 0.1f), InvalidArgument);
  EXPECT_THROW(Schedule::cosine(0).learning_rate(3, 0.1f), InvalidArgument);
  EXPECT_THROW(Schedule("exponential(0.9)").learning_rate(-1, 0.1f), InvalidArgument);
}

}  // namespace
}  // namespace fathom
