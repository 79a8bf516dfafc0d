// Adaptive step-size optimizers (SPEC §5 "adaptive gradient descent"): Adagrad, RMSprop,
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
};

struct RMSpropOptions {
  Scalar learning_rate = 0.001f;
  Scalar rho = 0.9f;
  Scalar momentum = 0;
  Scalar epsilon = 1e-7f;
  Scalar l2 = 0;
  Scalar clip_norm = 0;
};

struct AdamOptions {
  Scalar learning_rate = 0.001f;
  Scalar beta1 = 0.9f;
  Scalar beta2 = 0.999f;
  Scalar epsilon = 1e-8f;
  Scalar l2 = 0;
  Scalar clip_norm = 0;
};

struct AdamWOptions {
  Scalar learning_rate = 0.001f;
  Scalar beta1 = 0.9f;
  Scalar beta2 = 0.999f;
  Scalar epsilon = 1e-8f;
  Scalar weight_decay = 0.01f;
  Scalar clip_norm = 0;
};

class Adagrad final : public Optimizer {
 public:
  explicit Adagrad(AdagradOptions options = {});
  std::string name() const override { return "adagrad"; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<Adagrad>(*this); }
  std::vector<std::pair<std::string, std::span<Scalar>>> state() override;

 protected:
  void resize_state(std::size_t size) override;
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;

 private:
  AdagradOptions options_;
  AlignedVector accumulator_;
};

class RMSprop final : public Optimizer {
 public:
  explicit RMSprop(RMSpropOptions options = {});
  std::string name() const override { return "rmsprop"; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<RMSprop>(*this); }
  std::vector<std::pair<std::string, std::span<Scalar>>> state() override;

 protected:
  void resize_state(std::size_t size) override;
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;

 private:
  RMSpropOptions options_;
  AlignedVector mean_square_, momentum_;
};

class Adam final : public Optimizer {
 public:
  explicit Adam(AdamOptions options = {});
  std::string name() const override { return "adam"; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<Adam>(*this); }
  std::vector<std::pair<std::string, std::span<Scalar>>> state() override;

 protected:
  void resize_state(std::size_t size) override;
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;

 private:
  AdamOptions options_;
  AlignedVector m_, v_;
};

class AdamW final : public Optimizer {
 public:
  explicit AdamW(AdamWOptions options = {});
  std::string name() const override { return "adamw"; }
  std::string config_json() const override;
  std::unique_ptr<Optimizer> clone() const override { return std::make_unique<AdamW>(*this); }
  std::vector<std::pair<std::string, std::span<Scalar>>> state() override;

 protected:
  void resize_state(std::size_t size) override;
  bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) override;

 private:
  AdamWOptions options_;
  AlignedVector m_, v_;
};

}  // namespace fathom
