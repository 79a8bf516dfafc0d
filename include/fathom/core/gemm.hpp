// The single door to BLAS: every matrix product in fathom goes through gemm() below, which
// calls OpenBLAS (sgemm, or sgemv/sger when one side is a single vector, where sgemm is
// several times slower).
#pragma once

#include "fathom/core/matrix.hpp"

namespace fathom {

enum class Trans { No, Yes };

// C = alpha · op(A) · op(B) + beta · C
// op(A) is m×k, op(B) is k×n, C is m×n; all column-major with leading dimension = rows.
void gemm(Trans trans_a, Trans trans_b, Scalar alpha, ConstMatrixView A, ConstMatrixView B, Scalar beta,
          MatrixView C);

// Number of threads BLAS may use (default: the machine's cores). fathom itself runs its
// element-wise loops on the calling thread, so BLAS threads never oversubscribe the cores.
void set_num_threads(int threads);
int num_threads();

}  // namespace fathom
