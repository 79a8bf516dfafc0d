// What every optimizer shares: the step counter and resuming, the arena it is bound to, gradient
// clipping, and convergence on a quadratic.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "fathom/core/error.hpp"
#include "fathom/core/parameters.hpp"
#include "fathom/optim/adaptive.hpp"
#include "fathom/optim/sgd.hpp"
#include "optimizer_arena.hpp"

namespace fathom {
namespace {

using namespace fathom::testing;

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

}  // namespace
}  // namespace fathom
