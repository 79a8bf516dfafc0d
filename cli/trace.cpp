// `fathom trace`: backpropagation step by step in the lectures' notation (docs/concepts.md, BP1–BP4), so a
// student can check a hand calculation; with no arguments it replays worked example 2 of docs/concepts.md.
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common.hpp"
#include "trace_format.hpp"

namespace fathom::cli {

namespace {

using namespace trace_format;

// More units than this in a layer make rows too wide to read (and the trace pointless).
constexpr Index kMaxUnits = 64;

struct TraceArgs {
  std::string model;
  std::string sample, target;
  double lr = 0, momentum = 0;
  int steps = 0;
  bool force = false;
  CLI::Option* lr_flag = nullptr;
  CLI::Option* momentum_flag = nullptr;
  CLI::Option* steps_flag = nullptr;
};

// "1, 0.5,-2" → {1, 0.5, −2}. Parsed here rather than by CLI11 so that "-0.3" is never taken for
// a flag and a bad value is named in the message.
std::vector<double> parse_values(const std::string& text, const char* flag) {
  std::vector<double> values;
  std::istringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(" \t");
    const auto last = item.find_last_not_of(" \t");
    const std::string token = first == std::string::npos ? "" : item.substr(first, last - first + 1);
    char* end = nullptr;
    const double v = std::strtod(token.c_str(), &end);
    if (token.empty() || end != token.c_str() + token.size() || !std::isfinite(v)) {
      throw UsageError(std::string(flag) + ": \"" + token + "\" is not a number (give e.g. " + flag +
                       " 1,0)");
    }
    values.push_back(v);
  }
  if (values.empty()) throw UsageError(std::string(flag) + " needs at least one value");
  return values;
}

std::vector<double> column(ConstMatrixView m) { return std::vector<double>(m.data(), m.data() + m.rows()); }

std::string phi(const Activation& a) {
  return a.kind() == ActivationKind::Sigmoid ? std::string("σ") : a.name();
}

// The lecture's form of a layer's weights: row k = (b_k, w_k1, w_k2, …); no bias column
// when the layer has none.
Rows lecture_weights(const Dense& d, Parameters& p) {
  const MatrixView W = d.W(p);
  Rows rows(static_cast<std::size_t>(d.output_dim()));
  for (Index k = 0; k < d.output_dim(); ++k) {
    auto& row = rows[static_cast<std::size_t>(k)];
    if (d.use_bias()) row.push_back(d.b(p)(k, 0));
    for (Index i = 0; i < W.cols(); ++i) row.push_back(W(k, i));
  }
  return rows;
}

Rows subtract(const Rows& a, const Rows& b) {
  Rows d = a;
  for (std::size_t k = 0; k < d.size(); ++k) {
    for (std::size_t i = 0; i < d[k].size(); ++i) d[k][i] -= b[k][i];
  }
  return d;
}

std::string column_names(const Dense& d, bool first) {
  std::string names = d.use_bias() ? "bias" : "";
  for (Index i = 1; i <= d.input_dim(); ++i) {
    names += (names.empty() ? "" : ", ") + std::string(first ? "x" : "y") + std::to_string(i);
  }
  return names;
}

std::string cost_formula(const Loss& loss) {
  switch (loss.kind()) {
    case LossKind::Mse:
      return "C = ½ Σ (t − o)²";
    case LossKind::Mae:
      return "C = Σ |t − o|";
    case LossKind::Huber:
      return "C = huber(t − o)";
    case LossKind::Bce:
      return "C = −Σ t log o + (1−t) log(1−o)";
    case LossKind::Cce:
      return "C = −Σ t log o";
  }
  return "C";
}

// Worked example 2 of docs/concepts.md: a 2-2-1 sigmoid network with every weight and bias 0.1, quadratic
// cost.
Sequential example_network(double lr, double momentum) {
  const auto constant = Initializer::constant(0.1f);
  Sequential model(2);
  model.add(Dense({.units = 2,
                   .activation = "sigmoid",
                   .kernel_initializer = constant,
                   .bias_initializer = constant,
                   .name = "hidden"}));
  model.add(Dense({.units = 1,
                   .activation = "sigmoid",
                   .kernel_initializer = constant,
                   .bias_initializer = constant,
                   .name = "output"}));
  model.compile(
      {.loss = "mse", .optimizer = SGD({.learning_rate = Scalar(lr), .momentum = Scalar(momentum)})});
  return model;
}

// The loaded network with a fresh SGD: same layers, same loss, the saved weights copied over.
// A new optimizer (not the saved one) because the trace shows the lecture's plain SGD update.
Sequential with_sgd(const Sequential& loaded, double lr, double momentum) {
  Sequential model(loaded.input_dim());
  for (std::size_t i = 0; i < loaded.layer_count(); ++i) model.add_layer(loaded.layer(i).clone());
  model.compile(
      {.loss = loaded.loss(), .optimizer = SGD({.learning_rate = Scalar(lr), .momentum = Scalar(momentum)})});
  const auto from = loaded.parameters().values();
  auto to = model.parameters().values();
  require(from.size() == to.size(), "trace: the copied network has a different parameter layout");
  std::copy(from.begin(), from.end(), to.begin());
  model.info = loaded.info;
  return model;
}

// Trace is for Dense stacks that fit on a screen.
std::vector<Dense*> dense_layers(Sequential& model, bool force) {
  std::vector<Dense*> layers;
  if (model.input_dim() > kMaxUnits && !force) {
    throw UsageError("trace: the network has " + std::to_string(model.input_dim()) + " inputs, more than " +
                     std::to_string(kMaxUnits) +
                     ": the printout would be unreadable (use --force to trace anyway)");
  }
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    if (i == 0 && dynamic_cast<const Normalization*>(&model.layer(0)) != nullptr) continue;  // input scaling
    auto* dense = dynamic_cast<Dense*>(&model.layer(i));
    if (dense == nullptr) {
      throw UsageError("trace: layer \"" + model.layer(i).name() + "\" is a " + model.layer(i).type() +
                       " layer; trace follows stacks of Dense layers only (no dropout)");
    }
    if (dense->output_dim() > kMaxUnits && !force) {
      throw UsageError("trace: layer \"" + dense->name() + "\" has " + std::to_string(dense->output_dim()) +
                       " units, more than " + std::to_string(kMaxUnits) +
                       ": the printout would be unreadable (use --force to trace anyway)");
    }
    layers.push_back(dense);
  }
  return layers;
}

