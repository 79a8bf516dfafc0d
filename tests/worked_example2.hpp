// Worked example 2 of docs/concepts.md computed independently of the library, in double precision with the
// lecture's scalar formulas: a 2-2-1 sigmoid network, every weight and bias 0.1, quadratic
// cost, Δw(t) = η δ y + α Δw(t−1). Deltas use the old weights, then every weight is updated.
#pragma once

#include <array>
#include <cmath>

namespace fathom::testing {

struct Example2Reference {
  double eta = 0.2, alpha = 0.9;
  // Hidden weights wh[j] = (bias, from x1, from x2); output wo = (bias, from h1, from h2).
  double wh[2][3] = {{.1, .1, .1}, {.1, .1, .1}}, wo[3] = {.1, .1, .1};
  double dwh[2][3] = {}, dwo[3] = {};

  static double sigma(double z) { return 1 / (1 + std::exp(-z)); }

  // One step on sample (x1, x2) with target t; returns {h1, h2, o, δ_o, δ_h1} (lecture's δ).
  std::array<double, 5> step(double x1, double x2, double t) {
    double h[2];
    for (int j = 0; j < 2; ++j) h[j] = sigma(wh[j][0] + wh[j][1] * x1 + wh[j][2] * x2);
    const double o = sigma(wo[0] + wo[1] * h[0] + wo[2] * h[1]);
    const double delta_o = o * (1 - o) * (t - o);
    double delta_h[2];
    for (int j = 0; j < 2; ++j) delta_h[j] = h[j] * (1 - h[j]) * wo[j + 1] * delta_o;  // old weights
    const double in_o[3] = {1, h[0], h[1]}, in_h[3] = {1, x1, x2};
    for (int i = 0; i < 3; ++i) {
      dwo[i] = eta * delta_o * in_o[i] + alpha * dwo[i];
      wo[i] += dwo[i];
    }
    for (int j = 0; j < 2; ++j) {
      for (int i = 0; i < 3; ++i) {
        dwh[j][i] = eta * delta_h[j] * in_h[i] + alpha * dwh[j][i];
        wh[j][i] += dwh[j][i];
      }
    }
    return {h[0], h[1], o, delta_o, delta_h[0]};
  }
};

}  // namespace fathom::testing
