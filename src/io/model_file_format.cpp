// The model file's byte-level encodings: CRC-32, float32 arrays, numbers and words in JSON.
#include "model_file_format.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace fathom::model_file {

std::uint32_t crc32(std::string_view bytes) {
  static constexpr auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (const char ch : bytes) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void put_floats(std::string& out, std::span<const Scalar> xs) {
  static_assert(sizeof(Scalar) == 4 && std::numeric_limits<Scalar>::is_iec559);
  if constexpr (std::endian::native == std::endian::little) {
    out.append(reinterpret_cast<const char*>(xs.data()), xs.size() * 4);
  } else {
    for (const Scalar x : xs) put_le(out, std::bit_cast<std::uint32_t>(x));
  }
}
void get_floats(std::string_view in, std::size_t at, std::span<Scalar> xs) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(xs.data(), in.data() + at, xs.size() * 4);
  } else {
    for (std::size_t i = 0; i < xs.size(); ++i)
      xs[i] = std::bit_cast<Scalar>(get_le<std::uint32_t>(in, at + 4 * i));
  }
}

json number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}
double number(const json& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    throw BadMetadata("expected a number, found \"" + s + "\"");
  }
  return j.get<double>();
}
json vector_json(const Vector& v) {
  json a = json::array();
  for (Index i = 0; i < v.size(); ++i) a.push_back(number(v[i]));
  return a;
}
Vector vector_from(const json& a) {
  Vector v(static_cast<Index>(a.size()));
  for (std::size_t i = 0; i < a.size(); ++i) v[static_cast<Index>(i)] = static_cast<Scalar>(number(a.at(i)));
  return v;
}
std::string hex64(std::uint64_t x) {
  char buf[19];
  std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(x));
  return buf;
}
std::uint64_t from_hex64(const json& j) {
  const auto& s = j.get_ref<const std::string&>();
  std::uint64_t x = 0;
  std::size_t used = 0;
  try {
    x = std::stoull(s, &used, 16);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size()) throw BadMetadata("expected a hexadecimal number, found \"" + s + "\"");
  return x;
}

}  // namespace fathom::model_file
