// Data-parallel training's acceptance cases (docs/scaling.md), shared by the tests over threads
// (data_parallel_test.cpp) and over MPI (mpi/mpi_fit_test.cpp): each case trains one model on
// one process and on a group, and the group's every process must end with the same weights and
// logs as the one process, up to the order of the floating-point additions.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fathom/fathom.hpp"

namespace fathom::testing {

struct ParallelCase {
  std::string name = {};
  std::function<Sequential()> model = {};
  // Shared: FitOptions points at the validation data.
  std::shared_ptr<Matrix> x = {}, y = {}, x_val = {}, y_val = {};
  FitOptions options = {};
  double tolerance = 1e-5;  // the largest relative difference of a weight or a logged value
};

struct ParallelRun {
  std::vector<Scalar> weights;
  History history;
};

inline ParallelRun train_case(const ParallelCase& c, Communicator* comm) {
  Sequential model = c.model();
  FitOptions options = c.options;
  options.communicator = comm;
  if (c.x_val) {
    options.validation_x = c.x_val.get();
    options.validation_y = c.y_val.get();
  }
  ParallelRun run;
  run.history = model.fit(*c.x, *c.y, options);
  const auto w = model.parameters().values();
  run.weights.assign(w.begin(), w.end());
  return run;
}

// |a − b| / max(|b|, 0.01): relative where a value is not tiny, absolute (×100) where it is.
inline double relative_difference(double a, double b) {
  return std::abs(a - b) / std::max(std::abs(b), 0.01);
}

inline void expect_close(const ParallelRun& got, const ParallelRun& want, double tolerance,
                         const std::string& what) {
  ASSERT_EQ(got.weights.size(), want.weights.size()) << what;
  double worst = 0;
  for (std::size_t i = 0; i < want.weights.size(); ++i)
    worst = std::max(worst, relative_difference(got.weights[i], want.weights[i]));
  EXPECT_LE(worst, tolerance) << what << ": the weights";
  ASSERT_EQ(got.history.epochs, want.history.epochs) << what;
  for (const auto& [key, values] : want.history.values) {
    ASSERT_TRUE(got.history.has(key)) << what << ": no " << key;
    for (std::size_t e = 0; e < values.size(); ++e)
      EXPECT_LE(relative_difference(got.history[key][e], values[e]), tolerance)
          << what << ": " << key << " at epoch " << e << " is " << got.history[key][e] << ", one process "
          << values[e];
  }
}

inline bool same_bits(const std::vector<Scalar>& a, const std::vector<Scalar>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(Scalar)) == 0;
}

// Three Gaussian blobs in four dimensions: n samples, classes one-hot.
inline void parallel_blobs(Matrix& x, Matrix& y, Index n, std::uint64_t seed) {
  Rng rng(seed);
  x.resize(4, n);
  y.setZero(3, n);
  for (Index j = 0; j < n; ++j) {
    const Index c = j % 3;
    for (Index i = 0; i < 4; ++i) x(i, j) = Scalar(rng.normal()) + (i == c ? 1.5f : 0.0f);
    y(c, j) = 1;
  }
}

inline std::vector<ParallelCase> parallel_cases() {
  std::vector<ParallelCase> cases;
  auto blobs = [](Index n, std::uint64_t seed) {
    auto x = std::make_shared<Matrix>(), y = std::make_shared<Matrix>();
    parallel_blobs(*x, *y, n, seed);
    return std::pair{x, y};
  };
  // optimizer: a name, or "momentum" for SGD with momentum 0.9 and L2.
  auto classifier = [](std::string optimizer, std::vector<std::string> metrics) {
    return [optimizer, metrics] {
      Sequential model(4, 7);
      model.add(Dense(8, "tanh"));
      model.add(Dense(3, "softmax"));
      OptimizerHandle rule =
          optimizer == "momentum"
              ? OptimizerHandle(SGD({.learning_rate = 0.05f, .momentum = 0.9f, .l2 = 1e-4f}))
              : OptimizerHandle(optimizer);
      model.compile({.loss = Loss("cce"), .optimizer = std::move(rule), .metrics = metrics});
      return model;
    };
  };
  {
    // 81 training samples (the split holds out 20): an uneven last batch of 1.
    auto [x, y] = blobs(101, 1);
    cases.push_back({.name = "adam_batches_with_validation_split",
                     .model = classifier("adam", {"accuracy", "f1", "precision"}),
                     .x = x,
                     .y = y,
                     .options = {.epochs = 2, .batch_size = 16, .validation_split = 0.2}});
  }
  {
    auto [x, y] = blobs(60, 2);
    auto [xv, yv] = blobs(31, 3);
    cases.push_back({.name = "sgd_momentum_with_validation_data",
                     .model = classifier("momentum", {"accuracy", "recall"}),
                     .x = x,
                     .y = y,
                     .x_val = xv,
                     .y_val = yv,
                     .options = {.epochs = 2, .batch_size = 10}});
  }
  {
    // Regression with r2, whose totals combine across processes in two rounds.
    auto x = std::make_shared<Matrix>(3, 47), y = std::make_shared<Matrix>(2, 47);
    Rng rng(4);
    for (Index j = 0; j < 47; ++j) {
      for (Index i = 0; i < 3; ++i) (*x)(i, j) = Scalar(rng.normal());
      (*y)(0, j) = 100 + (*x)(0, j) - 2 * (*x)(1, j);
      (*y)(1, j) = (*x)(2, j) * (*x)(0, j);
    }
    cases.push_back(
        {.name = "rmsprop_regression_r2",
         .model =
             [] {
               Sequential model(3, 9);
               model.add(Dense(6, "relu"));
               model.add(Dense(2, "linear"));
               model.compile({.loss = Loss("mse"), .optimizer = "rmsprop", .metrics = {"mse", "mae", "r2"}});
               return model;
             },
         .x = x,
         .y = y,
         .options = {.epochs = 2, .batch_size = 8, .validation_split = 0.25}});
  }
  {
    // Batches of 2 and of 1 sample: with three processes some shares are empty.
    auto [x, y] = blobs(11, 5);
    cases.push_back({.name = "batches_smaller_than_the_group",
                     .model = classifier("sgd", {"accuracy"}),
                     .x = x,
                     .y = y,
                     .options = {.epochs = 1, .batch_size = 2}});
    cases.push_back({.name = "online_batches_of_one",
                     .model = classifier("sgd", {"accuracy"}),
                     .x = x,
                     .y = y,
                     .options = {.epochs = 1, .batch_size = 1}});
  }
  {
    auto [x, y] = blobs(60, 6);
    for (const char* optimizer : {"lbfgs", "irprop+"}) {
      cases.push_back(
          {.name = std::string(optimizer == std::string("lbfgs") ? "lbfgs" : "irprop_plus") + "_full_batch",
           .model = classifier(optimizer, {"accuracy"}),
           .x = x,
           .y = y,
           .options = {.epochs = 4, .validation_split = 0.2},
           .tolerance = 1e-4});
    }
  }
  return cases;
}

}  // namespace fathom::testing
