// ModelCheckpoint: which epochs it saves (best only or every epoch, min or max mode), inside a
// real fit, and that each save is a loadable model with no temporary file left behind.
#include "fathom/io/model_checkpoint.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "callback_helpers.hpp"
#include "scratch_dir.hpp"

using namespace fathom_callback_test;

TEST(ModelCheckpoint, SaveBestOnlyKeepsTheLastImprovement) {
  fathom::testing::ScratchDir dir;
  const std::string path = dir.file("model.fathom");
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = path});
  const std::vector<double> val_loss = {0.5, 0.4, 0.6, 0.3};
  const std::vector<int> expected_saved_epoch = {0, 1, 1, 3};  // epoch 2 (0.6) is worse: not saved
  std::vector<std::vector<float>> recorded;
  ckpt.on_train_begin(model);
  for (int epoch = 0; epoch < 4; ++epoch) {
    fill_weights(model, 0.25f * float(epoch + 1));
    recorded.push_back(weights_of(model));
    ckpt.on_epoch_end(model, epoch, Logs{{"loss", 1.0}, {"val_loss", val_loss[std::size_t(epoch)]}});
    const Sequential loaded = load_model(path);  // a valid model file after every save
    EXPECT_EQ(weights_of(loaded), recorded[std::size_t(expected_saved_epoch[std::size_t(epoch)])])
        << "epoch " << epoch;
  }
  EXPECT_EQ(ckpt.saves(), 3);
  EXPECT_EQ(dir.names(), std::set<std::string>{"model.fathom"});  // no temp files left behind
}

TEST(ModelCheckpoint, AnEqualValueIsNotAnImprovement) {
  fathom::testing::ScratchDir dir;
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = dir.file("m.fathom")});
  drive(ckpt, model, {0.5, 0.5, 0.5});
  EXPECT_EQ(ckpt.saves(), 1);
}

TEST(ModelCheckpoint, ModeMaxSavesWhenAccuracyRises) {
  fathom::testing::ScratchDir dir;
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = dir.file("m.fathom"), .monitor = "val_accuracy"});
  drive(ckpt, model, {0.5, 0.4, 0.6, 0.6, 0.7}, "val_accuracy");
  EXPECT_EQ(ckpt.saves(), 3);  // epochs 0, 2, 4
}

TEST(ModelCheckpoint, SaveEveryEpochWhenNotBestOnly) {
  fathom::testing::ScratchDir dir;
  const std::string path = dir.file("model.fathom");
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = path, .save_best_only = false});
  std::vector<float> last;
  for (int epoch = 0; epoch < 4; ++epoch) {
    fill_weights(model, 0.5f - 0.125f * float(epoch));
    last = weights_of(model);
    // No monitored key at all: save_best_only = false must not need it.
    ckpt.on_epoch_end(model, epoch, Logs{{"loss", 1.0}});
    EXPECT_EQ(weights_of(load_model(path)), last) << "epoch " << epoch;
  }
  EXPECT_EQ(ckpt.saves(), 4);
  EXPECT_EQ(dir.names(), std::set<std::string>{"model.fathom"});
}

TEST(ModelCheckpoint, InsideARealFitWritesALoadableModel) {
  fathom::testing::ScratchDir dir;
  const std::string path = dir.file("model.fathom");
  Matrix x, y;
  line_data(x, y);
  Sequential model = small_model();
  ModelCheckpoint ckpt({.path = path, .save_best_only = false});
  model.fit(x, y, {.epochs = 3, .batch_size = 5, .validation_split = 0.25, .callbacks = {&ckpt}});
  EXPECT_EQ(ckpt.saves(), 3);
  Sequential loaded = load_model(path);
  EXPECT_EQ(weights_of(loaded), weights_of(model));
  EXPECT_EQ(loaded.predict(x), model.predict(x));
  EXPECT_EQ(dir.names(), std::set<std::string>{"model.fathom"});
}

// A read-only checkpoint file is refused like any save's target, unless replace_read_only.
TEST(ModelCheckpoint, ReadOnlyFileIsReplacedOnlyWhenAsked) {
  fathom::testing::ScratchDir dir;
  const std::string path = dir.write("model.fathom", "precious");
  std::filesystem::permissions(path, std::filesystem::perms::owner_read);
  Sequential model = small_model();
  ModelCheckpoint refusing({.path = path, .save_best_only = false});
  EXPECT_THROW(refusing.on_epoch_end(model, 0, Logs{{"loss", 1.0}}), fathom::FileError);
  EXPECT_EQ(fathom::read_file(path), "precious");
  ModelCheckpoint forced({.path = path, .save_best_only = false, .replace_read_only = true});
  forced.on_epoch_end(model, 0, Logs{{"loss", 1.0}});
  EXPECT_EQ(weights_of(load_model(path)), weights_of(model));
}
