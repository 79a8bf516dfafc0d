// Text of the C export (deploy/c_source.hpp): C literals, comments and identifiers, the element-
// wise activations as C expressions, and array initializers.
#pragma once

#include <ostream>
#include <string>

#include "fathom/nn/activation.hpp"

namespace fathom::detail {

// A float as a C literal that reads back to the same float ("1.0f", "-2.5e-07f"). Finite only.
std::string c_float(float value);
// Text as a C string literal: printable ASCII as is, the rest as octal escapes.
std::string c_string(const std::string& text);
// A user's name inside a /* comment */: no comment start or end, no line break.
std::string comment_safe(std::string text);
bool is_c_identifier(const std::string& s);
std::string upper(std::string s);
// φ(v) as a C expression of `v` (element-wise activations, in nn/activation.cpp's form).
std::string activation_expression(const Activation& a);

// The values of `name[n] = {` and the closing brace, `per_line` to a line.
template <class T, class F>
void write_values(std::ostream& out, const T* values, std::size_t n, std::size_t per_line, F format) {
  for (std::size_t i = 0; i < n; ++i) {
    out << (i % per_line == 0 ? "\n  " : " ") << format(values[i]) << (i + 1 < n ? "," : "");
  }
  out << "\n};\n";
}
// The same for `name[rows][cols] = {`: one braced row each.
template <class T, class F>
void write_rows(std::ostream& out, const T* values, std::size_t rows, std::size_t cols, std::size_t per_line,
                F format) {
  for (std::size_t r = 0; r < rows; ++r) {
    out << "\n  {";
    for (std::size_t i = 0; i < cols; ++i) {
      if (i > 0) out << (i % per_line == 0 ? ",\n   " : ", ");
      out << format(values[r * cols + i]);
    }
    out << (r + 1 < rows ? "}," : "}");
  }
  out << "\n};\n";
}

}  // namespace fathom::detail
