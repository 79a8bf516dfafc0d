// Optimizer options: invalid hyperparameters and configs are rejected with a clear message,
// make_optimizer builds every rule from its name and JSON config, and configs round-trip exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "fathom/core/error.hpp"
#include "fathom/core/parameters.hpp"
#include "fathom/optim/adaptive.hpp"
#include "fathom/optim/sgd.hpp"
#include "optimizer_arena.hpp"

namespace fathom {
namespace {

using namespace fathom::testing;

// ---- validation ------------------------------------------------------------------------------

// The message of the InvalidArgument that f throws, or "" when it throws none.
template <class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(Optimizer, InvalidHyperparametersThrow) {
  EXPECT_EQ(message_of([] { SGD({.learning_rate = -0.1f}); }), "sgd: learning_rate must be > 0, got -0.1");
  EXPECT_EQ(message_of([] { Adam({.beta2 = 1}); }), "adam: beta2 must be in [0, 1), got 1");
  EXPECT_THROW(SGD({.learning_rate = NAN}), InvalidArgument);
  EXPECT_THROW(SGD({.learning_rate = INFINITY}), InvalidArgument);
  // clang-format off
  const std::pair<const char*, const char*> bad[] = {
      {"sgd", R"({"learning_rate": 0})"},      {"sgd", R"({"momentum": 1})"},
      {"sgd", R"({"momentum": -0.1})"},        {"sgd", R"({"l2": -1})"},
      {"sgd", R"({"l1": -1})"},                {"sgd", R"({"clip_norm": -1})"},
      {"adagrad", R"({"epsilon": 0})"},        {"adagrad", R"({"initial_accumulator": -0.1})"},
      {"adagrad", R"({"l2": -0.1})"},          {"rmsprop", R"({"rho": 1})"},
      {"rmsprop", R"({"momentum": 1.5})"},     {"rmsprop", R"({"epsilon": -1e-7})"},
      {"adam", R"({"learning_rate": -1})"},    {"adam", R"({"beta1": 1})"},
      {"adam", R"({"beta2": -0.5})"},          {"adam", R"({"epsilon": 0})"},
      {"adamw", R"({"weight_decay": -0.01})"}, {"adamw", R"({"clip_norm": -1})"}};
  // clang-format on
  for (const auto& [name, config] : bad) {
    const std::string what = message_of([name = name, config = config] { make_optimizer(name, config); });
    EXPECT_TRUE(what.starts_with(std::string(name) + ": ")) << config << " gave \"" << what << "\"";
  }
  Adam adam;
  EXPECT_EQ(message_of([&] { adam.set_learning_rate(0); }), "adam: learning_rate must be > 0, got 0");
  adam.set_learning_rate(0.5f);
  EXPECT_EQ(adam.learning_rate(), 0.5f);
}

TEST(MakeOptimizer, RejectsUnknownNamesKeysAndBadValues) {
  EXPECT_EQ(message_of([] { make_optimizer("adamax"); }),
            "unknown optimizer \"adamax\" (known optimizers: sgd, adagrad, rmsprop, adam, adamw, rprop, "
            "irprop+, lbfgs, lm)");
  const std::string typo =
      message_of([] { make_optimizer("sgd", R"({"learning_rate": 0.1, "momentun": 0.9})"); });
  EXPECT_NE(typo.find("\"momentun\""), std::string::npos) << typo;
  EXPECT_THROW(make_optimizer("sgd", R"({"learning_rate": "fast"})"), InvalidArgument);
  EXPECT_THROW(make_optimizer("sgd", R"({"nesterov": 1})"), InvalidArgument);
  EXPECT_THROW(make_optimizer("adam", R"({"epsilon": 1e300})"), InvalidArgument);
  EXPECT_THROW(make_optimizer("adam", R"({"learning_rate": )"), InvalidArgument);
  EXPECT_THROW(make_optimizer("adam", "[0.1]"), InvalidArgument);
}

// ---- config round trips ----------------------------------------------------------------------

TEST(MakeOptimizer, ConfigRoundTripsExactly) {
  // A learning rate one ulp off 0.1f: only a bit-exact writer brings it back.
  const Scalar odd = std::nextafter(0.1f, 1.0f);
  const auto sgd = make_optimizer("sgd", SGD({.learning_rate = odd, .l1 = 3e-5f}).config_json());
  EXPECT_EQ(sgd->learning_rate(), odd);
  EXPECT_EQ(static_cast<const SGD&>(*sgd).options().l1, 3e-5f);
  const std::pair<const char*, const char*> configs[] = {
      {"sgd", R"({"learning_rate":0.3,"momentum":0.9,"nesterov":true,"l2":1e-4,"l1":3e-5,"clip_norm":5})"},
      {"adagrad",
       R"({"learning_rate":0.7,"epsilon":1e-6,"initial_accumulator":0.3,"l2":0.02,"clip_norm":1})"},
      {"rmsprop", R"({"learning_rate":0.1,"rho":0.95,"momentum":0.7,"epsilon":1e-6,"l2":0.1,"clip_norm":2})"},
      {"adam", R"({"learning_rate":0.1,"beta1":0.8,"beta2":0.99,"epsilon":1e-7,"l2":1e-3,"clip_norm":3})"},
      {"adamw", R"({"learning_rate":0.1,"beta1":0.85,"beta2":0.995,"epsilon":1e-6,"weight_decay":0.05})"}};
  for (const auto& [name, config] : configs) {
    const auto opt = make_optimizer(name, config);
    const auto copy = make_optimizer(opt->name(), opt->config_json());
    EXPECT_EQ(copy->name(), name);
    EXPECT_EQ(copy->config_json(), opt->config_json());
    // Same options, same arithmetic: two steps land on the same bits.
    Parameters a = two_layer_arena(kW0), b = two_layer_arena(kW0);
    opt->bind(a), copy->bind(b);
    for (const Values& g : {kG1, kG2}) {
      set_grads(a, g), set_grads(b, g);
      opt->step(), copy->step();
    }
    EXPECT_EQ(0, std::memcmp(a.values().data(), b.values().data(), kSize * sizeof(Scalar))) << config;
  }
}

TEST(MakeOptimizer, EmptyConfigGivesDefaults) {
  EXPECT_EQ(make_optimizer("sgd")->config_json(), SGD().config_json());
  EXPECT_EQ(make_optimizer("adagrad", "{}")->config_json(), Adagrad().config_json());
  EXPECT_EQ(make_optimizer("rmsprop")->config_json(), RMSprop().config_json());
  EXPECT_EQ(make_optimizer("adam")->config_json(), Adam().config_json());
  EXPECT_EQ(make_optimizer("adamw")->config_json(), AdamW().config_json());
  EXPECT_EQ(make_optimizer("adam")->learning_rate(), 0.001f);
  // Short, readable numbers in the model file.
  EXPECT_EQ(SGD().config_json(),
            R"({"learning_rate":0.01,"momentum":0.0,"nesterov":false,"l2":0.0,"l1":0.0,"clip_norm":0.0})");
  // Missing keys keep their defaults.
  EXPECT_EQ(make_optimizer("adam", R"({"beta1": 0.5})")->config_json(), Adam({.beta1 = 0.5f}).config_json());
}

}  // namespace
}  // namespace fathom
