// Internal to the model file code: the format's constants and its byte-level encodings
// (little-endian integers, raw float32 arrays, CRC-32, numbers in JSON). See docs/file_format.md.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "fathom/core/matrix.hpp"

namespace fathom::model_file {

// Insertion-ordered, so the metadata reads top-down (input_dim and layers first).
using json = nlohmann::ordered_json;

// A metadata value of the right JSON type but an impossible content.
struct BadMetadata : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline constexpr char kMagic[8] = {'F', 'A', 'T', 'H', 'O', 'M', '\0', '\x1a'};
// 1: input scaling in info.scaling; 2: input scaling as a normalization layer (version-1 files
// still load: their scaling becomes that layer).
inline constexpr std::uint32_t kFormatVersion = 2;
inline constexpr std::size_t kHeaderBytes = 32;
inline constexpr std::size_t kChecksumBytes = 4;

// CRC-32 as in zlib, PNG and Python's zlib.crc32 (reflected polynomial 0xEDB88320), so any
// reader can verify a file with a standard library.
std::uint32_t crc32(std::string_view bytes);

// Fixed-width little-endian integers, byte by byte so the file is the same on any host.
template <class U>
void put_le(std::string& out, U v) {
  for (std::size_t i = 0; i < sizeof(U); ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFFu));
}
template <class U>
U get_le(std::string_view in, std::size_t at) {
  U v = 0;
  for (std::size_t i = 0; i < sizeof(U); ++i)
    v |= static_cast<U>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

// float32 arrays as their raw bits: the only way a round trip is bit-exact (NaN payloads too).
void put_floats(std::string& out, std::span<const Scalar> xs);
// Reads xs.size() floats starting at byte `at` of in (the caller checks the bounds).
void get_floats(std::string_view in, std::size_t at, std::span<Scalar> xs);

// JSON has no NaN or infinity; those are written as the strings "nan", "inf", "-inf". Finite
// numbers are written by nlohmann::json with round-trip precision, so doubles (and floats,
// widened exactly to double) come back bit for bit. Readers throw BadMetadata on other strings.
json number(double x);
double number(const json& j);
json vector_json(const Vector& v);
Vector vector_from(const json& a);
// 64-bit words as "0x" + 16 hex digits: exact in every JSON reader, unlike large numbers.
std::string hex64(std::uint64_t x);
std::uint64_t from_hex64(const json& j);

}  // namespace fathom::model_file
