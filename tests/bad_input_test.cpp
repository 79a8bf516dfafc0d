// Bad input: every invalid shape, value or hyperparameter throws a fathom exception whose
// message names the argument and the values seen.
#include <gtest/gtest.h>

#include <limits>

#include "fathom/fathom.hpp"

using namespace fathom;

namespace {

Sequential small_model() {
  Sequential model(3, 1);
  model.add(Dense(4, "relu"));
  model.add(Dense(2, "softmax"));
  model.compile({.loss = "cce", .optimizer = "sgd"});
  return model;
}

template <class E, class F>
void expect_error(F&& f, const std::string& fragment) {
  try {
    f();
    FAIL() << "no exception; expected one mentioning \"" << fragment << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(BadInput, ShapeMismatches) {
  auto model = small_model();
  expect_error<ShapeError>([&] { model.fit(Matrix::Zero(4, 10), Matrix::Zero(2, 10)); }, "expects 3 inputs");
  expect_error<ShapeError>([&] { model.fit(Matrix::Zero(3, 10), Matrix::Zero(3, 10)); },
                           "has 2 outputs, y has 3");
  expect_error<ShapeError>([&] { model.fit(Matrix::Zero(3, 10), Matrix::Zero(2, 9)); },
                           "10 samples but y has 9");
  expect_error<ShapeError>([&] { model.predict(Matrix::Zero(5, 2)); }, "expects 3 inputs");
}

TEST(BadInput, EmptyAndNonFiniteData) {
  auto model = small_model();
  expect_error<DataError>([&] { model.fit(Matrix::Zero(3, 0), Matrix::Zero(2, 0)); }, "empty");
  Matrix x = Matrix::Zero(3, 5);
  x(1, 3) = std::numeric_limits<float>::quiet_NaN();
  expect_error<DataError>([&] { model.fit(x, Matrix::Zero(2, 5)); }, "NaN at sample 3, row 1");
  Matrix y = Matrix::Zero(2, 5);
  y(0, 4) = std::numeric_limits<float>::infinity();
  expect_error<DataError>([&] { model.fit(Matrix::Zero(3, 5), y); }, "Inf at sample 4");
}

// Binary cross-entropy is defined for targets in [0, 1]: labels left as 1/2 or −1/1 are refused
// for training and for validation, and the error names where.
TEST(BadInput, BceTargetsOutsideZeroOne) {
  Sequential model(2, 1);
  model.add(Dense(1, "sigmoid"));
  model.compile({.loss = "bce", .optimizer = "adam"});
  Matrix y = Matrix::Ones(1, 4);
  y(0, 2) = 2;
  expect_error<DataError>([&] { model.fit(Matrix::Zero(2, 4), y); },
                          "targets in [0, 1], y has 2.000000 at sample 2");
  Matrix good = Matrix::Constant(1, 4, 0.9f);
  Matrix val_x = Matrix::Zero(2, 3), val_y = Matrix::Constant(1, 3, -1);
  expect_error<DataError>(
      [&] { model.fit(Matrix::Zero(2, 4), good, {.validation_x = &val_x, .validation_y = &val_y}); },
      "validation data: the bce loss needs targets in [0, 1]");
  EXPECT_NO_THROW(model.fit(Matrix::Zero(2, 4), good));
}

// predict checks each batch as it reaches it: the error still names the sample in x, and a
// non-finite value in the last batch is caught as surely as one in the first.
TEST(BadInput, NonFiniteDataInALaterPredictBatch) {
  auto model = small_model();
  Matrix x = Matrix::Ones(3, 10);
  x(2, 7) = -std::numeric_limits<float>::infinity();
  expect_error<DataError>([&] { model.predict(x, 3); }, "prediction data: x has Inf at sample 7, row 2");
  x(2, 7) = 1;
  x(0, 9) = std::numeric_limits<float>::quiet_NaN();
  expect_error<DataError>([&] { model.predict(x, 4); }, "NaN at sample 9, row 0");
  expect_error<DataError>([&] { model.predict_classes(x); }, "NaN at sample 9, row 0");
  expect_error<DataError>([&] { model.evaluate(x, Matrix::Zero(2, 10)); }, "NaN at sample 9, row 0");
}

TEST(BadInput, InvalidHyperparameters) {
  auto model = small_model();
  const Matrix x = Matrix::Zero(3, 5), y = Matrix::Zero(2, 5);
  expect_error<InvalidArgument>([&] { model.fit(x, y, {.batch_size = -1}); },
                                "batch_size must be >= 1 (or 0 for the default), got -1");
  expect_error<InvalidArgument>([&] { model.fit(x, y, {.epochs = 0}); }, "epochs must be >= 1");
  expect_error<InvalidArgument>([&] { model.fit(x, y, {.validation_split = 1.0}); }, "validation_split");
  expect_error<InvalidArgument>([&] { SGD({.learning_rate = 0}); }, "learning_rate");
  expect_error<InvalidArgument>([&] { SGD({.learning_rate = -0.1f}); }, "learning_rate");
  expect_error<InvalidArgument>([&] { Dropout(1.0f); }, "rate must be in [0, 1), got 1");
  expect_error<InvalidArgument>([&] { Dense(0); }, "units must be > 0, got 0");
  expect_error<InvalidArgument>([&] { Activation("relux"); }, "unknown activation \"relux\"");
  expect_error<InvalidArgument>([&] { Loss("crossentropy"); }, "unknown loss");
  expect_error<InvalidArgument>([&] { Initializer("uniform(-1)"); }, "must be > 0");
  expect_error<InvalidArgument>([&] { Sequential(0); }, "input_dim must be > 0");
}

TEST(BadInput, UseBeforeCompile) {
  Sequential model(3);
  model.add(Dense(2));
  expect_error<Error>([&] { model.fit(Matrix::Zero(3, 2), Matrix::Zero(2, 2)); }, "compile the model first");
  Sequential empty(3);
  expect_error<InvalidArgument>([&] { empty.compile({}); }, "no layers");
}
