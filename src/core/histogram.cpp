// Equal-width histograms (core/histogram.hpp).
#include "fathom/core/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "fathom/core/error.hpp"

namespace fathom {

Histogram histogram(std::span<const Scalar> values, int bins) {
  require(bins >= 1, "histogram: bins must be >= 1, got " + std::to_string(bins));
  Histogram h;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Scalar v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, double(v));
    hi = std::max(hi, double(v));
    h.sum += v;
    h.sum_squares += double(v) * double(v);
    ++h.count;
  }
  h.counts.assign(std::size_t(bins), 0);
  if (h.count == 0) {
    lo = 0, hi = 0;
  }
  h.min = lo, h.max = hi;
  double left = lo, width = (hi - lo) / bins;
  if (!(width > 0)) {  // every value equal (or none): one unit wide around them
    left = lo - 0.5;
    width = 1.0 / bins;
  }
  h.edges.resize(std::size_t(bins) + 1);
  for (int i = 0; i <= bins; ++i) h.edges[std::size_t(i)] = left + width * i;
  h.edges.back() = std::max(h.edges.back(), hi);
  for (const Scalar v : values) {
    if (!std::isfinite(v)) continue;
    const double at = std::floor((double(v) - left) / width);
    const int bin = std::clamp(int(at), 0, bins - 1);
    ++h.counts[std::size_t(bin)];
  }
  return h;
}

}  // namespace fathom
