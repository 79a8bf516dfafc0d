// Shared by the callback tests: a small compiled model, regression data, the model's weights as
// a list, and a driver that plays fit()'s part with hand-made logs (exact control over the
// monitored values).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fathom/fathom.hpp"

namespace fathom_callback_test {

using namespace fathom;
namespace fs = std::filesystem;

// A small compiled model: the callbacks only need its weights, its optimizer and stop_training.
inline Sequential small_model(Scalar learning_rate = 0.1f) {
  Sequential model(2, 7);
  model.add(Dense(3, "tanh"));
  model.add(Dense(1));
  model.compile({.loss = "mse", .optimizer = SGD({.learning_rate = learning_rate})});
  return model;
}

// Regression data: y = x0 − 2·x1 on 20 samples.
inline void line_data(Matrix& x, Matrix& y) {
  Rng rng(3);
  x.resize(2, 20);
  y.resize(1, 20);
  for (Index j = 0; j < 20; ++j) {
    x(0, j) = Scalar(rng.uniform(-1, 1));
    x(1, j) = Scalar(rng.uniform(-1, 1));
    y(0, j) = x(0, j) - 2 * x(1, j);
  }
}

inline std::vector<float> weights_of(const Sequential& model) {
  auto w = model.parameters().values();
  return {w.begin(), w.end()};
}

// Every weight set to `value`: makes the weights of each epoch recognisable.
inline void fill_weights(Sequential& model, float value) {
  for (Scalar& w : model.parameters().values()) w = value;
}

// Plays fit()'s part: on_train_begin, then one on_epoch_end per value (under `key`) until a
// callback sets stop_training, then on_train_end. Returns the number of epochs run.
inline int drive(Callback& cb, Sequential& model, const std::vector<double>& values,
                 const std::string& key = "val_loss") {
  model.stop_training = false;
  cb.on_train_begin(model);
  int epoch = 0;
  for (; epoch < int(values.size()) && !model.stop_training; ++epoch) {
    cb.on_epoch_end(model, epoch, Logs{{"loss", 1.0}, {key, values[std::size_t(epoch)]}});
  }
  cb.on_train_end(model);
  return epoch;
}

inline std::vector<std::string> read_lines(std::istream&& in) {
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}
inline std::vector<std::string> read_lines(const fs::path& path) { return read_lines(std::ifstream(path)); }

inline std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  for (std::string cell; std::getline(ss, cell, ',');) cells.push_back(cell);
  return cells;
}

}  // namespace fathom_callback_test
