// Input scaling fitted on training data (standard or min-max) and applied per feature.
#include "fathom/data/scaling.hpp"

#include <cmath>

#include "fathom/core/error.hpp"

namespace fathom {

InputScaling InputScaling::fit(const Matrix& x, std::string_view method) {
  InputScaling s;
  s.method = std::string(method);
  if (method == "none") return s;
  require<DataError>(x.cols() > 0, "input scaling: no samples to fit on");
  const Index d = x.rows();
  s.offset.resize(d);
  s.scale.resize(d);
  for (Index i = 0; i < d; ++i) {
    const auto row = x.row(i).cast<double>();
    double offset = 0, spread = 0;
    if (method == "standard") {
      offset = row.mean();
      spread = std::sqrt((row.array() - offset).square().mean());
    } else if (method == "minmax") {
      offset = row.minCoeff();
      spread = row.maxCoeff() - offset;
    } else {
      throw InvalidArgument("unknown input scaling \"" + std::string(method) +
                            "\"; known: none, standard, minmax");
    }
    s.offset[i] = static_cast<Scalar>(offset);
    s.scale[i] = static_cast<Scalar>(spread > 0 ? 1.0 / spread : 1.0);
  }
  return s;
}

void InputScaling::apply(MatrixView X) const {
  if (!enabled()) return;
  if (X.rows() != offset.size()) {
    throw ShapeError("input scaling: fitted on " + std::to_string(offset.size()) + " features, data has " +
                     std::to_string(X.rows()));
  }
  const Index d = X.rows();
  for (Index j = 0; j < X.cols(); ++j) {
    Scalar* x = X.data() + j * d;
    for (Index i = 0; i < d; ++i) x[i] = (x[i] - offset[i]) * scale[i];
  }
}

}  // namespace fathom
