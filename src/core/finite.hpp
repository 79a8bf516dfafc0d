// Internal: the NaN/Inf scans of data, gradients and layer inputs.
#pragma once

#include <span>

#include "fathom/core/matrix.hpp"

namespace fathom::detail {

// True when every value is finite. x − x is 0 for finite x and NaN for NaN or ±Inf, and the
// sum of those is a vectorised reduction (a per-element isfinite loop with an early exit is
// not vectorised: it ran at a third of memory speed over a data set). Spans of 2^16 values
// or more are scanned in blocks shared among fathom's threads.
bool all_finite(std::span<const Scalar> x);

}  // namespace fathom::detail
