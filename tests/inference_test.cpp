// Inference over caller-owned workspaces (Sequential::infer, InferenceWorkspace): the same values
// as the training forward pass, no effect on the model's training state, and buffers that grow
// once and are then reused. The multi-threaded cases are in tests/concurrency/.
#include <gtest/gtest.h>

#include <cstring>

#include "fathom/fathom.hpp"

using namespace fathom;

namespace {

Matrix random_inputs(Index rows, Index cols, std::uint64_t seed) {
  Rng rng(seed);
  Matrix x(rows, cols);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform(-3, 5));
  return x;
}

Matrix one_hot(Index classes, Index cols) {
  Matrix y = Matrix::Zero(classes, cols);
  for (Index j = 0; j < cols; ++j) y((j * 7) % classes, j) = 1;
  return y;
}

bool same_bits(ConstMatrixView a, ConstMatrixView b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(Scalar) * std::size_t(a.size())) == 0;
}

// Normalization, Dense, Dropout and a fused softmax output: every kind of layer.
Sequential every_layer(std::uint64_t seed) {
  Sequential m(6, seed);
  m.add(Normalization::adapt(random_inputs(6, 40, seed + 1), "standard"));
  m.add(Dense(9, "relu"));
  m.add(Dropout(0.3f));
  m.add(Dense(4, "softmax"));
  m.compile({.loss = "cce", .optimizer = "adam", .metrics = {"accuracy"}});
  return m;
}

TEST(Inference, InferIsTheTrainingForwardBitForBit) {
  Sequential m = every_layer(1);
  const Matrix x = random_inputs(6, 57, 2);
  InferenceWorkspace ws;
  const Matrix inferred = m.infer(view(x), ws);
  EXPECT_TRUE(same_bits(view(inferred), m.forward(view(x), false)));
  EXPECT_TRUE(same_bits(view(inferred), view(m.predict(x))));
}

TEST(Inference, LossOfWorkspaceIsEvaluatesLoss) {
  const Sequential m = every_layer(3);
  const Matrix x = random_inputs(6, 30, 4), y = one_hot(4, 30);
  InferenceWorkspace ws;
  EXPECT_THROW(m.loss_of(view(y), ws), InvalidArgument);  // no pass yet
  m.infer(view(x), ws);
  EXPECT_DOUBLE_EQ(m.loss_of(view(y), ws), m.evaluate(x, y).at("loss"));
  EXPECT_THROW(m.loss_of(view(Matrix(one_hot(4, 29))), ws), ShapeError);
}

// predict and evaluate only read the model: a training pass begun before them is still there
// to finish, with the same gradients as without them.
TEST(Inference, PredictAndEvaluateLeaveTheTrainingPassAlone) {
  Sequential a = every_layer(5);
  Sequential b = a;
  const Matrix x = random_inputs(6, 16, 6), y = one_hot(4, 16);
  const Matrix other = random_inputs(6, 2000, 7), other_y = one_hot(4, 2000);
  a.forward(view(x), true);
  b.forward(view(x), true);
  (void)b.predict(other);
  (void)b.evaluate(other, other_y);
  EXPECT_TRUE(same_bits(a.output(), b.output()));
  a.zero_grad();
  b.zero_grad();
  EXPECT_EQ(a.backward(view(y)), b.backward(view(y)));
  const auto ga = a.gradients(), gb = b.gradients();
  ASSERT_EQ(ga.size(), gb.size());
  EXPECT_EQ(std::memcmp(ga.data(), gb.data(), ga.size() * sizeof(Scalar)), 0);
}

// A workspace sized beforehand is never reallocated by passes that fit in it (its outputs stay
// where they were), grows for a larger batch or a wider model, and serves any model.
TEST(Inference, WorkspaceIsSizedOnceAndServesAnyModel) {
  const Sequential small = every_layer(8);
  InferenceWorkspace ws(small, 100);
  const Matrix x100 = random_inputs(6, 100, 9), x3 = random_inputs(6, 3, 10);
  const Scalar* where = small.infer(view(x100), ws).data();
  EXPECT_EQ(small.infer(view(x3), ws).data(), where);
  EXPECT_EQ(small.infer(view(x100), ws).data(), where);

  Sequential wide(6, 11);
  wide.add(Dense(300, "tanh"));
  wide.add(Dense(2, "sigmoid"));
  wide.compile({.loss = "bce", .optimizer = "sgd"});
  const Matrix x500 = random_inputs(6, 500, 12);
  EXPECT_TRUE(same_bits(wide.infer(view(x500), ws), view(wide.predict(x500))));
  EXPECT_TRUE(same_bits(small.infer(view(x3), ws), view(small.predict(x3))));
}

TEST(Inference, InputsOfTheWrongWidthAreAShapeError) {
  const Sequential m = every_layer(13);
  InferenceWorkspace ws;
  const Matrix x = random_inputs(5, 4, 14);
  try {
    m.infer(view(x), ws);
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "infer: the model expects 6 inputs per sample, x has 5 rows");
  }
}

}  // namespace
