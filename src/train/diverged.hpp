// Internal: the two ways a training step reports divergence, shared by the four verbs
// (sequential.cpp) and online backprop (online_sgd.cpp) so both say the same thing.
#pragma once

#include <string>

#include "fathom/core/error.hpp"

namespace fathom::detail {

// A NaN/Inf loss or gradient caught before any weight changed.
[[noreturn]] inline void diverged_before_update(const std::string& what) {
  throw DivergedError("training diverged: " + what +
                      " (try a smaller learning rate); the weights were left as they were before this step");
}

// An update that made a weight NaN or Inf (found in the same pass that wrote it).
[[noreturn]] inline void diverged_in_update() {
  throw DivergedError(
      "training diverged: the update made a weight NaN or Inf (try a smaller learning rate); "
      "reload or re-initialize the model before using it");
}

}  // namespace fathom::detail
