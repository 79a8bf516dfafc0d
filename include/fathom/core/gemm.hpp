// The single door to BLAS: every matrix product in fathom goes through gemm() below, which
// calls OpenBLAS (sgemm, or sgemv/sger when one side is a single vector, where sgemm is
// several times slower; products under 4096 multiply-adds are computed without BLAS). Large
// products are split over threads as core/threads.hpp decides.
#pragma once

#include "fathom/core/matrix.hpp"
#include "fathom/core/threads.hpp"  // set_num_threads, the thread policy

namespace fathom {

enum class Trans { No, Yes };

// C = alpha · op(A) · op(B) + beta · C
// A matrix-vector product may skip the exact zeros of the vector, so 0 · Inf or 0 · NaN in A
// does not reach C there (fathom never keeps non-finite weights: training stops first).
// op(A) is m×k, op(B) is k×n, C is m×n; all column-major with leading dimension = rows.
void gemm(Trans trans_a, Trans trans_b, Scalar alpha, ConstMatrixView A, ConstMatrixView B, Scalar beta,
          MatrixView C);

}  // namespace fathom
