// EarlyStopping driven with hand-made logs: patience, min_delta, mode, restoring the best
// weights, and its errors. (A real fit that stops early and restores is in training_test.cpp.)
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "callback_helpers.hpp"

using namespace fathom_callback_test;

TEST(EarlyStopping, PatienceOneStopsAtTheFirstBadEpoch) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 1});
  // Improves for 3 epochs (best at epoch 2), then worsens.
  const int ran = drive(stop, model, {1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.88});
  EXPECT_TRUE(model.stop_training);
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_EQ(stop.stopped_epoch(), stop.best_epoch() + 1);
  EXPECT_EQ(ran, 4);
  EXPECT_DOUBLE_EQ(stop.best(), 0.8);
}

TEST(EarlyStopping, PatienceThreeWaitsThreeBadEpochs) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 3});
  drive(stop, model, {1.0, 0.9, 0.8, 0.85, 0.86, 0.87, 0.88});
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_EQ(stop.stopped_epoch(), stop.best_epoch() + 3);
}

TEST(EarlyStopping, PatienceZeroActsAsOne) {
  // Keras: wait >= patience after incrementing wait, so 0 and 1 both stop at the first bad epoch.
  Sequential model = small_model();
  EarlyStopping stop({.patience = 0});
  drive(stop, model, {1.0, 0.9, 0.95, 0.99});
  EXPECT_EQ(stop.best_epoch(), 1);
  EXPECT_EQ(stop.stopped_epoch(), 2);
}

TEST(EarlyStopping, AnImprovementResetsTheWait) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 2});
  // Epoch 1 is bad (wait 1), epoch 2 improves (wait 0), epochs 3 and 4 are bad: stops at 4.
  drive(stop, model, {1.0, 1.1, 0.9, 1.0, 1.0, 1.0});
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_EQ(stop.stopped_epoch(), 4);
}

TEST(EarlyStopping, NeverStopsWhileImproving) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 1});
  EXPECT_EQ(drive(stop, model, {5, 4, 3, 2, 1}), 5);
  EXPECT_FALSE(model.stop_training);
  EXPECT_EQ(stop.stopped_epoch(), -1);
  EXPECT_EQ(stop.best_epoch(), 4);
}

TEST(EarlyStopping, ImprovementsSmallerThanMinDeltaDoNotCount) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 3, .min_delta = 0.1});
  // 0.95 and 0.92 are better than 1.0 but by less than 0.1: they count as bad epochs, so the
  // wait reaches 3 at epoch 3 and the best stays epoch 0.
  drive(stop, model, {1.0, 0.95, 0.92, 0.91, 0.5});
  EXPECT_EQ(stop.best_epoch(), 0);
  EXPECT_DOUBLE_EQ(stop.best(), 1.0);
  EXPECT_EQ(stop.stopped_epoch(), 3);
}

TEST(EarlyStopping, AnImprovementBiggerThanMinDeltaCounts) {
  Sequential model = small_model();
  EarlyStopping stop({.patience = 3, .min_delta = 0.1});
  // 0.85 beats 1.0 by 0.15: new best at epoch 2. Then 0.80, 0.78, 0.76 beat 0.85 by < 0.1.
  drive(stop, model, {1.0, 0.95, 0.85, 0.80, 0.78, 0.76, 0.1});
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_DOUBLE_EQ(stop.best(), 0.85);
  EXPECT_EQ(stop.stopped_epoch(), 5);
}

TEST(EarlyStopping, ModeMaxStopsWhenTheValueFalls) {
  Sequential model = small_model();
  // "score" is neither the loss nor a metric: auto mode cannot tell its direction; "max" says it.
  EarlyStopping stop({.monitor = "score", .patience = 1, .mode = "max"});
  drive(stop, model, {0.5, 0.7, 0.6, 0.9}, "score");
  EXPECT_EQ(stop.best_epoch(), 1);
  EXPECT_DOUBLE_EQ(stop.best(), 0.7);
  EXPECT_EQ(stop.stopped_epoch(), 2);

  EarlyStopping min_stop({.monitor = "score", .patience = 1, .mode = "min"});
  drive(min_stop, model, {0.5, 0.7, 0.6, 0.9}, "score");
  EXPECT_EQ(min_stop.best_epoch(), 0);
  EXPECT_EQ(min_stop.stopped_epoch(), 1);
}