struct Sample {
  std::vector<double> x, t;
};

// One training step, printed: forward, backward (the deltas use the old weights), update.
void trace_step(Sequential& model, const std::vector<Dense*>& layers, const Sample& s,
                const Normalization* scaling, double lr, double momentum, std::vector<Rows>& last_change,
                int step, int steps) {
  Parameters& p = model.parameters();
  const std::size_t L = layers.size();
  Matrix x(model.input_dim(), 1), t(model.output_dim(), 1);
  for (Index i = 0; i < x.rows(); ++i) x(i, 0) = Scalar(s.x[static_cast<std::size_t>(i)]);
  for (Index i = 0; i < t.rows(); ++i) t(i, 0) = Scalar(s.t[static_cast<std::size_t>(i)]);

  std::cout << "step " << step << " of " << steps << ": x = " << vec(s.x) << ", target t = " << vec(s.t)
            << '\n';
  const Matrix x_given = x;  // the model's normalization layer scales it in the forward pass
  if (scaling != nullptr) {
    scaling->scaling().apply(view(x));
    std::cout << "  input scaled with the model's " << scaling->scaling().method
              << " scaling: x = " << vec(column(cview(x))) << '\n';
  }

  std::vector<Rows> old_w;
  for (const Dense* d : layers) old_w.push_back(lecture_weights(*d, p));

  // The four verbs rather than train_step, so the gradients can be read before the update.
  model.forward(cview(x_given), true);
  model.zero_grad();
  const double cost = model.backward(cview(t));

  std::cout << "  forward   v = W·y_in + b,  y = φ(v)\n";
  for (std::size_t l = 0; l < L; ++l) {
    const Dense& d = *layers[l];
    const bool out = l + 1 == L;
    const std::string y = out ? "o" : "y";
    line(d.name(), std::string("v = W·") + (l == 0 ? "x" : "y") + " + b", column(d.V()));
    line("", y + " = " + phi(d.activation()) + "(v)", column(d.Y()));
  }
  line("", cost_formula(model.loss()), {cost});

  std::cout << "  backward  δ = −∂C/∂v, computed with the old weights\n";
  // ε^l = ∂C/∂y^l: from the loss at the output, then (W^{l+1})ᵀ ∂C/∂v^{l+1} going down (BP2).
  std::vector<double> eps;
  {
    const Dense& o = *layers[L - 1];
    Matrix dA(o.output_dim(), 1);
    model.loss().gradient(o.Y(), cview(t), view(dA));
    eps = column(cview(dA));
  }
  for (std::size_t l = L; l-- > 0;) {
    const Dense& d = *layers[l];
    const bool out = l + 1 == L;
    const Activation& act = d.activation();
    std::string eps_label =
        out ? (model.loss().kind() == LossKind::Mse ? "ε = ∂C/∂o = o − t" : "ε = ∂C/∂o") : "ε = ∂C/∂y = −Wᵀδ";
    line(d.name(), eps_label, eps);
    if (act.elementwise()) {
      std::vector<double> dphi;
      for (Index k = 0; k < d.output_dim(); ++k) dphi.push_back(act.derivative(d.V()(k, 0)));
      line("", "φ'(v)", dphi);
    }
    std::vector<double> delta;
    for (Index k = 0; k < d.output_dim(); ++k) delta.push_back(-d.delta()(k, 0));
    std::string delta_label = act.elementwise() ? "δ = −ε ⊙ φ'(v)" : "δ = −J(v)ᵀ ε";
    if (out && model.loss().kind() == LossKind::Mse && act.elementwise()) delta_label = "δ = (t − o) φ'(v)";
    if (out && model.loss().fuses_with(act)) delta_label = "δ = t − o";
    line("", delta_label, delta);
    if (l == 0) break;
    // The layer below: ε = ∂C/∂y = Wᵀ ∂C/∂v = −Wᵀδ, with this layer's weights before the update.
    const Rows& w = old_w[l];
    const std::size_t skip = d.use_bias() ? 1 : 0;
    eps.assign(static_cast<std::size_t>(d.input_dim()), 0.0);
    for (std::size_t i = 0; i < eps.size(); ++i) {
      for (std::size_t k = 0; k < delta.size(); ++k) eps[i] -= w[k][i + skip] * delta[k];
    }
  }

  model.step();

  std::cout << "  update    ΔW = η δ y_inᵀ" << (momentum != 0 ? " + α ΔW(t−1)" : "") << ",  W ← W + ΔW\n";
  for (std::size_t l = L; l-- > 0;) {
    const Dense& d = *layers[l];
    const Rows new_w = lecture_weights(d, p);
    const Rows change = subtract(new_w, old_w[l]);
    std::cout << "    " << pad(d.name(), 10) << "(columns: " << column_names(d, l == 0) << ")\n";
    if (momentum != 0) {
      // The two parts of the momentum rule, from the gradient and from the previous change.
      Rows grad_part = old_w[l], momentum_part = old_w[l];
      const MatrixView dW = d.dW(p);
      for (std::size_t k = 0; k < grad_part.size(); ++k) {
        std::size_t c = 0;
        if (d.use_bias()) grad_part[k][c++] = -lr * d.db(p)(Index(k), 0);
        for (Index i = 0; i < dW.cols(); ++i) grad_part[k][c++] = -lr * dW(Index(k), i);
        for (std::size_t i = 0; i < momentum_part[k].size(); ++i) {
          momentum_part[k][i] = last_change[l].empty() ? 0.0 : momentum * last_change[l][k][i];
        }
      }
      table("", "η δ y_inᵀ", grad_part);
      table("", "α ΔW(t−1)", momentum_part);
    }
    table("", "ΔW", change);
    table("", "W (new)", new_w);
    last_change[l] = change;
  }
  std::cout << '\n';
}

