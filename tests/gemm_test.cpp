// The GEMM wrapper against Eigen's own product, for every transpose combination and the
// vector shapes that go to sgemv/sger.
#include <gtest/gtest.h>

#include "fathom/fathom.hpp"
#include "gradcheck.hpp"

using namespace fathom;

TEST(Gemm, MatchesEigenForAllShapesAndTransposes) {
  Rng rng(1);
  const Index shapes[][3] = {{5, 7, 3}, {1, 7, 3}, {5, 1, 3}, {5, 7, 1}, {1, 1, 4}, {64, 33, 17}};
  for (const auto& s : shapes) {
    const Index m = s[0], k = s[1], n = s[2];
    for (Trans ta : {Trans::No, Trans::Yes}) {
      for (Trans tb : {Trans::No, Trans::Yes}) {
        const Matrix A = ta == Trans::No ? fathom::testing::random_matrix(m, k, rng)
                                         : fathom::testing::random_matrix(k, m, rng);
        const Matrix B = tb == Trans::No ? fathom::testing::random_matrix(k, n, rng)
                                         : fathom::testing::random_matrix(n, k, rng);
        const Matrix C0 = fathom::testing::random_matrix(m, n, rng);
        const Matrix opA = ta == Trans::No ? A : Matrix(A.transpose());
        const Matrix opB = tb == Trans::No ? B : Matrix(B.transpose());
        for (Scalar beta : {0.0f, 1.0f, 0.5f}) {
          Matrix C = C0;
          gemm(ta, tb, 2.0f, cview(A), cview(B), beta, view(C));
          const Matrix expected = 2.0f * opA * opB + beta * C0;
          EXPECT_LT((C - expected).cwiseAbs().maxCoeff(), 1e-4f)
              << m << "x" << k << "x" << n << " ta " << int(ta) << " tb " << int(tb) << " beta " << beta;
        }
      }
    }
  }
}

TEST(Gemm, ShapeMismatchThrows) {
  Matrix A(3, 4), B(5, 2), C(3, 2);
  EXPECT_THROW(gemm(Trans::No, Trans::No, 1, cview(A), cview(B), 0, view(C)), ShapeError);
}
