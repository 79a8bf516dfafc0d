// Copying and moving compiled, trained Sequential models: a copy is an independent model with
// the same weights, optimizer state and generator; a moved model keeps training.
#include <gtest/gtest.h>

#include <cstring>
#include <utility>
#include <vector>

#include "fathom/fathom.hpp"

using namespace fathom;

namespace {

// y0 = x0·x1, y1 = x2 − x0 on 48 samples: enough for a few mini-batches per epoch.
void make_data(Matrix& x, Matrix& y) {
  Rng rng(11);
  x.resize(3, 48);
  y.resize(2, 48);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform(-1, 1));
  for (Index j = 0; j < 48; ++j) y(0, j) = x(0, j) * x(1, j), y(1, j) = x(2, j) - x(0, j);
}

// Adam (state beyond the weights: moments and t) and Dropout (draws from the model's rng), so
// that a copy missing either would train differently from the original.
Sequential make_model(std::uint64_t seed = 5) {
  Sequential model(3, seed);
  model.add(Dense(16, "relu"));
  model.add(Dropout(0.2f));
  model.add(Dense(8, "tanh"));
  model.add(Dense(2));
  model.compile({.loss = "mse", .optimizer = Adam({.learning_rate = 0.01f})});
  return model;
}

std::vector<float> weights_of(const Sequential& model) {
  auto w = model.parameters().values();
  return {w.begin(), w.end()};
}

bool bit_equal(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(Scalar) * std::size_t(a.size())) == 0;
}

bool bit_equal(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(float) * a.size()) == 0;
}

const FitOptions kFit = {.epochs = 3, .batch_size = 8};

}  // namespace

TEST(ModelCopy, CopyConstructorGivesAnIndependentIdenticalModel) {
  Matrix x, y;
  make_data(x, y);
  Sequential original = make_model();
  original.fit(x, y, kFit);
  const std::vector<float> before = weights_of(original);

  Sequential copy(original);
  ASSERT_TRUE(copy.compiled());
  EXPECT_TRUE(bit_equal(copy.predict(x), original.predict(x)));
  EXPECT_EQ(copy.optimizer().iterations(), original.optimizer().iterations());
  EXPECT_GT(copy.optimizer().iterations(), 0);
  EXPECT_EQ(copy.optimizer().name(), "adam");
  EXPECT_EQ(copy.history.size(), original.history.size());
  // The weights are the copy's own, not a view of the original's arena.
  EXPECT_NE(copy.parameters().values().data(), original.parameters().values().data());

  // Fitting the copy (this used to crash) trains it and leaves the original untouched.
  const double loss_before = copy.evaluate(x, y)["loss"];
  copy.fit(x, y, kFit);
  EXPECT_LT(copy.evaluate(x, y)["loss"], loss_before);
  EXPECT_TRUE(bit_equal(weights_of(original), before));
  EXPECT_FALSE(bit_equal(weights_of(copy), before));
  EXPECT_EQ(copy.optimizer().iterations(), 2 * original.optimizer().iterations());
}

TEST(ModelCopy, CopyAssignmentReplacesADifferentModel) {
  Matrix x, y;
  make_data(x, y);
  Sequential original = make_model();
  original.fit(x, y, kFit);
  const std::vector<float> before = weights_of(original);

  // A compiled model of another architecture and optimizer, trained a little: all of it goes.
  Sequential target(3, 99);
  target.add(Dense(4, "sigmoid"));
  target.add(Dense(2));
  target.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.1f})});
  target.fit(x, y, {.epochs = 1, .batch_size = 48});
  target = original;

  EXPECT_EQ(target.layer_count(), original.layer_count());
  EXPECT_EQ(target.optimizer().name(), "adam");
  EXPECT_EQ(target.optimizer().iterations(), original.optimizer().iterations());
  EXPECT_TRUE(bit_equal(target.predict(x), original.predict(x)));

  target.fit(x, y, kFit);
  EXPECT_TRUE(bit_equal(weights_of(original), before));
  EXPECT_FALSE(bit_equal(weights_of(target), before));
}

