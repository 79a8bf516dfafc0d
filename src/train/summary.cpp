// summary(): the Keras-like table of a model's layers.
#include "fathom/train/summary.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>

#include "fathom/nn/dense.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom {

std::string summary(const Sequential& model) {
  std::ostringstream out;
  // The first column fits the longest "name (type)", and at least Keras's 20 characters.
  std::size_t first = 20;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    first = std::max(first, model.layer(i).name().size() + model.layer(i).type().size() + 4);
  }
  const int w = static_cast<int>(first);
  const auto line = std::string(52 + first, '-');
  out << "Model: sequential (" << model.input_dim() << " inputs)\n" << line << '\n';
  out << std::left << std::setw(w) << "Layer (type)" << std::setw(16) << "Output shape" << std::setw(12)
      << "Param #"
      << "Activation\n"
      << line << '\n';
  std::size_t total = 0;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    std::string activation;
    if (const auto* d = dynamic_cast<const Dense*>(&layer)) {
      activation = d->activation().name() + (d->use_bias() ? "" : " (no bias)");
    } else {
      activation = layer.describe();
    }
    out << std::setw(w) << (layer.name() + " (" + layer.type() + ")") << std::setw(16)
        << ("(None, " + std::to_string(layer.output_dim()) + ")") << std::setw(12) << layer.parameter_count()
        << activation << '\n';
    total += layer.parameter_count();
  }
  out << line << "\nTotal params: " << total << '\n';
  if (model.compiled()) {
    out << "Loss: " << model.loss().display_name() << "\nOptimizer: " << model.optimizer().name() << ' '
        << model.optimizer().config_json() << '\n';
    if (!model.metric_names().empty()) {
      out << "Metrics:";
      for (const auto& m : model.metric_names()) out << ' ' << m;
      out << '\n';
    }
  }
  return out.str();
}

}  // namespace fathom
