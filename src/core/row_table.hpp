// The dispatch of fathom's tables of rows (activations, losses): each table is a list of row
// types with a static `entry` (name, kind, ...), and its kernels are templates on the row, so a
// row is written once and every kernel is instantiated (and vectorised) for it with no branch.
#pragma once

#include <string>

#include "fathom/core/error.hpp"

namespace fathom::detail {

// Returns f.template operator()<R>() for the row R of Rows... whose R::entry.kind == kind.
template <class First, class... Rest, class Kind, class F>
auto visit_row(Kind kind, F&& f) {
  if (First::entry.kind == kind) return f.template operator()<First>();
  if constexpr (sizeof...(Rest) > 0) {
    return visit_row<Rest...>(kind, f);
  } else {
    throw InvalidArgument("unknown kind (not a row of the table that ends with \"" +
                          std::string(First::entry.name) + "\")");
  }
}

}  // namespace fathom::detail
