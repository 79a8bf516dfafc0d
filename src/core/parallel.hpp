// Internal: fathom's parallel loops, run by its own worker threads (core/thread_pool.cpp).
// parallel_for(parts, f) runs f(0) … f(parts − 1), each part once, on the calling thread and
// the pool's workers; the calling thread takes parts too, so a part no worker has claimed yet
// (a worker still asleep, or waiting for a core another program holds) never delays the loop.
// With one part no worker is involved at all. Parts must not throw. `work` (e.g. multiply-adds),
// when given, lets the pool time loops and run them on the calling thread alone while that is
// faster (another program holding cores); the parts and their results are the same either way.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <type_traits>

#include "fathom/core/matrix.hpp"

namespace fathom::detail {

using PartFunction = void (*)(void* context, int part);

// Runs call(context, p) for p in [0, parts), as parallel_for below.
void run_parts(int parts, PartFunction call, void* context, double work);

template <class F>
void parallel_for(int parts, F&& f, double work = 0) {
  if (parts <= 1) {
    if (parts == 1) f(0);
    return;
  }
  using Fn = std::remove_reference_t<F>;
  run_parts(
      parts, [](void* c, int p) { (*static_cast<Fn*>(c))(p); },
      const_cast<void*>(static_cast<const void*>(&f)), work);
}

// The sum of f(i) over i in [0, count), on `threads` parts of consecutive i (at most
// kMaxSumParts). The parts' sums are added in part order, so the result depends on `threads`
// but never on timing. Nothing is allocated: it runs inside optimizer steps.
inline constexpr int kMaxSumParts = 256;
template <class F>
Scalar parallel_sum(std::int64_t count, int threads, F&& f) {
  if (threads <= 1 || count <= 1) {
    Scalar sum = 0;
    for (std::int64_t i = 0; i < count; ++i) sum += f(i);
    return sum;
  }
  const int parts = static_cast<int>(std::min<std::int64_t>({threads, count, kMaxSumParts}));
  std::array<Scalar, kMaxSumParts> sums{};
  parallel_for(parts, [&](int p) {
    const std::int64_t begin = count * p / parts, end = count * (p + 1) / parts;
    Scalar sum = 0;
    for (std::int64_t i = begin; i < end; ++i) sum += f(i);
    sums[static_cast<std::size_t>(p)] = sum;
  });
  Scalar sum = 0;
  for (int p = 0; p < parts; ++p) sum += sums[static_cast<std::size_t>(p)];
  return sum;
}

}  // namespace fathom::detail
