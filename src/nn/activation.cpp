// The activation table (docs/concepts.md, activation functions): every φ and φ' of fathom, each
// written once, in its row. A row's φ and φ' read the same on a Scalar and on an Eigen array, so
// the templates below build every kernel from them: plain loops for one sample and for the cheap
// kinds, Eigen's vectorised exp/tanh/erf for the batches of the transcendental ones.
#include "fathom/nn/activation.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <unsupported/Eigen/SpecialFunctions>  // vectorised erf, for gelu

#include "../core/name_call.hpp"
#include "../core/row_table.hpp"
#include "fathom/core/error.hpp"

namespace fathom {
namespace {

// The vocabulary of the rows. On a Scalar these are the <cmath> calls; on an Eigen array
// expression, argument-dependent lookup finds Eigen's vectorised versions of the same names.
using std::abs;
using std::erf;
using std::exp;
using std::expm1;
using std::log1p;
using std::tanh;
// The logistic function σ(z) = 1 / (1 + e^−z); Eigen has a faster vectorised one of the same
// name. No branch: for z below about −88, exp(−z) overflows to +Inf and 1 / (1 + Inf) is the
// exact limit 0, so the one formula is right everywhere.
inline Scalar logistic(Scalar z) { return 1 / (1 + std::exp(-z)); }
inline Scalar max0(Scalar z) { return std::max(z, Scalar(0)); }
template <class Z>
auto max0(const Eigen::ArrayBase<Z>& z) {
  return z.derived().max(Scalar(0));
}

constexpr Scalar kInvSqrt2 = 0.70710678118654752440f;
constexpr Scalar kInvSqrt2Pi = 0.39894228040143267794f;

// How a row's kernels run: plain loops (the compiler vectorises cheap φ), Eigen's vectorised
// exp/tanh/erf for batches (the scalar library calls are 50–100× slower than a relu pass), or
// the row's own column-wise forward/backward (softmax).
enum class Kernel { loops, vectorised, columns };

// A row's entry: its name, kind and kernel, whether it takes a parameter α, α's default.
struct Entry {
  const char* name;
  ActivationKind kind;
  Kernel kernel;
  bool has_alpha = false;
  Scalar default_alpha = 0;
};

// ---- The rows: the entry, φ(z, α) and φ'(z, y, α) given y = φ(z) (often cheapest from y). A
// vectorised row's φ and φ' take a Scalar or an Eigen array alike.

// φ' = 0: backprop cannot train it; the perceptron rule does (train/perceptron.hpp).
struct Step {
  static constexpr Entry entry{"step", ActivationKind::Step, Kernel::loops};
  static constexpr auto phi = [](Scalar z, Scalar) { return z > 0 ? 1.0f : 0.0f; };
  static constexpr auto dphi = [](Scalar, Scalar, Scalar) { return 0.0f; };
};

struct Linear {
  static constexpr Entry entry{"linear", ActivationKind::Linear, Kernel::loops};
  static constexpr auto phi = [](Scalar z, Scalar) { return z; };
  static constexpr auto dphi = [](Scalar, Scalar, Scalar) { return 1.0f; };
};

// S = σ(z), S' = S(1 − S).
struct Sigmoid {
  static constexpr Entry entry{"sigmoid", ActivationKind::Sigmoid, Kernel::vectorised};
  static constexpr auto phi = [](const auto& z, Scalar) { return logistic(z); };
  static constexpr auto dphi = [](const auto&, const auto& y, Scalar) { return y * (1.0f - y); };
};

// φ' = 1 − φ², as (1 − φ)(1 + φ): no cancellation near |φ| = 1.
struct Tanh {
  static constexpr Entry entry{"tanh", ActivationKind::Tanh, Kernel::vectorised};
  static constexpr auto phi = [](const auto& z, Scalar) { return tanh(z); };
  static constexpr auto dphi = [](const auto&, const auto& y, Scalar) { return (1.0f - y) * (1.0f + y); };
};

// φ' = 0 at the kink z = 0.
struct Relu {
  static constexpr Entry entry{"relu", ActivationKind::Relu, Kernel::loops};
  static constexpr auto phi = [](Scalar z, Scalar) { return z > 0 ? z : 0.0f; };
  static constexpr auto dphi = [](Scalar z, Scalar, Scalar) { return z > 0 ? 1.0f : 0.0f; };
};

struct LeakyRelu {
  static constexpr Entry entry{"leaky_relu", ActivationKind::LeakyRelu, Kernel::loops, true, 0.01f};
  static constexpr auto phi = [](Scalar z, Scalar alpha) { return z > 0 ? z : alpha * z; };
  static constexpr auto dphi = [](Scalar z, Scalar, Scalar alpha) { return z > 0 ? 1.0f : alpha; };
};

// φ' = αe^z = φ + α for z ≤ 0.
struct Elu {
  static constexpr Entry entry{"elu", ActivationKind::Elu, Kernel::loops, true, 1.0f};
  static constexpr auto phi = [](Scalar z, Scalar alpha) { return z > 0 ? z : alpha * expm1(z); };
  static constexpr auto dphi = [](Scalar z, Scalar y, Scalar alpha) { return z > 0 ? 1.0f : y + alpha; };
};

// z Φ(z), and φ' = Φ(z) + z φ_N(z) with Φ the normal CDF and φ_N its density.
struct Gelu {
  static constexpr Entry entry{"gelu", ActivationKind::Gelu, Kernel::vectorised};
  static constexpr auto phi = [](const auto& z, Scalar) { return 0.5f * z * (1.0f + erf(z * kInvSqrt2)); };
  static constexpr auto dphi = [](const auto& z, const auto&, Scalar) {
    return 0.5f * (1.0f + erf(z * kInvSqrt2)) + z * kInvSqrt2Pi * exp(-0.5f * z * z);
  };
};

// log(1 + e^z) without overflow; φ' = σ(z).
struct Softplus {
  static constexpr Entry entry{"softplus", ActivationKind::Softplus, Kernel::vectorised};
  static constexpr auto phi = [](const auto& z, Scalar) { return max0(z) + log1p(exp(-abs(z))); };
  static constexpr auto dphi = [](const auto& z, const auto&, Scalar) { return logistic(z); };
};

struct Gaussian {
  static constexpr Entry entry{"gaussian", ActivationKind::Gaussian, Kernel::vectorised};
  static constexpr auto phi = [](const auto& z, Scalar) { return exp(-z * z); };
  static constexpr auto dphi = [](const auto& z, const auto& y, Scalar) { return -2.0f * z * y; };
};

// The one activation that couples a column's entries: y = e^(v − max v) / Σ e^(v − max v)
// (the max subtracted first, so exp never overflows), and dV = J(V)ᵀ dY per column.
struct Softmax {
  static constexpr Entry entry{"softmax", ActivationKind::Softmax, Kernel::columns};

