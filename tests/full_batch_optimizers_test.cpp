// The full-batch optimizers (docs/concepts.md, full-batch training) against references of their
// own: RPROP's step sizes on a two-weight example worked by hand, the Moré–Thuente line search on
// the paper's first test function, L-BFGS on Rosenbrock's function and on a convex quadratic
// (the minimum in n iterations with a near-exact line search), Levenberg–Marquardt on an
// exponential fit with a known answer, and the model's Jacobian against finite differences.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <functional>

#include "../src/optim/line_search.hpp"
#include "../src/train/model_objective.hpp"
#include "fathom/fathom.hpp"

namespace fathom {
namespace {

// An objective over a bare arena: `f` returns the loss and writes the gradient (when asked);
// `residuals` (optional) gives r and the Jacobian for least squares.
struct FunctionObjective final : Objective {
  Parameters& params;
  std::function<double(std::span<const Scalar> w, std::span<Scalar> g)> f;
  Index n_samples = 1;
  std::function<void(std::span<const Scalar> w, Index i, Scalar& r, std::span<Scalar> jrow)> residual;
  int evaluations = 0;

  FunctionObjective(Parameters& p, decltype(f) fn) : params(p), f(std::move(fn)) {}
  double evaluate(bool gradient) override {
    ++evaluations;
    std::vector<Scalar> scratch(params.size());
    return f(std::as_const(params).values(), gradient ? params.grads() : std::span<Scalar>(scratch));
  }
  Index samples() const override { return n_samples; }
  Index residuals_per_sample() const override { return 1; }
  void jacobian(Index first, Index count, MatrixView Jt, std::span<Scalar> r) override {
    for (Index j = 0; j < count; ++j)
      residual(std::as_const(params).values(), first + j, r[std::size_t(j)],
               std::span<Scalar>(Jt.col(j).data(), params.size()));
  }
};

Parameters arena(std::initializer_list<Scalar> w) {
  Parameters params;
  params.add("w", 1, Index(w.size()));
  params.finalize();
  std::copy(w.begin(), w.end(), params.values().begin());
  return params;
}

// Runs opt on the objective until it converges or `most` steps: each step gets the loss and
// gradient at the current point, as train_step gives them. Returns the steps taken.
int minimize(Optimizer& opt, FunctionObjective& objective, int most) {
  for (int step = 1; step <= most; ++step) {
    const double loss = objective.evaluate(true);
    EXPECT_TRUE(opt.step(loss, &objective));
    if (!opt.converged().empty()) return step;
  }
  return most;
}

// ---- RPROP: a hand-worked two-weight example ------------------------------------------------

// w0 = (1, −0.5), Δ0 = 0.1, η⁺ = 1.2, η⁻ = 0.5.
//  step 1, g = (0.4, −0.2): no previous sign → Δw = −sign(g)·Δ = (−0.1, +0.1); w = (0.9, −0.4)
//  step 2, g = (0.3, 0.1): w₁ keeps its sign → Δ = 0.12, w₁ = 0.78; w₂ flips → Δ = 0.05 and
//          iRPROP− takes no step (w₂ = −0.4) while iRPROP+, whose loss rose (1.0 → 1.5), undoes
//          its last step (w₂ = −0.5); both forget g₂
//  step 3, g = (0.2, 0.1): w₁ → Δ = 0.144, w₁ = 0.636; w₂ (forgotten) → Δw = −0.05
TEST(Rprop, StepSizesOfTheHandWorkedExample) {
  for (const bool plus : {false, true}) {
    Parameters params = arena({1.0f, -0.5f});
    std::unique_ptr<Optimizer> opt =
        plus ? std::unique_ptr<Optimizer>(std::make_unique<IRPROPPlus>()) : std::make_unique<RPROP>();
    opt->bind(params);
    const Scalar grads[3][2] = {{0.4f, -0.2f}, {0.3f, 0.1f}, {0.2f, 0.1f}};
    const double losses[3] = {1.0, 1.5, 0.8};
    const double expected[3][2] = {{0.9, -0.4}, {0.78, plus ? -0.5 : -0.4}, {0.636, plus ? -0.55 : -0.45}};
    for (int s = 0; s < 3; ++s) {
      params.grads()[0] = grads[s][0];
      params.grads()[1] = grads[s][1];
      ASSERT_TRUE(opt->step(losses[s]));
      EXPECT_NEAR(params.values()[0], expected[s][0], 1e-6) << opt->name() << " step " << s + 1;
      EXPECT_NEAR(params.values()[1], expected[s][1], 1e-6) << opt->name() << " step " << s + 1;
    }
    const auto state = opt->state();
    ASSERT_EQ(state[1].first, "step_size");
    EXPECT_NEAR(state[1].second[0], 0.144, 1e-6);
    EXPECT_NEAR(state[1].second[1], 0.05, 1e-6);
  }
}

TEST(Rprop, StepSizeStaysWithinItsBounds) {
  Parameters params = arena({0.0f});
  RPROP opt({.delta0 = 0.1f, .delta_max = 0.5f, .delta_min = 0.01f});
  opt.bind(params);
  for (int s = 0; s < 30; ++s) {
    params.grads()[0] = 1;
    opt.step(1.0);
  }
  EXPECT_FLOAT_EQ(opt.state()[1].second[0], 0.5f);
  for (int s = 0; s < 30; ++s) {
    params.grads()[0] = s % 2 == 0 ? 1.0f : -1.0f;  // every other step flips
    opt.step(1.0);
  }
  EXPECT_FLOAT_EQ(opt.state()[1].second[0], 0.01f);
}

TEST(Rprop, RefusesOptionsOutOfRange) {
  EXPECT_THROW(RPROP({.eta_plus = 1.0f}), InvalidArgument);
  EXPECT_THROW(RPROP({.eta_minus = 0}), InvalidArgument);
  EXPECT_THROW(RPROP({.delta0 = 100}), InvalidArgument);  // above delta_max 50
  EXPECT_THROW(make_optimizer("rprop", R"({"learning_rate": 0.1})"), InvalidArgument);
  RPROP opt;
  EXPECT_FALSE(opt.has_learning_rate());
  EXPECT_THROW(opt.set_learning_rate(0.1f), InvalidArgument);
}

// ---- the Moré–Thuente line search -----------------------------------------------------------

// φ(α) = −α / (α² + β), β = 2: the first function of Moré and Thuente's tests; its minimizer is
// √β. From steps far below and far above it, the search ends at a point satisfying the strong
// Wolfe conditions, checked here from their definitions.
TEST(LineSearch, MoreThuenteMeetsTheStrongWolfeConditions) {
  const double beta = 2;
  const auto phi = [&](double a) { return -a / (a * a + beta); };
  const auto dphi = [&](double a) { return (a * a - beta) / ((a * a + beta) * (a * a + beta)); };
  for (const double first : {1e-3, 1e-1, 1.0, 10.0, 1e3}) {
    detail::LineSearchOptions options;
    options.ftol = 1e-3;
    options.gtol = 0.1;
    detail::MoreThuente search(phi(0), dphi(0), first, options);
    while (!search.report(phi(search.step()), dphi(search.step()))) {
    }
    ASSERT_TRUE(search.converged()) << "from " << first;
    const double a = search.step();
    EXPECT_LE(phi(a), phi(0) + options.ftol * a * dphi(0)) << "from " << first;
    EXPECT_LE(std::abs(dphi(a)), options.gtol * std::abs(dphi(0))) << "from " << first;
    EXPECT_LE(search.evaluations(), 12) << "from " << first;
  }
}

// φ = −α + 0.1α² below α = 3 and NaN beyond, with a curvature condition no finite point meets
// (|φ'| ≥ 0.4 there): after a NaN every trial stays below that step (none is tried twice), and the
// search ends on the best point it can reach.
TEST(LineSearch, NeverRetriesAStepThatOverflowed) {
  const auto phi = [](double a) { return a >= 3 ? std::nan("") : -a + 0.1 * a * a; };
  const auto dphi = [](double a) { return a >= 3 ? std::nan("") : -1 + 0.2 * a; };
  detail::LineSearchOptions options;
  options.gtol = 0.1;
  detail::MoreThuente search(phi(0), dphi(0), 1.0, options);
  double lowest_failed = INFINITY;
  while (true) {
    const double a = search.step();
    EXPECT_LT(a, lowest_failed);
    if (a >= 3) lowest_failed = a;
    if (search.report(phi(a), dphi(a))) break;
  }
  EXPECT_LE(search.evaluations(), 12);
  EXPECT_LT(search.lowest().step, 3);
  EXPECT_LT(search.lowest().value, phi(1.0));
}

TEST(LineSearch, ShrinksAfterAnOverflow) {
  // φ is NaN beyond α = 1; the minimizer of (α − 0.5)² is inside.
  const auto phi = [](double a) { return a > 1 ? std::nan("") : (a - 0.5) * (a - 0.5); };
  const auto dphi = [](double a) { return 2 * (a - 0.5); };
  detail::MoreThuente search(phi(0), dphi(0), 8.0, {});
  while (!search.report(phi(search.step()), dphi(search.step()))) {
  }
  EXPECT_TRUE(search.converged());
  EXPECT_LE(search.step(), 1.0);
  EXPECT_LT(phi(search.step()), phi(0));
}

// ---- L-BFGS --------------------------------------------------------------------------------

TEST(Lbfgs, MinimizesRosenbrock) {
  Parameters params = arena({-1.2f, 1.0f});
  FunctionObjective rosenbrock(params, [](std::span<const Scalar> w, std::span<Scalar> g) {
    const double x = w[0], y = w[1];
    g[0] = Scalar(-2 * (1 - x) - 400 * x * (y - x * x));
    g[1] = Scalar(200 * (y - x * x));
    return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
  });
  LBFGS opt({.gradient_tolerance = 1e-4f});
  opt.bind(params);
  const int steps = minimize(opt, rosenbrock, 200);
  EXPECT_LT(steps, 100) << opt.converged();
  EXPECT_NEAR(params.values()[0], 1.0, 2e-3);
  EXPECT_NEAR(params.values()[1], 1.0, 4e-3);
  // Two evaluations a step on average or fewer (one given, the line search's): no runaway search.
  EXPECT_LE(rosenbrock.evaluations, 3 * steps);
}

// f(w) = ½ wᵀAw − bᵀw with A symmetric positive definite: with an (almost) exact line search,
// L-BFGS holding every pair is conjugate gradients, exact in n steps.
TEST(Lbfgs, ConvexQuadraticInNIterations) {
  constexpr int n = 6;
  Eigen::MatrixXd Q(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) Q(i, j) = std::sin(1.0 + i * n + j);
  const Eigen::MatrixXd A = Q.transpose() * Q + Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd b(n);
  b << 1, -2, 0.5, 3, -1, 2;
  const Eigen::VectorXd exact = A.ldlt().solve(b);
  Parameters params = arena({0, 0, 0, 0, 0, 0});
  FunctionObjective quadratic(params, [&](std::span<const Scalar> w, std::span<Scalar> g) {
    Eigen::VectorXd x(n);
    for (int i = 0; i < n; ++i) x[i] = w[std::size_t(i)];
    const Eigen::VectorXd grad = A * x - b;
    for (int i = 0; i < n; ++i) g[std::size_t(i)] = Scalar(grad[i]);
    return 0.5 * x.dot(A * x) - b.dot(x);
  });
  LBFGS opt({.history = 10, .gradient_tolerance = 0, .change_tolerance = 0, .curvature = 1e-3f});
  opt.bind(params);
  for (int step = 0; step < n; ++step) opt.step(quadratic.evaluate(true), &quadratic);
  for (int i = 0; i < n; ++i)
    EXPECT_NEAR(params.values()[std::size_t(i)], exact[i], 2e-3 * std::max(1.0, std::abs(exact[i]))) << i;
}

TEST(Lbfgs, StopsAtAZeroGradientWithoutMoving) {
  Parameters params = arena({3.0f});
  FunctionObjective flat(params, [](std::span<const Scalar>, std::span<Scalar> g) {
    g[0] = 0;
    return 1.0;
  });
  LBFGS opt;
  opt.bind(params);
  opt.step(flat.evaluate(true), &flat);
  EXPECT_NE(opt.converged().find("gradient_tolerance"), std::string::npos) << opt.converged();
  EXPECT_EQ(params.values()[0], 3.0f);
}

TEST(Lbfgs, NeedsTheObjective) {
  Parameters params = arena({1.0f});
  LBFGS opt;
  opt.bind(params);
  params.grads()[0] = 1;
  EXPECT_THROW(opt.step(1.0), Error);
  EXPECT_THROW(LBFGS({.history = 2.5f}), InvalidArgument);
  EXPECT_THROW(LBFGS({.curvature = 1e-5f}), InvalidArgument);
}

// ---- Levenberg–Marquardt -------------------------------------------------------------------

// y = 2·e^(−1.5 t) at 20 points in [0, 2], fitted by a·e^(b t) from (a, b) = (1, 0).
TEST(LevenbergMarquardt, FitsAnExponential) {
  constexpr int m = 20;
  const auto t = [](Index i) { return 0.1 * double(i); };
  const auto y = [&](Index i) { return 2 * std::exp(-1.5 * t(i)); };
  Parameters params = arena({1.0f, 0.0f});
  FunctionObjective fit(params, [&](std::span<const Scalar> w, std::span<Scalar> g) {
    double loss = 0, ga = 0, gb = 0;
    for (Index i = 0; i < m; ++i) {
      const double e = std::exp(w[1] * t(i)), r = w[0] * e - y(i);
      loss += 0.5 * r * r / m;
      ga += r * e / m;
      gb += r * w[0] * t(i) * e / m;
    }
    g[0] = Scalar(ga);
    g[1] = Scalar(gb);
    return loss;
  });
  fit.n_samples = m;
  fit.residual = [&](std::span<const Scalar> w, Index i, Scalar& r, std::span<Scalar> jrow) {
    const double e = std::exp(w[1] * t(i));
    r = Scalar(w[0] * e - y(i));
    jrow[0] = Scalar(e);
    jrow[1] = Scalar(w[0] * t(i) * e);
  };
  LevenbergMarquardt opt;
  opt.bind(params);
  const int steps = minimize(opt, fit, 100);
  EXPECT_LT(steps, 40) << opt.converged();
  EXPECT_NEAR(params.values()[0], 2.0, 1e-4);
  EXPECT_NEAR(params.values()[1], -1.5, 1e-4);
  EXPECT_LT(opt.mu(), 1e-3);  // successful steps lowered μ from its start
}

TEST(LevenbergMarquardt, RefusesModelsTooLargeForItsMatrices) {
  Sequential model(100, 1);
  model.add(Dense(90, "tanh"));  // 9,090 parameters > 8,192
  model.add(Dense(1));
  try {
    model.compile({.loss = "mse", .optimizer = "lm"});
    FAIL() << "compiled";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("8192"), std::string::npos) << e.what();
  }
  // Refused, the model is not half compiled: it asks to be compiled, and compiles with another rule.
  EXPECT_FALSE(model.compiled());
  EXPECT_THROW(model.predict(Matrix::Zero(100, 1)), Error);
  model.compile({.loss = "mse", .optimizer = "lbfgs"});
  EXPECT_EQ(model.predict(Matrix::Zero(100, 2)).cols(), 2);
}

// One step of lm on a model against δ = −(JᵀJ + cI)⁻¹(Jᵀr + nλw), c = μ + nλ, computed here from
// the model's Jacobian: with fewer residuals than parameters (the m × m dual system) and more.
TEST(LevenbergMarquardt, StepSolvesTheDampedGaussNewtonSystem) {
  for (const Index samples : {3, 20}) {  // 6 residuals < 26 parameters < 40 residuals
    Sequential model(3, 5);
    model.add(Dense(4, "tanh"));
    model.add(Dense(2, "sigmoid"));
    const double l2 = 0.01;
    model.compile({.loss = "mse", .optimizer = LevenbergMarquardt({.l2 = Scalar(l2)})});
    Rng rng(9);
    Matrix x(3, samples), y(2, samples);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.normal());
    for (Index i = 0; i < y.size(); ++i) y.data()[i] = Scalar(rng.uniform());
    const Index p = Index(model.parameters().size()), m = 2 * samples;
    Matrix Jt(p, m);
    std::vector<Scalar> r(static_cast<std::size_t>(m));
    Sequential probe = model;
    probe.forward(cview(x), true);
    detail::ModelObjective(probe, cview(x), cview(y)).jacobian(0, samples, view(Jt), r);
    const Eigen::MatrixXd J = Jt.cast<double>().transpose();
    Eigen::VectorXd w(p), rv(m);
    for (Index i = 0; i < p; ++i) w[i] = model.parameters().values()[std::size_t(i)];
    for (Index i = 0; i < m; ++i) rv[i] = r[std::size_t(i)];
    const double n = double(samples), c = 1e-3 + n * l2;
    const Eigen::MatrixXd A = J.transpose() * J + c * Eigen::MatrixXd::Identity(p, p);
    const Eigen::VectorXd expected = w - A.ldlt().solve(J.transpose() * rv + n * l2 * w);
    model.train_step(cview(x), cview(y));
    const auto& lm = dynamic_cast<const LevenbergMarquardt&>(model.optimizer());
    ASSERT_NEAR(lm.mu(), 1e-4, 1e-10) << "the first trial must have been taken, " << samples << " samples";
    double worst = 0;
    for (Index i = 0; i < p; ++i)
      worst = std::max(worst, std::abs(model.parameters().values()[std::size_t(i)] - expected[i]));
    EXPECT_LT(worst, 1e-4) << samples << " samples";
  }
}

