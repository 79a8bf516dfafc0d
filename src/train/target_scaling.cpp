// Standardized regression targets (see target_scaling.hpp).
#include "fathom/train/target_scaling.hpp"

#include <cmath>

#include "fathom/core/error.hpp"

namespace fathom {
namespace {

void check_method(std::string_view method) {
  if (method != "none" && method != "standard")
    throw InvalidArgument("unknown target scaling \"" + std::string(method) + "\"; known: none, standard");
}

void check_rows(const TargetScaling& s, Index rows) {
  if (rows != s.mean.size()) {
    throw ShapeError("target scaling: fitted on " + std::to_string(s.mean.size()) + " target(s), data has " +
                     std::to_string(rows));
  }
}

}  // namespace

TargetScaling TargetScaling::fit(ConstMatrixView y, std::string_view method) {
  check_method(method);
  TargetScaling s;
  s.method = std::string(method);
  if (!s.enabled()) return s;
  require<DataError>(y.cols() > 0, "target scaling: no samples to fit on");
  require<DataError>(y.allFinite(), "target scaling: the targets hold NaN or Inf");
  s.mean.resize(y.rows());
  s.sd.resize(y.rows());
  for (Index i = 0; i < y.rows(); ++i) {
    const auto row = y.row(i).cast<double>();
    const double mean = row.mean();
    const double sd = std::sqrt((row.array() - mean).square().mean());
    s.mean[i] = static_cast<Scalar>(mean);
    // The float sd must stay > 0 and finite for apply() to divide by it.
    const auto sd_float = static_cast<Scalar>(sd);
    s.sd[i] = sd_float > 0 && std::isfinite(sd_float) ? sd_float : 1.0f;
  }
  return s;
}

TargetScaling TargetScaling::stored(std::string_view method, Vector mean, Vector sd, Index outputs) {
  check_method(method);
  TargetScaling s;
  s.method = std::string(method);
  if (!s.enabled()) {
    require(mean.size() == 0 && sd.size() == 0, "target scaling \"none\" has no mean or sd");
    return s;
  }
  require(mean.size() == outputs && sd.size() == outputs,
          "target scaling: " + std::to_string(mean.size()) + " means and " + std::to_string(sd.size()) +
              " sds for a model of " + std::to_string(outputs) + " output(s)");
  require(mean.allFinite() && sd.allFinite() && (sd.array() > 0).all(),
          "target scaling: every mean must be finite and every sd finite and > 0");
  s.mean = std::move(mean);
  s.sd = std::move(sd);
  return s;
}

void TargetScaling::apply(MatrixView y) const {
  if (!enabled()) return;
  check_rows(*this, y.rows());
  for (Index j = 0; j < y.cols(); ++j)
    for (Index i = 0; i < y.rows(); ++i) y(i, j) = (y(i, j) - mean[i]) / sd[i];
}

void TargetScaling::invert(MatrixView y) const {
  if (!enabled()) return;
  check_rows(*this, y.rows());
  for (Index j = 0; j < y.cols(); ++j)
    for (Index i = 0; i < y.rows(); ++i) y(i, j) = y(i, j) * sd[i] + mean[i];
}

}  // namespace fathom
