// The optimizer interface (docs/concepts.md, gradient descent): built over a model's parameter
// arena, it knows only the parameter values and their gradients, and exposes step(). The
// training loop owns epochs and batches; the step counter advances exactly once per step().
// Every optimizer is one row of the table in src/optim/optimizer.cpp (make_optimizer,
// optimizer_names); its Options struct holds its defaults and lists its options in fields().
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/core/parameters.hpp"

namespace fathom {

// The values an optimizer option may take; the constructors check them.
enum class OptionRange {
  positive,      // finite and > 0
  non_negative,  // finite and >= 0
  fraction,      // in [0, 1)
  flag,          // true or false
};

// One option of an optimizer's Options struct: its key in config_json() and make_optimizer's
// config, its range, and its member (a number, or for OptionRange::flag a bool).
template <class Options>
struct OptionField {
  const char* key;
  OptionRange range;
  Scalar Options::*number = nullptr;
  bool Options::*flag = nullptr;
};

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
  // A new base rate: sets the rate and makes it the one schedules start from (a resumed run
  // given a new learning rate).
  void restart_learning_rate(Scalar lr);
  Scalar clip_norm() const { return clip_norm_; }
  // Number of step() calls so far (Adam's t).
  std::int64_t iterations() const { return iterations_; }
  void set_iterations(std::int64_t t) { iterations_ = t; }

  // Named state buffers (velocities, moments), each as long as the arena, for save/resume.
  std::vector<std::pair<std::string, std::span<Scalar>>> state();

 protected:
  Optimizer(Scalar learning_rate, Scalar clip_norm);
  // From an Options struct (its learning_rate and clip_norm), once the rule has checked it.
  template <class Options>
  requires std::is_aggregate_v<Options>
  explicit Optimizer(const Options& options) : Optimizer(options.learning_rate, options.clip_norm) {}
  // Declares a state buffer of the rule ("velocity", "m"); bind() sizes it to the arena and
  // fills it with `initial`. Returns its index for buffer().
  std::size_t add_state(std::string name, Scalar initial = 0);
  std::span<Scalar> buffer(std::size_t index) { return buffers_[index].values; }
  // The rule itself: w ← f(w, g, state); `t` is the 1-based step number. Returns false if a
  // new weight is NaN or Inf (checked in the same pass, while the values are in cache).
  virtual bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) = 0;

  Scalar learning_rate_;
  Scalar initial_learning_rate_;
  Scalar clip_norm_;

 private:
  struct Buffer {
    std::string name;
    Scalar initial;
    AlignedVector values;
  };
  Parameters* params_ = nullptr;
  std::int64_t iterations_ = 0;
  std::vector<Buffer> buffers_;
};

// Builds an optimizer from its name and config_json() (as written in a model file). A config of
// "{}" gives the defaults, so make_optimizer(name)->config_json() lists every option with its
// default value.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::string& config_json = "{}");

// Names in the optimizer table, for help texts and error messages.
std::vector<std::string> optimizer_names();

}  // namespace fathom
