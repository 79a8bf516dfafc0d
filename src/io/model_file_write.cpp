// Writing model files (docs/file_format.md): a 32-byte header, a JSON metadata block, raw
// little-endian float32 arrays (parameter arena, then optimizer state), and a CRC-32, written
// atomically. Reading them is model_file.cpp.
#include <cstdint>
#include <string>

#include "fathom/core/error.hpp"
#include "fathom/io/atomic_file.hpp"
#include "fathom/io/model_file.hpp"
#include "fathom/nn/normalization.hpp"
#include "model_file_format.hpp"

namespace fathom {
namespace {

using namespace model_file;  // NOLINT: the format's own vocabulary, used throughout

json array_entry(const std::string& name, std::size_t byte_offset, std::size_t count) {
  return {{"name", name}, {"byte_offset", byte_offset}, {"count", count}};
}

std::string serialize(const Sequential& model) {
  // state() is not const because training writes through its spans; here they are only read.
  auto& optimizer = const_cast<Optimizer&>(model.optimizer());
  const auto state = optimizer.state();
  const auto values = model.parameters().values();

  json meta;
  meta["input_dim"] = model.input_dim();
  json layers = json::array();
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& l = model.layer(i);
    layers.push_back({{"type", l.type()}, {"name", l.name()}, {"config", json::parse(l.config_json())}});
  }
  meta["layers"] = std::move(layers);
  meta["loss"] = model.loss().name();
  meta["metrics"] = model.metric_names();
  meta["optimizer"] = {{"name", optimizer.name()},
                       {"config", json::parse(optimizer.config_json())},
                       {"learning_rate", number(optimizer.learning_rate())},
                       {"iterations", optimizer.iterations()},
                       {"evaluations", optimizer.evaluations()}};
  // Numbers of state (lm's μ, lbfgs's ring of pairs); absent for the rules that have none.
  if (const auto scalars = optimizer.scalar_state(); !scalars.empty()) {
    json numbers = json::object();
    for (const auto& [name, value] : scalars) numbers[name] = number(*value);
    meta["optimizer"]["state"] = std::move(numbers);
  }

  const ModelInfo& info = model.info;
  meta["info"] = {{"task", info.task},
                  {"class_names", info.class_names},
                  {"feature_names", info.feature_names},
                  {"targets_range", {number(info.targets_low), number(info.targets_high)}},
                  {"target_names", info.target_names}};
  if (info.target_scaling.enabled()) {  // absent: targets as given (and in files before it existed)
    meta["info"]["target_scaling"] = {{"method", info.target_scaling.method},
                                      {"mean", vector_json(info.target_scaling.mean)},
                                      {"sd", vector_json(info.target_scaling.sd)}};
  }
  if (!info.label_regex.empty()) meta["info"]["label_regex"] = info.label_regex;
  // Optional keys, absent in older files and for data that are not images / runs not stopped early.
  if (info.image_height > 0 && info.image_width > 0)
    meta["info"]["image_size"] = {info.image_height, info.image_width};
  if (info.stopped_epoch >= 0) meta["info"]["stopped_epoch"] = info.stopped_epoch;
  if (info.restored_epoch >= 0) meta["info"]["restored_epoch"] = info.restored_epoch;

  json hist_values = json::object();
  for (const auto& [key, series] : model.history.values) {
    json a = json::array();
    for (const double v : series) a.push_back(number(v));
    hist_values[key] = std::move(a);
  }
  meta["history"] = {{"epochs", model.history.epochs}, {"values", std::move(hist_values)}};

  const Rng::State rs = model.rng().state();
  meta["rng"] = {{"s", {hex64(rs.s[0]), hex64(rs.s[1]), hex64(rs.s[2]), hex64(rs.s[3])}},
                 {"spare", number(rs.spare)},
                 {"has_spare", rs.has_spare}};

  json tensors = json::array();
  for (const auto& e : model.parameters().entries())
    tensors.push_back(
        {{"name", e.name}, {"rows", e.ref.rows}, {"cols", e.ref.cols}, {"offset", e.ref.offset}});
  meta["tensors"] = std::move(tensors);

  json arrays = json::array();
  std::size_t floats = values.size();
  arrays.push_back(array_entry("parameters", 0, values.size()));
  for (const auto& [name, span] : state) {
    arrays.push_back(array_entry("optimizer/" + name, floats * 4, span.size()));
    floats += span.size();
  }
  meta["arrays"] = std::move(arrays);

  std::string text = meta.dump(1);
  // Spaces (valid trailing JSON whitespace) align the float data to 8 bytes for mmap readers.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::string out;
  out.reserve(kHeaderBytes + text.size() + floats * 4 + kChecksumBytes);
  out.append(kMagic, sizeof kMagic);
  put_le<std::uint32_t>(out, kFormatVersion);
  put_le<std::uint32_t>(out, 0);  // flags: none defined in version 1
  put_le<std::uint64_t>(out, text.size());
  put_le<std::uint64_t>(out, floats * 4);
  out += text;
  put_floats(out, values);
  for (const auto& [name, span] : state) put_floats(out, span);
  put_le<std::uint32_t>(out, crc32(out));
  return out;
}

// Every load error names the file first.

// The file's bytes, refusing a model that cannot be saved; `name` (the path) leads the message.
std::string checked_bytes(const Sequential& model, const std::string& name) {
  if (!model.compiled())
    throw Error(name + ": cannot save a model that is not compiled (call compile() first)");
  const auto& entries = model.parameters().entries();
  for (const auto& entry : entries) {
    const ConstMatrixView w = model.parameters().value(entry.ref);
    if (!w.allFinite()) {
      throw DivergedError(name + ": not saved: parameter " + entry.name +
                          " holds NaN or Inf (training diverged); the existing file is unchanged");
    }
  }
  return serialize(model);
}

}  // namespace

void save_model(const Sequential& model, const std::string& path, const WriteOptions& options) {
  write_file_atomic(path, checked_bytes(model, path), options);
}

std::string model_bytes(const Sequential& model) { return checked_bytes(model, "model"); }

}  // namespace fathom
