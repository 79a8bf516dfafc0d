// The hooks fit() calls: set_params before training with the fit's shape, and
// on_train_batch_end after every step with that step's loss.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "callback_helpers.hpp"

using namespace fathom_callback_test;

namespace {

class Recorder : public Callback {
 public:
  void set_params(const FitParams& p) override {
    params.emplace(p);  // views cannot be re-seated, so FitParams is kept in an optional
    events.push_back("params");
  }
  void on_train_begin(Sequential&) override { events.push_back("begin"); }
  void on_epoch_begin(Sequential&, int epoch) override { events.push_back("epoch " + std::to_string(epoch)); }
  void on_train_batch_end(Sequential&, const BatchLogs& logs) override {
    events.push_back("batch " + std::to_string(logs.batch) + "/" + std::to_string(logs.size));
    losses.push_back(logs.loss);
    sizes.push_back(logs.size);
  }
  void on_epoch_end(Sequential&, int, const Logs& logs) override {
    events.push_back("end");
    epoch_losses.push_back(logs.at("loss"));
  }
  void on_train_end(Sequential&) override { events.push_back("done"); }

  std::optional<FitParams> params;
  std::vector<std::string> events;
  std::vector<double> losses, epoch_losses;
  std::vector<Index> sizes;
};

}  // namespace

TEST(CallbackHooks, ParamsDescribeTheFitAndEveryStepIsReported) {
  Matrix x, y;
  line_data(x, y);  // 20 samples; a 0.25 split leaves 15 to train on: steps of 4, 4, 4, 3
  Sequential model = small_model();
  Recorder rec;
  model.fit(x, y, {.epochs = 2, .batch_size = 4, .validation_split = 0.25, .callbacks = {&rec}});
  EXPECT_EQ(rec.params->epochs, 2);
  EXPECT_EQ(rec.params->initial_epoch, 0);
  EXPECT_EQ(rec.params->samples, 15);
  EXPECT_EQ(rec.params->batch_size, 4);
  EXPECT_EQ(rec.params->steps, 4);
  EXPECT_TRUE(rec.params->has_validation);
  EXPECT_EQ(rec.params->x.cols(), 15);
  EXPECT_EQ(rec.params->x.data(), x.data()) << "the training samples in their stored order";
  EXPECT_EQ(rec.params->y.rows(), 1);
  const std::vector<std::string> expected{"params",    "begin",     "epoch 0",   "batch 0/4", "batch 1/4",
                                          "batch 2/4", "batch 3/3", "end",       "epoch 1",   "batch 0/4",
                                          "batch 1/4", "batch 2/4", "batch 3/3", "end",       "done"};
  EXPECT_EQ(rec.events, expected);
  // The epoch's loss is the sample-weighted mean of its steps' losses.
  for (int e = 0; e < 2; ++e) {
    double sum = 0;
    for (int b = 0; b < 4; ++b)
      sum += rec.losses[std::size_t(e * 4 + b)] * double(rec.sizes[std::size_t(e * 4 + b)]);
    EXPECT_NEAR(sum / 15, rec.epoch_losses[std::size_t(e)], 1e-9);
  }
}
