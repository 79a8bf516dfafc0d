// The loss table (SPEC §3): every cost function of fathom, its value and its gradient.
#include "fathom/nn/loss.hpp"

#include <algorithm>
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
  LossKind kind;
};
constexpr std::array<Entry, 5> kTable{{
    {"mse", LossKind::Mse},
    {"mae", LossKind::Mae},
    {"huber", LossKind::Huber},
    {"bce", LossKind::Bce},
    {"cce", LossKind::Cce},
}};

// Probabilities are clamped this far from 0 and 1 before a log, so log never sees 0.
constexpr double kEps = 1e-7;

void check_shapes(ConstMatrixView A, ConstMatrixView T) {
  if (A.rows() != T.rows() || A.cols() != T.cols()) {
    throw ShapeError("loss: outputs are " + std::to_string(A.rows()) + "x" + std::to_string(A.cols()) +
                     " but targets are " + std::to_string(T.rows()) + "x" + std::to_string(T.cols()));
  }
}

double clamp_p(double p) { return std::clamp(p, kEps, 1 - kEps); }

}  // namespace

Loss::Loss(LossKind kind, Scalar delta) : kind_(kind), delta_(kind == LossKind::Huber ? delta : 1) {
  if (kind == LossKind::Huber) {
    require(std::isfinite(delta) && delta > 0, "huber: delta must be > 0, got " + std::to_string(delta));
  }
}

Loss::Loss(std::string_view text) {
  const auto [base, arg] = detail::split_call(text, "loss");
  for (const auto& e : kTable) {
    if (base != e.name) continue;
    if (!arg.empty() && e.kind != LossKind::Huber) {
      throw InvalidArgument("loss \"" + std::string(text) + "\": only huber takes a parameter");
    }
    *this = Loss(e.kind, arg.empty() ? 1.0f : detail::parse_number(arg, text, "loss"));
    return;
  }
  throw InvalidArgument("unknown loss \"" + std::string(text) + "\"; known: " + detail::known_names(kTable));
}

std::string Loss::name() const {
  for (const auto& e : kTable) {
    if (e.kind != kind_) continue;
    if (kind_ != LossKind::Huber || delta_ == 1) return e.name;
    std::ostringstream out;
    out << "huber(" << delta_ << ')';
    return out.str();
  }
  return "?";
}

bool Loss::fuses_with(const Activation& output) const {
  return (kind_ == LossKind::Cce && output.kind() == ActivationKind::Softmax) ||
         (kind_ == LossKind::Bce && output.kind() == ActivationKind::Sigmoid);
}

double Loss::value(ConstMatrixView A, ConstMatrixView T) const {
  check_shapes(A, T);
  return value_unchecked(A.data(), T.data(), A.size(), A.cols());
}

double Loss::value_unchecked(const Scalar* a, const Scalar* t, Index size, Index cols) const {
  double sum = 0;
  switch (kind_) {
    case LossKind::Mse:
      for (Index i = 0; i < size; ++i) sum += 0.5 * double(a[i] - t[i]) * double(a[i] - t[i]);
      break;
    case LossKind::Mae:
      for (Index i = 0; i < size; ++i) sum += std::abs(double(a[i]) - t[i]);
      break;
    case LossKind::Huber:
      for (Index i = 0; i < size; ++i) {
        const double e = std::abs(double(a[i]) - t[i]);
        sum += e <= delta_ ? 0.5 * e * e : delta_ * (e - 0.5 * delta_);
      }
      break;
    case LossKind::Bce:
      for (Index i = 0; i < size; ++i) {
        const double p = clamp_p(a[i]);
        sum -= t[i] * std::log(p) + (1 - double(t[i])) * std::log(1 - p);
      }
      break;
    case LossKind::Cce:
      for (Index i = 0; i < size; ++i)
        if (t[i] != 0) sum -= t[i] * std::log(clamp_p(a[i]));
      break;
  }
  return cols == 0 ? 0.0 : sum / double(cols);
}

