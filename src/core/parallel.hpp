// Internal: a sum of f(i) over i in [0, count), shared among `threads` OpenMP threads. With one
// thread no parallel region is entered at all: even a one-thread region costs about 2 µs,
// more than many of the passes it would wrap. Each f(i) is one independent block of work.
#pragma once

#include <cstdint>

#include "fathom/core/matrix.hpp"

namespace fathom::detail {

template <class F>
Scalar parallel_sum(std::int64_t count, int threads, F&& f) {
  Scalar sum = 0;
  if (threads <= 1) {
    for (std::int64_t i = 0; i < count; ++i) sum += f(i);
    return sum;
  }
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : sum)
  for (std::int64_t i = 0; i < count; ++i) sum += f(i);
  return sum;
}

}  // namespace fathom::detail