// The model's Jacobian (one backward pass per output and sample) against central differences
// of its outputs, for a net with a softmax output (whose Jacobian is not diagonal).
TEST(LevenbergMarquardt, ModelJacobianMatchesFiniteDifferences) {
  for (const char* output : {"sigmoid", "softmax"}) {
    Sequential model(3, 7);
    model.add(Dense(4, "tanh"));
    model.add(Dense(2, output));
    model.compile({.loss = "mse", .optimizer = "lm"});
    Matrix x(3, 5), y(2, 5);
    x << 0.5f, -1, 0.2f, 0.9f, -0.3f, 1.2f, 0.1f, -0.8f, 0.4f, 0.6f, -0.2f, 0.3f, 1.0f, -0.5f, 0.7f;
    y << 1, 0, 1, 0, 0.5f, 0, 1, 0, 1, 0.5f;
    const Index p = Index(model.parameters().size());
    Matrix Jt(p, 10);
    std::vector<Scalar> r(10);
    detail::ModelObjective objective(model, cview(x), cview(y));
    model.forward(cview(x), true);  // the batch's outputs, kept by the objective on first use
    objective.jacobian(0, 5, view(Jt), r);
    const Matrix out = model.predict(x);
    for (Index j = 0; j < 5; ++j)
      for (Index k = 0; k < 2; ++k) EXPECT_NEAR(r[std::size_t(j * 2 + k)], out(k, j) - y(k, j), 1e-6);
    auto w = model.parameters().values();
    double worst = 0;
    for (Index i = 0; i < p; ++i) {
      const Scalar keep = w[std::size_t(i)], h = 1e-2f;
      w[std::size_t(i)] = keep + h;
      const Matrix plus = model.predict(x);
      w[std::size_t(i)] = keep - h;
      const Matrix minus = model.predict(x);
      w[std::size_t(i)] = keep;
      for (Index j = 0; j < 5; ++j)
        for (Index k = 0; k < 2; ++k) {
          const double fd = (double(plus(k, j)) - minus(k, j)) / (2 * h);
          worst = std::max(worst, std::abs(fd - Jt(i, j * 2 + k)));
        }
    }
    EXPECT_LT(worst, 2e-3) << output;
  }
}

}  // namespace
}  // namespace fathom
