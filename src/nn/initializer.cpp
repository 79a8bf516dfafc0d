// Weight initializers: uniform, normal, Glorot/Xavier, He, constant.
#include "fathom/nn/initializer.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <sstream>

#include "../core/name_call.hpp"
#include "fathom/core/error.hpp"

namespace fathom {
namespace {

struct Entry {
  const char* name;
  InitKind kind;
  bool has_value;
  Scalar default_value;
};
constexpr std::array<Entry, 9> kTable{{
    {"uniform", InitKind::Uniform, true, 0.05f},
    {"normal", InitKind::Normal, true, 0.05f},
    {"glorot_uniform", InitKind::GlorotUniform, false, 0},
    {"glorot_normal", InitKind::GlorotNormal, false, 0},
    {"he_uniform", InitKind::HeUniform, false, 0},
    {"he_normal", InitKind::HeNormal, false, 0},
    {"constant", InitKind::Constant, true, 0},
    {"zeros", InitKind::Constant, false, 0},
    {"ones", InitKind::Constant, false, 1},
}};

}  // namespace

Initializer::Initializer(InitKind kind, Scalar value) : kind_(kind), value_(value) {
  require(std::isfinite(value), "initializer: value must be finite, got " + std::to_string(value));
  if (kind == InitKind::Uniform || kind == InitKind::Normal) {
    require(value > 0, std::string(kind == InitKind::Uniform ? "uniform" : "normal") +
                           " initializer: scale must be > 0, got " + std::to_string(value));
  }
}

Initializer::Initializer(std::string_view text) {
  const auto [base, arg] = detail::split_call(text, "initializer");
  for (const auto& e : kTable) {
    if (base != e.name) continue;
    if (!arg.empty() && !e.has_value) {
      throw InvalidArgument("initializer \"" + std::string(base) + "\" takes no parameter");
    }
    *this =
        Initializer(e.kind, arg.empty() ? e.default_value : detail::parse_number(arg, text, "initializer"));
    return;
  }
  throw InvalidArgument("unknown initializer \"" + std::string(text) +
                        "\"; known: " + detail::known_names(kTable));
}

std::string Initializer::name() const {
  for (const auto& e : kTable) {
    if (e.kind != kind_ || (e.kind == InitKind::Constant && e.has_value == false)) continue;
    if (!e.has_value) return e.name;
    std::ostringstream out;
    out << e.name << '(' << value_ << ')';
    return out.str();
  }
  return "?";
}

void Initializer::fill(MatrixView W, Index fan_in, Index fan_out, Rng& rng) const {
  const double fans = double(std::max<Index>(1, fan_in + fan_out));
  const double in = double(std::max<Index>(1, fan_in));
  double limit = 0, stddev = 0;
  bool uniform = true;
  switch (kind_) {
    case InitKind::Constant:
      W.setConstant(value_);
      return;
    case InitKind::Uniform:
      limit = value_;
      break;
    case InitKind::Normal:
      stddev = value_, uniform = false;
      break;
    case InitKind::GlorotUniform:
      limit = std::sqrt(6.0 / fans);
      break;
    case InitKind::GlorotNormal:
      stddev = std::sqrt(2.0 / fans), uniform = false;
      break;
    case InitKind::HeUniform:
      limit = std::sqrt(6.0 / in);
      break;
    case InitKind::HeNormal:
      stddev = std::sqrt(2.0 / in), uniform = false;
      break;
  }
  Scalar* w = W.data();
  for (Index i = 0; i < W.size(); ++i) {
    w[i] = static_cast<Scalar>(uniform ? rng.uniform(-limit, limit) : stddev * rng.normal());
  }
}

}  // namespace fathom
