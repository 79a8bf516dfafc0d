// The callbacks that change the learning rate: ReduceLROnPlateau driven with hand-made logs
// and inside a fit, LearningRateScheduler across resumed fits and a model file.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "callback_helpers.hpp"
#include "scratch_dir.hpp"

using namespace fathom_callback_test;

namespace {
// The learning rate after each epoch's on_epoch_end, for a constant (never improving) value
// after the first epoch.
std::vector<float> lr_per_epoch(ReduceLROnPlateau& cb, Sequential& model, const std::vector<double>& values) {
  std::vector<float> lrs;
  cb.on_train_begin(model);
  for (int epoch = 0; epoch < int(values.size()); ++epoch) {
    cb.on_epoch_end(model, epoch, Logs{{"loss", 1.0}, {"val_loss", values[std::size_t(epoch)]}});
    lrs.push_back(model.optimizer().learning_rate());
  }
  return lrs;
}
void expect_lrs(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], want[i]) << "epoch " << i;
}
}  // namespace

TEST(ReduceLROnPlateau, ReducesAfterPatienceAndStopsAtMinLr) {
  Sequential model = small_model(1.0f);
  ReduceLROnPlateau cb({.factor = 0.5, .patience = 2, .min_delta = 0, .min_lr = 0.2});
  // Best at epoch 0, then a plateau: reduce at epochs 2, 4, 6 (0.125 clamps to min_lr 0.2), then hold.
  const auto lrs = lr_per_epoch(cb, model, std::vector<double>(10, 1.0));
  expect_lrs(lrs, {1, 1, 0.5f, 0.5f, 0.25f, 0.25f, 0.2f, 0.2f, 0.2f, 0.2f});
}

TEST(ReduceLROnPlateau, AnImprovementResetsTheWait) {
  Sequential model = small_model(1.0f);
  ReduceLROnPlateau cb({.factor = 0.5, .patience = 2, .min_delta = 0});
  // Epoch 1 bad, epoch 2 improves, epochs 3 and 4 bad: the only reduction is at epoch 4.
  const auto lrs = lr_per_epoch(cb, model, {1.0, 1.0, 0.9, 0.9, 0.95, 0.8});
  expect_lrs(lrs, {1, 1, 1, 1, 0.5f, 0.5f});
}

TEST(ReduceLROnPlateau, MinDeltaDecidesWhatCountsAsBetter) {
  Sequential model = small_model(1.0f);
  ReduceLROnPlateau cb({.factor = 0.5, .patience = 1, .min_delta = 0.1});
  // 0.95 is better than 1.0 by less than 0.1: a bad epoch, so it reduces at once.
  const auto lrs = lr_per_epoch(cb, model, {1.0, 0.95, 0.5});
  expect_lrs(lrs, {1, 0.5f, 0.5f});
}

TEST(ReduceLROnPlateau, CooldownPausesTheCounting) {
  // Without cooldown, patience 1 reduces at every bad epoch.
  Sequential plain = small_model(1.0f);
  ReduceLROnPlateau no_cooldown({.factor = 0.5, .patience = 1, .min_delta = 0});
  expect_lrs(lr_per_epoch(no_cooldown, plain, std::vector<double>(5, 1.0)),
             {1, 0.5f, 0.25f, 0.125f, 0.0625f});
  // Keras semantics with cooldown 2: the counter is decremented at the start of each epoch and
  // the epoch where it reaches 0 counts again, so reductions come every second epoch here.
  Sequential model = small_model(1.0f);
  ReduceLROnPlateau cb({.factor = 0.5, .patience = 1, .min_delta = 0, .cooldown = 2});
  expect_lrs(lr_per_epoch(cb, model, std::vector<double>(6, 1.0)), {1, 0.5f, 0.5f, 0.25f, 0.25f, 0.125f});
}

TEST(ReduceLROnPlateau, ChangesTheRateUsedByFit) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model(0.1f);
  // A monitor that cannot improve by 10: every epoch after the first is a plateau.
  ReduceLROnPlateau cb({.monitor = "loss", .factor = 0.5, .patience = 1, .min_delta = 10});
  const History h = model.fit(x, y, {.epochs = 4, .batch_size = 5, .callbacks = {&cb}});
  // "lr" is logged before the callbacks of the epoch run: epoch e logs the rate it trained with.
  ASSERT_EQ(h["lr"].size(), 4u);
  EXPECT_FLOAT_EQ(float(h["lr"][0]), 0.1f);
  EXPECT_FLOAT_EQ(float(h["lr"][1]), 0.1f);
  EXPECT_FLOAT_EQ(float(h["lr"][2]), 0.05f);
  EXPECT_FLOAT_EQ(float(h["lr"][3]), 0.025f);
  EXPECT_FLOAT_EQ(model.optimizer().learning_rate(), 0.0125f);
}

TEST(LearningRateScheduler, ResumedFitScheduleStartsFromTheInitialRate) {
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model(0.1f);
  LearningRateScheduler sched(Schedule::step(0.5, 1));
  std::vector<std::pair<int, float>> seen;  // (epoch, rate the epoch trained with)
  LambdaCallback record([&](Sequential& m, int epoch, const Logs&) {
    seen.emplace_back(epoch, m.optimizer().learning_rate());
  });
  const History h1 = model.fit(x, y, {.epochs = 3, .batch_size = 5, .callbacks = {&sched, &record}});
  const History h2 =
      model.fit(x, y, {.epochs = 5, .batch_size = 5, .callbacks = {&sched, &record}, .initial_epoch = 3});
  ASSERT_EQ(seen.size(), 5u);
  for (int e = 0; e < 5; ++e) {
    EXPECT_EQ(seen[std::size_t(e)].first, e);
    // 0.1 · 0.5^epoch: not 0.025 · 0.5^epoch, which a schedule from the current rate would give.
    EXPECT_FLOAT_EQ(seen[std::size_t(e)].second, float(0.1 * std::pow(0.5, e))) << "epoch " << e;
  }
  EXPECT_FLOAT_EQ(float(h1["lr"][2]), 0.025f);
  EXPECT_FLOAT_EQ(float(h2["lr"][0]), 0.0125f);
  EXPECT_FLOAT_EQ(float(h2["lr"][1]), 0.00625f);
}

TEST(LearningRateScheduler, ResumeFromAModelFileStartsFromTheInitialRate) {
  fathom::testing::ScratchDir dir;
  const std::string path = dir.file("model.fathom");
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model(0.1f);
  LearningRateScheduler sched(Schedule::step(0.5, 1));
  model.fit(x, y, {.epochs = 3, .batch_size = 5, .callbacks = {&sched}});
  save_model(model, path);
  Sequential loaded = load_model(path);
  EXPECT_FLOAT_EQ(loaded.optimizer().learning_rate(), 0.025f);
  EXPECT_FLOAT_EQ(loaded.optimizer().initial_learning_rate(), 0.1f);
  LearningRateScheduler sched2(Schedule::step(0.5, 1));
  const History h =
      loaded.fit(x, y, {.epochs = 5, .batch_size = 5, .callbacks = {&sched2}, .initial_epoch = 3});
  EXPECT_FLOAT_EQ(float(h["lr"][0]), 0.0125f);
  EXPECT_FLOAT_EQ(float(h["lr"][1]), 0.00625f);
}
