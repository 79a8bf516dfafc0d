// Training end to end: XOR (docs/concepts.md, worked example 3), the 5×5 digits (example 4), validation,
// early stopping, reproducibility, and divergence handling.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "fathom/fathom.hpp"

using namespace fathom;

namespace {

Matrix xor_inputs() {
  Matrix x(2, 4);
  x << 0, 0, 1, 1,  //
      0, 1, 0, 1;
  return x;
}
Matrix xor_targets() {
  Matrix y(1, 4);
  y << 0, 1, 1, 0;
  return y;
}

// The five 5×5 digit bitmaps of docs/concepts.md, worked example 4, one column each (row-major pixels).
Matrix digit_inputs() {
  const char* rows[5] = {"0110000100001000010001110", "1111100001011110000111111",
                         "1111110000111110000111111", "1111100001111111000011111",
                         "1001010010111110001000010"};
  Matrix x(25, 5);
  for (int c = 0; c < 5; ++c)
    for (int i = 0; i < 25; ++i) x(i, c) = rows[c][i] == '1' ? 1.0f : 0.0f;
  return x;
}

}  // namespace

TEST(Xor, SingleLayerPerceptronCannotLearnIt) {
  Perceptron p(2, 1, {.learning_rate = 1, .max_epochs = 1000, .seed = 1});
  p.fit(xor_inputs(), xor_targets());
  EXPECT_FALSE(p.converged());
  const Matrix out = p.predict(xor_inputs());
  EXPECT_LT(((out - xor_targets()).array() == 0).count(), 4);  // never all four right
  EXPECT_GE(p.errors_per_epoch().back(), 1);
}

TEST(Xor, PerceptronLearnsLinearlySeparableAnd) {
  Matrix t(1, 4);
  t << 0, 0, 0, 1;
  Perceptron p(2, 1, {.learning_rate = 1, .max_epochs = 100, .seed = 1});
  p.fit(xor_inputs(), t);
  EXPECT_TRUE(p.converged());
  EXPECT_EQ(p.predict(xor_inputs()), t);
}

TEST(Xor, TwoLayerNetworkReachesHundredPercent) {
  Sequential model(2, 3);
  model.add(Dense(4, "tanh"));
  model.add(Dense(1, "sigmoid"));
  model.compile(
      {.loss = "bce", .optimizer = SGD({.learning_rate = 0.5f, .momentum = 0.9f}), .metrics = {"accuracy"}});
  const History h = model.fit(xor_inputs(), xor_targets(), {.epochs = 500, .batch_size = 4});
  EXPECT_EQ(h["accuracy"].back(), 1.0);
  EXPECT_EQ(model.evaluate(xor_inputs(), xor_targets())["accuracy"], 1.0);
  const auto classes = model.predict_classes(xor_inputs());
  EXPECT_EQ(classes, (std::vector<Index>{0, 1, 1, 0}));
}

TEST(Digits5x5, DeepReluSoftmaxClassifiesAllFive) {
  const Matrix x = digit_inputs();
  const Matrix y = Matrix::Identity(5, 5);
  Sequential model(25, 42);
  model.add(Dense(20, "relu"));
  model.add(Dense(20, "relu"));
  model.add(Dense(20, "relu"));
  model.add(Dense(5, "softmax"));
  model.compile({.loss = "cce", .optimizer = Adam({.learning_rate = 0.01f}), .metrics = {"accuracy"}});
  model.fit(x, y, {.epochs = 200, .batch_size = 5});
  EXPECT_EQ(model.predict_classes(x), (std::vector<Index>{0, 1, 2, 3, 4}));
  EXPECT_LT(model.evaluate(x, y)["loss"], 0.05);
}

