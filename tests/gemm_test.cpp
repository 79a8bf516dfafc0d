// The GEMM wrapper against Eigen's own product, for every transpose combination, the vector
// shapes that go to sgemv/sger, and the small products fathom computes itself (≤ 4096
// multiply-adds) on both sides of that boundary.
#include <gtest/gtest.h>

#include <initializer_list>
#include <limits>
#include <string>

#include "fathom/fathom.hpp"
#include "gradcheck.hpp"

using namespace fathom;

namespace {

// gemm against Eigen's alpha·op(A)·op(B) + beta·C for the shape m×k×n, every transpose
// combination and each beta; `context` goes into the failure message.
void expect_matches_eigen(Index m, Index k, Index n, Scalar alpha, std::initializer_list<Scalar> betas,
                          float tolerance, Rng& rng, const std::string& context = "") {
  for (Trans ta : {Trans::No, Trans::Yes}) {
    for (Trans tb : {Trans::No, Trans::Yes}) {
      const Matrix A = ta == Trans::No ? fathom::testing::random_matrix(m, k, rng)
                                       : fathom::testing::random_matrix(k, m, rng);
      const Matrix B = tb == Trans::No ? fathom::testing::random_matrix(k, n, rng)
                                       : fathom::testing::random_matrix(n, k, rng);
      const Matrix C0 = fathom::testing::random_matrix(m, n, rng);
      const Matrix opA = ta == Trans::No ? A : Matrix(A.transpose());
      const Matrix opB = tb == Trans::No ? B : Matrix(B.transpose());
      for (Scalar beta : betas) {
        Matrix C = C0;
        gemm(ta, tb, alpha, cview(A), cview(B), beta, view(C));
        const Matrix expected = alpha * opA * opB + beta * C0;
        EXPECT_LT((C - expected).cwiseAbs().maxCoeff(), tolerance)
            << m << "x" << k << "x" << n << context << " ta " << int(ta) << " tb " << int(tb) << " beta "
            << beta;
      }
    }
  }
}

}  // namespace

TEST(Gemm, MatchesEigenForAllShapesAndTransposes) {
  Rng rng(1);
  const Index shapes[][3] = {
      {5, 7, 3},    {1, 7, 3},    {5, 1, 3},    {5, 7, 1},    {1, 1, 4},
      {64, 33, 17}, {2, 2, 1},    {20, 20, 5},  {16, 16, 16}, {17, 16, 16},
      {25, 20, 1},  {100, 80, 1}, {1, 80, 100}, {100, 1, 80}};  // the last three: sgemv, sgemv, sger
  for (const auto& s : shapes) expect_matches_eigen(s[0], s[1], s[2], 2.0f, {0.0f, 1.0f, 0.5f}, 1e-4f, rng);
}

TEST(Gemm, ShapeMismatchThrows) {
  Matrix A(3, 4), B(5, 2), C(3, 2);
  EXPECT_THROW(gemm(Trans::No, Trans::No, 1, cview(A), cview(B), 0, view(C)), ShapeError);
}

// BLAS semantics: with beta = 0, C is written without being read, so NaN in it does not leak.
TEST(Gemm, BetaZeroIgnoresWhatCHeld) {
  Rng rng(3);
  for (Index size : {3, 64}) {  // the small path and BLAS
    const Matrix A = fathom::testing::random_matrix(size, size, rng),
                 B = fathom::testing::random_matrix(size, 2, rng);
    for (Trans ta : {Trans::No, Trans::Yes}) {
      Matrix C = Matrix::Constant(size, 2, std::numeric_limits<Scalar>::quiet_NaN());
      gemm(ta, Trans::No, 1, cview(A), cview(B), 0, view(C));
      EXPECT_TRUE(C.allFinite()) << size;
    }
  }
}

// A matrix-vector product whose vector is mostly exact zeros skips their columns: same result.
TEST(Gemm, SparseVectorSkipsZeroColumnsWithTheSameResult) {
  Rng rng(5);
  const Matrix A = fathom::testing::random_matrix(256, 300, rng);
  Matrix b = fathom::testing::random_matrix(300, 1, rng);
  for (Index j = 0; j < 300; ++j)
    if (j % 3 != 0) b(j, 0) = 0;  // one in three non-zero
  for (Scalar beta : {0.0f, 1.0f, 0.5f}) {
    const Matrix C0 = fathom::testing::random_matrix(256, 1, rng);
    Matrix C = C0;
    gemm(Trans::No, Trans::No, 2.0f, cview(A), cview(b), beta, view(C));
    const Matrix expected = 2.0f * A * b + beta * C0;
    EXPECT_LT((C - expected).cwiseAbs().maxCoeff(), 1e-4f) << "beta " << beta;
  }
}

// Products large enough to be split over threads (column blocks, or row blocks when C has
// few columns; uneven lengths; more threads than tiles) equal Eigen's product.
TEST(Gemm, SplitOverThreadsMatchesEigen) {
  Rng rng(9);
  const int saved = num_threads();
  const Index shapes[][3] = {{300, 100, 200}, {2000, 100, 40}, {280, 64, 280}};  // m, k, n
  for (int threads : {2, 3, 16}) {
    set_num_threads(threads);
    for (const auto& s : shapes) {
      expect_matches_eigen(s[0], s[1], s[2], 1.5f, {0.5f}, 1e-3f, rng, " threads " + std::to_string(threads));
    }
  }
  set_num_threads(saved);
}
