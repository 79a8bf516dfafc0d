// The optimizer interface (bind, step with global-norm clipping, the state buffers), the range
// checks of every option (declared for the rules in checks.hpp), and the optimizer table: one
// row per optimizer, read by make_optimizer and optimizer_names. Each row's options, their
// defaults and ranges are its Options struct's; config_json and make_optimizer both read them
// from Options::fields(), so the two cannot drift apart.
#include "fathom/optim/optimizer.hpp"

#include <Eigen/Core>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "../core/name_call.hpp"
#include "checks.hpp"
#include "fathom/core/error.hpp"
#include "fathom/optim/adaptive.hpp"
#include "fathom/optim/lbfgs.hpp"
#include "fathom/optim/levenberg_marquardt.hpp"
#include "fathom/optim/rprop.hpp"
#include "fathom/optim/sgd.hpp"

namespace fathom {

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

void check_option(std::string_view optimizer, std::string_view option, OptionRange range, Scalar value) {
  switch (range) {
    case OptionRange::positive:
      if (!std::isfinite(value)) fail(optimizer, option, "finite", value);
      if (!(value > 0)) fail(optimizer, option, "> 0", value);
      return;
    case OptionRange::non_negative:
      if (!std::isfinite(value)) fail(optimizer, option, "finite", value);
      if (!(value >= 0)) fail(optimizer, option, ">= 0", value);
      return;
    case OptionRange::fraction:
      if (!(value >= 0 && value < 1)) fail(optimizer, option, "in [0, 1)", value);
      return;
    case OptionRange::flag:
      return;
  }
}

std::string at_most(std::string_view what, double value, std::string_view option, double limit) {
  std::ostringstream out;
  out.precision(3);
  out << what << ' ' << value << " is at most " << option << ' ' << limit;
  return out.str();
}

}  // namespace detail

Optimizer::Optimizer(Scalar learning_rate, Scalar clip_norm)
    : learning_rate_(learning_rate), initial_learning_rate_(learning_rate), clip_norm_(clip_norm) {
  // Each rule checks its options (with its own name) before this runs; this is the backstop.
  detail::check_option("optimizer", "learning_rate", OptionRange::positive, learning_rate);
  detail::check_option("optimizer", "clip_norm", OptionRange::non_negative, clip_norm);
}

std::size_t Optimizer::add_state(std::string name, Scalar initial) {
  buffers_.push_back({std::move(name), initial, {}});
  return buffers_.size() - 1;
}

std::size_t Optimizer::add_scalar(std::string name, double initial) {
  scalars_.push_back({std::move(name), initial, initial});
  return scalars_.size() - 1;
}

void Optimizer::bind(Parameters& params) {
  bound(params.size());  // first: a rule that cannot hold the arena throws before any state is sized
  params_ = &params;
  for (auto& b : buffers_) b.values.assign(params.size(), b.initial);
  for (auto& s : scalars_) s.value = s.initial;
  // Fresh state means a fresh start: Adam's bias correction must begin again at t = 1.
  iterations_ = 0;
  evaluations_ = 0;
  converged_.clear();
}

void Optimizer::rebind(Parameters& params) {
  for (const auto& b : buffers_) {
    require(b.values.size() == params.size(),
            name() + ": rebind to an arena of " + std::to_string(params.size()) +
                " values, the state holds " + std::to_string(b.values.size()));
  }
  params_ = &params;
}

std::vector<std::pair<std::string, std::span<Scalar>>> Optimizer::state() {
  std::vector<std::pair<std::string, std::span<Scalar>>> named;
  for (auto& b : buffers_) named.emplace_back(b.name, b.values);
  return named;
}

std::vector<std::pair<std::string, double*>> Optimizer::scalar_state() {
  std::vector<std::pair<std::string, double*>> named;
  for (auto& s : scalars_) named.emplace_back(s.name, &s.value);
  return named;
}

void Optimizer::set_learning_rate(Scalar lr) {
  if (!has_learning_rate())
    throw InvalidArgument(name() +
                          " has no learning rate: it sizes its own steps (leave out the learning "
                          "rate and any schedule of it)");
  detail::check_option(name(), "learning_rate", OptionRange::positive, lr);
  learning_rate_ = lr;
}