TEST(Fit, ValidationSplitHoldsOutTheLastSamples) {
  // 10 samples; the last 3 are held out. A model that memorises the first 7 reports
  // val_loss from exactly the last 3: compare with evaluate on those columns.
  Rng rng(1);
  Matrix x(2, 10), y(1, 10);
  for (Index j = 0; j < 10; ++j) {
    x(0, j) = Scalar(rng.uniform());
    x(1, j) = Scalar(rng.uniform());
    y(0, j) = x(0, j) - x(1, j);
  }
  Sequential model(2, 9);
  model.add(Dense(1));
  model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.1f})});
  const History h = model.fit(x, y, {.epochs = 3, .batch_size = 7, .validation_split = 0.3});
  ASSERT_TRUE(h.has("val_loss"));
  const Matrix xv = x.rightCols(3), yv = y.rightCols(3);
  EXPECT_NEAR(h["val_loss"].back(), model.evaluate(xv, yv)["loss"], 1e-7);
  EXPECT_EQ(h.size(), 3u);
}

TEST(Fit, EarlyStoppingStopsAndRestoresBestWeights) {
  // Validation targets that the model cannot fit while it fits the training ones: the
  // validation loss rises after the first epochs, so training must stop early.
  Rng rng(2);
  Matrix x(1, 40), y(1, 40), xv(1, 10), yv(1, 10);
  for (Index j = 0; j < 40; ++j) x(0, j) = Scalar(rng.uniform(-1, 1)), y(0, j) = 2 * x(0, j);
  for (Index j = 0; j < 10; ++j) xv(0, j) = Scalar(rng.uniform(-1, 1)), yv(0, j) = -2 * xv(0, j);
  Sequential model(1, 4);
  model.add(Dense({.units = 1, .kernel_initializer = Initializer::constant(0)}));
  model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.05f})});
  EarlyStopping stop({.monitor = "val_loss", .patience = 2, .restore_best_weights = true});
  std::vector<std::vector<float>> weights_per_epoch;
  LambdaCallback record([&](Sequential& m, int, const Logs&) {
    auto w = m.parameters().values();
    weights_per_epoch.emplace_back(w.begin(), w.end());
  });
  const History h = model.fit(x, y,
                              {.epochs = 100,
                               .batch_size = 8,
                               .validation_x = &xv,
                               .validation_y = &yv,
                               .callbacks = {&record, &stop}});
  ASSERT_GE(stop.stopped_epoch(), 0);
  EXPECT_LT(h.size(), 100u);
  EXPECT_EQ(stop.stopped_epoch(), stop.best_epoch() + 2);  // patience 2: stops on the 2nd bad epoch (Keras)
  const auto& best = weights_per_epoch.at(static_cast<std::size_t>(stop.best_epoch()));
  auto now = model.parameters().values();
  EXPECT_TRUE(std::equal(now.begin(), now.end(), best.begin()));
  EXPECT_EQ(stop.best(), *std::min_element(h["val_loss"].begin(), h["val_loss"].end()));
}

TEST(Fit, ConvergenceStopEndsWhenTheCostStopsChanging) {
  Matrix x = Matrix::Ones(1, 8), y = Matrix::Ones(1, 8);
  Sequential model(1, 4);
  model.add(Dense(1));
  model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.1f})});
  ConvergenceStop conv({.tolerance = 1e-6});
  model.fit(x, y, {.epochs = 10000, .batch_size = 8, .callbacks = {&conv}});
  EXPECT_GT(conv.stopped_epoch(), 0);
  EXPECT_LT(conv.stopped_epoch(), 10000);
}

TEST(Fit, SameSeedGivesBitIdenticalWeights) {
  Rng rng(9);
  Matrix x(3, 64), y(2, 64);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform(-1, 1));
  for (Index j = 0; j < 64; ++j) y(0, j) = x(0, j) * x(1, j), y(1, j) = x(2, j);
  auto train = [&](std::uint64_t seed) {
    Sequential model(3, seed);
    model.add(Dense(16, "relu"));
    model.add(Dropout(0.2f));
    model.add(Dense(2));
    model.compile({.loss = "mse", .optimizer = "adam"});
    model.fit(x, y, {.epochs = 5, .batch_size = 10});
    auto w = model.parameters().values();
    return std::vector<float>(w.begin(), w.end());
  };
  const auto a = train(5), b = train(5), c = train(6);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  EXPECT_NE(a, c);
}