  static void forward(ConstMatrixView V, MatrixView Y) {
    const Index rows = V.rows();
    for (Index j = 0; j < V.cols(); ++j) {
      const auto v = Eigen::Map<const Eigen::ArrayXf>(V.data() + j * rows, rows);
      auto y = Eigen::Map<Eigen::ArrayXf>(Y.data() + j * rows, rows);
      y = (v - v.maxCoeff()).exp();
      y *= 1 / y.sum();
    }
  }
  // dV_i = y_i (dY_i − Σ_k y_k dY_k).
  static void backward(ConstMatrixView Y, ConstMatrixView dY, MatrixView dV) {
    const Index rows = Y.rows();
    for (Index j = 0; j < Y.cols(); ++j) {
      const Scalar* y = Y.data() + j * rows;
      const Scalar* g = dY.data() + j * rows;
      Scalar* d = dV.data() + j * rows;
      Scalar dot = 0;
      for (Index i = 0; i < rows; ++i) dot += y[i] * g[i];
      for (Index i = 0; i < rows; ++i) d[i] = y[i] * (g[i] - dot);
    }
  }
};

// ---- The table: the rows in the order help texts list them. A new activation is a row above,
// its ActivationKind, and its name here.

template <class... Rows>
struct TableOf {
  static constexpr std::array<Entry, sizeof...(Rows)> entries{Rows::entry...};

