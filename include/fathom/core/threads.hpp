// fathom's thread policy: one place decides which work is split over threads, by its size.
// OpenBLAS is kept on the calling thread; fathom cuts a large product into blocks and hands
// one to each of its worker threads (core/gemm), and large element-wise passes (optimizer
// updates) are split the same way. Small work never pays for waking a thread.
#pragma once

#include <cstddef>

#include "fathom/core/matrix.hpp"

namespace fathom {

// Number of threads fathom may use (default: OMP_NUM_THREADS, else the machine's cores).
void set_num_threads(int threads);
int num_threads();

// Threads for a matrix product of this many multiply-adds whose longer side (split_length)
// would be cut into blocks of 16: 1 below 4·10⁶ multiply-adds.
int threads_for_product(double multiply_adds, Index split_length);
// Threads for an element-wise pass over n floats (an optimizer update): 1 below 2¹⁶.
int threads_for_elements(std::size_t n);

namespace detail {
// Sets OpenBLAS to one thread the first time it is called (core/gemm calls it on every product).
void keep_blas_on_calling_thread();
}  // namespace detail

}  // namespace fathom
