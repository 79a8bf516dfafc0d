// The optimizer interface (bind, step with global-norm clipping), the range checks every rule
// shares, and the JSON options of every optimizer: one table each, read by make_optimizer and
// written by config_json, so the two cannot drift apart.
#include "fathom/optim/optimizer.hpp"

#include <Eigen/Core>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "fathom/core/error.hpp"
#include "checks.hpp"
#include "fathom/optim/adaptive.hpp"
#include "fathom/optim/sgd.hpp"

namespace fathom {

// Range checks shared by every rule; declared again in sgd.cpp and adaptive.cpp (no private
// header, so they stay out of the public API). Each message names optimizer, option and value.
namespace detail {

namespace {
std::string format_scalar(Scalar value) {
  std::array<char, 32> buf{};
  auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  return std::string(buf.data(), result.ptr);
}

[[noreturn]] void fail(std::string_view optimizer, std::string_view option, std::string_view rule,
                       Scalar value) {
  throw InvalidArgument(std::string(optimizer) + ": " + std::string(option) + " must be " +
                        std::string(rule) + ", got " + format_scalar(value));
}
}  // namespace

void require_positive(std::string_view optimizer, std::string_view option, Scalar value) {
  if (!std::isfinite(value)) fail(optimizer, option, "finite", value);
  if (!(value > 0)) fail(optimizer, option, "> 0", value);
}

void require_non_negative(std::string_view optimizer, std::string_view option, Scalar value) {
  if (!std::isfinite(value)) fail(optimizer, option, "finite", value);
  if (!(value >= 0)) fail(optimizer, option, ">= 0", value);
}

void require_fraction(std::string_view optimizer, std::string_view option, Scalar value) {
  if (!(value >= 0 && value < 1)) fail(optimizer, option, "in [0, 1)", value);
}

// The arena may have been rebuilt since bind(); running the rule then would read past the state.
void require_bound_size(std::string_view optimizer, std::size_t arena, std::size_t state) {
  if (arena == state) return;
  throw Error(std::string(optimizer) + ": the parameter arena has " + std::to_string(arena) +
              " values but the optimizer state was sized for " + std::to_string(state) +
              "; call bind() again after rebuilding the model");
}

}  // namespace detail

Optimizer::Optimizer(Scalar learning_rate, Scalar clip_norm)
    : learning_rate_(learning_rate), initial_learning_rate_(learning_rate), clip_norm_(clip_norm) {
  // Each rule checks its options (with its own name) before this runs; this is the backstop.
  detail::require_positive("optimizer", "learning_rate", learning_rate);
  detail::require_non_negative("optimizer", "clip_norm", clip_norm);
}

void Optimizer::bind(Parameters& params) {
  params_ = &params;
  resize_state(params.size());
  // Fresh zero state means a fresh start: Adam's bias correction must begin again at t = 1.
  iterations_ = 0;
}

void Optimizer::set_learning_rate(Scalar lr) {
  detail::require_positive(name(), "learning_rate", lr);
  learning_rate_ = lr;
}

bool Optimizer::step() {
  if (params_ == nullptr) throw Error(name() + ": step() called before bind()");
  std::span<Scalar> g = params_->grads();
  if (clip_norm_ > 0) {
    // Squares summed in double: a float sum loses the small gradients of a large arena.
    Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>> grads(g.data(), Index(g.size()));
    const double norm = std::sqrt(grads.cast<double>().square().sum());
    // A non-finite norm cannot be clipped to anything meaningful; the training loop reports it.
    if (std::isfinite(norm) && norm > clip_norm_) grads *= Scalar(double(clip_norm_) / norm);
  }
  // The counter advances with every update, also one that made a weight NaN or Inf (reported
  // by the return value; the training loop then stops).
  const bool finite = update(params_->values(), g, iterations_ + 1);
  ++iterations_;
  return finite;
}

namespace {

using nlohmann::json;

// One option of an optimizer: a number or a flag member of its options struct.
template <class Options>
struct Field {
  const char* key;
  Scalar Options::*number = nullptr;
  bool Options::*flag = nullptr;
};

constexpr Field<SGDOptions> kSgdFields[] = {{"learning_rate", &SGDOptions::learning_rate},
                                            {"momentum", &SGDOptions::momentum},
                                            {"nesterov", nullptr, &SGDOptions::nesterov},
                                            {"l2", &SGDOptions::l2},
                                            {"l1", &SGDOptions::l1},
                                            {"clip_norm", &SGDOptions::clip_norm}};
constexpr Field<AdagradOptions> kAdagradFields[] = {
    {"learning_rate", &AdagradOptions::learning_rate},
    {"epsilon", &AdagradOptions::epsilon},
    {"initial_accumulator", &AdagradOptions::initial_accumulator},
    {"l2", &AdagradOptions::l2},
    {"clip_norm", &AdagradOptions::clip_norm}};
constexpr Field<RMSpropOptions> kRmspropFields[] = {{"learning_rate", &RMSpropOptions::learning_rate},
                                                    {"rho", &RMSpropOptions::rho},
                                                    {"momentum", &RMSpropOptions::momentum},
                                                    {"epsilon", &RMSpropOptions::epsilon},
                                                    {"l2", &RMSpropOptions::l2},
                                                    {"clip_norm", &RMSpropOptions::clip_norm}};
constexpr Field<AdamOptions> kAdamFields[] = {{"learning_rate", &AdamOptions::learning_rate},
                                              {"beta1", &AdamOptions::beta1},
                                              {"beta2", &AdamOptions::beta2},
                                              {"epsilon", &AdamOptions::epsilon},
                                              {"l2", &AdamOptions::l2},
                                              {"clip_norm", &AdamOptions::clip_norm}};
constexpr Field<AdamWOptions> kAdamWFields[] = {{"learning_rate", &AdamWOptions::learning_rate},
                                                {"beta1", &AdamWOptions::beta1},
                                                {"beta2", &AdamWOptions::beta2},
                                                {"epsilon", &AdamWOptions::epsilon},
                                                {"weight_decay", &AdamWOptions::weight_decay},
                                                {"clip_norm", &AdamWOptions::clip_norm}};

// The shortest decimal that reads back as the same float when there is one ("0.01", not
// "0.009999999776482582"), else the float's exact value as a double.
double json_number(Scalar value) {
  std::array<char, 32> buf{};
  auto written = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  double shortest = 0;
  std::from_chars(buf.data(), written.ptr, shortest);
  return static_cast<Scalar>(shortest) == value ? shortest : double(value);
}

template <class Options, std::size_t N>
std::string write_options(const Options& options, const Field<Options> (&fields)[N]) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& field : fields) {
    if (field.number != nullptr) {
      out[field.key] = json_number(options.*field.number);
    } else {
      out[field.key] = options.*field.flag;
    }
  }
  return out.dump();
}

