// ConvergenceStop driven with hand-made logs: patience counts consecutive calm epochs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "callback_helpers.hpp"

using namespace fathom_callback_test;

TEST(ConvergenceStop, PatienceTwoNeedsTwoConsecutiveCalmEpochs) {
  Sequential model = small_model();
  ConvergenceStop conv({.monitor = "loss", .tolerance = 1e-3, .patience = 2});
  // Calm at 2 (|Δ| 1e-4), not at 3 (Δ 0.5): the count restarts; calm at 4 and 5: stops at 5.
  const std::vector<double> values = {1.0, 0.5, 0.5001, 1.0001, 1.0002, 1.0003, 1.0004};
  model.stop_training = false;
  conv.on_train_begin(model);
  int epoch = 0;
  for (; epoch < int(values.size()) && !model.stop_training; ++epoch) {
    conv.on_epoch_end(model, epoch, Logs{{"loss", values[std::size_t(epoch)]}});
  }
  EXPECT_TRUE(model.stop_training);
  EXPECT_EQ(conv.stopped_epoch(), 5);
  EXPECT_EQ(epoch, 6);
}

TEST(ConvergenceStop, PatienceOneStopsAtTheFirstCalmEpoch) {
  Sequential model = small_model();
  ConvergenceStop conv({.monitor = "val_loss", .tolerance = 1e-3, .patience = 1});
  drive(conv, model, {1.0, 0.9, 0.8995, 0.8});
  EXPECT_EQ(conv.stopped_epoch(), 2);
}

TEST(ConvergenceStop, TheFirstEpochIsNeverCalmAndTrainBeginResets) {
  Sequential model = small_model();
  ConvergenceStop conv({.monitor = "val_loss", .tolerance = 1e-3, .patience = 1});
  drive(conv, model, {1.0, 0.5});
  EXPECT_EQ(conv.stopped_epoch(), -1);
  // A new fit must not compare its first value with the last one of the previous fit.
  drive(conv, model, {0.5, 0.1});
  EXPECT_EQ(conv.stopped_epoch(), -1);
  EXPECT_FALSE(model.stop_training);
}
