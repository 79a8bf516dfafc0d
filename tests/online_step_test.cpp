// train_step on every path (online backprop for one sample with plain SGD, narrow or wide
// layers, and the four verbs): the same observable effects as forward + zero_grad + backward +
// step, and the divergence guarantees.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "fathom/fathom.hpp"
#include "gradcheck.hpp"

using namespace fathom;

namespace {

std::vector<Scalar> values(const Sequential& m) {
  const auto v = m.parameters().values();
  return {v.begin(), v.end()};
}

// Inputs with exact zeros in them: the online update skips those columns.
Matrix inputs(Index rows, Index cols, Rng& rng) {
  Matrix x = fathom::testing::random_matrix(rows, cols, rng);
  for (Index i = 0; i < x.size(); i += 3) x.data()[i] = 0;
  return x;
}

}  // namespace

// train_step's contract, the same whichever way it runs (online backprop for one sample with
// plain SGD on Dense layers, narrow or wide, or the four verbs): the weights, the loss and
// iterations() move exactly as forward + zero_grad + backward + step move them; output() holds
// the step's outputs (before its update); the forward pass is consumed; gradients() throws.
namespace {
struct Case {
  const char* name;
  std::function<Sequential()> model;
  Loss loss;
  std::function<OptimizerHandle()> optimizer;
  Index batch;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }  // not a byte dump in ctest's list

std::vector<Case> contract_cases() {
  auto sgd = [] { return OptimizerHandle(SGD({.learning_rate = 0.3f})); };
  std::vector<Case> cases;
  cases.push_back({"sigmoid_mse_batch1",
                   [] {
                     Sequential m(3, 1);
                     m.add(Dense(4, "sigmoid"));
                     m.add(Dense(2, "sigmoid"));
                     return m;
                   },
                   Loss("mse"), sgd, 1});
  cases.push_back({"relu_dropout_softmax_cce_batch1",
                   [] {
                     Sequential m(5, 2);
                     m.add(Dense(6, "relu"));
                     m.add(Dropout(0.3f));
                     m.add(Dense(3, "softmax"));
                     return m;
                   },
                   Loss("cce"), sgd, 1});
  cases.push_back({"tanh_nobias_sigmoid_bce_batch1",
                   [] {
                     Sequential m(4, 3);
                     m.add(Dense(5, "tanh", /*use_bias=*/false));
                     m.add(Dense(1, "sigmoid"));
                     return m;
                   },
                   Loss("bce"), sgd, 1});
  auto wide = [] {  // wider than 64: gemv rather than plain loops on the online path
    Sequential m(70, 4);
    m.add(Dense(80, "tanh"));
    m.add(Dense(3, "softmax"));
    return m;
  };
  cases.push_back({"wide_70_80_3_softmax_cce_batch1", wide, Loss("cce"), sgd, 1});
  cases.push_back({"wide_70_80_3_softmax_mse_batch1", wide, Loss("mse"), sgd, 1});
  cases.push_back({"wide_nobias_70_80_1_batch1",
                   [] {
                     Sequential m(70, 6);
                     m.add(Dense(80, "relu", /*use_bias=*/false));
                     m.add(Dense(1, "linear", /*use_bias=*/false));
                     return m;
                   },
                   Loss("mse"), sgd, 1});
  cases.push_back({"normalization_tanh_softmax_cce_batch1",
                   [] {
                     Rng data(12);
                     Matrix sample(3, 20);
                     for (Index i = 0; i < sample.size(); ++i)
                       sample.data()[i] = Scalar(data.normal() * 5 + 2);
                     Sequential m(3, 7);
                     m.add(Normalization::adapt(sample, "standard"));
                     m.add(Dense(5, "tanh"));
                     m.add(Dense(2, "softmax"));
                     return m;
                   },
                   Loss("cce"), sgd, 1});
  cases.push_back({"digits_25_20_20_5_softmax_mse_batch1",
                   [] {
                     Sequential m(25, 5);
                     m.add(Dense(20, "elu"));
                     m.add(Dense(20, "leaky_relu"));
                     m.add(Dense(5, "softmax"));
                     return m;
                   },
                   Loss("mse"), sgd, 1});
  auto small = [] {
    Sequential m(3, 4);
    m.add(Dense(2, "tanh"));
    m.add(Dense(1, "sigmoid"));
    return m;
  };
  cases.push_back({"sgd_batch4", small, Loss("mse"), sgd, 4});
  cases.push_back({"momentum_batch1", small, Loss("mse"),
                   [] { return OptimizerHandle(SGD({.learning_rate = 0.1f, .momentum = 0.9f})); }, 1});
  cases.push_back({"nesterov_without_momentum_batch1", small, Loss("mse"),
                   [] { return OptimizerHandle(SGD({.learning_rate = 0.1f, .nesterov = true})); }, 1});
  cases.push_back({"l2_batch1", small, Loss("mse"),
                   [] { return OptimizerHandle(SGD({.learning_rate = 0.1f, .l2 = 0.01f})); }, 1});
  cases.push_back({"l1_batch1", small, Loss("mse"),
                   [] { return OptimizerHandle(SGD({.learning_rate = 0.1f, .l1 = 0.01f})); }, 1});
  cases.push_back({"clip_norm_batch1", small, Loss("mse"),
                   [] { return OptimizerHandle(SGD({.learning_rate = 0.1f, .clip_norm = 1.0f})); }, 1});
  cases.push_back({"adam_batch1", small, Loss("mse"), [] { return OptimizerHandle(Adam()); }, 1});
  return cases;
}

}  // namespace

