// Shared by the optimizer tests: a six-value arena spanning two layers, the starting weights
// and the two gradients every test applies, and a checker for the values after a step.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

#include "fathom/core/parameters.hpp"

namespace fathom::testing {

inline constexpr std::size_t kSize = 6;
using Values = std::array<double, kSize>;

// "l1/W" 2×2 and "l2/W" 1×2: a flat arena of six values spanning two layers.
inline Parameters two_layer_arena(const Values& w) {
  Parameters params;
  params.add("l1/W", 2, 2);
  params.add("l2/W", 1, 2);
  params.finalize();
  for (std::size_t i = 0; i < kSize; ++i) params.values()[i] = Scalar(w[i]);
  return params;
}

inline void set_grads(Parameters& params, const Values& g) {
  for (std::size_t i = 0; i < g.size(); ++i) params.grads()[i] = Scalar(g[i]);
}

// Relative 1e-6, with an absolute floor for values that land near zero.
inline void expect_values(const Parameters& params, const Values& expected, const char* when) {
  for (std::size_t i = 0; i < kSize; ++i) {
    const double tol = 1e-6 * std::max(std::abs(expected[i]), 1e-2);
    EXPECT_NEAR(params.values()[i], expected[i], tol) << when << ", value " << i;
  }
}

// The inputs of every two-step test (w0 has a zero to exercise sign(0) = 0).
inline constexpr Values kW0 = {0.5, -0.3, 0.0, 0.8, -0.6, 0.25};
inline constexpr Values kG1 = {0.1, -0.2, 0.3, 0.05, -0.4, 0.15};
inline constexpr Values kG2 = {-0.05, 0.1, 0.2, -0.3, 0.1, 0.02};

}  // namespace fathom::testing
