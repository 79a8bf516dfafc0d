// Adaptive step-size optimizers (docs/concepts.md, adaptive gradient descent): Adagrad, RMSprop,
// Adam and AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019).
//   Adagrad: G += g²;                         w −= η g / (√G + ε)
//   RMSprop: S = ρS + (1−ρ)g²;                 w −= η g / (√S + ε)   (with momentum: m = μm + that step)
//   Adam:    m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; m̂ = m/(1−β₁ᵗ); v̂ = v/(1−β₂ᵗ);
//            w −= η m̂ / (√v̂ + ε)
//   AdamW:   Adam, plus decoupled decay w −= η λ w (applied before the Adam step)
// l2 > 0 on Adagrad/RMSprop/Adam adds λ w to the gradient (classic L2 regularization).
#pragma once

#include <vector>

#include "fathom/optim/optimizer.hpp"

namespace fathom {

struct AdagradOptions {
  Scalar learning_rate = 0.01f;
  Scalar epsilon = 1e-7f;
  Scalar initial_accumulator = 0.1f;
  Scalar l2 = 0;
  Scalar clip_norm = 0;

  static constexpr auto fields() {
    using F = OptionField<AdagradOptions>;
    using enum OptionRange;
    return std::array{F{"learning_rate", positive, &AdagradOptions::learning_rate},
                      F{"epsilon", positive, &AdagradOptions::epsilon},
                      F{"initial_accumulator", non_negative, &AdagradOptions::initial_accumulator},
                      F{"l2", non_negative, &AdagradOptions::l2},
                      F{"clip_norm", non_negative, &AdagradOptions::clip_norm}};
  }
};

struct RMSpropOptions {
  Scalar learning_rate = 0.001f;
  Scalar rho = 0.9f;
  Scalar momentum = 0;
  Scalar epsilon = 1e-7f;
  Scalar l2 = 0;
  Scalar clip_norm = 0;

  static constexpr auto fields() {
    using F = OptionField<RMSpropOptions>;
    using enum OptionRange;
    return std::array{F{"learning_rate", positive, &RMSpropOptions::learning_rate},
                      F{"rho", fraction, &RMSpropOptions::rho},
                      F{"momentum", fraction, &RMSpropOptions::momentum},
                      F{"epsilon", positive, &RMSpropOptions::epsilon},
                      F{"l2", non_negative, &RMSpropOptions::l2},
                      F{"clip_norm", non_negative, &RMSpropOptions::clip_norm}};
  }
};

struct AdamOptions {
  Scalar learning_rate = 0.001f;
  Scalar beta1 = 0.9f;
  Scalar beta2 = 0.999f;
  Scalar epsilon = 1e-8f;
  Scalar l2 = 0;
  Scalar clip_norm = 0;

  static constexpr auto fields() {
    using F = OptionField<AdamOptions>;
    using enum OptionRange;
    return std::array{F{"learning_rate", positive, &AdamOptions::learning_rate},
                      F{"beta1", fraction, &AdamOptions::beta1},
                      F{"beta2", fraction, &AdamOptions::beta2},
                      F{"epsilon", positive, &AdamOptions::epsilon},
                      F{"l2", non_negative, &AdamOptions::l2},
                      F{"clip_norm", non_negative, &AdamOptions::clip_norm}};
  }
};

struct AdamWOptions {
  Scalar learning_rate = 0.001f;
  Scalar beta1 = 0.9f;
  Scalar beta2 = 0.999f;
  Scalar epsilon = 1e-8f;
  Scalar weight_decay = 0.01f;
  Scalar clip_norm = 0;

  static constexpr auto fields() {
    using F = OptionField<AdamWOptions>;
    using enum OptionRange;
    return std::array{F{"learning_rate", positive, &AdamWOptions::learning_rate},
                      F{"beta1", fraction, &AdamWOptions::beta1},
                      F{"beta2", fraction, &AdamWOptions::beta2},
                      F{"epsilon", positive, &AdamWOptions::epsilon},
                      F{"weight_decay", non_negative, &AdamWOptions::weight_decay},
                      F{"clip_norm", non_negative, &AdamWOptions::clip_norm}};
  }
};

class Adagrad final : public Optimizer {
 public:
  static constexpr const char* kName = "adagrad";
  explicit Adagrad(AdagradOptions options = {});
  std::string name() const override { return kName; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<Adagrad>(*this); }

 protected:
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;

 private:
  AdagradOptions options_;
  // G starts at initial_accumulator, not zero, so the first steps are not η·sign(g).
  std::size_t accumulator_ = add_state("accumulator", options_.initial_accumulator);
};

class RMSprop final : public Optimizer {
 public:
  static constexpr const char* kName = "rmsprop";
  explicit RMSprop(RMSpropOptions options = {});
  std::string name() const override { return kName; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<RMSprop>(*this); }

 protected:
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;

 private:
  RMSpropOptions options_;
  std::size_t mean_square_ = add_state("mean_square"), momentum_ = add_state("momentum");
};

class Adam final : public Optimizer {
 public:
  static constexpr const char* kName = "adam";
  explicit Adam(AdamOptions options = {});
  std::string name() const override { return kName; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<Adam>(*this); }

 protected:
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;

 private:
  AdamOptions options_;
  std::size_t m_ = add_state("m"), v_ = add_state("v");
};

class AdamW final : public Optimizer {
 public:
  static constexpr const char* kName = "adamw";
  explicit AdamW(AdamWOptions options = {});
  std::string name() const override { return kName; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<AdamW>(*this); }

 protected:
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;

 private:
  AdamWOptions options_;
  std::size_t m_ = add_state("m"), v_ = add_state("v");
};

}  // namespace fathom
