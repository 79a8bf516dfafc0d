// implied_task: the task an output layer and loss imply (train/model_info.hpp).
#include "fathom/train/model_info.hpp"

namespace fathom {

std::string implied_task(const Activation& output, Index units, const std::string& loss) {
  if (output.kind() == ActivationKind::Softmax || loss == "cce") return "classify";
  if (output.kind() == ActivationKind::Sigmoid || loss == "bce")
    return units == 1 ? "classify" : "multilabel";
  return "regress";
}

}  // namespace fathom
