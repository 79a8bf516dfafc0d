// Weight initializers (docs/concepts.md, initialisation): small uniform or normal random values,
// Glorot/Xavier, He, constant. Resolvable by name: "uniform(0.05)", "normal(0.1)", "glorot_uniform",
// "he_normal", "constant(0.1)", "zeros", "ones".
#pragma once

#include <string>
#include <string_view>

#include "fathom/core/matrix.hpp"
#include "fathom/core/rng.hpp"

namespace fathom {

enum class InitKind { Uniform, Normal, GlorotUniform, GlorotNormal, HeUniform, HeNormal, Constant };

class Initializer {
 public:
  Initializer() = default;
  // Throws InvalidArgument for a non-finite value, or a uniform/normal scale that is not > 0.
  Initializer(InitKind kind, Scalar value);
  Initializer(std::string_view name);                                            // NOLINT
  Initializer(const char* name) : Initializer(std::string_view(name)) {}         // NOLINT
  Initializer(const std::string& name) : Initializer(std::string_view(name)) {}  // NOLINT

  static Initializer uniform(Scalar limit) { return {InitKind::Uniform, limit}; }
  static Initializer normal(Scalar stddev) { return {InitKind::Normal, stddev}; }
  static Initializer glorot_uniform() { return {InitKind::GlorotUniform, 0}; }
  static Initializer glorot_normal() { return {InitKind::GlorotNormal, 0}; }
  static Initializer he_uniform() { return {InitKind::HeUniform, 0}; }
  static Initializer he_normal() { return {InitKind::HeNormal, 0}; }
  static Initializer constant(Scalar value) { return {InitKind::Constant, value}; }
  static Initializer zeros() { return constant(0); }

  InitKind kind() const { return kind_; }
  Scalar value() const { return value_; }
  std::string name() const;

  // Fills W in place; fan_in/fan_out are the layer's input and output widths.
  void fill(MatrixView W, Index fan_in, Index fan_out, Rng& rng) const;

  friend bool operator==(const Initializer&, const Initializer&) = default;

 private:
  InitKind kind_ = InitKind::GlorotUniform;
  Scalar value_ = 0;
};

}  // namespace fathom
