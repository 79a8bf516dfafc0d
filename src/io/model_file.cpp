// Reading model files (docs/file_format.md): the envelope checked, then the metadata, arrays
// and state restored; every size the file claims is checked against its bytes first.
// Writing them is model_file_write.cpp.
#include "fathom/io/model_file.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

#include "fathom/core/error.hpp"
#include "fathom/io/atomic_file.hpp"
#include "fathom/nn/normalization.hpp"
#include "model_file_format.hpp"

namespace fathom {
namespace {

using namespace model_file;  // NOLINT: the format's own vocabulary, used throughout

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw FileError(path + ": " + what);
}

// The file size the header declares: header, JSON, data and checksum. Saturating, so absurd
// lengths from a damaged header cannot wrap around.
std::uint64_t declared_size(std::string_view header) {
  const std::uint64_t cap = std::numeric_limits<std::uint64_t>::max() / 4;
  return kHeaderBytes + kChecksumBytes + std::min(get_le<std::uint64_t>(header, 16), cap) +
         std::min(get_le<std::uint64_t>(header, 24), cap);
}

// The file's bytes, never more than its header declares (plus one, to tell a longer file):
// /dev/zero or a pipe can be endless, and what is read is held in memory. A file that does not
// start with the magic gets no further than its header.
std::string read_model_bytes(const std::string& path) {
  InputFile in(path);
  std::string bytes;
  in.read(bytes, kHeaderBytes);
  if (bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return bytes;
  in.read(bytes, static_cast<std::size_t>(declared_size(bytes) + 1 - kHeaderBytes));
  return bytes;
}

// Header checks, in an order that gives the most useful message: the magic says whether this
// is a fathom file at all, the version whether its layout (checksum included) is one we know,
// and the checksum whether any length in it can be trusted.
void check_envelope(const std::string& path, std::string_view bytes, std::uint64_t& json_bytes,
                    std::uint64_t& data_bytes) {
  const std::size_t size = bytes.size();
  const std::size_t minimum = kHeaderBytes + kChecksumBytes;
  if (size == 0) bad(path, "empty file (0 bytes), not a fathom model file");
  const std::size_t head = std::min(size, sizeof kMagic);
  if (std::memcmp(bytes.data(), kMagic, head) != 0) bad(path, "not a fathom model file (bad magic)");
  auto truncated = [&](std::uint64_t expected) {
    bad(path,
        "truncated: expected " + std::to_string(expected) + " bytes, the file has " + std::to_string(size));
  };
  if (size < kHeaderBytes)
    bad(path, "truncated: expected at least " + std::to_string(minimum) + " bytes, the file has " +
                  std::to_string(size));

  const auto version = get_le<std::uint32_t>(bytes, 8);
  if (version > kFormatVersion)
    bad(path, "format version " + std::to_string(version) + " is newer than this fathom supports (" +
                  std::to_string(kFormatVersion) + ")");
  if (version == 0) bad(path, "invalid format version 0");

  json_bytes = get_le<std::uint64_t>(bytes, 16);
  data_bytes = get_le<std::uint64_t>(bytes, 24);
  const std::uint64_t declared = declared_size(bytes);

  if (size < minimum) truncated(declared);
  const auto stored = get_le<std::uint32_t>(bytes, size - kChecksumBytes);
  if (crc32(bytes.substr(0, size - kChecksumBytes)) != stored) {
    // A file cut short fails the checksum too; its intact header says by how much.
    if (declared > size) truncated(declared);
    bad(path, "checksum mismatch (file corrupted)");
  }
  if (declared != size)
    bad(path, "the header declares " + std::to_string(declared) + " bytes but the file has " +
                  std::to_string(size));
}

// Version 1 kept input scaling in info.scaling, applied outside the network; from version 2 it
// is a Normalization layer, the model's first. A version-1 file's scaling becomes that layer.
void upgrade_from_version_1(json& meta) {
  json& info = meta.at("info");
  if (!info.contains("scaling")) return;
  const json& scaling = info.at("scaling");
  const auto method = scaling.at("method").get<std::string>();
  if (method != "none") {
    const Normalization layer(InputScaling{.method = method,
                                           .offset = vector_from(scaling.at("offset")),
                                           .scale = vector_from(scaling.at("scale"))});
    json& layers = meta.at("layers");
    layers.insert(layers.begin(), json{{"type", layer.type()},
                                       {"name", "normalization_1"},
                                       {"config", json::parse(layer.config_json())}});
  }
  info.erase("scaling");
}

std::string shape(const std::string& name, Index rows, Index cols, std::size_t offset) {
  return "'" + name + "' " + std::to_string(rows) + "x" + std::to_string(cols) + " at " +
         std::to_string(offset);
}

// The architecture's parameter tensors against the tensor table and the floats the file holds,
// before compile allocates and initialises them: a damaged or crafted file whose layers claim
// 30000x30000 must be refused in microseconds, not after gigabytes are filled. Layers only
// declare their tensors here (Parameters::add allocates nothing); compile declares them again.
void check_architecture(const std::string& path, const json& meta, std::uint64_t data_floats,
                        Sequential& model) {
  // Widths beyond this cannot be real, and keep rows x cols far from overflowing.
  constexpr Index kMaxWidth = Index(1) << 31;
  Parameters declared;
  Index width = model.input_dim();
  if (width > kMaxWidth) bad(path, "input_dim " + std::to_string(width) + " is implausibly large");
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    Layer& layer = model.layer(i);
    auto bad_width = [&] {
      bad(path, "layer '" + layer.name() + "' has " + std::to_string(layer.output_dim()) + " outputs");
    };
    // A Dense layer knows its units before build (W is units x width), the others after it.
    if (layer.output_dim() > kMaxWidth) bad_width();
    layer.build(width, declared);
    width = layer.output_dim();
    if (width <= 0 || width > kMaxWidth) bad_width();
    if (declared.size() > data_floats)
      bad(path, "the architecture needs at least " + std::to_string(declared.size()) +
                    " parameters (up to layer '" + layer.name() + "') but the file holds " +
                    std::to_string(data_floats) + " float values");
  }

  // The arena rebuilt from the architecture must be laid out exactly as the saved one.
  const auto& entries = declared.entries();
  const json& tensors = meta.at("tensors");
  if (tensors.size() != entries.size())
    bad(path, "tensor table has " + std::to_string(tensors.size()) + " tensors, the architecture builds " +
                  std::to_string(entries.size()));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const json& t = tensors[i];
    const auto name = t.at("name").get<std::string>();
    const auto rows = t.at("rows").get<Index>(), cols = t.at("cols").get<Index>();
    const auto offset = t.at("offset").get<std::size_t>();
    const auto& e = entries[i];
    if (name != e.name || rows != e.ref.rows || cols != e.ref.cols || offset != e.ref.offset)
      bad(path, "tensor " + std::to_string(i) + " is " + shape(name, rows, cols, offset) +
                    " in the file but the architecture builds " +
                    shape(e.name, e.ref.rows, e.ref.cols, e.ref.offset));
  }
}