void Optimizer::restart_learning_rate(Scalar lr) {
  set_learning_rate(lr);
  initial_learning_rate_ = lr;
}

bool Optimizer::step(double loss, Objective* objective) {
  if (params_ == nullptr) throw Error(name() + ": step() called before bind()");
  // The arena may have been rebuilt since bind(); running the rule then would read past the state.
  for (const auto& b : buffers_) {
    if (b.values.size() != params_->size()) {
      throw Error(name() + ": the parameter arena has " + std::to_string(params_->size()) +
                  " values but the optimizer state was sized for " + std::to_string(b.values.size()) +
                  "; call bind() again after rebuilding the model");
    }
  }
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
  converged_.clear();
  const bool finite = apply({params_->values(), g, iterations_ + 1, loss, objective});
  ++iterations_;
  return finite;
}

namespace {

using nlohmann::json;

// The shortest decimal that reads back as the same float when there is one ("0.01", not
// "0.009999999776482582"), else the float's exact value as a double.
double json_number(Scalar value) {
  std::array<char, 32> buf{};
  auto written = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  double shortest = 0;
  std::from_chars(buf.data(), written.ptr, shortest);
  return static_cast<Scalar>(shortest) == value ? shortest : double(value);
}

template <class Options>
std::string write_options(const Options& options) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& field : Options::fields()) {
    if (field.number != nullptr) {
      out[field.key] = json_number(options.*field.number);
    } else {
      out[field.key] = options.*field.flag;
    }
  }
  return out.dump();
}

template <class Options>
Options read_options(std::string_view optimizer, const json& config) {
  static constexpr auto fields = Options::fields();
  Options options{};
  for (const auto& [key, value] : config.items()) {
    const OptionField<Options>* field = nullptr;
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

// The optimizer table: a new optimizer is its class (with kName and an Options struct that
// lists its fields()), its update rule, and one row here.
struct Row {
  const char* name;
  std::unique_ptr<Optimizer> (*make)(const json& config);
};

template <class T, class Options>
constexpr Row row() {
  return {T::kName, [](const json& config) -> std::unique_ptr<Optimizer> {
            return std::make_unique<T>(read_options<Options>(T::kName, config));
          }};
}

constexpr Row kTable[] = {row<SGD, SGDOptions>(),
                          row<Adagrad, AdagradOptions>(),
                          row<RMSprop, RMSpropOptions>(),
                          row<Adam, AdamOptions>(),
                          row<AdamW, AdamWOptions>(),
                          row<RPROP, RPROPOptions>(),
                          row<IRPROPPlus, RPROPOptions>(),
                          row<LBFGS, LBFGSOptions>(),
                          row<LevenbergMarquardt, LevenbergMarquardtOptions>()};

}  // namespace

std::string SGD::config_json() const { return write_options(options_); }
std::string Adagrad::config_json() const { return write_options(options_); }
std::string RMSprop::config_json() const { return write_options(options_); }
std::string Adam::config_json() const { return write_options(options_); }
std::string AdamW::config_json() const { return write_options(options_); }
std::string RPROP::config_json() const { return write_options(options()); }
std::string IRPROPPlus::config_json() const { return write_options(options()); }
std::string LBFGS::config_json() const { return write_options(options_); }
std::string LevenbergMarquardt::config_json() const { return write_options(options_); }

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const std::string& config_json) {
  for (const auto& r : kTable) {
    if (name != r.name) continue;
    const json config = json::parse(config_json, nullptr, /*allow_exceptions=*/false);
    require(!config.is_discarded(), name + ": config is not valid JSON: " + config_json);
    require(config.is_object(), name + ": config must be a JSON object, got " + config_json);
    return r.make(config);
  }
  throw InvalidArgument("unknown optimizer \"" + name +
                        "\" (known optimizers: " + detail::known_names(kTable) + ")");
}

std::vector<std::string> optimizer_names() {
  std::vector<std::string> names;
  for (const auto& r : kTable) names.emplace_back(r.name);
  return names;
}

}  // namespace fathom
