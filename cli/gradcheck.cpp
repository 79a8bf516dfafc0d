// `fathom gradcheck`: compares backprop's gradient of a random network with central finite
// differences of its loss, and reports the worst relative error per parameter tensor.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common.hpp"
#include "fathom/train/gradient_check.hpp"

namespace fathom::cli {

namespace {

constexpr double kStep = 1e-3;       // h of the central difference (f(w+h) − f(w−h)) / 2h
constexpr double kFloor = 1e-2;      // keeps near-zero gradients from inflating the relative error
constexpr double kTolerance = 1e-2;  // float32 losses: about 1e-4 is typical, 1e-2 means a wrong gradient

struct GradcheckArgs {
  std::string layers, loss;
  int inputs = 3;
  int samples = 5;
  std::uint64_t seed = 1;
};

// Targets the loss can take: one class per sample for cce, 0/1 for bce, uniform otherwise.
Matrix random_targets(const Loss& loss, Index outputs, Index n, Rng& rng) {
  Matrix y(outputs, n);
  for (Index j = 0; j < n; ++j) {
    const Index hot = Index(rng.below(std::uint64_t(outputs)));
    for (Index k = 0; k < outputs; ++k) {
      switch (loss.kind()) {
        case LossKind::Cce:
          y(k, j) = k == hot ? 1 : 0;
          break;
        case LossKind::Bce:
          y(k, j) = rng.uniform() < 0.5 ? 0 : 1;
          break;
        default:
          y(k, j) = Scalar(rng.uniform());
          break;
      }
    }
  }
  return y;
}

int run_gradcheck(const GradcheckArgs& a) {
  const auto specs = parse_layers(a.layers);
  Loss loss;
  try {
    loss = Loss(a.loss);
  } catch (const InvalidArgument&) {
    throw UsageError("--loss: unknown loss \"" + a.loss + "\"; known: " + join(loss_names()));
  }
  check_loss_fits_output(a.loss, specs.back());
  if (a.inputs < 1) throw UsageError("--inputs must be at least 1, got " + std::to_string(a.inputs));
  if (a.samples < 1) throw UsageError("--samples must be at least 1, got " + std::to_string(a.samples));

  Sequential model(a.inputs, a.seed);
  for (const auto& s : specs) model.add(Dense(s.units, s.activation, s.use_bias));
  model.compile({.loss = loss, .optimizer = "sgd"});

  Rng rng(a.seed + 1);
  Matrix x(a.inputs, a.samples);
  for (Index i = 0; i < x.size(); ++i) x.data()[i] = Scalar(rng.uniform(-1, 1));
  const Matrix y = random_targets(loss, model.output_dim(), a.samples, rng);

  // Analytic: one forward, zero_grad, backward over the whole arena (BP1–BP4); numeric:
  // central differences of the same loss, per parameter tensor.
  const auto checks = gradient_check(model, cview(x), cview(y), {.step = kStep, .floor = kFloor});

  std::cout << "gradcheck: " << a.inputs << " inputs";
  for (const auto& s : specs)
    std::cout << " → " << s.units << " " << s.activation.name() << (s.use_bias ? "" : " (no bias)");
  std::cout << ", loss " << loss.name() << ", " << a.samples << " samples, seed " << a.seed
            << ", h = " << kStep << "\nrelative error |a − n| / max(|a|, |n|, " << kFloor << "), ok below "
            << kTolerance << "\n\n";
  std::cout << std::left << std::setw(16) << "tensor" << std::setw(10) << "shape" << std::right
            << std::setw(12) << "worst error" << std::setw(14) << "analytic" << std::setw(14) << "numeric"
            << "  verdict\n";

  bool all_ok = true;
  for (const auto& check : checks) {
    const bool ok = check.error.worst < kTolerance;  // false for +Inf: a non-finite gradient
    all_ok = all_ok && ok;
    const std::string shape = std::to_string(check.rows) + "x" + std::to_string(check.cols);
    std::cout << std::left << std::setw(16) << check.name << std::setw(10) << shape << std::right
              << std::scientific << std::setprecision(2) << std::setw(12) << check.error.worst
              << std::setw(14) << check.error.analytic << std::setw(14) << check.error.numeric << "  "
              << (ok ? "ok" : "FAIL") << '\n'
              << std::defaultfloat;
  }
  if (!all_ok) {
    std::cout << "\nsome gradients disagree with finite differences (relu-like kinks or a saturated output "
                 "can do this; try another --seed)\n";
  }
  return all_ok ? kOk : kRuntime;
}

}  // namespace

Command add_gradcheck(CLI::App& root) {
  auto args = std::make_shared<GradcheckArgs>();
  CLI::App* sub = root.add_subcommand(
      "gradcheck", "finite-difference check of the analytic gradients on a random network");
  sub->add_option("--layers", args->layers, "layers, e.g. 4:tanh,3:softmax")->required();
  sub->add_option("--loss", args->loss, "loss: " + join(loss_names()))->required();
  sub->add_option("--inputs", args->inputs, "input width (default 3)");
  sub->add_option("--samples", args->samples, "random samples in the batch (default 5)");
  sub->add_option("--seed", args->seed, "seed of the weights, inputs and targets (default 1)");
  return {sub, [args] { return run_gradcheck(*args); }};
}

}  // namespace fathom::cli
