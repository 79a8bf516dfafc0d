#include "finite.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "fathom/core/error.hpp"
#include "fathom/core/threads.hpp"
#include "parallel.hpp"

namespace fathom::detail {

bool all_finite(std::span<const Scalar> x) {
  constexpr std::size_t kBlock = 4096;
  const auto blocks = static_cast<std::int64_t>((x.size() + kBlock - 1) / kBlock);
  return std::isfinite(parallel_sum(blocks, threads_for_elements(x.size()), [&](std::int64_t b) {
    const std::size_t at = static_cast<std::size_t>(b) * kBlock;
    const auto a =
        Eigen::Map<const Eigen::ArrayXf>(x.data() + at, static_cast<Index>(std::min(kBlock, x.size() - at)));
    return (a - a).sum();
  }));
}

void check_finite(ConstMatrixView m, const char* what, const char* name, Index first_sample) {
  if (all_finite({m.data(), static_cast<std::size_t>(m.size())})) return;
  for (Index j = 0; j < m.cols(); ++j) {
    for (Index i = 0; i < m.rows(); ++i) {
      if (!std::isfinite(m(i, j))) {
        throw DataError(std::string(what) + " data: " + name + " has " +
                        (std::isnan(m(i, j)) ? "NaN" : "Inf") + " at sample " +
                        std::to_string(first_sample + j) + ", row " + std::to_string(i));
      }
    }
  }
}

}  // namespace fathom::detail
