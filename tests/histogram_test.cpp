// The shared histogram helper against hand-counted bins.
#include "fathom/core/histogram.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "fathom/core/error.hpp"

using namespace fathom;

TEST(Histogram, HandCountedEqualWidthBins) {
  const std::vector<Scalar> v{0.0f, 0.1f, 0.2f, 0.5f, 0.99f, 1.0f, 0.25f};
  const Histogram h = histogram(v, 4);  // bins [0,.25) [.25,.5) [.5,.75) [.75,1]
  ASSERT_EQ(h.counts.size(), 4u);
  ASSERT_EQ(h.edges.size(), 5u);
  EXPECT_EQ(h.counts, (std::vector<std::uint64_t>{3, 1, 1, 2}));
  EXPECT_DOUBLE_EQ(h.edges.front(), 0.0);
  EXPECT_DOUBLE_EQ(h.edges.back(), 1.0);
  EXPECT_DOUBLE_EQ(h.min, 0.0);
  EXPECT_DOUBLE_EQ(h.max, 1.0);
  EXPECT_EQ(h.count, 7u);
  double sum = 0, sq = 0;
  for (Scalar x : v) sum += x, sq += double(x) * x;
  EXPECT_NEAR(h.sum, sum, 1e-12);
  EXPECT_NEAR(h.sum_squares, sq, 1e-12);
}

TEST(Histogram, CountsSumToTheFiniteValuesAndSkipNonFinite) {
  std::vector<Scalar> v(1000);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(float(i)) * 3.0f;
  v[7] = std::numeric_limits<Scalar>::quiet_NaN();
  v[9] = std::numeric_limits<Scalar>::infinity();
  const Histogram h = histogram(v, 30);
  EXPECT_EQ(h.count, 998u);
  EXPECT_EQ(std::accumulate(h.counts.begin(), h.counts.end(), std::uint64_t(0)), 998u);
  for (std::size_t i = 1; i < h.edges.size(); ++i) EXPECT_GT(h.edges[i], h.edges[i - 1]);
}

TEST(Histogram, ConstantAndEmptyInputs) {
  const std::vector<Scalar> same(5, 2.0f);
  const Histogram h = histogram(same, 3);
  EXPECT_EQ(std::accumulate(h.counts.begin(), h.counts.end(), std::uint64_t(0)), 5u);
  EXPECT_LE(h.edges.front(), 2.0);
  EXPECT_GE(h.edges.back(), 2.0);
  const Histogram empty = histogram({}, 2);
  EXPECT_EQ(empty.count, 0u);
  EXPECT_EQ(empty.counts, (std::vector<std::uint64_t>{0, 0}));
  EXPECT_THROW(histogram(same, 0), InvalidArgument);
}
