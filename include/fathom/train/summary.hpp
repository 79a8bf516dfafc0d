// A model's summary, as Keras prints it: layer, output shape, parameters, activation; totals;
// loss, optimizer and metrics once compiled.
#pragma once

#include <string>

namespace fathom {

class Sequential;

std::string summary(const Sequential& model);

}  // namespace fathom
