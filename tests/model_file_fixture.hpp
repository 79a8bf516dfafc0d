// Shared by the model file tests: a trained model and its data, the byte-level helpers that read
// and patch a saved file, and a fixture with a scratch folder.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "fathom/core/error.hpp"
#include "fathom/io/atomic_file.hpp"
#include "fathom/io/model_file.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/nn/dropout.hpp"
#include "fathom/nn/normalization.hpp"
#include "fathom/optim/adaptive.hpp"
#include "fathom/optim/sgd.hpp"
#include "fathom/train/sequential.hpp"
#include "fathom/train/summary.hpp"
#include "scratch_dir.hpp"

namespace fathom_model_file_test {

namespace fs = std::filesystem;
using fathom::Dense;
using fathom::Dropout;
using fathom::FileError;
using fathom::Index;
using fathom::Matrix;
using fathom::Scalar;
using fathom::Sequential;
using json = nlohmann::json;

// CRC-32 (zlib), written bit by bit here so the test does not share the library's table code.
inline std::uint32_t reference_crc32(std::string_view bytes) {
  std::uint32_t c = 0xFFFFFFFFu;
  for (const char ch : bytes) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}
inline std::uint32_t get_u32(std::string_view b, std::size_t at) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}
inline std::uint64_t get_u64(std::string_view b, std::size_t at) {
  return get_u32(b, at) | (static_cast<std::uint64_t>(get_u32(b, at + 4)) << 32);
}
inline void set_u32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<char>(v >> (8 * i));
}
inline void set_u64(std::string& b, std::size_t at, std::uint64_t v) {
  set_u32(b, at, static_cast<std::uint32_t>(v));
  set_u32(b, at + 4, static_cast<std::uint32_t>(v >> 32));
}
inline void fix_checksum(std::string& b) {
  set_u32(b, b.size() - 4, reference_crc32(std::string_view(b).substr(0, b.size() - 4)));
}

// Replaces the metadata JSON with edit(metadata), keeping the file otherwise valid (lengths,
// padding and checksum), so the loader's semantic checks are what fire.
inline std::string with_metadata(const std::string& file, const std::function<void(json&)>& edit) {
  const std::uint64_t json_bytes = get_u64(file, 16);
  json meta = json::parse(file.substr(32, json_bytes));
  edit(meta);
  std::string text = meta.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  std::string out = file.substr(0, 32) + text + file.substr(32 + json_bytes);
  set_u64(out, 16, text.size());
  fix_checksum(out);
  return out;
}

inline bool same_bits(std::span<const Scalar> a, std::span<const Scalar> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(Scalar)) == 0;
}
inline bool same_bits(const fathom::Vector& a, const fathom::Vector& b) {
  return same_bits(std::span<const Scalar>(a.data(), static_cast<std::size_t>(a.size())),
                   std::span<const Scalar>(b.data(), static_cast<std::size_t>(b.size())));
}

struct Data {
  Matrix x, y;
};
inline Data make_data() {
  fathom::Rng rng(99);
  Data d{Matrix(4, 40), Matrix::Zero(3, 40)};
  for (Index j = 0; j < d.x.cols(); ++j) {
    for (Index i = 0; i < d.x.rows(); ++i) d.x(i, j) = static_cast<Scalar>(rng.uniform(-2, 3));
    d.y(static_cast<Index>(rng.below(3)), j) = 1;
  }
  return d;
}

// 4 inputs → input scaling (a Normalization layer fitted on the data) → 8 relu → dropout →
// 3 softmax, trained with Adam, so every part of the file (optimizer moments, rng state
// consumed by dropout and shuffling, history, a layer config with vectors) is non-trivial.
inline Sequential make_model() {
  Sequential m(4, 1234);
  m.add(fathom::Normalization::adapt(make_data().x, "standard"));
  m.add(Dense(8, "relu"));
  m.add(Dropout(0.25f));
  m.add(Dense(3, "softmax"));
  m.compile({.loss = "cce", .optimizer = fathom::Adam({.learning_rate = 0.01f}), .metrics = {"accuracy"}});
  return m;
}

// Each test saves and loads in its own scratch folder.
class ModelFileTest : public ::testing::Test {
 protected:
  std::string file(const std::string& name) const { return dir_.file(name); }

  // A trained model saved to disk; returns the file's bytes.
  std::string saved_model(const std::string& path) {
    Sequential m = make_model();
    const Data d = make_data();
    m.info.class_names = {"setosa", "versicolor", "virginica"};
    m.info.task = "classify";
    m.fit(d.x, d.y, {.epochs = 2, .batch_size = 8});
    fathom::save_model(m, path);
    return fathom::read_file(path);
  }
  // The FileError message of load_model(path), checked to start with the path.
  static std::string load_error(const std::string& path) {
    try {
      fathom::load_model(path);
    } catch (const FileError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << "message does not start with the path: " << msg;
      return msg;
    }
    ADD_FAILURE() << path << ": loaded without error";
    return "";
  }
  std::string load_error_of(const std::string& bytes) {
    const std::string path = file("damaged.fathom");
    fathom::write_file_atomic(path, bytes);
    return load_error(path);
  }

  fathom::testing::ScratchDir dir_;
};

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "in: " << (haystack)

}  // namespace fathom_model_file_test
