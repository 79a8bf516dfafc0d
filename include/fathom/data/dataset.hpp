// A loaded data set: inputs and targets as matrices in fathom's convention (columns are
// samples), with the names needed to print results back in the user's terms.
#pragma once

#include <string>
#include <vector>

#include "fathom/core/matrix.hpp"

namespace fathom {

// How a target column becomes rows of y.
enum class TargetEncoding {
  Values,  // numeric columns used as they are (regression; multi-label 0/1 columns)
  OneHot,  // one column of class labels → one row per class (softmax outputs)
  Binary,  // one column with two classes → one 0/1 row (one sigmoid output); class 1 is positive
};

struct Dataset {
  Matrix x;  // features × samples
  Matrix y;  // target rows × samples (0 rows when the file had no target columns)
  std::vector<std::string> feature_names;
  std::vector<std::string> target_names;  // the target columns as named in the file
  std::vector<std::string> class_names;   // OneHot/Binary: the label of each class, in class order
  std::string source;                     // file name, for messages
  // Images (IDX, PGM): each column is an image_height × image_width picture, row by row; 0 otherwise.
  Index image_height = 0, image_width = 0;

  Index samples() const { return x.cols(); }
  Index features() const { return x.rows(); }
};

}  // namespace fathom
