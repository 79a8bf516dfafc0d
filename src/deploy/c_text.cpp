// Text of the C export (deploy/c_text.hpp).
#include "c_text.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "fathom/core/error.hpp"

namespace fathom::detail {

// A float as a C literal that reads back to the same float ("1.0f", "-2.5e-07f").
std::string c_float(float value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", double(value));
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

// Text as a C string literal: printable ASCII as is, the rest as octal escapes.
std::string c_string(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c >= 0x20 && c < 0x7f && c != '?') {  // '?' escaped: no trigraphs
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", unsigned(c));
      out += buf;
    }
  }
  return out + "\"";
}

// A user's name inside a /* comment */: no comment end, no line break.
std::string comment_safe(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  for (std::size_t p; (p = text.find("*/")) != std::string::npos;) text.replace(p, 2, "* /");
  for (std::size_t p; (p = text.find("/*")) != std::string::npos;) text.replace(p, 2, "/ *");
  return text;
}

bool is_c_identifier(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string upper(std::string s) {
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// φ(v) as a C expression of `v` (element-wise activations).
std::string activation_expression(const Activation& a) {
  switch (a.kind()) {
    case ActivationKind::Linear:
      return "v";
    case ActivationKind::Step:
      return "v > 0.0f ? 1.0f : 0.0f";
    case ActivationKind::Sigmoid:
      return "1.0f / (1.0f + expf(-v))";
    case ActivationKind::Tanh:
      return "tanhf(v)";
    case ActivationKind::Relu:
      return "v > 0.0f ? v : 0.0f";
    case ActivationKind::LeakyRelu:
      return "v > 0.0f ? v : " + c_float(a.alpha()) + " * v";
    case ActivationKind::Elu:
      return "v > 0.0f ? v : " + c_float(a.alpha()) + " * expm1f(v)";
    case ActivationKind::Gelu:
      return "0.5f * v * (1.0f + erff(v * " + c_float(0.70710678118654752440f) + "))";
    case ActivationKind::Softplus:
      return "(v > 0.0f ? v : 0.0f) + log1pf(expf(-fabsf(v)))";
    case ActivationKind::Gaussian:
      return "expf(-v * v)";
    case ActivationKind::Softmax:
      break;
  }
  throw InvalidArgument("C export: activation " + a.name() + " is not element-wise");
}

}  // namespace fathom::detail
