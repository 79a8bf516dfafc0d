// The loss table (docs/concepts.md, cost functions): every cost function of fathom, each
// written once, in its row (one output's value and gradient, and for a loss that pairs with an
// output activation, the fused form); the batch and one-sample kernels are built from the rows.
#include "fathom/nn/loss.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "../core/name_call.hpp"
#include "../core/row_table.hpp"
#include "fathom/core/error.hpp"

namespace fathom {
namespace {

// Probabilities are clamped this far from 0 and 1 before a log, so log never sees 0.
constexpr double kEps = 1e-7;
double clamp_p(double p) { return std::clamp(p, kEps, 1 - kEps); }

// A row's entry: its name and kind, whether it takes a parameter δ (default 1), and the output
// activation it fuses with, if any.
struct Entry {
  const char* name;
  LossKind kind;
  bool has_delta = false;
  bool fuses = false;
  ActivationKind fused_output = ActivationKind::Linear;
};

// The rows whose fused_delta δ^L = (a·m − t)/n has m = 1 (all but cce).
struct UnitMass {
  static Scalar delta_factor(const Scalar*, Index) { return 1; }
};

// ---- The rows: the entry, value(a, t, δ) and gradient(a, t, δ) = ∂value/∂a of one output a
// with target t. A fused row also gives, for one column of pre-activations v, the loss from v
// (stable where a saturates) and the factor m of its output delta δ^L = (a·m − t)/n.

struct Mse : UnitMass {
  static constexpr Entry entry{"mse", LossKind::Mse};
  static constexpr auto value = [](Scalar a, Scalar t, Scalar) {
    return 0.5 * double(a - t) * double(a - t);
  };
  static constexpr auto gradient = [](Scalar a, Scalar t, Scalar) { return a - t; };
};

struct Mae : UnitMass {
  static constexpr Entry entry{"mae", LossKind::Mae};
  static constexpr auto value = [](Scalar a, Scalar t, Scalar) { return std::abs(double(a) - t); };
  static constexpr auto gradient = [](Scalar a, Scalar t, Scalar) {
    return a > t ? 1.0f : a < t ? -1.0f : 0.0f;
  };
};

struct Huber : UnitMass {
  static constexpr Entry entry{"huber", LossKind::Huber, true};
  static constexpr auto value = [](Scalar a, Scalar t, Scalar delta) {
    const double e = std::abs(double(a) - t);
    return e <= delta ? 0.5 * e * e : delta * (e - 0.5 * delta);
  };
  static constexpr auto gradient = [](Scalar a, Scalar t, Scalar delta) {
    return std::clamp(a - t, -delta, delta);
  };
};

struct Bce : UnitMass {
  static constexpr Entry entry{"bce", LossKind::Bce, false, true, ActivationKind::Sigmoid};
  static constexpr auto value = [](Scalar a, Scalar t, Scalar) {
    const double p = clamp_p(a);
    return -(t * std::log(p) + (1 - double(t)) * std::log(1 - p));
  };
  static constexpr auto gradient = [](Scalar a, Scalar t, Scalar) {
    const double p = clamp_p(a);
    return (p - t) / (p * (1 - p));
  };
  // −[t log σ(v) + (1 − t) log(1 − σ(v))] = max(v, 0) − v t + log(1 + e^−|v|)
  static double logits_value(const Scalar* v, const Scalar* t, Index rows) {
    double sum = 0;
    for (Index i = 0; i < rows; ++i) {
      const double z = v[i];
      sum += std::max(z, 0.0) - z * t[i] + std::log1p(std::exp(-std::abs(z)));
    }
    return sum;
  }
};

struct Cce {
  static constexpr Entry entry{"cce", LossKind::Cce, false, true, ActivationKind::Softmax};
  static constexpr auto value = [](Scalar a, Scalar t, Scalar) {
    return t != 0 ? -t * std::log(clamp_p(a)) : 0.0;
  };
  static constexpr auto gradient = [](Scalar a, Scalar t, Scalar) { return -t / clamp_p(a); };
  // −Σ_c t_c log softmax(v)_c = Σ_c t_c (logsumexp(v) − v_c)
  static double logits_value(const Scalar* v, const Scalar* t, Index rows) {
    double m = v[0];
    for (Index i = 1; i < rows; ++i) m = std::max(m, double(v[i]));
    double s = 0;
    for (Index i = 0; i < rows; ++i) s += std::exp(v[i] - m);
    const double lse = m + std::log(s);
    double sum = 0;
    for (Index i = 0; i < rows; ++i) sum += t[i] * (lse - v[i]);
    return sum;
  }
  // Σ_c t_c: the delta stays exact for targets that do not sum to 1 (0.9/0.1 targets).
  static Scalar delta_factor(const Scalar* t, Index rows) {
    Scalar mass = 0;
    for (Index i = 0; i < rows; ++i) mass += t[i];
    return mass;
  }
};

// ---- The table. A new loss is a row above, its LossKind, and its name here.

template <class... Rows>
struct TableOf {
  static constexpr std::array<Entry, sizeof...(Rows)> entries{Rows::entry...};