class TrainStepContract : public ::testing::TestWithParam<Case> {};

TEST_P(TrainStepContract, SameEffectsAsTheFourVerbs) {
  const Case& c = GetParam();
  Rng rng(7);
  Sequential model = c.model();
  model.compile({.loss = c.loss, .optimizer = c.optimizer()});
  Sequential verbs(model);  // same weights, same dropout stream
  const auto initial = values(model);
  const Index in = model.input_dim(), out = model.output_dim(), b = c.batch;
  const Index steps = 6;
  const Matrix x = inputs(in, steps * b, rng);
  Matrix y = Matrix::Zero(out, steps * b);
  for (Index j = 0; j < steps * b; ++j) y((j * 7) % out, j) = 1;
  for (Index s = 0; s < steps; ++s) {
    const ConstMatrixView xs(x.data() + s * b * in, in, b), ys(y.data() + s * b * out, out, b);
    const double loss = model.train_step(xs, ys);
    const Matrix expected_output = verbs.forward(xs, true);
    verbs.zero_grad();
    const double expected_loss = verbs.backward(ys);
    verbs.step();
    EXPECT_NEAR(loss, expected_loss, 1e-6) << "step " << s;
    const Matrix output = model.output();
    ASSERT_EQ(output.rows(), out);
    ASSERT_EQ(output.cols(), b);
    EXPECT_LE((output - expected_output).cwiseAbs().maxCoeff(), 1e-6f) << "step " << s;
  }
  const auto a = values(model), r = values(verbs);
  ASSERT_EQ(a.size(), r.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], r[i], 1e-6f) << "parameter " << i;
  EXPECT_NE(a, initial) << "the steps changed nothing";
  EXPECT_EQ(model.optimizer().iterations(), steps);
  // The step consumed its forward pass and kept no gradients.
  const ConstMatrixView y0(y.data(), out, b);
  EXPECT_THROW(model.backward(y0), Error);
  try {
    (void)model.gradients();
    FAIL() << "gradients() after train_step must throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("train_step does not keep its gradients"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)Sequential(model).gradients(), Error) << "a copy keeps the state";
  // The four verbs work on the stepped model as on any other: the same gradient as the reference.
  const ConstMatrixView x0(x.data(), in, b);
  model.forward(x0, false);
  verbs.forward(x0, false);
  model.zero_grad();
  verbs.zero_grad();
  model.backward(y0);
  verbs.backward(y0);
  const auto g = model.gradients(), gr = verbs.gradients();
  ASSERT_EQ(g.size(), gr.size());
  for (std::size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], gr[i], 1e-5f) << "gradient " << i;
}

INSTANTIATE_TEST_SUITE_P(EveryPath, TrainStepContract, ::testing::ValuesIn(contract_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

// A custom layer with parameters cannot be updated by the online paths: the four verbs run.
namespace {
class Scale final : public Layer {
 public:
  std::string type() const override { return "scale"; }
  Index output_dim() const override { return input_dim_; }
  std::size_t parameter_count() const override { return 1; }
  void build(Index input_dim, Parameters& params) override {
    input_dim_ = input_dim;
    s_ = params.add("scale/s", 1, 1);
  }
  void initialize(Parameters& params, Rng&) override { params.value(s_)(0, 0) = 1; }
  void reserve(Index max_batch) override { Y_.resize(input_dim_, max_batch); }
  ConstMatrixView infer(ConstMatrixView X, const Parameters& params, MatrixView out,
                        MatrixView) const override {
    out = X * params.value(s_)(0, 0);
    return cview(out);
  }
  ConstMatrixView forward(ConstMatrixView X, const Parameters& params, bool, Rng&) override {
    const MatrixView Y(Y_.data(), X.rows(), X.cols());
    return infer(X, params, Y, Y);
  }
  void backward(ConstMatrixView X, ConstMatrixView grad, bool, Parameters& params, MatrixView* dX) override {
    params.grad(s_)(0, 0) += (X.array() * grad.array()).sum();
    if (dX != nullptr) *dX = grad * params.value(s_)(0, 0);
  }
  std::string config_json() const override { return "{}"; }
  std::unique_ptr<Layer> clone() const override { return std::make_unique<Scale>(*this); }

 private:
  ParamRef s_;
  Matrix Y_;
};
}  // namespace

TEST(OnlineStep, CustomLayerWithParametersStillLearns) {
  Sequential m(2, 1);
  m.add(Scale());
  m.add(Dense(1, "linear"));
  m.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.1f})});
  Matrix x(2, 1), y(1, 1);
  x << 1, 2;
  y << 5;
  const Scalar before = m.parameters().values()[0];
  m.train_step(cview(x), cview(y));
  EXPECT_NE(m.parameters().values()[0], before);  // the scale parameter moved
}

