// Reproducible random matrices for the tests (the gradient checker itself is the library's,
// fathom/train/gradient_check.hpp).
#pragma once

#include "fathom/fathom.hpp"

namespace fathom::testing {

// Uniform random matrix, reproducible.
inline Matrix random_matrix(Index rows, Index cols, Rng& rng, double lo = -1, double hi = 1) {
  Matrix m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<Scalar>(rng.uniform(lo, hi));
  return m;
}

}  // namespace fathom::testing