// Adds the saved layers to model, checks them against what the file holds, and compiles it.
void rebuild(const std::string& path, const json& meta, std::uint64_t data_floats, Sequential& model) {
  for (const auto& l : meta.at("layers")) {
    auto layer = make_layer(l.at("type").get<std::string>(), l.at("config").dump());
    const auto& name = l.at("name").get_ref<const std::string&>();
    if (!name.empty()) layer->set_name(name);
    model.add_layer(std::move(layer));
  }
  check_architecture(path, meta, data_floats, model);
  const json& opt = meta.at("optimizer");
  CompileOptions options{.loss = Loss(meta.at("loss").get<std::string>()),
                         .optimizer = OptimizerHandle(
                             make_optimizer(opt.at("name").get<std::string>(), opt.at("config").dump())),
                         .metrics = meta.at("metrics").get<std::vector<std::string>>()};
  model.compile(std::move(options));
}

// Copies each float array named in the metadata into the buffer it belongs to.
void restore_arrays(const std::string& path, const json& meta, std::string_view data, Sequential& model) {
  std::vector<std::pair<std::string, std::span<Scalar>>> targets;
  targets.emplace_back("parameters", model.parameters().values());
  for (auto& [name, span] : model.optimizer().state()) targets.emplace_back("optimizer/" + name, span);

  const json& arrays = meta.at("arrays");
  if (arrays.size() != targets.size())
    bad(path, "the file has " + std::to_string(arrays.size()) + " float arrays, the model needs " +
                  std::to_string(targets.size()) + " (parameters and the optimizer's state)");
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const auto& [name, span] = targets[i];
    const json& a = arrays[i];
    const auto file_name = a.at("name").get<std::string>();
    const auto offset = a.at("byte_offset").get<std::uint64_t>();
    const auto count = a.at("count").get<std::uint64_t>();
    if (file_name != name || count != span.size())
      bad(path, "float array " + std::to_string(i) + " is '" + file_name + "' of " + std::to_string(count) +
                    " values, the model needs '" + name + "' of " + std::to_string(span.size()));
    if (offset % 4 != 0 || offset > data.size() || count > (data.size() - offset) / 4)
      bad(path, "float array '" + name + "' lies outside the data section");
    get_floats(data, offset, span);
  }
}