// Auto mode asks the metric itself (Metric::higher_is_better), whatever the key's spelling.
TEST(EarlyStopping, AutoModeTakesTheMetricsOwnDirection) {
  EXPECT_FALSE(monitor_higher_is_better("loss"));
  EXPECT_FALSE(monitor_higher_is_better("val_loss"));
  for (const std::string& name : metric_names()) {
    EXPECT_EQ(monitor_higher_is_better("val_" + name), make_metric(name)->higher_is_better()) << name;
  }
  EXPECT_TRUE(monitor_higher_is_better("val_binary_accuracy(0.3)"));
  EXPECT_FALSE(monitor_higher_is_better("val_mse"));
  EXPECT_THROW(EarlyStopping({.monitor = "score"}), InvalidArgument);
  EXPECT_THROW(EarlyStopping({.monitor = "lr"}), InvalidArgument);
}

TEST(EarlyStopping, AutoModeMaximisesAccuracy) {
  Sequential model = small_model();
  EarlyStopping stop({.monitor = "val_accuracy", .patience = 1});
  drive(stop, model, {0.5, 0.75, 0.8, 0.7}, "val_accuracy");
  EXPECT_EQ(stop.best_epoch(), 2);
  EXPECT_EQ(stop.stopped_epoch(), 3);
}

TEST(EarlyStopping, RestoresBestWeightsEvenWithoutStoppingEarly) {
  // Keras 3: restore_best_weights acts at the end of training whether or not it stopped early.
  Sequential model = small_model();
  EarlyStopping stop({.patience = 5, .restore_best_weights = true});
  const std::vector<double> values = {1.0, 0.5, 0.7, 0.8};
  std::vector<std::vector<float>> recorded;
  model.stop_training = false;
  stop.on_train_begin(model);
  for (int epoch = 0; epoch < int(values.size()); ++epoch) {
    fill_weights(model, 1.0f + float(epoch));  // distinct weights each epoch
    recorded.push_back(weights_of(model));
    stop.on_epoch_end(model, epoch, Logs{{"val_loss", values[std::size_t(epoch)]}});
  }
  EXPECT_FALSE(model.stop_training);
  EXPECT_EQ(stop.stopped_epoch(), -1);
  EXPECT_EQ(weights_of(model), recorded[3]);  // not restored before the end
  stop.on_train_end(model);
  EXPECT_EQ(stop.best_epoch(), 1);
  EXPECT_EQ(weights_of(model), recorded[1]);
}

TEST(EarlyStopping, AbsentKeyThrowsListingTheAvailableKeys) {
  Sequential model = small_model();
  EarlyStopping stop({.monitor = "val_loss"});
  stop.on_train_begin(model);
  try {
    stop.on_epoch_end(model, 0, Logs{{"loss", 1.0}, {"lr", 0.1}});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("val_loss"), std::string::npos) << what;
    EXPECT_NE(what.find("loss, lr"), std::string::npos) << what;
  }
}

TEST(EarlyStopping, RejectsInvalidOptions) {
  EXPECT_THROW(EarlyStopping({.patience = -1}), InvalidArgument);
  EXPECT_THROW(EarlyStopping({.min_delta = -0.1}), InvalidArgument);
  EXPECT_THROW(EarlyStopping({.mode = "maximum"}), InvalidArgument);
}

TEST(EarlyStopping, RecordsWhereItStoppedAndWhoseWeightsCameBackInTheModel) {
  // What the report marks, kept in model.info (and the model file) by the callback itself.
  Sequential model = small_model();
  EarlyStopping restoring({.patience = 1, .restore_best_weights = true});
  drive(restoring, model, {1.0, 0.5, 0.7, 0.4});
  EXPECT_EQ(model.info.stopped_epoch, 2);
  EXPECT_EQ(model.info.restored_epoch, 1);
  EarlyStopping keeping({.patience = 5});
  drive(keeping, model, {1.0, 0.5, 0.7});
  EXPECT_EQ(model.info.stopped_epoch, -1) << "ran every epoch";
  EXPECT_EQ(model.info.restored_epoch, -1) << "nothing restored";
}
