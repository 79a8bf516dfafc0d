// Worked examples 1 and 2 and the sigmoid table of docs/concepts.md, to the stated decimals.
#include <gtest/gtest.h>

#include <cmath>

#include "fathom/fathom.hpp"
#include "worked_example2.hpp"

using namespace fathom;

namespace {

Matrix column(std::initializer_list<Scalar> values) {
  Matrix m(static_cast<Index>(values.size()), 1);
  Index i = 0;
  for (Scalar v : values) m(i++, 0) = v;
  return m;
}

}  // namespace

TEST(SigmoidTable, TwoDecimals) {
  const Activation s("sigmoid");
  const double z[] = {-2, -1.5, -1, -.5, 0, .5, 1, 1.5, 2};
  const double expected[] = {.12, .18, .27, .38, .50, .62, .73, .82, .88};
  for (int i = 0; i < 9; ++i) EXPECT_NEAR(s.apply(Scalar(z[i])), expected[i], 0.005) << "z = " << z[i];
}

// Example 1: 2-2-2 sigmoid, hidden layer with bias, output layer without.
TEST(WorkedExample1, ForwardPass) {
  Sequential model(2);
  auto& hidden = model.add(Dense(2, "sigmoid"));
  auto& output = model.add(Dense(2, "sigmoid", /*use_bias=*/false));
  model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.1f})});
  Parameters& p = model.parameters();
  hidden.W(p) << .2f, .1f, .3f, -.4f;  // rows h1, h2; columns x1, x2
  hidden.b(p) << .1f, -.2f;
  output.W(p) << -.2f, -.1f, .1f, -.5f;  // rows o1, o2; columns h1, h2

  const Matrix x = column({.4f, .1f});
  const Matrix o = model.forward(view(x));  // forward keeps V and Y in the layers (predict does not)
  EXPECT_NEAR(hidden.V()(0, 0), .19, 5e-4);
  EXPECT_NEAR(hidden.V()(1, 0), -.12, 5e-4);
  EXPECT_NEAR(hidden.Y()(0, 0), .547, 5e-4);
  EXPECT_NEAR(hidden.Y()(1, 0), .470, 5e-4);
  EXPECT_NEAR(output.V()(0, 0), -.1564, 5e-4);
  EXPECT_NEAR(output.V()(1, 0), -.180, 5e-4);
  EXPECT_NEAR(o(0, 0), .461, 5e-4);
  EXPECT_NEAR(o(1, 0), .455, 5e-4);
}

// Example 2: one backprop step with momentum on a 2-2-1 sigmoid network, then a second step
// where the momentum term is non-zero. The reference is computed here in double precision
// with the lecture's scalar formulas, independently of the library.
TEST(WorkedExample2, TwoBackpropStepsWithMomentum) {
  Sequential model(2);
  auto& hidden = model.add(Dense({.units = 2,
                                  .activation = "sigmoid",
                                  .kernel_initializer = Initializer::constant(.1f),
                                  .bias_initializer = Initializer::constant(.1f)}));
  auto& output = model.add(Dense({.units = 1,
                                  .activation = "sigmoid",
                                  .kernel_initializer = Initializer::constant(.1f),
                                  .bias_initializer = Initializer::constant(.1f)}));
  const double eta = 0.2, alpha = 0.9;
  model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = Scalar(eta), .momentum = Scalar(alpha)})});
  Parameters& p = model.parameters();

  fathom::testing::Example2Reference ref;
  auto& wh = ref.wh;
  auto& wo = ref.wo;
  auto reference_step = [&](double x1, double x2, double t) { return ref.step(x1, x2, t); };

  // Step 1: x = (1, 0), t = 0.9.
  const auto r1 = reference_step(1, 0, .9);
  model.train_step(view(column({1, 0})), view(column({.9f})));
  EXPECT_NEAR(r1[0], .55, 5e-3);  // the slide's numbers, to the decimals it gives
  EXPECT_NEAR(r1[2], .552, 5e-4);
  EXPECT_NEAR(r1[3], .086, 5e-4);
  EXPECT_NEAR(r1[4], .002, 5e-4);
  EXPECT_NEAR(hidden.Y()(0, 0), .55, 5e-3);
  EXPECT_NEAR(output.Y()(0, 0), .552, 5e-4);
  EXPECT_NEAR(-output.delta()(0, 0), .086, 5e-4);  // fathom's δ is ∂C/∂v = −(t − o)σ'
  EXPECT_NEAR(-hidden.delta()(0, 0), .002, 5e-4);
  EXPECT_NEAR(output.b(p)(0), .1172, 5e-5);
  EXPECT_NEAR(output.W(p)(0, 0), .1095, 5e-5);
  EXPECT_NEAR(output.W(p)(0, 1), .1095, 5e-5);
  EXPECT_NEAR(hidden.b(p)(0), .1004, 5e-5);
  EXPECT_NEAR(hidden.W(p)(0, 0), .1004, 5e-5);
  EXPECT_FLOAT_EQ(hidden.W(p)(0, 1), .1f);  // from x2 = 0: unchanged
  EXPECT_FLOAT_EQ(hidden.W(p)(1, 1), .1f);

  // Step 2: x = (0, 1), t = −0.3; Δw now carries α Δw(t−1).
  const double w_x1_after_step1 = hidden.W(p)(0, 0);
  reference_step(0, 1, -.3);
  model.train_step(view(column({0, 1})), view(column({-.3f})));
  EXPECT_NEAR(output.b(p)(0), wo[0], 1e-5);
  EXPECT_NEAR(output.W(p)(0, 0), wo[1], 1e-5);
  EXPECT_NEAR(output.W(p)(0, 1), wo[2], 1e-5);
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(hidden.b(p)(j), wh[j][0], 1e-5);
    EXPECT_NEAR(hidden.W(p)(j, 0), wh[j][1], 1e-5);
    EXPECT_NEAR(hidden.W(p)(j, 1), wh[j][2], 1e-5);
  }
  // The momentum term is visible: x1 = 0 in step 2, yet the weight from x1 still moved by α Δw(1).
  EXPECT_NEAR(hidden.W(p)(0, 0) - w_x1_after_step1, alpha * (w_x1_after_step1 - .1), 1e-6);
  EXPECT_NE(output.b(p)(0), .1172f);
}
