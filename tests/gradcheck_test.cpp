// Finite-difference gradient checks through fathom's one checker (train/gradient_check.hpp):
// every activation, every loss, Dense (W, b and input), whole models over activation × loss ×
// depth, and every optimizer's training step. The cases come from activation_names(),
// loss_names() and optimizer_names(), so a new row of a table is checked without a new line
// here. Each case states its tolerance.
#include "gradcheck.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "fathom/fathom.hpp"
#include "fathom/train/gradient_check.hpp"

using namespace fathom;
using fathom::testing::random_matrix;

namespace {

// Inputs kept away from the kinks of relu-like functions (|z| ≥ 0.05) so ±h never crosses one.
Matrix away_from_zero(Matrix m) {
  for (Index i = 0; i < m.size(); ++i) {
    Scalar& z = m.data()[i];
    if (std::abs(z) < 0.05f) z = z < 0 ? -0.05f - z : 0.05f + z;
  }
  return m;
}

std::string describe(const GradientError& e) {
  return "index " + std::to_string(e.index) + ": analytic " + std::to_string(e.analytic) + " numeric " +
         std::to_string(e.numeric);
}

// The output activation a loss is meant for: the one it fuses with (softmax for cce, sigmoid for
// bce), else linear.
std::string output_for(const Loss& loss) {
  for (const auto& name : activation_names())
    if (loss.fuses_with(Activation(name))) return name;
  return "linear";
}

std::string param_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

// ---- every activation: backward against central differences --------------------------------

class ActivationGradient : public ::testing::TestWithParam<std::string> {};

// Checks backward (dV = J(V)ᵀ dY) against the numeric gradient of L(V) = Σ dY ⊙ φ(V). step's
// φ' is 0, and so is its difference quotient away from the jump at 0.
TEST_P(ActivationGradient, BackwardMatchesFiniteDifferences) {
  const Activation act(GetParam());
  Rng rng(7);
  Matrix V = away_from_zero(random_matrix(5, 4, rng, -2, 2));
  const Matrix dY = random_matrix(5, 4, rng);
  Matrix Y(5, 4), dV(5, 4), tmp(5, 4);
  act.forward(cview(V), view(Y));
  act.backward(cview(V), cview(Y), cview(dY), view(dV));
  std::vector<double> analytic(dV.data(), dV.data() + dV.size());
  auto loss = [&] {
    act.forward(cview(V), view(tmp));
    return double((dY.array() * tmp.array()).cast<double>().sum());
  };
  const auto r = central_difference_check({V.data(), size_t(V.size())}, analytic, loss, {.step = 1e-2});
  EXPECT_LT(r.worst, 1e-3) << act.name() << " at " << describe(r);
  // The scalar derivative agrees with the matrix backward for element-wise activations.
  if (act.elementwise()) {
    for (Index i = 0; i < V.size(); ++i) {
      EXPECT_NEAR(act.derivative(V.data()[i]) * dY.data()[i], dV.data()[i], 1e-5);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllActivations, ActivationGradient, ::testing::ValuesIn(activation_names()),
                         param_name);

// ---- every loss: gradient against central differences ---------------------------------------

class LossGradient : public ::testing::TestWithParam<std::string> {};

// Targets the loss takes: one-hot for a softmax output, 0/1 for a sigmoid one, else any.
Matrix targets_for(const Loss& loss, Index rows, Index cols, Rng& rng) {
  Matrix T = random_matrix(rows, cols, rng);
  if (output_for(loss) != "linear") {
    T.setZero();
    for (Index j = 0; j < cols; ++j) T(j % rows, j) = 1;
  }
  return T;
}

TEST_P(LossGradient, GradientMatchesFiniteDifferences) {
  const Loss loss(GetParam());
  Rng rng(11);
  // Outputs in (0.1, 0.9) so bce/cce logs are smooth.
  Matrix A = random_matrix(3, 4, rng, 0.1, 0.9);
  Matrix T = targets_for(loss, 3, 4, rng);
  // Keep |A − T| away from mae's kink at 0 and huber's at δ = 1.
  for (Index i = 0; i < A.size(); ++i) {
    if (std::abs(A.data()[i] - T.data()[i]) < 0.05f) T.data()[i] += 0.2f;
  }
  Matrix dA(3, 4);
  loss.gradient(cview(A), cview(T), view(dA));
  std::vector<double> analytic(dA.data(), dA.data() + dA.size());
  const auto r =
      central_difference_check({A.data(), size_t(A.size())}, analytic,
                               [&] { return loss.value(cview(A), cview(T)); }, {.step = 1e-3, .floor = 1e-3});
  // The log losses' 1/p curvature costs float32 digits in the difference quotient.
  const double tolerance = output_for(loss) == "linear" ? 2e-3 : 5e-3;
  EXPECT_LT(r.worst, tolerance) << loss.name() << " at " << describe(r);
}

// Online backprop's one-sample value_and_gradient is the same loss and dA as value()
// and gradient() on a one-column matrix, bit for bit.
TEST_P(LossGradient, OneSampleValueAndGradientMatchChecked) {
  const Loss loss(GetParam());
  Rng rng(12);
  Matrix A = random_matrix(5, 1, rng, 0.1, 0.9);
  Matrix T = random_matrix(5, 1, rng);
  if (output_for(loss) != "linear") {
    T.setZero();
    T(2, 0) = 1;
  }
  Matrix expected(5, 1), dA(5, 1);
  loss.gradient(cview(A), cview(T), view(expected));
  const double value = loss.value_and_gradient(A.data(), T.data(), dA.data(), 5);
  EXPECT_EQ(value, loss.value(cview(A), cview(T)));
  for (Index i = 0; i < 5; ++i) EXPECT_EQ(dA(i, 0), expected(i, 0)) << loss.name() << " output " << i;
}

INSTANTIATE_TEST_SUITE_P(AllLosses, LossGradient, ::testing::ValuesIn(loss_names()), param_name);

// The fused output deltas equal the chain rule through the activation (softmax + cce and
// sigmoid + bce give (a − t)/n), and the loss computed from logits equals the one from outputs.
TEST(FusedDelta, MatchesChainRule) {
  Rng rng(3);
  int pairs = 0;
  for (const auto& name : loss_names()) {
    const Loss loss(name);
    const Activation act(output_for(loss));
    if (!loss.fuses_with(act)) continue;
    ++pairs;
    const Matrix V = random_matrix(4, 5, rng, -3, 3);
    Matrix T = Matrix::Zero(4, 5);
    for (Index j = 0; j < 5; ++j) T((j * 3) % 4, j) = 1;
    Matrix A(4, 5), dA(4, 5), chain(4, 5), fused(4, 5);
    act.forward(cview(V), view(A));
    loss.gradient(cview(A), cview(T), view(dA));
    act.backward(cview(V), cview(A), cview(dA), view(chain));
    loss.fused_delta(cview(A), cview(T), view(fused));
    EXPECT_LT((chain - fused).cwiseAbs().maxCoeff(), 1e-5) << name;
    EXPECT_NEAR(loss.value(cview(A), cview(T)), loss.value(cview(A), cview(T), act, cview(V)), 1e-5) << name;
  }
  EXPECT_GE(pairs, 2);  // softmax + cce, sigmoid + bce
}

// 0.9/0.1 targets (docs/concepts.md) do not sum to 1; the fused softmax+cce delta must still be exact.
TEST(FusedDelta, SoftmaxCceWithTargetsNotSummingToOne) {
  Rng rng(8);
  const Activation act("softmax");
  const Loss loss("cce");
  const Matrix V = random_matrix(3, 4, rng, -2, 2);
  Matrix T = Matrix::Constant(3, 4, 0.1f);
  for (Index j = 0; j < 4; ++j) T(j % 3, j) = 0.9f;
  Matrix A(3, 4), dA(3, 4), chain(3, 4), fused(3, 4);
  act.forward(cview(V), view(A));
  loss.gradient(cview(A), cview(T), view(dA));
  act.backward(cview(V), cview(A), cview(dA), view(chain));
  loss.fused_delta(cview(A), cview(T), view(fused));
  EXPECT_LT((chain - fused).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(FusedLoss, SaturatedLogitsGiveFiniteLoss) {
  Matrix V(2, 1), T(2, 1);
  V << 500, -500;
  T << 0, 1;
  Matrix A(2, 1);
  for (const char* pair : {"softmax/cce", "sigmoid/bce"}) {
    const std::string s(pair);
    const Activation act(s.substr(0, s.find('/')));
    const Loss loss(s.substr(s.find('/') + 1));
    act.forward(cview(V), view(A));
    const double from_logits = loss.value(cview(A), cview(T), act, cview(V));
    EXPECT_TRUE(std::isfinite(from_logits)) << pair;
    EXPECT_GT(from_logits, 400) << pair;  // the true loss is about 1000 (softmax) or 1000 (two sigmoids)
    EXPECT_TRUE(std::isfinite(loss.value(cview(A), cview(T)))) << pair;  // clamped logs
    EXPECT_TRUE(A.allFinite()) << pair;
  }
}

// ---- Dense: weights and bias through the model, and the input gradient (BP2) ---------------

TEST(DenseGradient, WeightsBiasAndInput) {
  Rng rng(5);
  Sequential model(4, 1);
  auto& dense = model.add(Dense(3, "tanh"));
  model.compile({.loss = "mse", .optimizer = "sgd"});
  Matrix x = random_matrix(4, 6, rng), y = random_matrix(3, 6, rng);
  for (const auto& t : gradient_check(model, cview(x), cview(y))) {
    EXPECT_LT(t.error.worst, 5e-3) << t.name << " " << describe(t.error);
  }

  // Input gradient: dX = Wᵀ δ (BP2), through Dense::backward directly.
  Parameters& p = model.parameters();
  Matrix dY(3, 6), dX(4, 6);
  model.forward(cview(x), false);
  const Matrix A = dense.Y();
  Loss("mse").gradient(cview(A), cview(y), view(dY));
  MatrixView dXv = view(dX);
  p.zero_grad();
  dense.backward(cview(x), cview(dY), false, p, &dXv);
  std::vector<double> analytic_x(dX.data(), dX.data() + dX.size());
  const auto rx = central_difference_check({x.data(), size_t(x.size())}, analytic_x,
                                           [&] { return model.evaluate(x, y)["loss"]; });
  EXPECT_LT(rx.worst, 5e-3) << "input " << describe(rx);
}

// ---- whole models: activation × loss × depth -----------------------------------------------

struct ModelCase {
  std::string hidden, output, loss;
  int depth;
};

// The case's name, as test name and as gtest's description of the parameter.
std::string case_name(const ModelCase& c) {
  return c.hidden + "_" + c.output + "_" + c.loss + "_depth" + std::to_string(c.depth);
}
void PrintTo(const ModelCase& c, std::ostream* out) { *out << case_name(c); }

class ModelGradient : public ::testing::TestWithParam<ModelCase> {};

TEST_P(ModelGradient, ArenaMatchesFiniteDifferences) {
  const auto c = GetParam();
  Rng rng(17);
  Sequential model(3, 23);
  for (int d = 0; d < c.depth; ++d) model.add(Dense(4, c.hidden));
  model.add(Dense(3, c.output));
  model.compile({.loss = c.loss, .optimizer = "sgd"});
  Matrix x = random_matrix(3, 5, rng);
  Matrix y = random_matrix(3, 5, rng, 0.1, 0.9);
  if (c.output == "softmax") {
    y.setZero();
    for (Index j = 0; j < 5; ++j) y(j % 3, j) = 1;
  }
  for (const auto& t : gradient_check(model, cview(x), cview(y))) {
    EXPECT_LT(t.error.worst, 1e-2) << t.name << " " << describe(t.error);
  }
}

// Hidden layers: every activation but step, whose φ' is 0 by design (the perceptron rule
// trains it, not backprop; its loss is flat or jumps under ±h), and softmax, which couples
// the units and is checked as an output. Each loss goes with its output activation at depths
// 1–3; mse also goes with every output activation (softmax: its Jacobian, not fused), after
// one hidden layer of each kind.
std::vector<ModelCase> model_cases() {
  std::vector<std::string> hidden = activation_names();
  std::erase_if(hidden, [](const std::string& a) { return a == "step" || a == "softmax"; });
  std::vector<ModelCase> cases;
  for (const auto& h : hidden) {
    for (int depth : {1, 2, 3}) {
      for (const auto& loss : loss_names()) cases.push_back({h, output_for(Loss(loss)), loss, depth});
    }
    for (const auto& output : activation_names()) {
      if (output != "step" && output != "linear") cases.push_back({h, output, "mse", 1});
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(ActivationLossDepth, ModelGradient, ::testing::ValuesIn(model_cases()),
                         [](const auto& info) { return case_name(info.param); });

// ---- every optimizer: one training step follows the checked gradient -------------------------

struct StepCase {
  std::string optimizer, loss;
  Index batch;
};

std::string case_name(const StepCase& c) {
  return c.optimizer + "_" + c.loss + "_batch" + std::to_string(c.batch);
}
void PrintTo(const StepCase& c, std::ostream* out) { *out << case_name(c); }

class StepGradient : public ::testing::TestWithParam<StepCase> {};

// With the gradient g that gradient_check verified, a small step Δw of any optimizer changes
// the loss by g·Δw to first order, and g·Δw < 0 (every rule is a descent direction at its first
// step). Batch 1 with sgd takes the online path, which keeps no gradients of its own.
TEST_P(StepGradient, LossChangeMatchesGradientTimesStep) {
  const auto c = GetParam();
  const Loss loss(c.loss);
  const std::string output = output_for(loss);
  Rng rng(29);
  Sequential model(3, 31);
  model.add(Dense(4, "tanh"));
  model.add(Dense(3, output));
  model.compile({.loss = loss, .optimizer = make_optimizer(c.optimizer, R"({"learning_rate": 0.001})")});
  Matrix x = random_matrix(3, c.batch, rng);
  Matrix y = random_matrix(3, c.batch, rng, 0.1, 0.9);
  if (output == "softmax") {
    y.setZero();
    for (Index j = 0; j < c.batch; ++j) y(j % 3, j) = 1;
  }
  for (const auto& t : gradient_check(model, cview(x), cview(y))) {
    ASSERT_LT(t.error.worst, 1e-2) << t.name << " " << describe(t.error);
  }
  const auto g = model.parameters().grads();
  const std::vector<double> grad(g.begin(), g.end());
  const auto w = model.parameters().values();
  const std::vector<Scalar> before(w.begin(), w.end());
  model.forward(cview(x), false);
  const double loss_before = model.backward(cview(y));
  model.train_step(cview(x), cview(y));
  double predicted = 0;
  for (std::size_t i = 0; i < w.size(); ++i) predicted += grad[i] * (double(w[i]) - before[i]);
  model.forward(cview(x), false);
  const double loss_after = model.backward(cview(y));
  EXPECT_LT(predicted, 0);
  EXPECT_NEAR(loss_after - loss_before, predicted, 0.05 * std::abs(predicted));
}

// The per-batch rules: the full-batch ones take large steps by design (a line search, sign-based
// steps, Gauss-Newton) and are checked against their references in full_batch_optimizers_test.cpp.
std::vector<StepCase> step_cases() {
  std::vector<StepCase> cases;
  for (const auto& optimizer : optimizer_names()) {
    if (make_optimizer(optimizer)->full_batch()) continue;
    for (const auto& loss : loss_names())
      for (Index batch : {1, 4}) cases.push_back({optimizer, loss, batch});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(OptimizerLossBatch, StepGradient, ::testing::ValuesIn(step_cases()),
                         [](const auto& info) { return case_name(info.param); });

}  // namespace