  // Calls f.template operator()<R>() with the row R of `kind`.
  template <class F>
  static void visit(ActivationKind kind, F&& f) {
    detail::visit_row<Rows...>(kind, f);
  }
};

using Table = TableOf<Step, Linear, Sigmoid, Tanh, Relu, LeakyRelu, Elu, Gelu, Softplus, Softmax, Gaussian>;

const Entry& entry(ActivationKind kind) {
  for (const auto& e : Table::entries)
    if (e.kind == kind) return e;
  throw InvalidArgument("unknown activation kind");
}

// ---- The kernels, built from a row.

namespace kernels {

// Fewer values than one AVX-512 register: Eigen's vectorised loop is all set-up and tail.
constexpr Index kVectorFrom = 16;

template <class R>
void forward_raw(const Scalar* v, Scalar* y, Index n, Scalar alpha) {
  if constexpr (R::entry.kernel != Kernel::columns) {
    for (Index i = 0; i < n; ++i) y[i] = R::phi(v[i], alpha);
  } else {
    R::forward(ConstMatrixView(v, n, 1), MatrixView(y, n, 1));
  }
}

template <class R>
void backward_raw(const Scalar* v, const Scalar* y, const Scalar* g, Scalar* d, Index n, Scalar alpha) {
  if constexpr (R::entry.kernel != Kernel::columns) {
    for (Index i = 0; i < n; ++i) {
      // φ' first, then the product: in this order GCC 12 if-converts relu's φ' and vectorises.
      const Scalar slope = R::dphi(v[i], y[i], alpha);
      d[i] = g[i] * slope;
    }
  } else {
    R::backward(ConstMatrixView(y, n, 1), ConstMatrixView(g, n, 1), MatrixView(d, n, 1));
  }
}

template <class R>
void forward(ConstMatrixView V, MatrixView Y, Scalar alpha) {
  if constexpr (R::entry.kernel == Kernel::columns) {
    R::forward(V, Y);
  } else {
    if constexpr (R::entry.kernel == Kernel::vectorised) {
      if (V.size() >= kVectorFrom) {
        Y.array() = R::phi(V.array(), alpha);
        return;
      }
    }
    forward_raw<R>(V.data(), Y.data(), V.size(), alpha);
  }
}

template <class R>
void forward_biased(MatrixView V, const Scalar* b, MatrixView Y, Scalar alpha) {
  const Index rows = V.rows(), cols = V.cols();
  if constexpr (R::entry.kernel != Kernel::loops) {
    // Two vectorised passes (add the bias, then φ) beat one scalar pass for these kinds.
    V.colwise() += Eigen::Map<const Vector>(b, rows);
    forward<R>(cview(V), Y, alpha);
  } else {
    for (Index j = 0; j < cols; ++j) {
      Scalar* v = V.data() + j * rows;
      Scalar* y = Y.data() + j * rows;
      for (Index i = 0; i < rows; ++i) {
        const Scalar z = v[i] + b[i];
        v[i] = z;
        y[i] = R::phi(z, alpha);
      }
    }
  }
}

template <class R>
void backward(ConstMatrixView V, ConstMatrixView Y, ConstMatrixView dY, MatrixView dV, Scalar alpha) {
  if constexpr (R::entry.kernel == Kernel::columns) {
    R::backward(Y, dY, dV);
  } else {
    if constexpr (R::entry.kernel == Kernel::vectorised) {
      if (V.size() >= kVectorFrom) {
        dV.array() = dY.array() * R::dphi(V.array(), Y.array(), alpha);
        return;
      }
    }
    backward_raw<R>(V.data(), Y.data(), dY.data(), dV.data(), V.size(), alpha);
  }
}

}  // namespace kernels

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
  const Entry& e = detail::find_entry(Table::entries, base, text, "activation");
  if (!arg.empty() && !e.has_alpha) {
    throw InvalidArgument("activation \"" + std::string(base) + "\" takes no parameter");
  }
  *this = Activation(e.kind, arg.empty() ? e.default_alpha : detail::parse_number(arg, text, "activation"));
}

std::string Activation::name() const {
  const Entry& e = entry(kind_);
  return e.has_alpha ? detail::call_text(e.name, alpha_) : e.name;
}

void Activation::forward(ConstMatrixView V, MatrixView Y) const {
  check_same_shape(V, Y, "forward");
  Table::visit(kind_, [&]<class R>() { kernels::forward<R>(V, Y, alpha_); });
}

void Activation::forward_biased(MatrixView V, const Scalar* b, MatrixView Y) const {
  check_same_shape(V, Y, "forward");
  if (b == nullptr) return forward(cview(V), Y);
  Table::visit(kind_, [&]<class R>() { kernels::forward_biased<R>(V, b, Y, alpha_); });
}

void Activation::backward(ConstMatrixView V, ConstMatrixView Y, ConstMatrixView dY, MatrixView dV) const {
  check_same_shape(V, dY, "backward");
  check_same_shape(V, dV, "backward");
  Table::visit(kind_, [&]<class R>() { kernels::backward<R>(V, Y, dY, dV, alpha_); });
}

void Activation::forward_raw(const Scalar* v, Scalar* y, Index n) const {
  Table::visit(kind_, [&]<class R>() { kernels::forward_raw<R>(v, y, n, alpha_); });
}

void Activation::backward_raw(const Scalar* v, const Scalar* y, const Scalar* g, Scalar* delta,
                              Index n) const {
  Table::visit(kind_, [&]<class R>() { kernels::backward_raw<R>(v, y, g, delta, n, alpha_); });
}

Scalar Activation::apply(Scalar z) const {
  require(elementwise(), "softmax is not element-wise");
  Scalar y = 0;
  forward_raw(&z, &y, 1);
  return y;
}

Scalar Activation::derivative(Scalar z) const {
  const Scalar y = apply(z);
  const Scalar one = 1;
  Scalar d = 0;
  backward_raw(&z, &y, &one, &d, 1);
  return d;
}

std::vector<std::string> activation_names() {
  std::vector<std::string> names;
  for (const auto& e : Table::entries) names.emplace_back(e.name);
  return names;
}

}  // namespace fathom
