// The optimizer interface (docs/concepts.md, gradient descent; full-batch training): built over a
// model's parameter arena, it knows the parameter values, their gradients and the loss, and
// exposes step(); the full-batch rules may also evaluate the Objective (objective.hpp). The
// training loop owns epochs and batches; the step counter advances exactly once per step().
// Every optimizer is one row of the table in src/optim/optimizer.cpp (make_optimizer,
// optimizer_names); its Options struct holds its defaults and lists its options in fields().
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "fathom/core/matrix.hpp"
#include "fathom/core/parameters.hpp"
#include "fathom/optim/objective.hpp"

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

  // "sgd", "adagrad", "rmsprop", "adam", "adamw", "rprop", "irprop+", "lbfgs", "lm".
  virtual std::string name() const = 0;
  // The hyperparameters as a JSON object (text), for the model file and summaries.
  virtual std::string config_json() const = 0;
  virtual std::unique_ptr<Optimizer> clone() const = 0;

  // Binds to the arena (after it is allocated), sizes the state at its initial values (zeros;
  // Adagrad's accumulator starts at initial_accumulator), resets iterations() to 0 and clears
  // converged(). Throws if the rule cannot hold the arena's size (lm: 8,192 parameters).
  void bind(Parameters& params);
  // Points at `params` (the arena of a copied model, as large as the bound one), keeping the state.
  void rebind(Parameters& params);
  // One update of every parameter: `loss` is the loss at the current weights and the arena's
  // gradients are its gradient. Clips the gradient by global norm when clip_norm > 0, applies the
  // rule, and advances iterations() by one. The full-batch rules that look further (lbfgs's line
  // search, lm's Jacobian) evaluate `objective` at trial weights; without one they throw. The
  // per-batch rules allocate nothing. Returns false if the update made a weight NaN or Inf.
  bool step(double loss = std::numeric_limits<double>::quiet_NaN(), Objective* objective = nullptr);
  // True for the rules that step on the whole training set (rprop, irprop+, lbfgs, lm): fit
  // feeds them every training sample each step and refuses a smaller batch.
  virtual bool full_batch() const { return false; }
  // True for the rules that evaluate the objective at trial weights (lbfgs, lm): train_step then
  // refuses a model whose loss is random (Dropout).
  virtual bool needs_objective() const { return false; }
  // Throws InvalidArgument if the state (as read from a model file) is out of its range.
  virtual void check_state() const {}
  // False for the rules that size their own steps (rprop, irprop+, lm): they have no learning
  // rate to set or schedule (set_learning_rate throws) and fit logs no "lr".
  virtual bool has_learning_rate() const { return true; }
  // Why the rule stopped making progress (gradient norm or loss change under its tolerance, no
  // lower loss along the search direction), or "" while it goes on. fit ends training after an
  // epoch whose step converged.
  const std::string& converged() const { return converged_; }
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
  // Named numbers of state (lm's μ, lbfgs's history length), for save/resume.
  std::vector<std::pair<std::string, double*>> scalar_state();
  // Loss evaluations (forward passes over the batch) of the steps so far: the one before each
  // step (counted by train_step, which reuses the last step's final evaluation when it can: fit's
  // L-BFGS steps), plus those of lbfgs's line search and of lm's Jacobian and trial steps.
  std::int64_t evaluations() const { return evaluations_; }
  void set_evaluations(std::int64_t n) { evaluations_ = n; }

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
  // Declares a number of state, saved with the buffers; bind() sets it to `initial`.
  std::size_t add_scalar(std::string name, double initial = 0);
  double& scalar(std::size_t index) { return scalars_[index].value; }
  double scalar(std::size_t index) const { return scalars_[index].value; }
  // Called by bind() once the buffers are sized: a rule sizes its working memory (not state) here
  // and checks that it can hold `size` parameters.
  virtual void bound(std::size_t /*size*/) {}
  // The rule itself: w ← f(w, g, state); `t` is the 1-based step number. Returns false if a
  // new weight is NaN or Inf (checked in the same pass, while the values are in cache).
  virtual bool update(std::span<Scalar> w, std::span<const Scalar> g, std::int64_t t) = 0;
  // What step() runs. The rules that need the loss or the objective override it; the others
  // keep this default, update(w, g, t).
  struct StepInput {
    std::span<Scalar> w;
    std::span<const Scalar> g;
    std::int64_t t;
    double loss;
    Objective* objective;
  };
  virtual bool apply(const StepInput& in) { return update(in.w, in.g, in.t); }
  void set_converged(std::string why) { converged_ = std::move(why); }
  void count_evaluations(std::int64_t n) { evaluations_ += n; }

  Scalar learning_rate_;
  Scalar initial_learning_rate_;
  Scalar clip_norm_;

 private:
  struct Buffer {
    std::string name;
    Scalar initial;
    AlignedVector values;
  };
  struct Number {
    std::string name;
    double initial;
    double value;
  };
  Parameters* params_ = nullptr;
  std::int64_t iterations_ = 0;
  std::int64_t evaluations_ = 0;
  std::vector<Buffer> buffers_;
  std::vector<Number> scalars_;
  std::string converged_;
};

// Builds an optimizer from its name and config_json() (as written in a model file). A config of
// "{}" gives the defaults, so make_optimizer(name)->config_json() lists every option with its
// default value.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::string& config_json = "{}");

// Names in the optimizer table, for help texts and error messages.
std::vector<std::string> optimizer_names();

}  // namespace fathom
