// XOR (docs/concepts.md, worked example 3): a single-layer perceptron cannot learn it; a network with one
// hidden layer can.
#include <fathom/fathom.hpp>
#include <iostream>

int main() {
  fathom::Matrix x(2, 4), y(1, 4);  // columns are the four samples
  // clang-format off
  x << 0, 0, 1, 1,
       0, 1, 0, 1;
  // clang-format on
  y << 0, 1, 1, 0;

  fathom::Perceptron perceptron(2, 1, {.learning_rate = 1, .max_epochs = 100, .seed = 1});
  perceptron.fit(x, y);
  std::cout << "perceptron: " << (perceptron.converged() ? "learned XOR" : "cannot learn XOR")
            << " (errors in its last epoch: " << perceptron.errors_per_epoch().back() << " of 4)\n";

  fathom::Sequential model(2, /*seed=*/3);
  model.add(fathom::Dense(4, "tanh"));
  model.add(fathom::Dense(1, "sigmoid"));
  model.compile({.loss = "bce",
                 .optimizer = fathom::SGD({.learning_rate = 0.5f, .momentum = 0.9f}),
                 .metrics = {"accuracy"}});
  model.fit(x, y, {.epochs = 500, .batch_size = 4});
  const fathom::Matrix out = model.predict(x);
  std::cout << "2-layer network (2-4-1):\n";
  for (int j = 0; j < 4; ++j) {
    std::cout << "  " << x(0, j) << " xor " << x(1, j) << " = " << y(0, j) << "   network says " << out(0, j)
              << '\n';
  }
  std::cout << "accuracy " << model.evaluate(x, y).at("accuracy") << '\n';
}
