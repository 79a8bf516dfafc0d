// Optimizers against hand-worked arithmetic: the first two steps of every rule over a two-layer
// arena (expected values computed here in double from the formulas), SPEC §7 example 2,
// clipping, the step counter, convergence on a quadratic, validation and config round trips.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fathom/core/error.hpp"
#include "fathom/core/parameters.hpp"
#include "fathom/optim/adaptive.hpp"
#include "fathom/optim/sgd.hpp"

namespace fathom {
namespace {

constexpr std::size_t kSize = 6;
using Values = std::array<double, kSize>;

// "l1/W" 2×2 and "l2/W" 1×2: a flat arena of six values spanning two layers.
Parameters two_layer_arena(const Values& w) {
  Parameters params;
  params.add("l1/W", 2, 2);
  params.add("l2/W", 1, 2);
  params.finalize();
  for (std::size_t i = 0; i < kSize; ++i) params.values()[i] = Scalar(w[i]);
  return params;
}

void set_grads(Parameters& params, const Values& g) {
  for (std::size_t i = 0; i < g.size(); ++i) params.grads()[i] = Scalar(g[i]);
}

// Relative 1e-6, with an absolute floor for values that land near zero.
void expect_values(const Parameters& params, const Values& expected, const char* when) {
  for (std::size_t i = 0; i < kSize; ++i) {
    const double tol = 1e-6 * std::max(std::abs(expected[i]), 1e-2);
    EXPECT_NEAR(params.values()[i], expected[i], tol) << when << ", value " << i;
  }
}

double sign(double x) { return double(x > 0) - double(x < 0); }

// The inputs of every two-step test (w0 has a zero to exercise sign(0) = 0).
constexpr Values kW0 = {0.5, -0.3, 0.0, 0.8, -0.6, 0.25};
constexpr Values kG1 = {0.1, -0.2, 0.3, 0.05, -0.4, 0.15};
constexpr Values kG2 = {-0.05, 0.1, 0.2, -0.3, 0.1, 0.02};

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

// ---- SPEC §7 example 2: 2-2-1 sigmoid net, all weights 0.1, η = 0.2, α = 0.9 -----------------

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

// Arena layout: hidden/W (2×2, column-major), hidden/b (2), output/W (1×2), output/b (1).
using Net = std::array<double, 9>;

// Gradient of E = ½(t − o)² for one sample, with the weights as they are (BP1–BP4 by hand).
Net spec_gradient(const Net& p, double x1, double x2, double target) {
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

TEST(SGD, ReproducesSpecExample2WithMomentum) {
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
  const Net g1 = spec_gradient(w, 1, 0, 0.9);
  for (std::size_t i = 0; i < w.size(); ++i) params.grads()[i] = Scalar(g1[i]);
  sgd.step();
  // The slide's numbers, to the four decimals it prints.
  const Net spec = {.1004, .1004, .1, .1, .1004, .1004, .1095, .1095, .1172};
  for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(params.values()[i], spec[i], 5e-5) << i;
  EXPECT_EQ(params.values()[2], 0.1f);  // from x2 = 0: exactly unchanged

  // Second sample (0, 1), target −0.3: Δw(2) = −η g(2) + α Δw(1), gradients with the new weights.
  Net dw1, expected;
  for (std::size_t i = 0; i < w.size(); ++i) dw1[i] = -0.2 * g1[i], w[i] += dw1[i];
  const Net g2 = spec_gradient(w, 0, 1, -0.3);
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

// ---- the step counter, resuming, binding ----------------------------------------------------

// Adam's t is the counter: a second Adam given the first's state and counter continues exactly.
TEST(Optimizer, CounterAdvancesOncePerStepAndResumes) {
  Parameters a = two_layer_arena(kW0), b = two_layer_arena(kW0);
  Adam first, resumed;
  first.bind(a);
  for (int t = 1; t <= 3; ++t) {
    set_grads(a, t % 2 ? kG1 : kG2);
    first.step();
    EXPECT_EQ(first.iterations(), t);
  }
  resumed.bind(b);
  std::copy(a.values().begin(), a.values().end(), b.values().begin());
  auto from = first.state(), to = resumed.state();
  for (std::size_t k = 0; k < from.size(); ++k) std::ranges::copy(from[k].second, to[k].second.begin());
  resumed.set_iterations(first.iterations());
  set_grads(a, kG2), set_grads(b, kG2);
  first.step(), resumed.step();
  EXPECT_EQ(0, std::memcmp(a.values().data(), b.values().data(), kSize * sizeof(Scalar)));
  EXPECT_EQ(resumed.iterations(), 4);
  first.bind(a);  // fresh state, fresh count
  EXPECT_EQ(first.iterations(), 0);
}

TEST(Optimizer, StepNeedsTheArenaItWasBoundTo) {
  Adam adam;
  EXPECT_THROW(adam.step(), Error);
  Parameters params = two_layer_arena(kW0);
  adam.bind(params);
  params.add("l3/W", 3, 3);
  params.finalize();
  EXPECT_THROW(adam.step(), Error);
  EXPECT_EQ(adam.iterations(), 0);
}

// ---- clipping --------------------------------------------------------------------------------

TEST(Optimizer, ClipNormScalesTheWholeGradient) {
  Parameters params = two_layer_arena(kW0);
  SGD sgd({.learning_rate = 0.5f, .clip_norm = 1.3f});
  sgd.bind(params);
  const Values g = {3, 4, 0, 0, 0, 12};  // global norm 13 across both layers → scale 0.1
  set_grads(params, g);
  sgd.step();
  double norm = 0;
  for (Scalar x : params.grads()) norm += double(x) * x;
  EXPECT_LE(std::sqrt(norm), 1.3 * (1 + 1e-6));
  EXPECT_NEAR(std::sqrt(norm), 1.3, 1.3e-6);
  Values expected;
  for (std::size_t i = 0; i < kSize; ++i) expected[i] = kW0[i] - 0.5 * 0.1 * g[i];
  expect_values(params, expected, "clipped step");

  // A gradient already inside the norm is left as it is.
  set_grads(params, kG1);
  sgd.step();
  for (std::size_t i = 0; i < kSize; ++i) EXPECT_EQ(params.grads()[i], Scalar(kG1[i]));
}

// ---- convergence on f(w) = ½ Σ a_i (w_i − c_i)² ---------------------------------------------

TEST(Optimizer, EveryRuleConvergesOnAQuadratic) {
  // RMSprop's step stays ≈ η near the optimum, so it ends within ~η.
  struct Case {
    const char *name, *config;
    int steps;
    double tolerance;
  };
  const Values a = {1, 2, 0.5, 4, 1.5, 3};
  const Values c = {1, -2, 0.5, 0.25, -1, 3};
  const Case cases[] = {
      {"sgd", R"({"learning_rate": 0.1})", 500, 1e-4},
      {"sgd", R"({"learning_rate": 0.05, "momentum": 0.9})", 500, 1e-4},
      {"sgd", R"({"learning_rate": 0.05, "momentum": 0.9, "nesterov": true})", 500, 1e-4},
      {"adagrad", R"({"learning_rate": 0.5})", 1000, 1e-4},
      {"rmsprop", R"({"learning_rate": 0.01})", 1000, 2e-2},
      {"rmsprop", R"({"learning_rate": 0.005, "momentum": 0.5})", 1000, 2e-2},
      {"adam", R"({"learning_rate": 0.05})", 1000, 1e-3},
      {"adamw", R"({"learning_rate": 0.05, "weight_decay": 0})", 1000, 1e-3},
  };
  for (const auto& k : cases) {
    Parameters params = two_layer_arena(kW0);
    auto opt = make_optimizer(k.name, k.config);
    opt->bind(params);
    for (int s = 0; s < k.steps; ++s) {
      for (std::size_t i = 0; i < kSize; ++i) params.grads()[i] = Scalar(a[i] * (params.values()[i] - c[i]));
      opt->step();
    }
    for (std::size_t i = 0; i < kSize; ++i) {
      EXPECT_NEAR(params.values()[i], c[i], k.tolerance) << k.name << " " << k.config << " value " << i;
    }
  }
}

// ---- validation ------------------------------------------------------------------------------

// The message of the InvalidArgument that f throws, or "" when it throws none.
template <class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(Optimizer, InvalidHyperparametersThrow) {
  EXPECT_EQ(message_of([] { SGD({.learning_rate = -0.1f}); }), "sgd: learning_rate must be > 0, got -0.1");
  EXPECT_EQ(message_of([] { Adam({.beta2 = 1}); }), "adam: beta2 must be in [0, 1), got 1");
  EXPECT_THROW(SGD({.learning_rate = NAN}), InvalidArgument);
  EXPECT_THROW(SGD({.learning_rate = INFINITY}), InvalidArgument);
  // clang-format off
  const std::pair<const char*, const char*> bad[] = {
      {"sgd", R"({"learning_rate": 0})"},      {"sgd", R"({"momentum": 1})"},
      {"sgd", R"({"momentum": -0.1})"},        {"sgd", R"({"l2": -1})"},
      {"sgd", R"({"l1": -1})"},                {"sgd", R"({"clip_norm": -1})"},
      {"adagrad", R"({"epsilon": 0})"},        {"adagrad", R"({"initial_accumulator": -0.1})"},
      {"adagrad", R"({"l2": -0.1})"},          {"rmsprop", R"({"rho": 1})"},
      {"rmsprop", R"({"momentum": 1.5})"},     {"rmsprop", R"({"epsilon": -1e-7})"},
      {"adam", R"({"learning_rate": -1})"},    {"adam", R"({"beta1": 1})"},
      {"adam", R"({"beta2": -0.5})"},          {"adam", R"({"epsilon": 0})"},
      {"adamw", R"({"weight_decay": -0.01})"}, {"adamw", R"({"clip_norm": -1})"}};
  // clang-format on
  for (const auto& [name, config] : bad) {
    const std::string what = message_of([&] { make_optimizer(name, config); });
    EXPECT_TRUE(what.starts_with(std::string(name) + ": ")) << config << " gave \"" << what << "\"";
  }
  Adam adam;
  EXPECT_EQ(message_of([&] { adam.set_learning_rate(0); }), "adam: learning_rate must be > 0, got 0");
  adam.set_learning_rate(0.5f);
  EXPECT_EQ(adam.learning_rate(), 0.5f);
}

TEST(MakeOptimizer, RejectsUnknownNamesKeysAndBadValues) {
  EXPECT_EQ(message_of([] { make_optimizer("adamax"); }),
            "unknown optimizer \"adamax\" (known optimizers: sgd, adagrad, rmsprop, adam, adamw)");
  const std::string typo =
      message_of([] { make_optimizer("sgd", R"({"learning_rate": 0.1, "momentun": 0.9})"); });
  EXPECT_NE(typo.find("\"momentun\""), std::string::npos) << typo;
  EXPECT_THROW(make_optimizer("sgd", R"({"learning_rate": "fast"})"), InvalidArgument);
  EXPECT_THROW(make_optimizer("sgd", R"({"nesterov": 1})"), InvalidArgument);
  EXPECT_THROW(make_optimizer("adam", R"({"epsilon": 1e300})"), InvalidArgument);
  EXPECT_THROW(make_optimizer("adam", R"({"learning_rate": )"), InvalidArgument);
  EXPECT_THROW(make_optimizer("adam", "[0.1]"), InvalidArgument);
}

// ---- config round trips ----------------------------------------------------------------------

TEST(MakeOptimizer, ConfigRoundTripsExactly) {
  // A learning rate one ulp off 0.1f: only a bit-exact writer brings it back.
  const Scalar odd = std::nextafter(0.1f, 1.0f);
  const auto sgd = make_optimizer("sgd", SGD({.learning_rate = odd, .l1 = 3e-5f}).config_json());
  EXPECT_EQ(sgd->learning_rate(), odd);
  EXPECT_EQ(static_cast<const SGD&>(*sgd).options().l1, 3e-5f);
  const std::pair<const char*, const char*> configs[] = {
      {"sgd", R"({"learning_rate":0.3,"momentum":0.9,"nesterov":true,"l2":1e-4,"l1":3e-5,"clip_norm":5})"},
      {"adagrad",
       R"({"learning_rate":0.7,"epsilon":1e-6,"initial_accumulator":0.3,"l2":0.02,"clip_norm":1})"},
      {"rmsprop", R"({"learning_rate":0.1,"rho":0.95,"momentum":0.7,"epsilon":1e-6,"l2":0.1,"clip_norm":2})"},
      {"adam", R"({"learning_rate":0.1,"beta1":0.8,"beta2":0.99,"epsilon":1e-7,"l2":1e-3,"clip_norm":3})"},
      {"adamw", R"({"learning_rate":0.1,"beta1":0.85,"beta2":0.995,"epsilon":1e-6,"weight_decay":0.05})"}};
  for (const auto& [name, config] : configs) {
    const auto opt = make_optimizer(name, config);
    const auto copy = make_optimizer(opt->name(), opt->config_json());
    EXPECT_EQ(copy->name(), name);
    EXPECT_EQ(copy->config_json(), opt->config_json());
    // Same options, same arithmetic: two steps land on the same bits.
    Parameters a = two_layer_arena(kW0), b = two_layer_arena(kW0);
    opt->bind(a), copy->bind(b);
    for (const Values& g : {kG1, kG2}) {
      set_grads(a, g), set_grads(b, g);
      opt->step(), copy->step();
    }
    EXPECT_EQ(0, std::memcmp(a.values().data(), b.values().data(), kSize * sizeof(Scalar))) << config;
  }
}

TEST(MakeOptimizer, EmptyConfigGivesDefaults) {
  EXPECT_EQ(make_optimizer("sgd")->config_json(), SGD().config_json());
  EXPECT_EQ(make_optimizer("adagrad", "{}")->config_json(), Adagrad().config_json());
  EXPECT_EQ(make_optimizer("rmsprop")->config_json(), RMSprop().config_json());
  EXPECT_EQ(make_optimizer("adam")->config_json(), Adam().config_json());
  EXPECT_EQ(make_optimizer("adamw")->config_json(), AdamW().config_json());
  EXPECT_EQ(make_optimizer("adam")->learning_rate(), 0.001f);
  // Short, readable numbers in the model file.
  EXPECT_EQ(SGD().config_json(),
            R"({"learning_rate":0.01,"momentum":0.0,"nesterov":false,"l2":0.0,"l1":0.0,"clip_norm":0.0})");
  // Missing keys keep their defaults.
  EXPECT_EQ(make_optimizer("adam", R"({"beta1": 0.5})")->config_json(), Adam({.beta1 = 0.5f}).config_json());
}

}  // namespace
}  // namespace fathom
