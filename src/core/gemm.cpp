// GEMM through OpenBLAS. Vector cases go to sgemv/sger, which are several times faster than
// sgemm with a single row or column.
#include "fathom/core/gemm.hpp"

#include <cblas.h>

#include <algorithm>
#include <string>

#include "fathom/core/error.hpp"
#include "parallel.hpp"

namespace fathom {

namespace {
using detail::parallel_for;

CBLAS_TRANSPOSE to_cblas(Trans t) { return t == Trans::Yes ? CblasTrans : CblasNoTrans; }

// Blocks of a split product are multiples of this many columns/rows, so each thread's part
// keeps whole micro-kernel tiles (core/threads.cpp decides how many parts).
constexpr Index kBlockAlign = 16;
// A matrix-vector product skips the zeros of the vector when at most this share of it is
// non-zero (sgemv streams every column; below ~70% non-zero, reading fewer columns wins),
// for columns of at least kSparseMinRows (shorter axpys cost more than they save).
constexpr double kSparseMaxDensity = 0.7;
constexpr Index kSparseMinRows = 64;

void sgemm(Trans ta, Trans tb, Index m, Index n, Index k, Scalar alpha, const Scalar* A, Index lda,
           const Scalar* B, Index ldb, Scalar beta, Scalar* C, Index ldc) {
  cblas_sgemm(CblasColMajor, to_cblas(ta), to_cblas(tb), static_cast<int>(m), static_cast<int>(n),
              static_cast<int>(k), alpha, A, static_cast<int>(lda), B, static_cast<int>(ldb), beta, C,
              static_cast<int>(ldc));
}

// C = alpha · op(A) · op(B) + beta · C on `parts` threads: C is cut into blocks of columns
// (rows only when it has too few columns for that), one sgemm call per block, each of whole
// 16-wide tiles. Columns split better here: on 2 cores, the 784→256 layer's forward product at
// batch 128 took 284 µs as two column blocks against 305 µs as two row blocks, and its dW 257 µs
// against 382 µs with OpenBLAS's own threads.
void split_sgemm(int parts, Trans ta, Trans tb, Index m, Index n, Index k, Scalar alpha, const Scalar* A,
                 Index lda, const Scalar* B, Index ldb, Scalar beta, Scalar* C, Index ldc) {
  const bool by_columns = n >= 32 * parts || n >= m;
  const Index length = by_columns ? n : m;
  const Index tiles = (length + kBlockAlign - 1) / kBlockAlign;  // parts get whole tiles, evenly
  parallel_for(
      parts,
      [&](int p) {
        const Index start = std::min(length, tiles * p / parts * kBlockAlign);
        const Index stop = p + 1 == parts ? length : std::min(length, tiles * (p + 1) / parts * kBlockAlign);
        const Index size = stop - start;
        if (size <= 0) return;
        if (by_columns) {  // columns [start, start+size) of C and of op(B)
          const Scalar* b = tb == Trans::Yes ? B + start : B + start * ldb;
          sgemm(ta, tb, m, size, k, alpha, A, lda, b, ldb, beta, C + start * ldc, ldc);
        } else {  // rows [start, start+size) of C and of op(A)
          const Scalar* a = ta == Trans::Yes ? A + start * lda : A + start;
          sgemm(ta, tb, size, n, k, alpha, a, lda, B, ldb, beta, C + start, ldc);
        }
      },
      double(m) * double(n) * double(k));
}

std::string shape(Index r, Index c) { return std::to_string(r) + "x" + std::to_string(c); }

// c = alpha · A · b + beta · c with many exact zeros in b (an image's background pixels, a
// ReLU layer's inactive units): only the columns of A whose b_j is non-zero are read, one
// axpy each. Returns false, doing nothing, when b is too dense for that to beat sgemv.
bool sparse_gemv(Scalar alpha, ConstMatrixView A, const Scalar* b, int incb, Scalar beta, MatrixView c) {
  const Index m = A.rows(), k = A.cols();
  if (m < kSparseMinRows) return false;
  Index nonzero = 0;
  for (Index j = 0; j < k; ++j) nonzero += b[j * incb] != 0;
  if (double(nonzero) > kSparseMaxDensity * double(k)) return false;
  auto y = Eigen::Map<Vector>(c.data(), m);
  if (beta == 0) {
    y.setZero();
  } else if (beta != 1) {
    y *= beta;
  }
  for (Index j = 0; j < k; ++j) {
    const Scalar bj = b[j * incb];
    if (bj != 0) y += (alpha * bj) * A.col(j);
  }
  return true;
}

// Products up to this many multiply-adds are computed by the loops below: a BLAS call costs
// tens of nanoseconds before it multiplies anything, more than a whole product of a tiny net
// (XOR's 2×2 layer, the 20-unit layers of the 5×5-digits net).
constexpr double kSmallMaxFlops = 4096;

// C = alpha · op(A) · op(B) + beta · C for small shapes, through Eigen's own products (its
// matrix-vector kernels and, for the tiniest, coefficient-wise ones): no dispatch, no threads.
template <class OpA, class OpB>
void small_product(Scalar alpha, const OpA& a, const OpB& b, Scalar beta, MatrixView C) {
  if (beta == 0) {
    C.noalias() = alpha * (a * b);
  } else {
    if (beta != 1) C *= beta;
    C.noalias() += alpha * (a * b);
  }
}

// The tiniest products (XOR's 2×2 layer): plain dot products beat any set-up.
constexpr double kTinyMaxFlops = 64;

void tiny_gemm(bool ta, bool tb, Scalar alpha, ConstMatrixView A, ConstMatrixView B, Scalar beta,
               MatrixView C) {
  const Index m = C.rows(), n = C.cols(), k = ta ? A.rows() : A.cols();
  for (Index j = 0; j < n; ++j) {
    for (Index i = 0; i < m; ++i) {
      Scalar sum = 0;
      for (Index p = 0; p < k; ++p) sum += (ta ? A(p, i) : A(i, p)) * (tb ? B(j, p) : B(p, j));
      C(i, j) = (beta == 0 ? Scalar(0) : beta * C(i, j)) + alpha * sum;
    }
  }
}

void small_gemm(bool ta, bool tb, Scalar alpha, ConstMatrixView A, ConstMatrixView B, Scalar beta,
                MatrixView C) {
  if (double(C.size()) * double(ta ? A.rows() : A.cols()) <= kTinyMaxFlops)
    return tiny_gemm(ta, tb, alpha, A, B, beta, C);
  if (!ta && !tb) return small_product(alpha, A, B, beta, C);
  if (!ta) return small_product(alpha, A, B.transpose(), beta, C);
  if (!tb) return small_product(alpha, A.transpose(), B, beta, C);
  small_product(alpha, A.transpose(), B.transpose(), beta, C);
}
}  // namespace

void gemm(Trans trans_a, Trans trans_b, Scalar alpha, ConstMatrixView A, ConstMatrixView B, Scalar beta,
          MatrixView C) {
  detail::keep_blas_on_calling_thread();
  const Index m = trans_a == Trans::Yes ? A.cols() : A.rows();
  const Index k = trans_a == Trans::Yes ? A.rows() : A.cols();
  const Index kb = trans_b == Trans::Yes ? B.cols() : B.rows();
  const Index n = trans_b == Trans::Yes ? B.rows() : B.cols();
  if (k != kb || C.rows() != m || C.cols() != n) {
    throw ShapeError("gemm: op(A) " + shape(m, k) + " times op(B) " + shape(kb, n) + " into C " +
                     shape(C.rows(), C.cols()));
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (beta == 0)
      C.setZero();
    else
      C *= beta;
    return;
  }
  const int lda = static_cast<int>(std::max<Index>(1, A.rows()));
  const int ldb = static_cast<int>(std::max<Index>(1, B.rows()));
  const int ldc = static_cast<int>(std::max<Index>(1, C.rows()));
  const double multiply_adds = double(m) * double(n) * double(k);
  if (multiply_adds <= kSmallMaxFlops) {
    small_gemm(trans_a == Trans::Yes, trans_b == Trans::Yes, alpha, A, B, beta, C);
    return;
  }
  if (n == 1) {
    // C (m×1) = alpha · op(A) · b + beta · C, b is B's single column or row (stride ldb).
    const int incb = trans_b == Trans::Yes ? ldb : 1;
    if (trans_a == Trans::No && sparse_gemv(alpha, A, B.data(), incb, beta, C)) return;
    cblas_sgemv(CblasColMajor, to_cblas(trans_a), static_cast<int>(A.rows()), static_cast<int>(A.cols()),
                alpha, A.data(), lda, B.data(), incb, beta, C.data(), 1);
    return;
  }
  if (m == 1) {
    // Cᵀ (n×1) = alpha · op(B)ᵀ · aᵀ + beta · Cᵀ.
    const int inca = trans_a == Trans::Yes ? 1 : lda;
    const CBLAS_TRANSPOSE tb = trans_b == Trans::Yes ? CblasNoTrans : CblasTrans;
    cblas_sgemv(CblasColMajor, tb, static_cast<int>(B.rows()), static_cast<int>(B.cols()), alpha, B.data(),
                ldb, A.data(), inca, beta, C.data(), ldc);
    return;
  }
  if (k == 1) {
    // Outer product: C = beta · C + alpha · a bᵀ.
    if (beta == 0)
      C.setZero();
    else if (beta != 1)
      C *= beta;
    const int inca = trans_a == Trans::Yes ? lda : 1;
    const int incb = trans_b == Trans::Yes ? 1 : ldb;
    cblas_sger(CblasColMajor, static_cast<int>(m), static_cast<int>(n), alpha, A.data(), inca, B.data(), incb,
               C.data(), ldc);
    return;
  }
  const int parts = threads_for_product(multiply_adds, std::max(m, n));
  if (parts > 1) {
    split_sgemm(parts, trans_a, trans_b, m, n, k, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  } else {
    sgemm(trans_a, trans_b, m, n, k, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
  }
}

}  // namespace fathom
