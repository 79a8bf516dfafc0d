// The full-batch optimizers (rprop, irprop+, lbfgs, lm) inside fit: they learn XOR, feed on the
// whole training set, stop when converged, keep their state through a model file and a copy
// (a resumed fit is bit for bit the uninterrupted one), and refuse what they cannot do with a
// message that says why.
#include <gtest/gtest.h>

#include <cstring>

#include "fathom/fathom.hpp"
#include "model_file_fixture.hpp"

namespace fathom {
namespace {

const char* const kFullBatch[] = {"rprop", "irprop+", "lbfgs", "lm"};

std::string loss_for(const std::string& optimizer) { return optimizer == "lm" ? "mse" : "bce"; }

Sequential xor_model(const std::string& optimizer, std::uint64_t seed) {
  Sequential model(2, seed);
  model.add(Dense(4, "tanh"));
  model.add(Dense(1, "sigmoid"));
  model.compile({.loss = Loss(loss_for(optimizer)), .optimizer = optimizer, .metrics = {"accuracy"}});
  return model;
}

void xor_data(Matrix& x, Matrix& y) {
  x.resize(2, 4);
  y.resize(1, 4);
  x << 0, 0, 1, 1, 0, 1, 0, 1;
  y << 0, 1, 1, 0;
}

// A three-class problem of 60 samples that no optimizer solves in a few steps.
void blobs(Matrix& x, Matrix& y) {
  Rng rng(5);
  x.resize(4, 60);
  y.setZero(3, 60);
  for (Index j = 0; j < 60; ++j) {
    const Index c = j % 3;
    for (Index i = 0; i < 4; ++i) x(i, j) = Scalar(rng.normal()) + (i == c ? 1.5f : 0.0f);
    y(c, j) = 1;
  }
}

Sequential blob_model(const std::string& optimizer) {
  Sequential model(4, 11);
  model.add(Dense(6, "tanh"));
  model.add(Dense(3, "softmax"));
  model.compile(
      {.loss = Loss(optimizer == "lm" ? "mse" : "cce"), .optimizer = optimizer, .metrics = {"accuracy"}});
  return model;
}

bool same_bits(std::span<const Scalar> a, std::span<const Scalar> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(Scalar)) == 0;
}

TEST(FullBatchTraining, EachLearnsXor) {
  Matrix x, y;
  xor_data(x, y);
  for (const std::string name : kFullBatch) {
    Sequential model = xor_model(name, 3);
    const History h = model.fit(x, y, {.epochs = 300});
    EXPECT_EQ(model.evaluate(x, y).at("accuracy"), 1.0) << name << " after " << h.size() << " epochs";
    EXPECT_LT(h.values.at("loss").back(), h.values.at("loss").front()) << name;
    // One step per epoch: the batch was the whole set (the default batch size for these rules).
    EXPECT_EQ(model.optimizer().iterations(), std::int64_t(h.size())) << name;
    EXPECT_GE(model.optimizer().evaluations(), model.optimizer().iterations()) << name;
    EXPECT_EQ(h.values.count("lr"), name == "lbfgs" ? 1u : 0u) << name << ": only lbfgs has a learning rate";
  }
}

TEST(FullBatchTraining, ConvergedStopsTheFit) {
  Matrix x, y;
  xor_data(x, y);
  for (const std::string name : {"lbfgs", "lm"}) {
    Sequential model = xor_model(name, 3);
    const History h = model.fit(x, y, {.epochs = 2000});
    EXPECT_FALSE(model.optimizer().converged().empty()) << name;
    EXPECT_LT(h.size(), 2000u) << name;
    EXPECT_EQ(model.history.size(), h.size());
  }
}

TEST(FullBatchTraining, MetricsSeeTheOutputsBeforeTheStep) {
  // The line search and the Jacobian run the network at other weights; the epoch's accuracy and
  // loss are still those of the weights the step started from.
  Matrix x, y;
  blobs(x, y);
  for (const std::string name : kFullBatch) {
    Sequential model = blob_model(name);
    model.fit(x, y, {.epochs = 3});
    const Sequential before = model;
    const History h = model.fit(x, y, {.epochs = 4, .initial_epoch = 3});
    const Logs expected = before.evaluate(x, y);
    EXPECT_NEAR(h.values.at("loss")[0], expected.at("loss"), 1e-5) << name;
    EXPECT_DOUBLE_EQ(h.values.at("accuracy")[0], expected.at("accuracy")) << name;
  }
}

TEST(FullBatchTraining, ResumeFromAFileIsBitExact) {
  Matrix x, y;
  blobs(x, y);
  for (const std::string name : kFullBatch) {
    Sequential straight = blob_model(name);
    straight.fit(x, y, {.epochs = 12});
    Sequential first = blob_model(name);
    first.fit(x, y, {.epochs = 6});
    Sequential resumed = model_from_bytes(model_bytes(first), "resume");
    resumed.fit(x, y, {.epochs = 12, .initial_epoch = 6});
    EXPECT_TRUE(same_bits(resumed.parameters().values(), straight.parameters().values())) << name;
    auto a = resumed.optimizer().scalar_state(), b = straight.optimizer().scalar_state();
    ASSERT_EQ(a.size(), b.size()) << name;
    for (std::size_t i = 0; i < a.size(); ++i)
      EXPECT_EQ(*a[i].second, *b[i].second) << name << " " << a[i].first;
    // The resumed fit evaluates its first weights itself (the straight one reused its last line
    // search's final evaluation): the same numbers, one evaluation more at most.
    EXPECT_GE(resumed.optimizer().evaluations(), straight.optimizer().evaluations()) << name;
    EXPECT_LE(resumed.optimizer().evaluations(), straight.optimizer().evaluations() + 1) << name;
  }
}

TEST(FullBatchTraining, LbfgsStartsEachStepFromTheLastLineSearchPoint) {
  // Each step's line search ends on an evaluation of the weights it moves to, which the next step
  // reuses: about one evaluation per iteration, as scipy's L-BFGS-B, rather than two.
  Matrix x, y;
  blobs(x, y);
  Sequential model = blob_model("lbfgs");
  const History h = model.fit(x, y, {.epochs = 40});
  const auto steps = double(model.optimizer().iterations());
  EXPECT_EQ(steps, double(h.size()));
  EXPECT_LT(double(model.optimizer().evaluations()), 1.5 * steps) << model.optimizer().evaluations();
  // Outside fit, train_step never reuses: the caller's batch may have changed in place.
  const std::int64_t before = model.optimizer().evaluations();
  model.train_step(cview(x), cview(y));
  model.train_step(cview(x), cview(y));
  EXPECT_GE(model.optimizer().evaluations() - before, 4);
}

TEST(FullBatchTraining, StateOutOfRangeInAFileIsRefused) {
  Matrix x, y;
  blobs(x, y);
  const std::pair<const char*, std::pair<const char*, double>> cases[] = {{"lbfgs", {"stored_pairs", 11}},
                                                                          {"lbfgs", {"newest_pair", 2.5}},
                                                                          {"lm", {"mu", -1}},
                                                                          {"lm", {"mu", 1e12}}};
  for (const auto& [name, edit] : cases) {
    Sequential model = blob_model(name);
    model.fit(x, y, {.epochs = 2});
    const std::string key = edit.first;  // (a lambda may not capture a structured binding in C++20)
    const double value = edit.second;
    const std::string bytes = fathom_model_file_test::with_metadata(
        model_bytes(model), [&](nlohmann::json& meta) { meta["optimizer"]["state"][key] = value; });
    try {
      model_from_bytes(bytes, "edited");
      ADD_FAILURE() << name << " " << edit.first << " loaded";
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find(edit.first), std::string::npos) << e.what();
    }
  }
}

