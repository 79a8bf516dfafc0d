// Every row of fathom's tables (activations, losses, optimizers) round-trips: name → object →
// name, and through save_model/load_model. The cases come from activation_names(),
// loss_names() and optimizer_names(), so a new row is covered without a new line here.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "fathom/fathom.hpp"

using namespace fathom;

namespace {

// The table a row comes from, and its name.
struct RowCase {
  std::string table, name;
};

// "activation_relu": the test name, and gtest's description of the parameter.
// (GoogleTest names take letters, digits and '_': "irprop+" is "irprop_plus".)
std::string case_name(const RowCase& c) {
  std::string name = c.table + "_" + c.name;
  if (name.ends_with('+')) name.replace(name.size() - 1, 1, "_plus");
  return name;
}
void PrintTo(const RowCase& c, std::ostream* out) { *out << case_name(c); }

std::vector<RowCase> all_rows() {
  std::vector<RowCase> rows;
  for (const auto& n : activation_names()) rows.push_back({"activation", n});
  for (const auto& n : loss_names()) rows.push_back({"loss", n});
  for (const auto& n : optimizer_names()) rows.push_back({"optimizer", n});
  return rows;
}

// The base name of "leaky_relu(0.01)" is "leaky_relu".
std::string base_name(const std::string& name) { return name.substr(0, name.find('(')); }

// A scratch folder for one test, removed with its contents at the end.
class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "fathom_registry_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create " + pattern);
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A small compiled model that uses the row: as the hidden activation, as the loss (with the
// output it fuses with, if any), or as the optimizer.
Sequential model_with(const RowCase& row) {
  Sequential model(2, 3);
  model.add(Dense(3, row.table == "activation" ? row.name : "tanh"));
  Loss loss("mse");  // also the loss lm needs
  std::string output = "linear";
  if (row.table == "loss") {
    loss = Loss(row.name);
    for (const auto& a : activation_names())
      if (loss.fuses_with(Activation(a))) output = a;
  }
  model.add(Dense(2, output));
  model.compile({.loss = loss, .optimizer = row.table == "optimizer" ? row.name : "sgd"});
  return model;
}

class RowRoundTrip : public ::testing::TestWithParam<RowCase> {};

TEST_P(RowRoundTrip, NameToObjectToName) {
  const auto& row = GetParam();
  if (row.table == "activation") {
    const Activation a(row.name);
    EXPECT_EQ(base_name(a.name()), row.name);
    EXPECT_EQ(Activation(a.name()), a);  // the canonical name, with any parameter, parses back
  } else if (row.table == "loss") {
    const Loss l(row.name);
    EXPECT_EQ(base_name(l.name()), row.name);
    EXPECT_EQ(Loss(l.name()), l);
  } else {
    const auto o = make_optimizer(row.name);
    EXPECT_EQ(o->name(), row.name);
    // The defaults, written once in the Options struct, read back the same.
    const auto again = make_optimizer(o->name(), o->config_json());
    EXPECT_EQ(again->config_json(), o->config_json());
    // A learning rate is an option exactly when the rule has one (rprop and lm size their own steps).
    EXPECT_EQ(o->config_json().find("\"learning_rate\"") != std::string::npos, o->has_learning_rate())
        << o->config_json();
  }
}

TEST_P(RowRoundTrip, SurvivesSaveAndLoad) {
  const auto& row = GetParam();
  Sequential model = model_with(row);
  ScratchFolder scratch;
  const std::string path = scratch.file("model.fathom");
  save_model(model, path);
  Sequential loaded = load_model(path);
  ASSERT_EQ(loaded.layer_count(), model.layer_count());
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    EXPECT_EQ(loaded.layer(i).config_json(), model.layer(i).config_json()) << "layer " << i;
  }
  EXPECT_EQ(loaded.loss(), model.loss());
  EXPECT_EQ(loaded.optimizer().name(), model.optimizer().name());
  EXPECT_EQ(loaded.optimizer().config_json(), model.optimizer().config_json());
  // The same function: equal outputs on the same inputs.
  Matrix x(2, 4);
  x << 0.5f, -1, 2, 0.1f, -0.3f, 0.7f, 1.5f, -2;
  EXPECT_EQ(loaded.predict(x), model.predict(x));
}

INSTANTIATE_TEST_SUITE_P(AllRows, RowRoundTrip, ::testing::ValuesIn(all_rows()),
                         [](const auto& info) { return case_name(info.param); });

}  // namespace
