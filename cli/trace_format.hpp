// Text layout of `fathom trace`: four-decimal numbers, labelled rows and per-unit tables whose
// columns line up even though the labels hold UTF-8 Greek letters.
#pragma once

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace fathom::cli::trace_format {

inline std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// Four decimals, fixed width; tiny values print as 0.0000 rather than -0.0000.
inline std::string num(double v) {
  if (std::abs(v) < 5e-5) v = 0;
  std::ostringstream out;
  out << std::fixed << std::setprecision(4) << std::setw(9) << v;
  return out.str();
}

inline std::string vec(const std::vector<double>& v) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(4) << '(';
  for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << (std::abs(v[i]) < 5e-5 ? 0.0 : v[i]);
  out << ')';
  return out.str();
}

// Pads by characters, not bytes: the labels hold UTF-8 Greek letters and math symbols.
inline std::string pad(const std::string& text, std::size_t width) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return text + std::string(chars < width ? width - chars : 1, ' ');
}

// One labelled line of numbers: "    <layer>  <what>   n n n".
inline void line(const std::string& layer, const std::string& what, const std::vector<double>& values) {
  std::cout << "    " << pad(layer, 10) << pad(what, 24);
  for (double v : values) std::cout << num(v);
  std::cout << '\n';
}

// A units × columns table, one row per unit, as the lecture writes weights.
using Rows = std::vector<std::vector<double>>;

inline void table(const std::string& layer, const std::string& what, const Rows& rows) {
  for (std::size_t k = 0; k < rows.size(); ++k) {
    line(k == 0 ? layer : "", pad(k == 0 ? what : "", 16) + "unit " + std::to_string(k + 1), rows[k]);
  }
}

}  // namespace fathom::cli::trace_format
