// Worked example 2 of docs/concepts.md in the lecture's notation: a 2-2-1 sigmoid network, every weight 0.1,
// η = 0.2, α = 0.9, quadratic cost. Two steps: x = (1, 0), t = 0.9, then x = (0, 1), t = −0.3.
// For each layer it prints v (net input), y = φ(v), δ, ΔW and the new weights, so a student
// can check a hand calculation line by line. (fathom's δ is ∂C/∂v; the lecture's δ is −∂C/∂v.)
#include <fathom/fathom.hpp>
#include <iomanip>
#include <iostream>
#include <string>

namespace {

void print_row(const std::string& label, const fathom::Matrix& m) {
  // Pad by characters, not bytes: the labels hold UTF-8 Greek letters.
  std::size_t chars = 0;
  for (unsigned char c : label) chars += (c & 0xC0) != 0x80;
  std::cout << "    " << label << std::string(chars < 20 ? 20 - chars : 1, ' ');
  for (fathom::Index i = 0; i < m.size(); ++i) std::cout << std::setw(10) << m.data()[i];
  std::cout << '\n';
}

// Weights as the lecture writes them: one row per unit, (bias, w from input 1, w from input 2, ...).
fathom::Matrix lecture_weights(fathom::Dense& d, fathom::Parameters& p) {
  fathom::Matrix w(d.output_dim(), d.input_dim() + 1);
  w.col(0) = d.b(p);
  w.rightCols(d.input_dim()) = d.W(p);
  return w;
}

}  // namespace

int main() {
  const auto constant = fathom::Initializer::constant(0.1f);
  fathom::Sequential model(2);
  auto& hidden = model.add(fathom::Dense({.units = 2,
                                          .activation = "sigmoid",
                                          .kernel_initializer = constant,
                                          .bias_initializer = constant,
                                          .name = "hidden"}));
  auto& output = model.add(fathom::Dense({.units = 1,
                                          .activation = "sigmoid",
                                          .kernel_initializer = constant,
                                          .bias_initializer = constant,
                                          .name = "output"}));
  model.compile({.loss = "mse", .optimizer = fathom::SGD({.learning_rate = 0.2f, .momentum = 0.9f})});
  fathom::Parameters& p = model.parameters();
  std::cout << std::fixed << std::setprecision(4);

  const float samples[2][3] = {{1, 0, 0.9f}, {0, 1, -0.3f}};
  for (int s = 0; s < 2; ++s) {
    fathom::Matrix x(2, 1), t(1, 1);
    x << samples[s][0], samples[s][1];
    t << samples[s][2];
    const fathom::Matrix old_h = lecture_weights(hidden, p), old_o = lecture_weights(output, p);
    model.train_step(fathom::cview(x), fathom::cview(t));
    const fathom::Matrix new_h = lecture_weights(hidden, p), new_o = lecture_weights(output, p);

    std::cout << "step " << s + 1 << ": x = (" << x(0) << ", " << x(1) << "), target t = " << t(0) << "\n";
    std::cout << "  forward\n";
    print_row("hidden v = Wx + b", fathom::Matrix(hidden.V()));
    print_row("hidden y = σ(v)", fathom::Matrix(hidden.Y()));
    print_row("output v", fathom::Matrix(output.V()));
    print_row("output o = σ(v)", fathom::Matrix(output.Y()));
    std::cout << "  backward (lecture δ = −∂C/∂v)\n";
    print_row("δ_o = o(1−o)(t−o)", fathom::Matrix(-output.delta()));
    print_row("δ_h = y(1−y) w δ_o", fathom::Matrix(-hidden.delta()));
    std::cout << "  updates Δw = η δ y + α Δw(t−1)  (rows: unit; columns: bias, from input 1, 2)\n";
    print_row("output Δw", fathom::Matrix(new_o - old_o));
    print_row("output w (new)", new_o);
    print_row("hidden Δw", fathom::Matrix((new_h - old_h).transpose()));
    print_row("hidden w (new)", fathom::Matrix(new_h.transpose()));
    std::cout << '\n';
  }
}
