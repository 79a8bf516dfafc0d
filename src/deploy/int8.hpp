// The int8 scheme of the C export (deploy/c_source.hpp), shared by the generated C code and its
// C++ mirror predict_int8: symmetric per-layer weight scales, per-sample input scales.
#pragma once

#include <cstdint>
#include <vector>

#include "fathom/core/matrix.hpp"

namespace fathom::detail {

inline constexpr int kInt8Max = 127;
// The widest input an int8 layer may have: 127 · 127 · inputs must fit a 32-bit sum.
inline constexpr Index kInt8MaxInputs = Index(2147483647 / (kInt8Max * kInt8Max));

// A layer input whose largest magnitude is at most this is quantized as all 0 (its products with
// weights would be far below float's resolution of the bias), so 127 / max never overflows.
inline constexpr float kInt8SmallestInput = 1e-30f;

struct Int8Dense {
  std::vector<std::int8_t> q;  // inputs × units, row-major (the C array's layout: W's column-major)
  float scale = 0;             // W ≈ scale · q; 0 for an all-zero W
};

// max|W| / 127, and each weight divided by it, rounded half away from zero.
Int8Dense quantize_weights(ConstMatrixView W);

// Rounds half away from zero, as the C code does without lroundf (not on every libc).
inline int round_to_int(float v) { return int(v + (v >= 0 ? 0.5f : -0.5f)); }

}  // namespace fathom::detail
