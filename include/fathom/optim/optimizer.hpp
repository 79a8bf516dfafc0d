// The optimizer interface (SPEC §5): built over a model's parameter arena, it knows only the
// parameter values and their gradients, and exposes step(). The training loop owns epochs and
// batches; the step counter advances exactly once per step().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/core/parameters.hpp"

namespace fathom {

class Optimizer {
 public:
  virtual ~Optimizer() = default;

  // "sgd", "adagrad", "rmsprop", "adam", "adamw".
  virtual std::string name() const = 0;
  // The hyperparameters as a JSON object (text), for the model file and summaries.
  virtual std::string config_json() const = 0;
  virtual std::unique_ptr<Optimizer> clone() const = 0;

  // Binds to the arena (after it is allocated), sizes the state at its initial values (zeros;
  // Adagrad's accumulator starts at initial_accumulator) and resets iterations() to 0.
  void bind(Parameters& params);
  // One update of every parameter from its gradient: clips the gradient by global norm when
  // clip_norm > 0, applies the rule, and advances iterations() by one. Allocates nothing.
  // Returns false if the update made a weight NaN or Inf.
  bool step();
  Scalar learning_rate() const { return learning_rate_; }
  // The rate the optimizer was built with (schedules start from it, also after a resume).
  Scalar initial_learning_rate() const { return initial_learning_rate_; }
  void set_learning_rate(Scalar lr);
  Scalar clip_norm() const { return clip_norm_; }
  // Number of step() calls so far (Adam's t).
  std::int64_t iterations() const { return iterations_; }
  void set_iterations(std::int64_t t) { iterations_ = t; }

  // Named state buffers (velocities, moments), each as long as the arena, for save/resume.
  virtual std::vector<std::pair<std::string, std::span<Scalar>>> state() { return {}; }

 protected:
  Optimizer(Scalar learning_rate, Scalar clip_norm);
  // Sizes the rule's state for `size` parameters.
  virtual void resize_state(std::size_t size) = 0;
  // The rule itself: w ← f(w, g, state); `t` is the 1-based step number. Returns false if a
  // new weight is NaN or Inf (checked in the same pass, while the values are in cache).
  virtual bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) = 0;

  Scalar learning_rate_;
  Scalar initial_learning_rate_;
  Scalar clip_norm_;

 private:
  Parameters* params_ = nullptr;
  std::int64_t iterations_ = 0;
};

// Builds an optimizer from its name and config_json() (as written in a model file). A config of
// "{}" gives the defaults.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::string& config_json = "{}");

}  // namespace fathom
