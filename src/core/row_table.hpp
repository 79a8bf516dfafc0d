// The dispatch of fathom's tables of rows (activations, losses): each table is a list of row
// types with a static `entry` (name, kind, ...), and its kernels are templates on the row, so a
// row is written once and every kernel is instantiated (and vectorised) for it with no branch.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

#include "fathom/core/error.hpp"
#include "name_call.hpp"

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

// The entry named `base` ("leaky_relu" of "leaky_relu(0.2)"); otherwise throws InvalidArgument
// "unknown <what> "<text>"; known: ...".
template <class Entries>
const auto& find_entry(const Entries& entries, std::string_view base, std::string_view text,
                       std::string_view what) {
  for (const auto& e : entries)
    if (base == e.name) return e;
  throw InvalidArgument("unknown " + std::string(what) + " \"" + std::string(text) +
                        "\"; known: " + known_names(entries));
}

// "name(parameter)", the canonical text of a row that takes a parameter.
inline std::string call_text(std::string_view name, Scalar parameter) {
  std::ostringstream out;
  out << name << '(' << parameter << ')';
  return out.str();
}

}  // namespace fathom::detail