TEST(Fit, DivergenceThrowsAndLeavesFiniteWeights) {
  Matrix x(1, 4), y(1, 4);
  x << 1e3f, -1e3f, 2e3f, -2e3f;
  y << 1e3f, -1e3f, 2e3f, -2e3f;
  Sequential model(1, 1);
  model.add(Dense(8, "relu"));
  model.add(Dense(1));
  model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 10.0f})});
  EXPECT_THROW(model.fit(x, y, {.epochs = 1000, .batch_size = 1}), DivergedError);
  for (Scalar w : model.parameters().values()) EXPECT_TRUE(std::isfinite(w));
}

TEST(Fit, OnlineAndFullBatchBothLearnALine) {
  Rng rng(4);
  Matrix x(1, 32), y(1, 32);
  for (Index j = 0; j < 32; ++j) x(0, j) = Scalar(rng.uniform(-1, 1)), y(0, j) = 3 * x(0, j) - 1;
  for (Index batch : {Index(1), Index(32)}) {
    Sequential model(1, 2);
    auto& d = model.add(Dense(1));
    model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = batch == 1 ? 0.05f : 0.5f})});
    model.fit(x, y, {.epochs = 300, .batch_size = batch});
    EXPECT_NEAR(d.W(model.parameters())(0, 0), 3, 1e-2) << "batch " << batch;
    EXPECT_NEAR(d.b(model.parameters())(0), -1, 1e-2) << "batch " << batch;
  }
}

TEST(Dropout, InvertedInTrainingIdentityAtInference) {
  Sequential model(1000, 3);
  model.add(Dropout(0.25f));
  model.compile({.loss = "mse", .optimizer = "sgd"});
  const Matrix x = Matrix::Ones(1000, 4);
  const ConstMatrixView train = model.forward(cview(x), true);
  const double kept = (train.array() > 0).cast<double>().mean();
  EXPECT_NEAR(kept, 0.75, 0.03);
  EXPECT_NEAR(train.maxCoeff(), 1 / 0.75, 1e-6);         // survivors scaled by 1/(1 − rate)
  EXPECT_NEAR(train.mean(), 1.0, 0.05);                  // expectation preserved
  EXPECT_EQ(Matrix(model.forward(cview(x), false)), x);  // identity at inference
}

// predict and evaluate give forward()'s outputs at every batch size, with and without a
// Normalization layer (input scaling inside the network), and never write into x.
TEST(Predict, SameOutputsAtEveryBatchSizeWithAndWithoutScaling) {
  Rng rng(9);
  Matrix x(6, 11);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<Scalar>(rng.normal() * 3 + 1);
  Matrix y = Matrix::Zero(3, 11);
  for (Index j = 0; j < 11; ++j) y(j % 3, j) = 1;
  const Matrix original = x;
  for (const bool scaled : {false, true}) {
    Sequential model(6, 4);
    if (scaled) model.add(Normalization::adapt(x, "standard"));
    model.add(Dense(5, "tanh"));
    model.add(Dropout(0.5f));
    model.add(Dense(3, "softmax"));
    model.compile({.loss = "cce", .optimizer = "sgd", .metrics = {"accuracy"}});
    const Matrix expected = model.forward(cview(x), false);
    const Logs whole = model.evaluate(x, y, 11);
    for (const Index batch : {Index(1), Index(4), Index(11), Sequential::kInferenceBatch}) {
      const Matrix out = model.predict(x, batch);
      EXPECT_TRUE(out.isApprox(expected, 1e-6f)) << "scaled " << scaled << ", batch " << batch;
      const Logs logs = model.evaluate(x, y, batch);
      EXPECT_NEAR(logs.at("loss"), whole.at("loss"), 1e-6) << "scaled " << scaled << ", batch " << batch;
      EXPECT_EQ(logs.at("accuracy"), whole.at("accuracy"));
    }
    EXPECT_TRUE(x == original) << "predict and evaluate must not write into the user's x";
  }
}

