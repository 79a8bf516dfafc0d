// Finite-difference gradient checks: every activation, every loss, Dense (W, b and input),
// and whole models over a table of activation × loss × depth. Each case states its tolerance.
#include "gradcheck.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "fathom/fathom.hpp"

using namespace fathom;
using fathom::testing::gradcheck;
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

struct ActivationCase {
  const char* name;
  double tolerance;
};

class ActivationGradient : public ::testing::TestWithParam<ActivationCase> {};

// Checks backward (dV = J(V)ᵀ dY) against the numeric gradient of L(V) = Σ dY ⊙ φ(V).
TEST_P(ActivationGradient, BackwardMatchesFiniteDifferences) {
  const Activation act(GetParam().name);
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
  const auto r = gradcheck({V.data(), size_t(V.size())}, analytic, loss, 1e-2);
  EXPECT_LT(r.worst, GetParam().tolerance)
      << act.name() << " at " << r.index << ": analytic " << r.analytic << " numeric " << r.numeric;
  // The scalar derivative agrees with the matrix backward for element-wise activations.
  if (act.elementwise()) {
    for (Index i = 0; i < V.size(); ++i) {
      EXPECT_NEAR(act.derivative(V.data()[i]) * dY.data()[i], dV.data()[i], 1e-5);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllActivations, ActivationGradient,
                         ::testing::Values(ActivationCase{"linear", 1e-3}, ActivationCase{"sigmoid", 1e-3},
                                           ActivationCase{"tanh", 1e-3}, ActivationCase{"relu", 1e-3},
                                           ActivationCase{"leaky_relu(0.1)", 1e-3},
                                           ActivationCase{"elu(1.0)", 1e-3}, ActivationCase{"gelu", 1e-3},
                                           ActivationCase{"softplus", 1e-3}, ActivationCase{"softmax", 1e-3},
                                           ActivationCase{"gaussian", 1e-3}, ActivationCase{"step", 1e-9}),
                         [](const auto& info) {
                           std::string n = info.param.name;
                           return n.substr(0, n.find('('));
                         });

struct LossCase {
  const char* name;
  double tolerance;
};

class LossGradient : public ::testing::TestWithParam<LossCase> {};

TEST_P(LossGradient, GradientMatchesFiniteDifferences) {
  const Loss loss(GetParam().name);
  Rng rng(11);
  // Outputs in (0.1, 0.9) so bce/cce logs are smooth; targets one-hot for cce, 0/1 for bce.
  Matrix A = random_matrix(3, 4, rng, 0.1, 0.9);
  Matrix T = random_matrix(3, 4, rng);
  if (loss.kind() == LossKind::Cce || loss.kind() == LossKind::Bce) {
    T.setZero();
    for (Index j = 0; j < 4; ++j) T(j % 3, j) = 1;
  }
  // Keep |A − T| away from mae's kink at 0 and huber's at δ = 1.
  for (Index i = 0; i < A.size(); ++i) {
    if (std::abs(A.data()[i] - T.data()[i]) < 0.05f) T.data()[i] += 0.2f;
  }
  Matrix dA(3, 4);
  loss.gradient(cview(A), cview(T), view(dA));
  std::vector<double> analytic(dA.data(), dA.data() + dA.size());
  const auto r = gradcheck(
      {A.data(), size_t(A.size())}, analytic, [&] { return loss.value(cview(A), cview(T)); }, 1e-3, 1e-3);
  EXPECT_LT(r.worst, GetParam().tolerance)
      << loss.name() << " at " << r.index << ": analytic " << r.analytic << " numeric " << r.numeric;
}

// The tiny-network path's one-sample value_and_gradient is the same loss and dA as value()
// and gradient() on a one-column matrix, bit for bit (mse has its own fused loop).
TEST_P(LossGradient, OneSampleValueAndGradientMatchChecked) {
  const Loss loss(GetParam().name);
  Rng rng(12);
  Matrix A = random_matrix(5, 1, rng, 0.1, 0.9);
  Matrix T = random_matrix(5, 1, rng);
  if (loss.kind() == LossKind::Cce || loss.kind() == LossKind::Bce) {
    T.setZero();
    T(2, 0) = 1;
  }
  Matrix expected(5, 1), dA(5, 1);
  loss.gradient(cview(A), cview(T), view(expected));
  const double value = loss.value_and_gradient(A.data(), T.data(), dA.data(), 5);
  EXPECT_EQ(value, loss.value(cview(A), cview(T)));
  for (Index i = 0; i < 5; ++i) EXPECT_EQ(dA(i, 0), expected(i, 0)) << loss.name() << " output " << i;
}

INSTANTIATE_TEST_SUITE_P(AllLosses, LossGradient,
                         ::testing::Values(LossCase{"mse", 2e-3}, LossCase{"mae", 2e-3},
                                           LossCase{"huber", 2e-3}, LossCase{"bce", 5e-3},
                                           LossCase{"cce", 5e-3}),
                         [](const auto& info) { return std::string(info.param.name); });

// The fused output deltas equal the chain rule through the activation: softmax + cce and
// sigmoid + bce give (a − t)/n, and the loss computed from logits equals the one from outputs.
TEST(FusedDelta, MatchesChainRule) {
  Rng rng(3);
  for (const char* pair : {"softmax/cce", "sigmoid/bce"}) {
    const std::string s(pair);
    const Activation act(s.substr(0, s.find('/')));
    const Loss loss(s.substr(s.find('/') + 1));
    ASSERT_TRUE(loss.fuses_with(act));
    const Matrix V = random_matrix(4, 5, rng, -3, 3);
    Matrix T = Matrix::Zero(4, 5);
    for (Index j = 0; j < 5; ++j) T((j * 3) % 4, j) = 1;
    Matrix A(4, 5), dA(4, 5), chain(4, 5), fused(4, 5);
    act.forward(cview(V), view(A));
    loss.gradient(cview(A), cview(T), view(dA));
    act.backward(cview(V), cview(A), cview(dA), view(chain));
    loss.fused_delta(cview(A), cview(T), view(fused));
    EXPECT_LT((chain - fused).cwiseAbs().maxCoeff(), 1e-5) << pair;
    EXPECT_NEAR(loss.value(cview(A), cview(T)), loss.value(cview(A), cview(T), act, cview(V)), 1e-5) << pair;
  }
}

// SPEC §6's 0.9/0.1 targets do not sum to 1; the fused softmax+cce delta must still be exact.
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

// Analytic gradients of the whole arena for a model, from one forward/backward.
std::vector<double> model_gradient(Sequential& model, const Matrix& x, const Matrix& y) {
  model.forward(cview(x), true);
  model.zero_grad();
  model.backward(cview(y));
  auto g = model.parameters().grads();
  return {g.begin(), g.end()};
}

TEST(DenseGradient, WeightsBiasAndInput) {
  Rng rng(5);
  Sequential model(4, 1);
  auto& dense = model.add(Dense(3, "tanh"));
  model.compile({.loss = "mse", .optimizer = "sgd"});
  Matrix x = random_matrix(4, 6, rng), y = random_matrix(3, 6, rng);
  const auto analytic = model_gradient(model, x, y);
  auto loss = [&] {
    model.forward(cview(x), false);
    return model.evaluate(x, y)["loss"];
  };
  const auto r = gradcheck(model.parameters().values(), analytic, loss);
  EXPECT_LT(r.worst, 5e-3) << "parameter " << model.parameters().entries().size() << " index " << r.index;

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
  const auto rx =
      gradcheck({x.data(), size_t(x.size())}, analytic_x, [&] { return model.evaluate(x, y)["loss"]; });
  EXPECT_LT(rx.worst, 5e-3) << "input index " << rx.index;
}

struct ModelCase {
  const char* hidden;
  const char* output;
  const char* loss;
  int depth;
  double tolerance;
};

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
  if (std::string(c.loss) == "cce") {
    y.setZero();
    for (Index j = 0; j < 5; ++j) y(j % 3, j) = 1;
  }
  const auto analytic = model_gradient(model, x, y);
  const auto r =
      gradcheck(model.parameters().values(), analytic, [&] { return model.evaluate(x, y)["loss"]; });
  EXPECT_LT(r.worst, c.tolerance) << "index " << r.index << ": analytic " << r.analytic << " numeric "
                                  << r.numeric;
}

std::vector<ModelCase> model_cases() {
  std::vector<ModelCase> cases;
  for (const char* hidden :
       {"sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus", "gaussian", "linear"}) {
    for (int depth : {1, 2, 3}) {
      cases.push_back({hidden, "linear", "mse", depth, 1e-2});
      cases.push_back({hidden, "linear", "huber", depth, 1e-2});
      cases.push_back({hidden, "sigmoid", "bce", depth, 1e-2});
      cases.push_back({hidden, "softmax", "cce", depth, 1e-2});
      cases.push_back({hidden, "sigmoid", "mse", depth, 1e-2});  // SPEC's sigmoid + quadratic cost
    }
  }
  cases.push_back({"tanh", "softmax", "mse", 2, 1e-2});  // softmax Jacobian, not fused
  cases.push_back({"tanh", "linear", "mae", 1, 2e-2});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(ActivationLossDepth, ModelGradient, ::testing::ValuesIn(model_cases()),
                         [](const auto& info) {
                           return std::string(info.param.hidden) + "_" + info.param.output + "_" +
                                  info.param.loss + "_depth" + std::to_string(info.param.depth);
                         });

}  // namespace
