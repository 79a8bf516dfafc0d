#include "finite.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "fathom/core/threads.hpp"
#include "parallel.hpp"

namespace fathom::detail {

bool all_finite(std::span<const Scalar> x) {
  constexpr std::size_t kBlock = 4096;
  const auto blocks = static_cast<std::int64_t>((x.size() + kBlock - 1) / kBlock);
  return std::isfinite(parallel_sum(blocks, threads_for_elements(x.size()), [&](std::int64_t b) {
    const std::size_t at = static_cast<std::size_t>(b) * kBlock;
    const auto a = Eigen::Map<const Eigen::ArrayXf>(x.data() + at, static_cast<Index>(std::min(kBlock, x.size() - at)));
    return (a - a).sum();
  }));
}

}  // namespace fathom::detail
