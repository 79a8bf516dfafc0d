// The activation table (SPEC §2): every φ and φ' of fathom, in one place.
#include "fathom/nn/activation.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <sstream>
#include <unsupported/Eigen/SpecialFunctions>  // vectorised erf, for gelu

#include "../core/name_call.hpp"
#include "fathom/core/error.hpp"

namespace fathom {
namespace {

struct Entry {
  const char* name;
  ActivationKind kind;
  bool has_alpha;
  Scalar default_alpha;
};

// The table: name, kind, whether it takes a parameter α, α's default.
constexpr std::array<Entry, 11> kTable{{
    {"step", ActivationKind::Step, false, 0},
    {"linear", ActivationKind::Linear, false, 0},
    {"sigmoid", ActivationKind::Sigmoid, false, 0},
    {"tanh", ActivationKind::Tanh, false, 0},
    {"relu", ActivationKind::Relu, false, 0},
    {"leaky_relu", ActivationKind::LeakyRelu, true, 0.01f},
    {"elu", ActivationKind::Elu, true, 1.0f},
    {"gelu", ActivationKind::Gelu, false, 0},
    {"softplus", ActivationKind::Softplus, false, 0},
    {"softmax", ActivationKind::Softmax, false, 0},
    {"gaussian", ActivationKind::Gaussian, false, 0},
}};

const Entry& entry(ActivationKind kind) {
  for (const auto& e : kTable)
    if (e.kind == kind) return e;
  throw InvalidArgument("unknown activation kind");
}

constexpr Scalar kInvSqrt2 = 0.70710678118654752440f;
constexpr Scalar kInvSqrt2Pi = 0.39894228040143267794f;

inline Scalar sigmoid(Scalar z) {
  // No branch: for z below about −88, exp(−z) overflows to +Inf and 1 / (1 + Inf) is the
  // exact limit 0, so the one formula is right everywhere.
  return 1 / (1 + std::exp(-z));
}

// φ(z) for each element-wise kind.
template <ActivationKind K>
inline Scalar phi(Scalar z, Scalar alpha) {
  if constexpr (K == ActivationKind::Step) return z > 0 ? 1.0f : 0.0f;
  if constexpr (K == ActivationKind::Linear) return z;
  if constexpr (K == ActivationKind::Sigmoid) return sigmoid(z);
  if constexpr (K == ActivationKind::Tanh) return std::tanh(z);
  if constexpr (K == ActivationKind::Relu) return z > 0 ? z : 0.0f;
  if constexpr (K == ActivationKind::LeakyRelu) return z > 0 ? z : alpha * z;
  if constexpr (K == ActivationKind::Elu) return z > 0 ? z : alpha * std::expm1(z);
  if constexpr (K == ActivationKind::Gelu) return 0.5f * z * (1 + std::erf(z * kInvSqrt2));
  if constexpr (K == ActivationKind::Softplus) return std::max(z, 0.0f) + std::log1p(std::exp(-std::abs(z)));
  if constexpr (K == ActivationKind::Gaussian) return std::exp(-z * z);
  (void)alpha;
  return z;
}

// φ'(z) given z and y = φ(z) (several derivatives are cheapest from y).
template <ActivationKind K>
inline Scalar dphi(Scalar z, Scalar y, Scalar alpha) {
  if constexpr (K == ActivationKind::Step) return 0;  // the perceptron rule is used instead
  if constexpr (K == ActivationKind::Linear) return 1;
  if constexpr (K == ActivationKind::Sigmoid) return y * (1 - y);       // S(z)(1 − S(z))
  if constexpr (K == ActivationKind::Tanh) return (1 - y) * (1 + y);    // (1 − φ)(1 + φ)
  if constexpr (K == ActivationKind::Relu) return z > 0 ? 1.0f : 0.0f;  // 0 for z ≤ 0
  if constexpr (K == ActivationKind::LeakyRelu) return z > 0 ? 1.0f : alpha;
  if constexpr (K == ActivationKind::Elu) return z > 0 ? 1.0f : y + alpha;  // α e^z = φ + α
  if constexpr (K == ActivationKind::Gelu)
    return 0.5f * (1 + std::erf(z * kInvSqrt2)) + z * kInvSqrt2Pi * std::exp(-0.5f * z * z);
  if constexpr (K == ActivationKind::Softplus) return sigmoid(z);
  if constexpr (K == ActivationKind::Gaussian) return -2 * z * y;
  (void)z, (void)y, (void)alpha;
  return 1;
}

// Calls f.template operator()<K>() with the activation kind as a compile-time constant, so
// each loop below is instantiated (and vectorised) per kind with no branch inside.
template <class F>
void dispatch(ActivationKind kind, F&& f) {
  switch (kind) {
    case ActivationKind::Step:
      return f.template operator()<ActivationKind::Step>();
    case ActivationKind::Linear:
      return f.template operator()<ActivationKind::Linear>();
    case ActivationKind::Sigmoid:
      return f.template operator()<ActivationKind::Sigmoid>();
    case ActivationKind::Tanh:
      return f.template operator()<ActivationKind::Tanh>();
    case ActivationKind::Relu:
      return f.template operator()<ActivationKind::Relu>();
    case ActivationKind::LeakyRelu:
      return f.template operator()<ActivationKind::LeakyRelu>();
    case ActivationKind::Elu:
      return f.template operator()<ActivationKind::Elu>();
    case ActivationKind::Gelu:
      return f.template operator()<ActivationKind::Gelu>();
    case ActivationKind::Softplus:
      return f.template operator()<ActivationKind::Softplus>();
    case ActivationKind::Gaussian:
      return f.template operator()<ActivationKind::Gaussian>();
    case ActivationKind::Softmax:
      break;
  }
  throw InvalidArgument("softmax is not element-wise");
}

// φ for the kinds whose scalar form calls exp/tanh/erf, through Eigen's vectorised versions
// (the scalar library calls are 50–100× slower than a relu pass). Returns false for the
// kinds that the plain loops below already vectorise.
bool is_transcendental(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::Sigmoid:
    case ActivationKind::Tanh:
    case ActivationKind::Gelu:
    case ActivationKind::Elu:
    case ActivationKind::Softplus:
    case ActivationKind::Gaussian:
      return true;
    default:
      return false;
  }
}

bool forward_transcendental(ActivationKind kind, Scalar alpha, ConstMatrixView V, MatrixView Y) {
  const auto v = V.array();
  auto y = Y.array();
  // Fewer values than one AVX-512 register: Eigen's vectorised loop is all set-up and tail.
  constexpr Index kScalarBelow = 16;
  switch (kind) {
    case ActivationKind::Sigmoid:
      if (V.size() < kScalarBelow) {
        for (Index i = 0; i < V.size(); ++i) Y.data()[i] = 1 / (1 + std::exp(-V.data()[i]));
        return true;
      }
      y = v.logistic();
      return true;
    case ActivationKind::Tanh:
      y = v.tanh();
      return true;
    case ActivationKind::Gelu:
      y = 0.5f * v * (1 + (v * kInvSqrt2).erf());
      return true;
    case ActivationKind::Elu:
      y = (v > 0).select(v, alpha * v.expm1());
      return true;
    case ActivationKind::Softplus:
      y = v.max(0.0f) + (-v.abs()).exp().log1p();
      return true;
    case ActivationKind::Gaussian:
      y = (-v.square()).exp();
      return true;
    default:
      return false;
  }
}

// Column-wise softmax, stable: subtract the column max before exp.
void softmax_columns(ConstMatrixView V, MatrixView Y) {
  const Index rows = V.rows();
  for (Index j = 0; j < V.cols(); ++j) {
    const Scalar* v = V.data() + j * rows;
    Scalar* y = Y.data() + j * rows;
    const auto vc = Eigen::Map<const Eigen::ArrayXf>(v, rows);
    auto yc = Eigen::Map<Eigen::ArrayXf>(y, rows);
    yc = (vc - vc.maxCoeff()).exp();
    yc *= 1 / yc.sum();
  }
}

template <class A, class B>
void check_same_shape(const A& a, const B& b, const char* what) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) {
    throw ShapeError(std::string("activation ") + what + ": shapes " + std::to_string(a.rows()) + "x" +
                     std::to_string(a.cols()) + " and " + std::to_string(b.rows()) + "x" +
                     std::to_string(b.cols()) + " differ");
  }
}

}  // namespace

