// Equal-width histograms of parameter values: one function, used by the TensorBoard callback
// and the HTML report alike.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "fathom/core/matrix.hpp"

namespace fathom {

struct Histogram {
  std::vector<double> edges;          // bins + 1 ascending edges; bin i is [edges[i], edges[i+1])
  std::vector<std::uint64_t> counts;  // per bin; the last bin also holds values equal to max
  double min = 0, max = 0;            // of the values (0, 0 when there are none)
  double sum = 0, sum_squares = 0;
  std::uint64_t count = 0;  // values counted: the sum of counts
};

// `bins` equal-width bins over [min, max] of the values (≥ 1 bin; all values equal: one bin
// of width 1 centred on them, as TensorBoard draws a constant tensor). NaN and ±Inf values
// are not counted (count says how many were). Throws InvalidArgument for bins < 1.
Histogram histogram(std::span<const Scalar> values, int bins = 30);

}  // namespace fathom
