// History: every metric per epoch, as Keras's fit() returns it.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fathom {

// One epoch's results: "loss", metric names, and "val_" + each of those; also "lr".
using Logs = std::map<std::string, double>;

struct History {
  std::map<std::string, std::vector<double>> values;
  std::vector<int> epochs;  // 0-based epoch numbers recorded

  void append(int epoch, const Logs& logs) {
    epochs.push_back(epoch);
    for (const auto& [key, v] : logs) values[key].push_back(v);
  }
  const std::vector<double>& operator[](const std::string& key) const { return values.at(key); }
  bool has(const std::string& key) const { return values.count(key) != 0; }
  std::size_t size() const { return epochs.size(); }
};

}  // namespace fathom
