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

// Throws a DataError naming the first NaN or Inf of m: "<what> data: <name> has NaN at sample
// S, row R" (samples counted from first_sample). The vectorised scan first; the
// element-by-element search only when it finds something.
void check_finite(ConstMatrixView m, const char* what, const char* name, Index first_sample = 0);

}  // namespace fathom::detail
