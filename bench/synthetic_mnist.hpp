// MNIST-shaped synthetic data for the end-to-end benchmark (train_bench).
#pragma once

#include <cstdint>
#include <fathom/fathom.hpp>
#include <vector>

namespace fathom_bench {

// MNIST-shaped synthetic data: 784 features in [0, 1], 10 classes, one-hot targets.
// Each class has a few "writing styles" (random ink masks, ~25% of pixels, drawn from a fixed
// seed so a test set shares them). A sample keeps its style's pixel with probability 0.2 (ink
// at intensity 0.5–1) and is uniform noise otherwise: no single pixel tells the class, all 784
// together do, so accuracy climbs over the first epochs instead of being 100% at once.
struct Dataset {
  fathom::Matrix x, y;
};

inline Dataset make_dataset(fathom::Index n, std::uint64_t seed) {
  constexpr fathom::Index kFeatures = 784, kClasses = 10, kStyles = 4;
  constexpr double kInk = 0.25, kKeep = 0.2;
  fathom::Rng style_rng(1);
  std::vector<std::uint8_t> styles(kClasses * kStyles * kFeatures);
  for (auto& s : styles) s = style_rng.uniform() < kInk;
  fathom::Rng rng(seed);
  Dataset d{fathom::Matrix(kFeatures, n), fathom::Matrix::Zero(kClasses, n)};
  for (fathom::Index j = 0; j < n; ++j) {
    const auto c = static_cast<fathom::Index>(rng.below(kClasses));
    const auto s = static_cast<fathom::Index>(rng.below(kStyles));
    const std::uint8_t* mask = styles.data() + (c * kStyles + s) * kFeatures;
    fathom::Scalar* col = d.x.data() + j * kFeatures;
    for (fathom::Index i = 0; i < kFeatures; ++i) {
      const double u = rng.uniform();
      col[i] = static_cast<fathom::Scalar>(u < kKeep ? (mask[i] ? 0.5 + 0.5 * rng.uniform() : 0.0)
                                                     : rng.uniform());
    }
    d.y(c, j) = 1;
  }
  return d;
}

}  // namespace fathom_bench
