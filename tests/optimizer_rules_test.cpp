// Every optimizer rule against hand-worked arithmetic: the first two steps over a two-layer arena
// (expected values computed here in double from the formulas), docs/concepts.md's worked
// example 2 with momentum, and a large arena that must end where the small one does.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "fathom/core/error.hpp"
#include "fathom/core/parameters.hpp"
#include "fathom/optim/adaptive.hpp"
#include "fathom/optim/sgd.hpp"
#include "optimizer_arena.hpp"

namespace fathom {
namespace {

using namespace fathom::testing;

double sign(double x) { return double(x > 0) - double(x < 0); }

// What one value goes through, worked in double: rule(w, g, state) returns the new w.
struct Moments {
  double a = 0, b = 0;  // the rule's two state values (velocity, accumulator, m and v, ...)
  int t = 0;            // steps taken, for Adam's bias correction
};

// Runs two steps (kG1 then kG2) over the arena and checks each against the rule worked by hand.
template <class Rule>
void expect_two_steps(Optimizer& opt, Rule rule) {
  Values after1, after2;
  for (std::size_t i = 0; i < kSize; ++i) {
    Moments state;
    after1[i] = rule(kW0[i], kG1[i], state);
    after2[i] = rule(after1[i], kG2[i], state);
  }
  Parameters params = two_layer_arena(kW0);
  opt.bind(params);
  set_grads(params, kG1);
  opt.step();
  expect_values(params, after1, "after step 1");
  set_grads(params, kG2);
  opt.step();
  expect_values(params, after2, "after step 2");
  EXPECT_EQ(opt.iterations(), 2);
}

// ---- docs/concepts.md, worked example 2: 2-2-1 sigmoid net, all weights 0.1, η = 0.2, α = 0.9 ---

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

// Arena layout: hidden/W (2×2, column-major), hidden/b (2), output/W (1×2), output/b (1).
using Net = std::array<double, 9>;

// Gradient of E = ½(t − o)² for one sample, with the weights as they are (BP1–BP4 by hand).
Net example2_gradient(const Net& p, double x1, double x2, double target) {
  const double h1 = sigmoid(p[0] * x1 + p[2] * x2 + p[4]);
  const double h2 = sigmoid(p[1] * x1 + p[3] * x2 + p[5]);
  const double o = sigmoid(p[6] * h1 + p[7] * h2 + p[8]);
  const double delta_o = o * (1 - o) * (target - o);
  const double delta_h1 = h1 * (1 - h1) * p[6] * delta_o;
  const double delta_h2 = h2 * (1 - h2) * p[7] * delta_o;
  // ∂E/∂w = −δ · input
  return {-delta_h1 * x1, -delta_h2 * x1, -delta_h1 * x2, -delta_h2 * x2, -delta_h1,
          -delta_h2,      -delta_o * h1,  -delta_o * h2,  -delta_o};
}

TEST(SGD, ReproducesWorkedExample2WithMomentum) {
  Parameters params;
  params.add("hidden/W", 2, 2);
  params.add("hidden/b", 2, 1);
  params.add("output/W", 1, 2);
  params.add("output/b", 1, 1);
  params.finalize();
  for (Scalar& w : params.values()) w = 0.1f;
  SGD sgd({.learning_rate = 0.2f, .momentum = 0.9f});
  sgd.bind(params);

  Net w;
  w.fill(0.1);
  const Net g1 = example2_gradient(w, 1, 0, 0.9);
  for (std::size_t i = 0; i < w.size(); ++i) params.grads()[i] = Scalar(g1[i]);
  sgd.step();
  // The slide's numbers, to the four decimals it prints.
  const Net course = {.1004, .1004, .1, .1, .1004, .1004, .1095, .1095, .1172};
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(params.values()[i], course[i], 5e-5) << i;
  EXPECT_EQ(params.values()[2], 0.1f);  // from x2 = 0: exactly unchanged

  // Second sample (0, 1), target −0.3: Δw(2) = −η g(2) + α Δw(1), gradients with the new weights.
  Net dw1, expected;
  for (std::size_t i = 0; i < w.size(); ++i) dw1[i] = -0.2 * g1[i], w[i] += dw1[i];
  const Net g2 = example2_gradient(w, 0, 1, -0.3);
  for (std::size_t i = 0; i < w.size(); ++i) {
    params.grads()[i] = Scalar(g2[i]);
    expected[i] = w[i] - 0.2 * g2[i] + double(0.9f) * dw1[i];
  }
  sgd.step();
  for (std::size_t i = 0; i < w.size(); ++i) {
    EXPECT_NEAR(params.values()[i], expected[i], 1e-6 * std::abs(expected[i])) << i;
  }
}

// ---- two steps of every rule over the two-layer arena ----------------------------------------
// Hyperparameters are floats in the library, so the hand arithmetic uses the same float values.

TEST(SGD, MomentumWithL2AndL1) {
  const double eta = 0.1f, alpha = 0.9f, l2 = 0.01f, l1 = 0.005f;
  // One value by hand: w = 0.5, g = 0.1 → Δw = −0.01 − 0.005 − 0.005 = −0.02.
  EXPECT_NEAR(0.5 - eta * 0.1 - l2 * 0.5 - l1, 0.48, 1e-7);
  SGD sgd({.learning_rate = 0.1f, .momentum = 0.9f, .l2 = 0.01f, .l1 = 0.005f});
  expect_two_steps(sgd, [&](double w, double g, Moments& s) {
    s.a = -eta * g + alpha * s.a - l2 * w - l1 * sign(w);  // Δw(t)
    return w + s.a;
  });
}

TEST(SGD, NesterovLooksAhead) {
  const double eta = 0.1f, alpha = 0.9f;
  SGD sgd({.learning_rate = 0.1f, .momentum = 0.9f, .nesterov = true});
  expect_two_steps(sgd, [&](double w, double g, Moments& s) {
    s.a = alpha * s.a - eta * g;
    return w + alpha * s.a - eta * g;
  });
}

TEST(Adagrad, TwoStepsPlainAndWithL2) {
  const double eta = 0.1f, eps = 1e-7f, g0 = 0.1f;
  for (const double l2 : {0.0, double(0.05f)}) {
    Adagrad adagrad({.learning_rate = 0.1f, .l2 = Scalar(l2)});
    expect_two_steps(adagrad, [&](double w, double g, Moments& s) {
      g += l2 * w;
      s.a += g * g;  // G − G₀
      return w - eta * g / (std::sqrt(g0 + s.a) + eps);
    });
  }
}

TEST(RMSprop, TwoStepsPlainAndWithMomentum) {
  const double eta = 0.01f, eps = 1e-7f;
  for (const double mu : {0.0, double(0.5f)}) {
    const double rho = mu > 0 ? 0.8f : 0.9f;
    RMSprop rmsprop({.learning_rate = 0.01f, .rho = Scalar(rho), .momentum = Scalar(mu)});
    expect_two_steps(rmsprop, [&](double w, double g, Moments& s) {
      s.a = rho * s.a + (1 - rho) * g * g;
      s.b = mu * s.b + eta * g / (std::sqrt(s.a) + eps);
      return w - s.b;
    });
  }
}

// Adam with AdamW's decoupled decay λ (0 for Adam).
auto adam_rule(double decay) {
  return [decay](double w, double g, Moments& s) {
    const double eta = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    s.t += 1;
    s.a = b1 * s.a + (1 - b1) * g;
    s.b = b2 * s.b + (1 - b2) * g * g;
    const double m_hat = s.a / (1 - std::pow(b1, s.t)), v_hat = s.b / (1 - std::pow(b2, s.t));
    return w - eta * decay * w - eta * m_hat / (std::sqrt(v_hat) + eps);
  };
}

TEST(Adam, BiasCorrectedStepsAtT1AndT2) {
  // At t = 1 the bias-corrected step is η·g/|g| ≈ η·sign(g), whatever the gradient's size.
  Moments fresh;
  EXPECT_NEAR(adam_rule(0)(0.5, 0.5, fresh), 0.5 - 0.01, 1e-9);
  Adam adam({.learning_rate = 0.01f});
  expect_two_steps(adam, adam_rule(0));
}

TEST(AdamW, DecaysWeightsOutsideTheGradient) {
  AdamW adamw({.learning_rate = 0.01f, .weight_decay = 0.1f});
  expect_two_steps(adamw, adam_rule(0.1f));
  // Decay alone: with a zero gradient Adam's step is 0, so w shrinks by exactly (1 − ηλ).
  Parameters params = two_layer_arena(kW0);
  adamw.bind(params);
  adamw.step();
  Values decayed;
  for (std::size_t i = 0; i < kSize; ++i) decayed[i] = kW0[i] * (1 - double(0.01f) * double(0.1f));
  expect_values(params, decayed, "decay only");
}

// Every rule, over the six-value arena and over the same six values tiled 418 times (several
// of the adaptive rules' 1024-value blocks and a ragged tail): each copy must end where the
// small arena does (within the last bits of a SIMD sqrt). Also checks the state's names.
TEST(Optimizer, LargeArenaMatchesTheSmallOneAndStateIsNamed) {
  const std::pair<const char*, std::vector<std::string>> rules[] = {{"sgd", {"velocity"}},
                                                                    {"adagrad", {"accumulator"}},
                                                                    {"rmsprop", {"mean_square", "momentum"}},
                                                                    {"adam", {"m", "v"}},
                                                                    {"adamw", {"m", "v"}}};
  const std::size_t copies = 418;
  for (const auto& [name, state_names] : rules) {
    const std::string config = std::string(name) == "rmsprop" ? R"({"momentum": 0.5, "l2": 0.01})" : "{}";
    Parameters small = two_layer_arena(kW0), big;
    big.add("big/W", kSize, Index(copies));
    big.finalize();
    auto on_small = make_optimizer(name, config), on_big = make_optimizer(name, config);
    on_small->bind(small);
    on_big->bind(big);
    for (std::size_t i = 0; i < big.size(); ++i) big.values()[i] = small.values()[i % kSize];
    for (const Values& g : {kG1, kG2}) {
      set_grads(small, g);
      for (std::size_t i = 0; i < big.size(); ++i) big.grads()[i] = Scalar(g[i % kSize]);
      on_small->step(), on_big->step();
    }
    for (std::size_t i = 0; i < big.size(); ++i) {
      const Scalar expected = small.values()[i % kSize];
      ASSERT_NEAR(big.values()[i], expected, 1e-6 * std::abs(expected)) << name << " value " << i;
    }
    const auto state = on_big->state();
    ASSERT_EQ(state.size(), state_names.size()) << name;
    for (std::size_t k = 0; k < state.size(); ++k) {
      EXPECT_EQ(state[k].first, state_names[k]);
      EXPECT_EQ(state[k].second.size(), big.size());
    }
  }
}

}  // namespace
}  // namespace fathom