template <class Options, std::size_t N>
Options read_options(std::string_view optimizer, const json& config, const Field<Options> (&fields)[N]) {
  Options options{};
  for (const auto& [key, value] : config.items()) {
    const Field<Options>* field = nullptr;
    for (const auto& candidate : fields) {
      if (key == candidate.key) field = &candidate;
    }
    const std::string where = std::string(optimizer) + ": option \"" + key + "\"";
    if (field == nullptr) {
      std::string known;
      for (const auto& candidate : fields) known += (known.empty() ? "" : ", ") + std::string(candidate.key);
      throw InvalidArgument(where + " is unknown (known options: " + known + ")");
    }
    if (field->flag != nullptr) {
      require(value.is_boolean(), where + " must be true or false, got " + value.dump());
      options.*field->flag = value.template get<bool>();
      continue;
    }
    require(value.is_number(), where + " must be a number, got " + value.dump());
    const double number = value.template get<double>();
    // Out of float range would be undefined behaviour in the conversion below.
    require(std::abs(number) <= double(std::numeric_limits<Scalar>::max()),
            where + " is out of range, got " + value.dump());
    options.*field->number = static_cast<Scalar>(number);
  }
  return options;
}

struct Maker {
  const char* name;
  std::unique_ptr<Optimizer> (*make)(const json& config);
};

constexpr Maker kMakers[] = {
    {"sgd",
     [](const json& c) -> std::unique_ptr<Optimizer> {
       return std::make_unique<SGD>(read_options("sgd", c, kSgdFields));
     }},
    {"adagrad",
     [](const json& c) -> std::unique_ptr<Optimizer> {
       return std::make_unique<Adagrad>(read_options("adagrad", c, kAdagradFields));
     }},
    {"rmsprop",
     [](const json& c) -> std::unique_ptr<Optimizer> {
       return std::make_unique<RMSprop>(read_options("rmsprop", c, kRmspropFields));
     }},
    {"adam",
     [](const json& c) -> std::unique_ptr<Optimizer> {
       return std::make_unique<Adam>(read_options("adam", c, kAdamFields));
     }},
    {"adamw",
     [](const json& c) -> std::unique_ptr<Optimizer> {
       return std::make_unique<AdamW>(read_options("adamw", c, kAdamWFields));
     }},
};

}  // namespace

std::string SGD::config_json() const { return write_options(options_, kSgdFields); }
std::string Adagrad::config_json() const { return write_options(options_, kAdagradFields); }
std::string RMSprop::config_json() const { return write_options(options_, kRmspropFields); }
std::string Adam::config_json() const { return write_options(options_, kAdamFields); }
std::string AdamW::config_json() const { return write_options(options_, kAdamWFields); }

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::string& config_json) {
  for (const auto& maker : kMakers) {
    if (name != maker.name) continue;
    const json config = json::parse(config_json, nullptr, /*allow_exceptions=*/false);
    require(!config.is_discarded(), name + ": config is not valid JSON: " + config_json);
    require(config.is_object(), name + ": config must be a JSON object, got " + config_json);
    return maker.make(config);
  }
  std::string known;
  for (const auto& maker : kMakers) known += (known.empty() ? "" : ", ") + std::string(maker.name);
  throw InvalidArgument("unknown optimizer \"" + name + "\" (known optimizers: " + known + ")");
}

}  // namespace fathom
