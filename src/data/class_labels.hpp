// Class labels (text) to class indices and to target rows, shared by the CSV and image-list
// loaders: classes are discovered in the data and sorted, or given and then enforced.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fathom/data/dataset.hpp"

namespace fathom::data_detail {

class ClassLabels {
 public:
  // `given` empty: discover the classes; otherwise exactly these, in this order.
  explicit ClassLabels(std::vector<std::string> given);

  // The index of `label`: while discovering, new labels are added in first-seen order; with
  // given classes, -1 for a label outside them.
  std::int32_t find_or_add(std::string_view label);
  // Sorts discovered classes (numerically when `numeric` and every label is a number, else as
  // text) and returns, for each index find_or_add gave, the index in the final order. Given
  // classes keep their order.
  std::vector<std::int32_t> finish(bool numeric);

  const std::vector<std::string>& names() const { return names_; }
  bool given() const { return given_; }
  // "a, b, c" (the first 20), for messages.
  std::string list() const;

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::int32_t> index_;
  std::string scratch_;  // the lookup key, reused so known labels cost no allocation
  bool given_;
};

// Target rows from class indices (after `remap`): OneHot → classes × n, Binary → 1 × n with
// class 1 as the positive class. Values is not a class encoding and is rejected.
Matrix encode_classes(const std::vector<std::int32_t>& ids, const std::vector<std::int32_t>& remap,
                      Index classes, TargetEncoding encoding);

// Up to `limit` names joined with ", ", then "... (N more)".
std::string join_names(const std::vector<std::string>& names, std::size_t limit = 20);

}  // namespace fathom::data_detail
