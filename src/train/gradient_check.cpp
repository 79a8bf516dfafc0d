// The gradient checker (see fathom/train/gradient_check.hpp). It uses only Sequential's public
// verbs, so it checks the model exactly as a user's own training loop would run it.
#include "fathom/train/gradient_check.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fathom/core/error.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom {

GradientError central_difference_check(std::span<Scalar> x, std::span<const double> analytic,
                                       const std::function<double()>& loss,
                                       const GradientCheckOptions& options) {
  require(analytic.size() == x.size(), "gradient check: " + std::to_string(analytic.size()) +
                                           " analytic values for " + std::to_string(x.size()) + " values");
  const double h = options.step;
  GradientError result;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Scalar saved = x[i];
    // The points actually tried are floats: divide by their distance, not by 2h.
    const Scalar above = static_cast<Scalar>(saved + h), below = static_cast<Scalar>(saved - h);
    x[i] = above;
    const double up = loss();
    x[i] = below;
    const double down = loss();
    x[i] = saved;
    const double numeric = (up - down) / (double(above) - double(below));
    const double error =
        std::abs(analytic[i] - numeric) / std::max({std::abs(analytic[i]), std::abs(numeric), options.floor});
    // A NaN error must count as the worst one: compare with +Inf in its place.
    const double ranked = std::isfinite(error) ? error : std::numeric_limits<double>::infinity();
    if (i == 0 || ranked > result.worst) result = {ranked, i, analytic[i], numeric};
  }
  return result;
}

std::vector<TensorGradientError> gradient_check(Sequential& model, ConstMatrixView x, ConstMatrixView y,
                                                const GradientCheckOptions& options) {
  Parameters& params = model.parameters();
  model.forward(x, false);
  model.zero_grad();
  model.backward(y);
  const auto grads = params.grads();
  const std::vector<Scalar> kept(grads.begin(), grads.end());
  const std::vector<double> analytic(grads.begin(), grads.end());
  auto loss = [&] {
    model.forward(x, false);
    return model.backward(y);  // also accumulates gradients: restored below
  };
  std::vector<TensorGradientError> results;
  for (const auto& entry : params.entries()) {
    const auto at = entry.ref.offset, size = entry.ref.size();
    results.push_back({entry.name, entry.ref.rows, entry.ref.cols,
                       central_difference_check(params.values().subspan(at, size),
                                                std::span(analytic).subspan(at, size), loss, options)});
  }
  std::copy(kept.begin(), kept.end(), params.grads().begin());
  return results;
}

}  // namespace fathom
