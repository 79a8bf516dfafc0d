// require_exportable (deploy/exportable.hpp).
#include "exportable.hpp"

#include "fathom/core/error.hpp"
#include "fathom/nn/normalization.hpp"

namespace fathom::detail {

void require_exportable(const Sequential& model, const std::string& what) {
  require(model.compiled(), what + ": the model is not compiled (it has no weights yet)");
  const auto refuse = [&](const std::string& value) {
    throw DivergedError(what + ": " + value + " holds NaN or Inf (training diverged); nothing was written");
  };
  for (const auto& entry : model.parameters().entries()) {
    if (!model.parameters().value(entry.ref).allFinite()) refuse("parameter " + entry.name);
  }
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    if (const auto* norm = dynamic_cast<const Normalization*>(&model.layer(i))) {
      if (!norm->scaling().offset.allFinite() || !norm->scaling().scale.allFinite())
        refuse("the input scaling of layer " + norm->name());
    }
  }
  const TargetScaling& ts = model.info.target_scaling;
  if (!ts.mean.allFinite() || !ts.sd.allFinite()) refuse("the target scaling");
}

}  // namespace fathom::detail