  // Returns f.template operator()<R>() for the row R of `kind`.
  template <class F>
  static auto visit(LossKind kind, F&& f) {
    return detail::visit_row<Rows...>(kind, f);
  }
};

using Table = TableOf<Mse, Mae, Huber, Bce, Cce>;

const Entry& entry(LossKind kind) {
  for (const auto& e : Table::entries)
    if (e.kind == kind) return e;
  throw InvalidArgument("unknown loss kind");
}

// ---- The kernels, built from a row: sums over `size` outputs of `cols` samples, the mean over
// the samples, and the gradient of that mean.

template <class R>
double mean_value(const Scalar* a, const Scalar* t, Index size, Index cols, Scalar delta) {
  double sum = 0;
  for (Index i = 0; i < size; ++i) sum += R::value(a[i], t[i], delta);
  return cols == 0 ? 0.0 : sum / double(cols);
}

template <class R>
void mean_gradient(const Scalar* a, const Scalar* t, Scalar* d, Index size, Index cols, Scalar delta) {
  const Scalar inv_n = cols == 0 ? 0.0f : 1.0f / static_cast<Scalar>(cols);
  for (Index i = 0; i < size; ++i) d[i] = static_cast<Scalar>(R::gradient(a[i], t[i], delta) * inv_n);
}

void check_shapes(ConstMatrixView A, ConstMatrixView T) {
  if (A.rows() != T.rows() || A.cols() != T.cols()) {
    throw ShapeError("loss: outputs are " + std::to_string(A.rows()) + "x" + std::to_string(A.cols()) +
                     " but targets are " + std::to_string(T.rows()) + "x" + std::to_string(T.cols()));
  }
}

}  // namespace

Loss::Loss(LossKind kind, Scalar delta) : kind_(kind), delta_(entry(kind).has_delta ? delta : 1) {
  if (entry(kind).has_delta) {
    require(std::isfinite(delta) && delta > 0,
            std::string(entry(kind).name) + ": delta must be > 0, got " + std::to_string(delta));
  }
}

Loss::Loss(std::string_view text) {
  const auto [base, arg] = detail::split_call(text, "loss");
  const Entry& e = detail::find_entry(Table::entries, base, text, "loss");
  if (!arg.empty() && !e.has_delta) {
    throw InvalidArgument("loss \"" + std::string(text) + "\": only huber takes a parameter");
  }
  *this = Loss(e.kind, arg.empty() ? 1.0f : detail::parse_number(arg, text, "loss"));
}

std::string Loss::name() const {
  const Entry& e = entry(kind_);
  return e.has_delta && delta_ != 1 ? detail::call_text(e.name, delta_) : e.name;
}

std::string Loss::display_name() const {
  // Sums over the outputs (not means), as the rows above compute them: the formula says so.
  if (kind_ == LossKind::Mse) return "mse = ½‖t−o‖²";
  if (kind_ == LossKind::Mae) return "mae = Σ|t−o|";
  return name();
}

bool Loss::fuses_with(const Activation& output) const {
  return Table::visit(kind_,
                      [&]<class R>() { return R::entry.fuses && output.kind() == R::entry.fused_output; });
}

double Loss::value(ConstMatrixView A, ConstMatrixView T) const {
  check_shapes(A, T);
  return Table::visit(
      kind_, [&]<class R>() { return mean_value<R>(A.data(), T.data(), A.size(), A.cols(), delta_); });
}

double Loss::value(ConstMatrixView A, ConstMatrixView T, const Activation& output, ConstMatrixView V) const {
  if (!fuses_with(output)) return value(A, T);
  check_shapes(V, T);
  const Index rows = V.rows(), cols = V.cols();
  return Table::visit(kind_, [&]<class R>() {
    double sum = 0;
    if constexpr (R::entry.fuses) {
      for (Index j = 0; j < cols; ++j) sum += R::logits_value(V.data() + j * rows, T.data() + j * rows, rows);
    }
    return cols == 0 ? 0.0 : sum / double(cols);
  });
}

void Loss::gradient(ConstMatrixView A, ConstMatrixView T, MatrixView dA) const {
  check_shapes(A, T);
  check_shapes(A, cview(dA));
  Table::visit(
      kind_, [&]<class R>() { mean_gradient<R>(A.data(), T.data(), dA.data(), A.size(), A.cols(), delta_); });
}

// Both in one pass over the n outputs (the tiny nets' per-sample loss).
double Loss::value_and_gradient(const Scalar* a, const Scalar* t, Scalar* dA, Index n) const {
  return Table::visit(kind_, [&]<class R>() {
    double sum = 0;
    for (Index i = 0; i < n; ++i) {  // the value first: dA may alias a
      sum += R::value(a[i], t[i], delta_);
      dA[i] = static_cast<Scalar>(R::gradient(a[i], t[i], delta_));
    }
    return sum;
  });
}

void Loss::fused_delta(ConstMatrixView A, ConstMatrixView T, MatrixView delta) const {
  check_shapes(A, T);
  check_shapes(A, cview(delta));
  const Scalar inv_n = A.cols() == 0 ? 0.0f : 1.0f / static_cast<Scalar>(A.cols());
  const Index rows = A.rows();
  Table::visit(kind_, [&]<class R>() {
    for (Index j = 0; j < A.cols(); ++j) {
      const Scalar* a = A.data() + j * rows;
      const Scalar* t = T.data() + j * rows;
      Scalar* d = delta.data() + j * rows;
      const Scalar m = R::delta_factor(t, rows);
      for (Index i = 0; i < rows; ++i) d[i] = (a[i] * m - t[i]) * inv_n;
    }
  });
}

std::vector<std::string> loss_names() {
  std::vector<std::string> names;
  for (const auto& e : Table::entries) names.emplace_back(e.name);
  return names;
}

}  // namespace fathom
