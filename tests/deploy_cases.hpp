// Shared by the export tests (onnx_export_test, c_export_test): small networks covering every
// activation, with and without input scaling, for classification (softmax and one sigmoid
// output) and regression on standardized targets; their inputs; and how exported outputs are
// compared with fathom's own.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "fathom/fathom.hpp"

namespace fathom::deploy_test {

struct Case {
  std::string name;
  Sequential model;
};

// Inputs whose features sit at very different offsets and spreads (feature f around 10·f with
// spread f + 1), so that input scaling matters; uniform in [−2, 2] when `raw`.
inline Matrix case_inputs(Index features, Index samples, std::uint64_t seed, bool raw = false) {
  Rng rng(seed);
  Matrix x(features, samples);
  for (Index j = 0; j < samples; ++j) {
    for (Index f = 0; f < features; ++f) {
      const double u = rng.uniform(-2, 2);
      x(f, j) = raw ? Scalar(u) : Scalar(10.0 * double(f) + u * double(f + 1));
    }
  }
  return x;
}

inline constexpr Index kCaseFeatures = 5;

// kind: "softmax" (3 classes), "sigmoid" (1 output, binary) or "regress" (2 outputs, targets
// standardized from values around 50 ± 10).
inline Sequential case_model(const Activation& hidden, bool scaled, const std::string& kind,
                             std::uint64_t seed) {
  Sequential m(kCaseFeatures, seed);
  if (scaled) m.add(Normalization::adapt(case_inputs(kCaseFeatures, 200, seed + 1), "standard"));
  m.add(Dense(7, hidden));
  m.add(Dropout(0.25f));
  if (kind == "softmax") {
    m.add(Dense(3, "softmax"));
    m.compile({.loss = "cce", .optimizer = "adam"});
    m.info.task = "classify";
  } else if (kind == "sigmoid") {
    m.add(Dense(1, "sigmoid"));
    m.compile({.loss = "bce", .optimizer = "adam"});
    m.info.task = "classify";
  } else {
    m.add(Dense(2, "linear"));
    m.compile({.loss = "mse", .optimizer = "adam"});
    m.info.task = "regress";
    Matrix y(2, 100);
    Rng rng(seed + 2);
    for (Index i = 0; i < y.size(); ++i) y.data()[i] = Scalar(50 + 20 * rng.uniform(-1, 1));
    m.info.target_scaling = TargetScaling::fit(cview(y), "standard");
  }
  return m;
}

// Every activation as the hidden layer's, each with and without input scaling, for the three
// kinds of output; the activation's parameter where it has one.
inline std::vector<Case> all_cases() {
  std::vector<Case> cases;
  std::uint64_t seed = 100;
  for (std::string act : activation_names()) {
    if (act == "leaky_relu") act = "leaky_relu(0.2)";
    if (act == "elu") act = "elu(0.7)";
    for (const bool scaled : {false, true}) {
      for (const std::string kind : {"softmax", "sigmoid", "regress"}) {
        std::string name = act + (scaled ? "_scaled_" : "_") + kind;
        for (char& c : name)
          if (c == '(' || c == ')' || c == '.') c = '_';
        cases.push_back({name, case_model(Activation(act), scaled, kind, ++seed)});
      }
    }
  }
  return cases;
}

// What `fathom predict` prints: the outputs, in the targets' units for a regression.
inline Matrix fathom_outputs(const Sequential& model, const Matrix& x) {
  Matrix out = model.predict(x);
  model.info.target_scaling.invert(view(out));
  return out;
}

// The absolute tolerance beside 1e-5 relative: 1e-6 for outputs in the network's own range, and
// for a regression mapped back to its targets' units (o·sd + mean) 1e-5 of the targets' scale
// (|mean| + sd): an output near 0 there is the difference of two numbers near the mean, whose
// last bits differ between any two float programs.
inline double output_atol(const Sequential& m) {
  const TargetScaling& ts = m.info.target_scaling;
  if (!ts.enabled()) return 1e-6;
  return 1e-5 * double((ts.mean.array().abs() + ts.sd.array()).maxCoeff());
}

// |got − want| ≤ rtol·|want| + atol for every value; the largest relative difference is printed.
inline void expect_close(ConstMatrixView got, ConstMatrixView want, double rtol, double atol,
                         const std::string& what) {
  ASSERT_EQ(got.rows(), want.rows()) << what;
  ASSERT_EQ(got.cols(), want.cols()) << what;
  double worst = 0;
  Index bad = 0, worst_at = 0;
  for (Index i = 0; i < want.size(); ++i) {
    const double g = got.data()[i], w = want.data()[i];
    const double diff = std::fabs(g - w);
    if (!(diff <= rtol * std::fabs(w) + atol)) ++bad;
    if (diff / std::max(std::fabs(w), 1e-30) > worst) {
      worst = diff / std::max(std::fabs(w), 1e-30);
      worst_at = i;
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << want.size()
                    << " values differ beyond tolerance; the largest relative difference is " << worst << " ("
                    << got.data()[worst_at] << " against " << want.data()[worst_at] << ")";
}

// Whether sample j's class is within rounding of another (one output: of the 0.5 threshold),
// so that an exported runtime may fairly pick either; expected_class is fathom's pick.
inline bool near_tie(const Matrix& outputs, Index j, Index expected_class) {
  const auto sample = outputs.col(j);
  if (outputs.rows() == 1) return std::fabs(sample(0) - 0.5f) < 1e-5f;
  return (sample.array() > sample(expected_class) - 1e-5f).count() > 1;
}

// x (features × n, column-major) is n rows of features, row-major: the bytes ONNX and C expect.
inline void write_floats(const std::string& path, const float* data, std::size_t n) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(n * sizeof(float)));
}
template <class T>
std::vector<T> read_values(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  std::vector<T> v(in ? std::size_t(in.tellg()) / sizeof(T) : 0);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), std::streamsize(v.size() * sizeof(T)));
  return v;
}

// Runs a shell command; its exit status (-1 if it did not exit).
inline int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace fathom::deploy_test
