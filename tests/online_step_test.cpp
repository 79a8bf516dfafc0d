// The online paths of train_step (one sample, plain SGD; the general one and the one for tiny
// networks of Dense layers up to 64 wide): w −= η δ xᵀ written straight into the weights must
// be the same update as zero_grad + backward + step, keep the divergence guarantees, and be
// taken only when it applies.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
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

bool grads_all_zero(const Sequential& m) {
  for (Scalar g : m.parameters().grads())
    if (g != 0) return false;
  return true;
}

struct Net {
  const char* name;
  Sequential model;
  Loss loss;
};

// Inputs with exact zeros in them: the online update skips those columns.
Matrix inputs(Index rows, Index cols, Rng& rng) {
  Matrix x = fathom::testing::random_matrix(rows, cols, rng);
  for (Index i = 0; i < x.size(); i += 3) x.data()[i] = 0;
  return x;
}

}  // namespace

TEST(OnlineStep, SameUpdateAsTheFourVerbs) {
  Rng rng(7);
  std::vector<Net> nets;
  {
    Sequential m(3, 1);
    m.add(Dense(4, "sigmoid"));
    m.add(Dense(2, "sigmoid"));
    nets.push_back({"sigmoid/mse", std::move(m), Loss("mse")});
  }
  {
    Sequential m(5, 2);
    m.add(Dense(6, "relu"));
    m.add(Dropout(0.3f));
    m.add(Dense(3, "softmax"));
    nets.push_back({"relu/dropout/softmax+cce", std::move(m), Loss("cce")});
  }
  {
    Sequential m(4, 3);
    m.add(Dense(5, "tanh", /*use_bias=*/false));
    m.add(Dense(1, "sigmoid"));
    nets.push_back({"tanh nobias/sigmoid+bce", std::move(m), Loss("bce")});
  }
  {
    Sequential m(70, 4);  // wider than the tiny-network path's 64: the general online path
    m.add(Dense(8, "relu"));
    m.add(Dense(3, "softmax"));
    nets.push_back({"70 inputs relu/softmax+cce", std::move(m), Loss("cce")});
  }
  {
    Sequential m(25, 5);  // the 5×5-digits shape, through the tiny path, with softmax + mse
    m.add(Dense(20, "elu"));
    m.add(Dense(20, "leaky_relu"));
    m.add(Dense(5, "softmax"));
    nets.push_back({"25-20-20-5 softmax+mse", std::move(m), Loss("mse")});
  }
  for (auto& net : nets) {
    net.model.compile({.loss = net.loss, .optimizer = SGD({.learning_rate = 0.3f})});
    Sequential verbs(net.model);  // same weights, same dropout stream
    const auto initial = values(net.model);
    const Index in = net.model.input_dim(), out = net.model.output_dim();
    const Matrix x = inputs(in, 6, rng);
    Matrix y = Matrix::Zero(out, 6);
    for (Index j = 0; j < 6; ++j) y((j * 7) % out, j) = 1;
    for (Index j = 0; j < 6; ++j) {
      const ConstMatrixView xj(x.data() + j * in, in, 1), yj(y.data() + j * out, out, 1);
      const double online_loss = net.model.train_step(xj, yj);
      verbs.forward(xj, true);
      verbs.zero_grad();
      const double loss = verbs.backward(yj);
      verbs.step();
      EXPECT_NEAR(online_loss, loss, 1e-6) << net.name << " sample " << j;
    }
    const auto a = values(net.model), b = values(verbs);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6f) << net.name << " parameter " << i;
    EXPECT_NE(a, initial) << net.name << ": the steps changed nothing";
    // The online path wrote no gradient (so it was the one taken) and counted every step.
    EXPECT_TRUE(grads_all_zero(net.model)) << net.name;
    EXPECT_EQ(net.model.optimizer().iterations(), 6) << net.name;
  }
}

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
  ConstMatrixView forward(ConstMatrixView X, const Parameters& params, bool, Rng&) override {
    MatrixView Y(Y_.data(), X.rows(), X.cols());
    Y = X * params.value(s_)(0, 0);
    return cview(Y);
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
  EXPECT_FALSE(grads_all_zero(m));                // through the four verbs
}

TEST(OnlineStep, NotTakenForBatchesMomentumOrAdam) {
  Rng rng(8);
  const Matrix x = inputs(3, 4, rng);
  const Matrix y = fathom::testing::random_matrix(1, 4, rng, 0, 1);
  struct Case {
    const char* name;
    OptimizerHandle optimizer;
    Index batch;
  };
  std::vector<Case> cases;
  cases.push_back({"sgd batch 4", SGD({.learning_rate = 0.1f}), 4});
  cases.push_back({"momentum batch 1", SGD({.learning_rate = 0.1f, .momentum = 0.9f}), 1});
  cases.push_back({"l2 batch 1", SGD({.learning_rate = 0.1f, .l2 = 0.01f}), 1});
  cases.push_back({"adam batch 1", Adam(), 1});
  cases.push_back({"l1 batch 1", SGD({.learning_rate = 0.1f, .l1 = 0.01f}), 1});
  cases.push_back({"clip_norm batch 1", SGD({.learning_rate = 0.1f, .clip_norm = 1.0f}), 1});
  for (auto& c : cases) {
    Sequential m(3, 4);
    m.add(Dense(2, "tanh"));
    m.add(Dense(1, "sigmoid"));
    m.compile({.loss = "mse", .optimizer = std::move(c.optimizer)});
    m.train_step(ConstMatrixView(x.data(), 3, c.batch), ConstMatrixView(y.data(), 1, c.batch));
    EXPECT_FALSE(grads_all_zero(m)) << c.name;  // the four verbs filled the gradient
  }
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

// Nesterov without momentum is plain SGD: the online path (no gradient written).
TEST(OnlineStep, NesterovWithoutMomentumIsOnline) {
  Sequential m(3, 2);
  m.add(Dense(2, "tanh"));
  m.add(Dense(1, "sigmoid"));
  m.compile({.loss = "mse", .optimizer = SGD({.learning_rate = 0.1f, .nesterov = true})});
  Matrix x(3, 1), y(1, 1);
  x << 0.5f, -1, 2;
  y << 1;
  m.train_step(cview(x), cview(y));
  EXPECT_TRUE(grads_all_zero(m));
  EXPECT_EQ(m.optimizer().iterations(), 1);
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
        EXPECT_DOUBLE_EQ(h["accuracy"][std::size_t(epoch)], correct / 9.0) << inputs << " inputs, epoch " << epoch;
      }
    }
  }
}
