// The Normalization layer's backward (dX = dY ⊙ scale) against central differences, when it
// is not the first layer; its config round trip; and bad fitted values.
#include <gtest/gtest.h>

#include "fathom/fathom.hpp"
#include "gradcheck.hpp"

using namespace fathom;

TEST(Normalization, BackwardMatchesCentralDifferences) {
  Rng rng(21);
  const Matrix x = fathom::testing::random_matrix(3, 7, rng);
  const Matrix y = fathom::testing::random_matrix(2, 7, rng);
  Matrix hidden_sample = fathom::testing::random_matrix(4, 40, rng) * 3;
  hidden_sample.array() += 2;
  Sequential model(3, 5);
  model.add(Dense(4, "tanh"));
  model.add(Normalization::adapt(hidden_sample, "standard"));  // scales of about 1/3, not 1
  model.add(Dense(2, "sigmoid"));
  model.compile({.loss = "mse", .optimizer = "sgd"});
  // dense_1's gradient reaches it only through the normalization layer's dX.
  for (const auto& t : gradient_check(model, cview(x), cview(y))) {
    EXPECT_LT(t.error.worst, 1e-2) << t.name << " analytic " << t.error.analytic << " numeric "
                                   << t.error.numeric;
  }
}

TEST(Normalization, ConfigRoundTripsBitForBit) {
  Rng rng(4);
  const Matrix x = fathom::testing::random_matrix(5, 30, rng);
  for (const char* method : {"standard", "minmax"}) {
    const Normalization a = Normalization::adapt(x, method);
    const auto b = make_layer("normalization", a.config_json());
    const auto* n = dynamic_cast<const Normalization*>(b.get());
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->scaling().method, method);
    EXPECT_TRUE(n->scaling().offset == a.scaling().offset) << method;
    EXPECT_TRUE(n->scaling().scale == a.scaling().scale) << method;
  }
}

TEST(Normalization, RejectsBadFittedValues) {
  EXPECT_THROW(
      Normalization(InputScaling{.method = "none", .offset = Vector::Zero(2), .scale = Vector::Ones(2)}),
      InvalidArgument);
  EXPECT_THROW(
      Normalization(InputScaling{.method = "standard", .offset = Vector::Zero(2), .scale = Vector::Ones(3)}),
      InvalidArgument);
  Vector nan_scale = Vector::Ones(2);
  nan_scale[1] = std::numeric_limits<Scalar>::quiet_NaN();
  EXPECT_THROW(
      Normalization(InputScaling{.method = "standard", .offset = Vector::Zero(2), .scale = nan_scale}),
      InvalidArgument);
  Sequential model(3);  // fitted on 2 features, placed where 3 arrive
  model.add(
      Normalization(InputScaling{.method = "standard", .offset = Vector::Zero(2), .scale = Vector::Ones(2)}));
  model.add(Dense(1));
  EXPECT_THROW(model.compile({}), ShapeError);
}
