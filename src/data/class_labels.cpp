// Class labels to indices and one-hot / binary target rows (see class_labels.hpp).
#include "class_labels.hpp"

#include <algorithm>
#include <charconv>
#include <numeric>
#include <utility>

#include "fathom/core/error.hpp"

namespace fathom::data_detail {

ClassLabels::ClassLabels(std::vector<std::string> given) : names_(std::move(given)), given_(!names_.empty()) {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (!index_.emplace(names_[i], std::int32_t(i)).second)
      throw InvalidArgument("class \"" + names_[i] + "\" is listed twice in the class names");
  }
}

std::int32_t ClassLabels::find_or_add(std::string_view label) {
  scratch_.assign(label);
  const auto it = index_.find(scratch_);
  if (it != index_.end()) return it->second;
  if (given_) return -1;
  const auto id = std::int32_t(names_.size());
  names_.push_back(scratch_);
  index_.emplace(scratch_, id);
  return id;
}

std::vector<std::int32_t> ClassLabels::finish(bool numeric) {
  std::vector<std::int32_t> order(names_.size());
  std::iota(order.begin(), order.end(), 0);
  if (!given_) {
    std::vector<double> values(names_.size());
    bool all_numbers = numeric;
    for (std::size_t i = 0; all_numbers && i < names_.size(); ++i) {
      const std::string& s = names_[i];
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), values[i]);
      all_numbers = ec == std::errc() && end == s.data() + s.size();
    }
    // Ties in value ("1" and "1.0") fall back to the text so the order never depends on the file.
    std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
      if (all_numbers && values[a] != values[b]) return values[a] < values[b];
      return names_[a] < names_[b];
    });
  }
  std::vector<std::int32_t> remap(names_.size());
  std::vector<std::string> sorted(names_.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    remap[order[i]] = std::int32_t(i);
    sorted[i] = names_[order[i]];
  }
  names_ = std::move(sorted);
  index_.clear();
  for (std::size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], std::int32_t(i));
  return remap;
}

std::string ClassLabels::list() const { return join_names(names_); }

Matrix encode_classes(const std::vector<std::int32_t>& ids, const std::vector<std::int32_t>& remap,
                      Index classes, TargetEncoding encoding) {
  const Index n = Index(ids.size());
  if (encoding == TargetEncoding::OneHot) {
    Matrix y = Matrix::Zero(classes, n);
    for (Index j = 0; j < n; ++j) y(remap[ids[j]], j) = 1.0f;
    return y;
  }
  if (encoding == TargetEncoding::Binary) {
    Matrix y(1, n);
    for (Index j = 0; j < n; ++j) y(0, j) = remap[ids[j]] == 1 ? 1.0f : 0.0f;
    return y;
  }
  throw InvalidArgument("class labels need one-hot or binary target encoding");
}

std::string join_names(const std::vector<std::string>& names, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  if (names.size() > limit) out += ", ... (" + std::to_string(names.size() - limit) + " more)";
  return out;
}

}  // namespace fathom::data_detail
