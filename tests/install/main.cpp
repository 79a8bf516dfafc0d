// Consumer of an installed fathom: trains XOR through the public headers and exits 0 on success.
#include <fathom/fathom.hpp>
#include <iostream>

int main() {
  fathom::Matrix x(2, 4), y(1, 4);
  x << 0, 0, 1, 1, 0, 1, 0, 1;
  y << 0, 1, 1, 0;
  fathom::Sequential model(2, 3);
  model.add(fathom::Dense(4, "tanh"));
  model.add(fathom::Dense(1, "sigmoid"));
  model.compile({.loss = "bce",
                 .optimizer = fathom::SGD({.learning_rate = 0.5f, .momentum = 0.9f}),
                 .metrics = {"accuracy"}});
  model.fit(x, y, {.epochs = 500, .batch_size = 4});
  const double accuracy = model.evaluate(x, y).at("accuracy");
  std::cout << "accuracy " << accuracy << '\n';
  return accuracy == 1.0 ? 0 : 1;
}