TEST(ModelCopy, SelfAssignmentKeepsTheModel) {
  Matrix x, y;
  make_data(x, y);
  Sequential model = make_model();
  model.fit(x, y, kFit);
  const Matrix out = model.predict(x);
  const Sequential& alias = model;  // through a reference, so the compiler does not object
  model = alias;
  EXPECT_TRUE(bit_equal(model.predict(x), out));
  model.fit(x, y, kFit);  // still trainable
}

TEST(ModelCopy, CopiesTrainedTheSameWayEndIdentical) {
  // Same weights, same Adam moments and step count, same generator state (shuffling and
  // dropout masks): the same fit must give bit-identical weights in every copy.
  Matrix x, y;
  make_data(x, y);
  Sequential original = make_model();
  original.fit(x, y, kFit);

  Sequential a(original);
  Sequential b = make_model(123);  // different seed and weights, then overwritten by assignment
  b = original;
  a.fit(x, y, kFit);
  b.fit(x, y, kFit);
  original.fit(x, y, kFit);
  EXPECT_TRUE(bit_equal(weights_of(a), weights_of(b)));
  EXPECT_TRUE(bit_equal(weights_of(a), weights_of(original)));
  EXPECT_EQ(a.optimizer().iterations(), original.optimizer().iterations());
}

TEST(ModelCopy, CopyOfACopyTrainsLikeTheOriginal) {
  Matrix x, y;
  make_data(x, y);
  Sequential original = make_model();
  original.fit(x, y, kFit);
  Sequential first(original);
  first.fit(x, y, kFit);  // the first copy has now trained (its buffers are sized)
  Sequential second(first);
  Sequential reference(first);
  second.fit(x, y, kFit);
  reference.fit(x, y, kFit);
  first.fit(x, y, kFit);
  EXPECT_TRUE(bit_equal(weights_of(second), weights_of(first)));
  EXPECT_TRUE(bit_equal(weights_of(reference), weights_of(first)));
}

TEST(ModelCopy, CopyOfACompiledUntrainedModelTrains) {
  Matrix x, y;
  make_data(x, y);
  Sequential original = make_model();
  Sequential copy(original);
  EXPECT_EQ(copy.optimizer().iterations(), 0);
  copy.fit(x, y, kFit);
  original.fit(x, y, kFit);
  EXPECT_TRUE(bit_equal(weights_of(copy), weights_of(original)));
}

TEST(ModelCopy, MovedIntoAVectorStillTrains) {
  Matrix x, y;
  make_data(x, y);
  std::vector<Sequential> models;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    Sequential m = make_model(seed);
    m.fit(x, y, {.epochs = 1, .batch_size = 8});  // trained before the move: buffers exist
    models.push_back(std::move(m));               // the vector reallocates: moves again
  }
  for (auto& m : models) {
    const double before = m.evaluate(x, y)["loss"];
    const History h = m.fit(x, y, {.epochs = 20, .batch_size = 8});
    EXPECT_LT(h["loss"].back(), h["loss"].front());
    EXPECT_LT(m.evaluate(x, y)["loss"], before);
  }
}

TEST(ModelCopy, MoveAssignmentKeepsStateAndTrainsLikeACopy) {
  Matrix x, y;
  make_data(x, y);
  Sequential original = make_model();
  original.fit(x, y, kFit);
  Sequential reference(original);
  const Matrix out = original.predict(x);
  const auto iterations = original.optimizer().iterations();

  Sequential target(3, 1);
  target.add(Dense(2));
  target.compile({.loss = "mse", .optimizer = "sgd"});
  target = std::move(original);
  EXPECT_TRUE(bit_equal(target.predict(x), out));
  EXPECT_EQ(target.optimizer().iterations(), iterations);
  target.fit(x, y, kFit);
  reference.fit(x, y, kFit);
  EXPECT_TRUE(bit_equal(weights_of(target), weights_of(reference)));
}