TEST(FullBatchTraining, CopyCarriesTheState) {
  Matrix x, y;
  blobs(x, y);
  for (const std::string name : kFullBatch) {
    Sequential original = blob_model(name);
    original.fit(x, y, {.epochs = 4});
    Sequential copy = original;
    original.fit(x, y, {.epochs = 8, .initial_epoch = 4});
    copy.fit(x, y, {.epochs = 8, .initial_epoch = 4});
    EXPECT_TRUE(same_bits(copy.parameters().values(), original.parameters().values())) << name;
  }
}

TEST(FullBatchTraining, RefusesABatchSmallerThanTheData) {
  Matrix x, y;
  blobs(x, y);
  for (const std::string name : kFullBatch) {
    Sequential model = blob_model(name);
    try {
      model.fit(x, y, {.batch_size = 16});
      ADD_FAILURE() << name << " trained on mini-batches";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("steps on the whole training set"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("60 samples"), std::string::npos) << e.what();
    }
    EXPECT_EQ(model.optimizer().iterations(), 0) << name;
  }
  // L-BFGS may be allowed mini-batches.
  Sequential model(4, 11);
  model.add(Dense(3, "softmax"));
  model.compile({.loss = "cce", .optimizer = LBFGS({.mini_batches = true})});
  model.fit(x, y, {.epochs = 2, .batch_size = 20});
  EXPECT_EQ(model.optimizer().iterations(), 6);
}

TEST(FullBatchTraining, ClearErrors) {
  Matrix x, y;
  blobs(x, y);
  {  // lm with a loss that is not a sum of squares
    Sequential model(4, 1);
    model.add(Dense(3, "softmax"));
    model.compile({.loss = "cce", .optimizer = "lm"});
    try {
      model.fit(x, y);
      ADD_FAILURE() << "lm trained on cce";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("mse"), std::string::npos) << e.what();
    }
  }
  for (const std::string name : {"lbfgs", "lm"}) {  // a random loss: each evaluation draws masks
    Sequential model(4, 1);
    model.add(Dense(6, "tanh"));
    model.add(Dropout(0.5));
    model.add(Dense(3, "softmax"));
    model.compile({.loss = Loss(name == "lm" ? "mse" : "cce"), .optimizer = name});
    const std::vector<Scalar> before(model.parameters().values().begin(), model.parameters().values().end());
    try {
      model.fit(x, y);
      ADD_FAILURE() << name << " trained with dropout";
    } catch (const InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find("Dropout"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(std::equal(before.begin(), before.end(), model.parameters().values().begin())) << name;
  }
  {  // the step() verb has no objective to search along
    Sequential model = blob_model("lbfgs");
    model.forward(cview(x), true);
    model.zero_grad();
    model.backward(cview(y));
    EXPECT_THROW(model.step(), Error);
  }
  {  // iRPROP+ through the verbs gets backward()'s loss
    Sequential model = blob_model("irprop+");
    model.forward(cview(x), true);
    model.zero_grad();
    model.backward(cview(y));
    EXPECT_NO_THROW(model.step());
  }
}

}  // namespace
}  // namespace fathom