Activation::Activation(ActivationKind kind) : Activation(kind, entry(kind).default_alpha) {}

Activation::Activation(ActivationKind kind, Scalar alpha) : kind_(kind), alpha_(alpha) {
  if (entry(kind).has_alpha) {
    require(
        std::isfinite(alpha) && alpha >= 0,
        std::string(entry(kind).name) + ": alpha must be a finite number >= 0, got " + std::to_string(alpha));
  } else {
    alpha_ = 0;
  }
}

Activation::Activation(std::string_view text) {
  const auto [base, arg] = detail::split_call(text, "activation");
  for (const auto& e : kTable) {
    if (base != e.name) continue;
    if (!arg.empty() && !e.has_alpha) {
      throw InvalidArgument("activation \"" + std::string(base) + "\" takes no parameter");
    }
    *this = Activation(e.kind, arg.empty() ? e.default_alpha : detail::parse_number(arg, text, "activation"));
    return;
  }
  throw InvalidArgument("unknown activation \"" + std::string(text) +
                        "\"; known: " + detail::known_names(kTable));
}

std::string Activation::name() const {
  const Entry& e = entry(kind_);
  if (!e.has_alpha) return e.name;
  std::ostringstream out;
  out << e.name << '(' << alpha_ << ')';
  return out.str();
}

