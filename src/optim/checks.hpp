// Hyperparameter checks shared by the optimizers (defined in optimizer.cpp); each error
// names the optimizer, the option and the value.
#pragma once

#include <cstddef>
#include <string_view>

#include "fathom/core/matrix.hpp"

namespace fathom::detail {

void require_positive(std::string_view optimizer, std::string_view option, Scalar value);
void require_non_negative(std::string_view optimizer, std::string_view option, Scalar value);
void require_fraction(std::string_view optimizer, std::string_view option, Scalar value);
void require_bound_size(std::string_view optimizer, std::size_t arena, std::size_t state);

}  // namespace fathom::detail