TEST(OnlineStep, NaNLossLeavesTheWeightsAsTheyWere) {
  Sequential m(2, 5);
  m.add(Dense(3, "relu"));
  m.add(Dense(1));
  m.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.1f})});
  const auto before = values(m);
  Matrix x(2, 1), y(1, 1);
  x << 1, std::numeric_limits<Scalar>::quiet_NaN();
  y << 1;
  EXPECT_THROW(m.train_step(cview(x), cview(y)), DivergedError);
  const auto after = values(m);
  EXPECT_EQ(std::memcmp(before.data(), after.data(), before.size() * sizeof(Scalar)), 0);
  EXPECT_EQ(m.optimizer().iterations(), 0);
}

TEST(OnlineStep, AnUpdateThatOverflowsIsReported) {
  Sequential m(1, 6);
  m.add(Dense(1));
  m.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 1e30f})});
  Matrix x(1, 1), y(1, 1);
  x << 1e10f;
  y << -1e10f;
  try {
    m.train_step(cview(x), cview(y));
    FAIL() << "expected DivergedError";
  } catch (const DivergedError& e) {
    EXPECT_NE(std::string(e.what()).find("made a weight NaN or Inf"), std::string::npos) << e.what();
  }
}

// The general online path (wider than 64): a NaN input that a ReLU turns into 0 is still
// caught before the update, and an overflowing update is reported.
TEST(OnlineStep, GeneralPathDivergenceGuarantees) {
  auto model = [](Scalar lr) {
    Sequential m(70, 3);
    m.add(Dense(4, "relu"));
    m.add(Dense(1));
    m.compile({.loss = "mse", .optimizer = SGD({.learning_rate = lr})});
    return m;
  };
  Sequential m = model(0.1f);
  const auto before = values(m);
  Matrix x = Matrix::Zero(70, 1), y(1, 1);
  x(5, 0) = std::numeric_limits<Scalar>::quiet_NaN();
  y << 1;
  EXPECT_THROW(m.train_step(cview(x), cview(y)), DivergedError);
  const auto after = values(m);
  EXPECT_EQ(std::memcmp(before.data(), after.data(), before.size() * sizeof(Scalar)), 0);

  Sequential big = model(1e30f);
  x.setConstant(1e10f);
  y << -1e30f;
  try {
    big.train_step(cview(x), cview(y));
    FAIL() << "expected DivergedError";
  } catch (const DivergedError& e) {
    EXPECT_NE(std::string(e.what()).find("NaN or Inf"), std::string::npos) << e.what();
  }
}

// fit() reads every batch's outputs for its metrics, whichever path the step took: batches of
// one sample (tiny and general online paths), and a last batch of one (n % batch == 1).
TEST(OnlineStep, FitWithMetricsOnEveryPath) {
  Rng rng(11);
  for (Index inputs : {Index(2), Index(70)}) {
    for (Index batch : {Index(1), Index(4)}) {
      Sequential m(inputs, 4);
      m.add(Dense(3, "tanh"));
      m.add(Dense(2, "softmax"));
      m.compile({.loss = "cce", .optimizer = SGD({.learning_rate = 0.1f}), .metrics = {"accuracy"}});
      const Matrix x = fathom::testing::random_matrix(inputs, 9, rng);
      Matrix y = Matrix::Zero(2, 9);
      for (Index j = 0; j < 9; ++j) y(j % 2, j) = 1;
      Sequential replay(m);  // the same weights, stepped by hand below
      const History h = m.fit(x, y, {.epochs = 3, .batch_size = batch, .shuffle = false});
      ASSERT_EQ(h["accuracy"].size(), 3u);
      if (batch != 1) {
        EXPECT_TRUE(std::isfinite(h["loss"].back())) << inputs << " inputs, batch " << batch;
        continue;
      }
      // Batch 1: the metric must have seen each sample's output before its own update.
      for (int epoch = 0; epoch < 3; ++epoch) {
        int correct = 0;
        for (Index j = 0; j < 9; ++j) {
          const ConstMatrixView xj(x.data() + j * inputs, inputs, 1), yj(y.data() + j * 2, 2, 1);
          const ConstMatrixView out = replay.forward(xj, true);
          correct += (out(1, 0) > out(0, 0) ? 1 : 0) == (yj(1, 0) > yj(0, 0) ? 1 : 0);
          replay.train_step(xj, yj);
        }
        EXPECT_DOUBLE_EQ(h["accuracy"][std::size_t(epoch)], correct / 9.0)
            << inputs << " inputs, epoch " << epoch;
      }
    }
  }
}