void print_weights(const std::vector<Dense*>& layers, Parameters& p) {
  for (std::size_t l = 0; l < layers.size(); ++l) {
    std::cout << "    " << pad(layers[l]->name(), 10) << "(columns: " << column_names(*layers[l], l == 0)
              << ")\n";
    table("", "W", lecture_weights(*layers[l], p));
  }
}

int run_trace(const TraceArgs& a) {
  const bool given_lr = a.lr_flag->count() > 0, given_momentum = a.momentum_flag->count() > 0;
  if (given_lr && !(a.lr > 0)) throw UsageError("--lr must be > 0, got " + std::to_string(a.lr));
  if (given_momentum && !(a.momentum >= 0 && a.momentum < 1)) {
    throw UsageError("--momentum must be in [0, 1), got " + std::to_string(a.momentum));
  }
  if (a.steps_flag->count() > 0 && (a.steps < 1 || a.steps > 1000)) {
    throw UsageError("--steps must be between 1 and 1000, got " + std::to_string(a.steps));
  }
  if (!a.target.empty() && a.sample.empty()) throw UsageError("--target needs --sample");
  if (!a.model.empty() && a.sample.empty()) throw UsageError("--model needs --sample and --target to trace");

  const bool example = a.model.empty();
  const double lr = given_lr ? a.lr : example ? 0.2 : 0.1;
  const double momentum = given_momentum ? a.momentum : example ? 0.9 : 0.0;

  Sequential model = example ? example_network(lr, momentum) : with_sgd(load_model(a.model), lr, momentum);
  const auto layers = dense_layers(model, a.force);

  std::vector<Sample> samples;
  if (a.sample.empty()) {
    samples = {{{1, 0}, {0.9}}, {{0, 1}, {-0.3}}};  // docs/concepts.md, worked example 2, both steps
  } else {
    Sample s{parse_values(a.sample, "--sample"), {}};
    const std::string network =
        example ? "the example network (docs/concepts.md, worked example 2; give --model for another)"
                : "the model";
    if (s.x.size() != std::size_t(model.input_dim())) {
      throw UsageError("--sample has " + plural(s.x.size(), "value") + " but " + network + " has " +
                       plural(std::size_t(model.input_dim()), "input"));
    }
    if (a.target.empty()) {
      throw UsageError("--target is missing: give " + plural(std::size_t(model.output_dim()), "value"));
    }
    s.t = parse_values(a.target, "--target");
    if (s.t.size() != std::size_t(model.output_dim())) {
      throw UsageError("--target has " + plural(s.t.size(), "value") + " but " + network + " has " +
                       plural(std::size_t(model.output_dim()), "output"));
    }
    samples = {s};
  }
  const int steps = a.steps_flag->count() > 0 ? a.steps : a.sample.empty() ? 2 : 1;

  std::cout << std::fixed << std::setprecision(4);
  if (example) {
    std::cout << "fathom trace: worked example 2 of docs/concepts.md — a 2-2-1 sigmoid network, every weight "
                 "and bias 0.1\n";
  } else {
    std::cout << "fathom trace: " << a.model << '\n';
  }
  std::cout << "network: " << plural(std::size_t(model.input_dim()), "input");
  for (const Dense* d : layers)
    std::cout << " → " << d->name() << " (" << d->output_dim() << " " << d->activation().name() << ")";
  std::cout << "\nloss " << model.loss().name() << " (" << cost_formula(model.loss()) << "), SGD η = " << lr
            << ", α = " << momentum << ", one sample per step\n";
  std::cout << "notation (lectures): v = W·y_in + b and y = φ(v) per layer (o: the output);\n"
               "  ε = ∂C/∂y (at the output, for mse: o − t); the lecture's δ = −∂C/∂v = −ε ⊙ φ'(v),\n"
               "  so at the output δ = (t − o) φ'(v) for mse; below, ε = −Wᵀδ of the layer above (old W);\n"
               "  ΔW = η δ y_inᵀ + α ΔW(t−1), applied to every weight after all deltas are known.\n"
               "  Weights: one row per unit, columns (bias, from input 1, from input 2, …).\n";
  const auto* scaling = dynamic_cast<const Normalization*>(&model.layer(0));
  if (scaling != nullptr) {
    std::cout << "inputs: the model's " << scaling->scaling().method
              << " scaling (its normalization layer) is applied to --sample before the forward pass\n";
  }
  std::cout << "\ninitial weights\n";
  print_weights(layers, model.parameters());
  std::cout << '\n';

  std::vector<Rows> last_change(layers.size());
  for (int step = 0; step < steps; ++step) {
    trace_step(model, layers, samples[std::size_t(step) % samples.size()], scaling, lr, momentum, last_change,
               step + 1, steps);
  }
  return kOk;
}

}  // namespace

Command add_trace(CLI::App& root) {
  auto args = std::make_shared<TraceArgs>();
  CLI::App* sub = root.add_subcommand("trace",
                                      "backpropagation step by step in the lectures' notation (no arguments: "
                                      "worked example 2 of docs/concepts.md)");
  sub->add_option("--model", args->model, "saved model to trace (default: the 2-2-1 example network)");
  sub->add_option("--sample", args->sample, "one input sample, comma-separated, e.g. \"1,0\"");
  sub->add_option("--target", args->target, "its target, comma-separated, e.g. \"0.9\"");
  args->lr_flag = sub->add_option("--lr", args->lr, "learning rate η (default 0.1; the example: 0.2)");
  args->momentum_flag =
      sub->add_option("--momentum", args->momentum, "momentum α (default 0; the example: 0.9)");
  args->steps_flag = sub->add_option("--steps", args->steps, "steps to trace (default 1; the example: 2)");
  sub->add_flag("--force", args->force, "trace layers wider than 64 units anyway");
  return {sub, [args] { return run_trace(*args); }};
}

}  // namespace fathom::cli
