// Finite-difference gradient checking shared by the gradient tests: central differences of a
// scalar function against an analytic gradient, reported as the worst relative error.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <span>

#include "fathom/fathom.hpp"

namespace fathom::testing {

struct GradcheckResult {
  double worst = 0;  // worst relative error |a − n| / max(|a|, |n|, floor)
  std::size_t index = 0;
  double analytic = 0, numeric = 0;
};

// Perturbs each entry of `x` by ±h, evaluates f, and compares (f(x+h) − f(x−h)) / 2h with
// analytic[i]. `floor` keeps tiny gradients from inflating the relative error.
inline GradcheckResult gradcheck(std::span<Scalar> x, std::span<const double> analytic,
                                 const std::function<double()>& f, double h = 1e-3, double floor = 1e-2) {
  GradcheckResult r;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Scalar saved = x[i];
    x[i] = static_cast<Scalar>(saved + h);
    const double up = f();
    x[i] = static_cast<Scalar>(saved - h);
    const double down = f();
    x[i] = saved;
    const double numeric = (up - down) / (2 * h);
    const double err =
        std::abs(analytic[i] - numeric) / std::max({std::abs(analytic[i]), std::abs(numeric), floor});
    if (err > r.worst) r = {err, i, analytic[i], numeric};
  }
  return r;
}

// Uniform random matrix, reproducible.
inline Matrix random_matrix(Index rows, Index cols, Rng& rng, double lo = -1, double hi = 1) {
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(rng.uniform(lo, hi));
  return m;
}

}  // namespace fathom::testing