// The Normalization layer: (x − mean)/sd per feature, the same inputs for forward, train_step,
// predict and evaluate, and its backward scales the gradient (checked by finite differences).
TEST(Normalization, ScalesEveryPathAndBackpropagates) {
  Rng rng(3);
  Matrix x(3, 50);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<Scalar>(rng.normal() * (1 + i % 3) * 4 + 10);
  const Normalization norm = Normalization::adapt(x, "standard");
  for (Index i = 0; i < 3; ++i) {
    const auto row = x.row(i).cast<double>();
    const double mean = row.mean(), sd = std::sqrt((row.array() - mean).square().mean());
    EXPECT_NEAR(norm.scaling().offset[i], mean, 1e-4 * std::abs(mean));
    EXPECT_NEAR(norm.scaling().scale[i], 1 / sd, 1e-4 / sd);
  }
  Sequential with(3, 5), without(3, 5);
  with.add(norm);
  for (Sequential* m : {&with, &without}) {
    m->add(Dense(4, "tanh"));
    m->add(Dense(1));
    m->compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.05f})});
  }
  Matrix scaled = x;
  norm.scaling().apply(view(scaled));
  const Matrix y = x.row(0) * 0.1f;
  // The same weights (the Normalization layer has none): the model with the layer on raw x
  // behaves as the one without it on pre-scaled x, on every path.
  EXPECT_TRUE(with.predict(x).isApprox(without.predict(scaled), 1e-5f));
  for (Index j = 0; j < 5; ++j) {  // online backprop (batch 1, plain SGD)
    const ConstMatrixView yj(y.data() + j, 1, 1);
    with.train_step(ConstMatrixView(x.data() + 3 * j, 3, 1), yj);
    without.train_step(ConstMatrixView(scaled.data() + 3 * j, 3, 1), yj);
  }
  with.fit(x, y, {.epochs = 2, .batch_size = 8});
  without.fit(scaled, y, {.epochs = 2, .batch_size = 8});
  const auto a = with.parameters().values(), b = without.parameters().values();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5f) << "parameter " << i;
  EXPECT_NEAR(with.evaluate(x, y).at("loss"), without.evaluate(scaled, y).at("loss"), 1e-5);
}

TEST(Summary, ListsLayersShapesAndParameterCounts) {
  Sequential model(784);
  model.add(Dense(256, "relu"));
  model.add(Dense(128, "relu"));
  model.add(Dense(10, "softmax"));
  model.compile({.loss = "cce", .optimizer = "adam", .metrics = {"accuracy"}});
  const std::string s = summary(model);
  EXPECT_NE(s.find("dense_1 (dense)"), std::string::npos) << s;
  EXPECT_NE(s.find("200960"), std::string::npos) << s;  // 784·256 + 256
  EXPECT_NE(s.find("Total params: 235146"), std::string::npos) << s;
  EXPECT_EQ(model.parameters().size(), 235146u);
}

// Large enough that fathom splits the batch products over threads: the same seed and thread
// count must still give bit-identical weights, at 1 and at 2 threads. (Across thread counts
// the last bits may differ: OpenBLAS blocks a half-width product differently.)
TEST(Fit, SameSeedIsBitIdenticalWithThreadedGemm) {
  Rng rng(12);
  Matrix x(200, 512), y = Matrix::Zero(10, 512);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform());
  for (Index j = 0; j < 512; ++j) y(j % 10, j) = 1;
  const int saved_threads = num_threads();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    auto train = [&] {
      Sequential model(200, 77);
      model.add(Dense(256, "relu"));
      model.add(Dense(10, "softmax"));
      model.compile({.loss = "cce", .optimizer = "adam"});
      model.fit(x, y, {.epochs = 2, .batch_size = 128});
      auto w = model.parameters().values();
      return std::vector<float>(w.begin(), w.end());
    };
    const auto a = train(), b = train();
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << threads << " threads";
  }
  set_num_threads(saved_threads);
}