void Activation::forward(ConstMatrixView V, MatrixView Y) const {
  check_same_shape(V, Y, "forward");
  if (kind_ == ActivationKind::Softmax) return softmax_columns(V, Y);
  if (forward_transcendental(kind_, alpha_, V, Y)) return;
  const Index size = V.size();
  const Scalar* v = V.data();
  Scalar* y = Y.data();
  const Scalar a = alpha_;
  dispatch(kind_, [&]<ActivationKind K>() {
    for (Index i = 0; i < size; ++i) y[i] = phi<K>(v[i], a);
  });
}

void Activation::forward_biased(MatrixView V, const Scalar* b, MatrixView Y) const {
  check_same_shape(V, Y, "forward");
  if (b == nullptr) return forward(cview(V), Y);
  const Index rows = V.rows(), cols = V.cols();
  if (kind_ == ActivationKind::Softmax || is_transcendental(kind_)) {
    // Two vectorised passes (add the bias, then φ) beat one scalar pass for these kinds.
    V.colwise() += Eigen::Map<const Vector>(b, rows);
    return forward(cview(V), Y);
  }
  const Scalar a = alpha_;
  dispatch(kind_, [&]<ActivationKind K>() {
    for (Index j = 0; j < cols; ++j) {
      Scalar* v = V.data() + j * rows;
      Scalar* y = Y.data() + j * rows;
      for (Index i = 0; i < rows; ++i) {
        const Scalar z = v[i] + b[i];
        v[i] = z;
        y[i] = phi<K>(z, a);
      }
    }
  });
}

void Activation::backward(ConstMatrixView V, ConstMatrixView Y, ConstMatrixView dY, MatrixView dV) const {
  check_same_shape(V, dY, "backward");
  check_same_shape(V, dV, "backward");
  if (kind_ == ActivationKind::Softmax) {
    // dV_i = y_i (dY_i − Σ_k y_k dY_k), the softmax Jacobian applied per column.
    const Index rows = V.rows();
    for (Index j = 0; j < V.cols(); ++j) {
      const Scalar* y = Y.data() + j * rows;
      const Scalar* g = dY.data() + j * rows;
      Scalar* d = dV.data() + j * rows;
      Scalar dot = 0;
      for (Index i = 0; i < rows; ++i) dot += y[i] * g[i];
      for (Index i = 0; i < rows; ++i) d[i] = y[i] * (g[i] - dot);
    }
    return;
  }
  if (kind_ == ActivationKind::Gelu) {  // φ'(z) = Φ(z) + z·φ_N(z)
    const auto v = V.array();
    dV.array() =
        dY.array() * (0.5f * (1 + (v * kInvSqrt2).erf()) + v * kInvSqrt2Pi * (-0.5f * v.square()).exp());
    return;
  }
  if (kind_ == ActivationKind::Softplus) {  // φ'(z) = σ(z)
    dV.array() = dY.array() * V.array().logistic();
    return;
  }
  const Index size = V.size();
  const Scalar *v = V.data(), *y = Y.data(), *g = dY.data();
  Scalar* d = dV.data();
  const Scalar a = alpha_;
  dispatch(kind_, [&]<ActivationKind K>() {
    for (Index i = 0; i < size; ++i) d[i] = g[i] * dphi<K>(v[i], y[i], a);
  });
}

void Activation::forward_raw(const Scalar* v, Scalar* y, Index n) const {
  if (kind_ == ActivationKind::Softmax) return forward(ConstMatrixView(v, n, 1), MatrixView(y, n, 1));
  dispatch(kind_, [&]<ActivationKind K>() {
    for (Index i = 0; i < n; ++i) y[i] = phi<K>(v[i], alpha_);
  });
}

void Activation::backward_raw(const Scalar* v, const Scalar* y, const Scalar* g, Scalar* delta, Index n) const {
  if (kind_ == ActivationKind::Softmax) {
    return backward(ConstMatrixView(v, n, 1), ConstMatrixView(y, n, 1), ConstMatrixView(g, n, 1),
                    MatrixView(delta, n, 1));
  }
  dispatch(kind_, [&]<ActivationKind K>() {
    for (Index i = 0; i < n; ++i) delta[i] = g[i] * dphi<K>(v[i], y[i], alpha_);
  });
}

Scalar Activation::apply(Scalar z) const {
  Scalar y = 0;
  dispatch(kind_, [&]<ActivationKind K>() { y = phi<K>(z, alpha_); });
  return y;
}

Scalar Activation::derivative(Scalar z) const {
  Scalar d = 0;
  dispatch(kind_, [&]<ActivationKind K>() { d = dphi<K>(z, phi<K>(z, alpha_), alpha_); });
  return d;
}

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const auto& e : kTable) names.emplace_back(e.name);
  return names;
}

}  // namespace fathom