double Loss::value(ConstMatrixView A, ConstMatrixView T, const Activation& output, ConstMatrixView V) const {
  if (!fuses_with(output)) return value(A, T);
  check_shapes(V, T);
  const Index rows = V.rows(), cols = V.cols();
  double sum = 0;
  if (kind_ == LossKind::Cce) {
    // −Σ_c t_c log softmax(v)_c = Σ_c t_c (logsumexp(v) − v_c)
    for (Index j = 0; j < cols; ++j) {
      const Scalar* v = V.data() + j * rows;
      const Scalar* t = T.data() + j * rows;
      double m = v[0];
      for (Index i = 1; i < rows; ++i) m = std::max(m, double(v[i]));
      double s = 0;
      for (Index i = 0; i < rows; ++i) s += std::exp(v[i] - m);
      const double lse = m + std::log(s);
      for (Index i = 0; i < rows; ++i) sum += t[i] * (lse - v[i]);
    }
  } else {
    // −[t log σ(v) + (1 − t) log(1 − σ(v))] = max(v, 0) − v t + log(1 + e^−|v|)
    const Scalar *v = V.data(), *t = T.data();
    for (Index i = 0; i < V.size(); ++i) {
      const double z = v[i];
      sum += std::max(z, 0.0) - z * t[i] + std::log1p(std::exp(-std::abs(z)));
    }
  }
  return cols == 0 ? 0.0 : sum / double(cols);
}

void Loss::gradient(ConstMatrixView A, ConstMatrixView T, MatrixView dA) const {
  check_shapes(A, T);
  check_shapes(A, cview(dA));
  gradient_unchecked(A.data(), T.data(), dA.data(), A.size(), A.cols());
}

double Loss::value_and_gradient(const Scalar* a, const Scalar* t, Scalar* dA, Index n) const {
  if (kind_ == LossKind::Mse) {  // the tiny nets' usual loss: both in one pass
    double sum = 0;
    for (Index i = 0; i < n; ++i) {
      const Scalar e = a[i] - t[i];
      dA[i] = e;
      sum += 0.5 * double(e) * double(e);
    }
    return sum;
  }
  gradient_unchecked(a, t, dA, n, 1);
  return value_unchecked(a, t, n, 1);
}

void Loss::gradient_unchecked(const Scalar* a, const Scalar* t, Scalar* d, Index size, Index cols) const {
  const Scalar inv_n = cols == 0 ? 0.0f : 1.0f / static_cast<Scalar>(cols);
  switch (kind_) {
    case LossKind::Mse:
      for (Index i = 0; i < size; ++i) d[i] = (a[i] - t[i]) * inv_n;
      break;
    case LossKind::Mae:
      for (Index i = 0; i < size; ++i) {
        const Scalar e = a[i] - t[i];
        d[i] = (e > 0 ? 1.0f : e < 0 ? -1.0f : 0.0f) * inv_n;
      }
      break;
    case LossKind::Huber:
      for (Index i = 0; i < size; ++i) d[i] = std::clamp(a[i] - t[i], -delta_, delta_) * inv_n;
      break;
    case LossKind::Bce:
      for (Index i = 0; i < size; ++i) {
        const double p = clamp_p(a[i]);
        d[i] = static_cast<Scalar>((p - t[i]) / (p * (1 - p)) * inv_n);
      }
      break;
    case LossKind::Cce:
      for (Index i = 0; i < size; ++i) d[i] = static_cast<Scalar>(-t[i] / clamp_p(a[i]) * inv_n);
      break;
  }
}

void Loss::fused_delta(ConstMatrixView A, ConstMatrixView T, MatrixView delta) const {
  check_shapes(A, T);
  check_shapes(A, cview(delta));
  const Scalar inv_n = A.cols() == 0 ? 0.0f : 1.0f / static_cast<Scalar>(A.cols());
  const Index rows = A.rows();
  for (Index j = 0; j < A.cols(); ++j) {
    const Scalar* a = A.data() + j * rows;
    const Scalar* t = T.data() + j * rows;
    Scalar* d = delta.data() + j * rows;
    Scalar mass = 1;  // Σ_c t_c for softmax+cce; the sigmoid+bce delta has no such factor
    if (kind_ == LossKind::Cce) {
      mass = 0;
      for (Index i = 0; i < rows; ++i) mass += t[i];
    }
    for (Index i = 0; i < rows; ++i) d[i] = (a[i] * mass - t[i]) * inv_n;
  }
}

std::vector<std::string> loss_names() {
  std::vector<std::string> names;
  for (const auto& e : kTable) names.emplace_back(e.name);
  return names;
}

}  // namespace fathom
