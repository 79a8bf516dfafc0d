// The option checks of every optimizer, private to src/optim (defined in optimizer.cpp): each
// error names the optimizer, the option and the value. Also the wording of a tolerance met.
#pragma once

#include <string>
#include <string_view>

#include "fathom/optim/optimizer.hpp"

namespace fathom::detail {

void check_option(std::string_view optimizer, std::string_view option, OptionRange range, Scalar value);

// "what value is at most option limit", numbers to 3 digits: why a rule converged
// (Optimizer::converged) when a measure fell to its tolerance.
std::string at_most(std::string_view what, double value, std::string_view option, double limit);

// Checks each option against its range in Options::fields(), in that order; returns `options`.
// Constructors run it before the base constructor, so errors name the optimizer.
template <class Options>
const Options& checked(std::string_view optimizer, const Options& options) {
  for (const auto& field : Options::fields()) {
    if (field.number != nullptr) check_option(optimizer, field.key, field.range, options.*field.number);
  }
  return options;
}

}  // namespace fathom::detail
