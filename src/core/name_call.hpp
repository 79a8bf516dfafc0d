// Parsing of the "name(argument)" strings that every table in fathom resolves
// ("leaky_relu(0.2)", "huber(0.5)", "uniform(0.05)"), in one place.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include "fathom/core/error.hpp"
#include "fathom/core/matrix.hpp"

namespace fathom::detail {

struct NameCall {
  std::string_view name;
  std::string_view arg;  // empty when there are no parentheses
};

// "name(arg)" → {name, arg}; "name" → {name, ""}. `what` names the table in errors.
inline NameCall split_call(std::string_view text, std::string_view what) {
  const auto open = text.find('(');
  if (open == std::string_view::npos) return {text, {}};
  if (text.back() != ')')
    throw InvalidArgument(std::string(what) + " \"" + std::string(text) + "\": missing ')'");
  return {text.substr(0, open), text.substr(open + 1, text.size() - open - 2)};
}

// The whole of `arg` as a number; throws InvalidArgument quoting `text` otherwise.
inline Scalar parse_number(std::string_view arg, std::string_view text, std::string_view what) {
  Scalar value = 0;
  const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), value);
  if (arg.empty() || ec != std::errc() || end != arg.data() + arg.size()) {
    throw InvalidArgument(std::string(what) + " \"" + std::string(text) + "\": parameter \"" +
                          std::string(arg) + "\" is not a number");
  }
  return value;
}

// "a, b, c" of the names in a table, for "unknown ...; known: ..." messages.
template <class Table>
std::string known_names(const Table& table) {
  std::string known;
  for (const auto& e : table) known += (known.empty() ? "" : ", ") + std::string(e.name);
  return known;
}

}  // namespace fathom::detail