void restore_state(const json& meta, Sequential& model) {
  const json& opt = meta.at("optimizer");
  // (Written for every rule; rprop and lm have none to set.)
  if (model.optimizer().has_learning_rate())
    model.optimizer().set_learning_rate(static_cast<Scalar>(number(opt.at("learning_rate"))));
  model.optimizer().set_iterations(opt.at("iterations").get<std::int64_t>());
  model.optimizer().set_evaluations(
      opt.value("evaluations", std::int64_t{0}));  // absent in files written before it was kept
  for (auto& [name, value] : model.optimizer().scalar_state()) {
    const json* state = opt.contains("state") ? &opt.at("state") : nullptr;
    if (state == nullptr || !state->contains(name))
      throw BadMetadata("optimizer.state." + name + " is missing (the " + model.optimizer().name() +
                        " optimizer's state)");
    *value = number(state->at(name));
  }
  model.optimizer().check_state();

  const json& info = meta.at("info");
  model.info.task = info.at("task").get<std::string>();
  model.info.class_names = info.at("class_names").get<std::vector<std::string>>();
  model.info.feature_names = info.value("feature_names", std::vector<std::string>{});
  model.info.target_names = info.value("target_names", std::vector<std::string>{});
  model.info.label_regex = info.value("label_regex", std::string{});
  if (info.contains("targets_range")) {
    const json& range = info.at("targets_range");
    model.info.targets_low = static_cast<Scalar>(number(range.at(0)));
    model.info.targets_high = static_cast<Scalar>(number(range.at(1)));
  }
  model.info.image_height = model.info.image_width = 0;
  if (info.contains("image_size")) {
    const json& size = info.at("image_size");
    const auto height = size.at(0).get<Index>(), width = size.at(1).get<Index>();
    const Index inputs = model.input_dim();
    if (height <= 0 || width <= 0 || height > inputs || width > inputs || height * width != inputs)
      throw BadMetadata("info.image_size is " + std::to_string(height) + "x" + std::to_string(width) +
                        ", expected height x width = the model's " + std::to_string(inputs) + " inputs");
    model.info.image_height = height;
    model.info.image_width = width;
  }
  model.info.target_scaling = TargetScaling{};
  if (info.contains("target_scaling")) {
    const json& ts = info.at("target_scaling");
    model.info.target_scaling =
        TargetScaling::stored(ts.at("method").get<std::string>(), vector_from(ts.at("mean")),
                              vector_from(ts.at("sd")), model.output_dim());
  }

  const json& hist = meta.at("history");
  model.history = History{};
  model.history.epochs = hist.at("epochs").get<std::vector<int>>();
  for (const auto& [key, series] : hist.at("values").items()) {
    auto& out = model.history.values[key];
    for (const auto& v : series) out.push_back(number(v));
  }

  // (after the history) An epoch of the run the history holds, or absent (−1).
  const auto epoch_key = [&](const char* key) {
    if (!info.contains(key)) return -1;
    const json& v = info.at(key);
    const int last = model.history.epochs.empty() ? -1 : model.history.epochs.back();
    if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > last)
      throw BadMetadata(std::string("info.") + key + " is " + v.dump() +
                        ", expected an epoch of the recorded history (0 to " + std::to_string(last) + ")");
    return v.get<int>();
  };
  model.info.stopped_epoch = epoch_key("stopped_epoch");
  model.info.restored_epoch = epoch_key("restored_epoch");

  const json& rng = meta.at("rng");
  Rng::State rs{};
  for (int i = 0; i < 4; ++i) rs.s[i] = from_hex64(rng.at("s").at(i));
  rs.spare = number(rng.at("spare"));
  rs.has_spare = rng.at("has_spare").get<bool>();
  model.rng().set_state(rs);
}

// Runs f, reporting whatever it throws as a FileError about the file at path.
template <class F>
void with_file_errors(const std::string& path, F&& f) {
  try {
    f();
  } catch (const FileError&) {
    throw;
  } catch (const json::exception& e) {
    bad(path, std::string("invalid metadata: ") + e.what());
  } catch (const BadMetadata& e) {
    bad(path, std::string("invalid metadata: ") + e.what());
  } catch (const std::exception& e) {
    // make_layer, make_optimizer, Loss and compile reject what they cannot rebuild.
    bad(path, std::string("cannot rebuild the model: ") + e.what());
  }
}

}  // namespace

Sequential load_model(const std::string& path) { return model_from_bytes(read_model_bytes(path), path); }

Sequential model_from_bytes(std::string_view all, const std::string& path) {
  std::uint64_t json_bytes = 0, data_bytes = 0;
  check_envelope(path, all, json_bytes, data_bytes);
  const std::string_view text = all.substr(kHeaderBytes, json_bytes);
  const std::string_view data = all.substr(kHeaderBytes + json_bytes, data_bytes);

  json meta;
  try {
    meta = json::parse(text);
  } catch (const json::exception& e) {
    bad(path, std::string("malformed metadata JSON: ") + e.what());
  }
  Index input_dim = 0;
  with_file_errors(path, [&] { input_dim = meta.at("input_dim").get<Index>(); });
  if (input_dim <= 0) bad(path, "invalid metadata: input_dim is " + std::to_string(input_dim));
  // One model, built in place and returned by name: its optimizer points into its parameter
  // arena, so it is never moved once compiled.
  Sequential model(input_dim);
  with_file_errors(path, [&] {
    if (get_le<std::uint32_t>(all, 8) == 1) upgrade_from_version_1(meta);
    rebuild(path, meta, data.size() / 4, model);
    restore_arrays(path, meta, data, model);
    restore_state(meta, model);
  });
  return model;
}

}  // namespace fathom
