// Model files written by format version 1 (input scaling kept in info.scaling) still load: the
// scaling becomes the model's Normalization layer and the network predicts as it did.
// tests/data/iris_v1.fathom was written by fathom's version-1 writer (`fathom train --data
// data/iris.csv --target species --layers 6:tanh,3:softmax --epochs 30 --lr 0.05 --seed 3`,
// standard scaling by default) and tests/data/iris_v1_predictions.csv by that fathom's
// `predict --proba` on the Iris features.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fathom/fathom.hpp"

using namespace fathom;

namespace {

const std::string kDir = std::string(FATHOM_SOURCE_DIR) + "/tests/data/";

// The numeric fields of every data row of a CSV file with a header, from column `first` on.
std::vector<std::vector<double>> numeric_rows(const std::string& path, std::size_t first, std::size_t count) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string field;
    std::vector<double> row;
    for (std::size_t i = 0; std::getline(fields, field, ','); ++i) {
      if (i >= first && i < first + count) row.push_back(std::stod(field));
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST(ModelFileVersion1, ScalingLoadsAsANormalizationLayerAndPredictsAsBefore) {
  const std::string path = kDir + "iris_v1.fathom";
  const std::string bytes = read_file(path);
  ASSERT_GE(bytes.size(), 12u);
  ASSERT_EQ(static_cast<unsigned char>(bytes[8]), 1u) << "the committed file must stay a version-1 file";

  const Sequential model = load_model(path);
  ASSERT_EQ(model.layer_count(), 3u);  // normalization_1, dense_1, dense_2
  const auto* norm = dynamic_cast<const Normalization*>(&model.layer(0));
  ASSERT_NE(norm, nullptr) << "layer 0 is " << model.layer(0).type();
  EXPECT_EQ(norm->name(), "normalization_1");
  EXPECT_EQ(norm->scaling().method, "standard");
  EXPECT_EQ(model.info.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));

  const auto features = numeric_rows(std::string(FATHOM_SOURCE_DIR) + "/data/iris.csv", 0, 4);
  const auto expected = numeric_rows(kDir + "iris_v1_predictions.csv", 1, 3);  // p_setosa, ...
  ASSERT_EQ(features.size(), 150u);
  ASSERT_EQ(expected.size(), 150u);
  Matrix x(4, 150);
  for (Index j = 0; j < 150; ++j)
    for (Index i = 0; i < 4; ++i) x(i, j) = static_cast<Scalar>(features[std::size_t(j)][std::size_t(i)]);
  Sequential runnable = model;
  const Matrix p = runnable.predict(x);
  for (Index j = 0; j < 150; ++j) {
    for (Index k = 0; k < 3; ++k) {
      const double want = expected[std::size_t(j)][std::size_t(k)];
      EXPECT_NEAR(p(k, j), want, 1e-6 + 1e-5 * want) << "sample " << j << ", class " << k;
    }
  }
}
