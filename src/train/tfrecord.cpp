#include "tfrecord.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include "../core/crc32c.hpp"
#include "fathom/core/error.hpp"

namespace fathom::detail {
namespace {

template <std::size_t N>
std::array<char, N> little_endian(std::uint64_t value) {
  std::array<char, N> bytes{};
  for (std::size_t i = 0; i < N; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xFFu);
  return bytes;
}

// The 12 bytes before the data and the 4 after it.
struct Frame {
  std::array<char, 12> head{};
  std::array<char, 4> tail{};
};

Frame frame_of(std::string_view data) {
  Frame f;
  const auto length = little_endian<8>(data.size());
  const auto length_crc = little_endian<4>(masked_crc32c(std::string_view(length.data(), length.size())));
  std::memcpy(f.head.data(), length.data(), 8);
  std::memcpy(f.head.data() + 8, length_crc.data(), 4);
  f.tail = little_endian<4>(masked_crc32c(data));
  return f;
}

}  // namespace

std::uint32_t masked_crc32c(std::string_view bytes) {
  const std::uint32_t crc = crc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

std::string tfrecord_frame(std::string_view data) {
  const Frame f = frame_of(data);
  std::string out(f.head.data(), f.head.size());
  out.append(data);
  out.append(f.tail.data(), f.tail.size());
  return out;
}

RecordWriter::RecordWriter(std::filesystem::path path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "wb");
  if (file_ == nullptr) fail("cannot create");
}

RecordWriter::~RecordWriter() {
  if (file_ != nullptr) std::fclose(file_);  // errors were reported by the last flush()
}

void RecordWriter::write(std::string_view data) {
  const Frame f = frame_of(data);
  if (std::fwrite(f.head.data(), 1, f.head.size(), file_) != f.head.size() ||
      std::fwrite(data.data(), 1, data.size(), file_) != data.size() ||
      std::fwrite(f.tail.data(), 1, f.tail.size(), file_) != f.tail.size()) {
    fail("cannot write");
  }
}

void RecordWriter::flush() {
  if (std::fflush(file_) != 0) fail("cannot write");
}

void RecordWriter::fail(const char* what) const {
  // A short fwrite need not set errno: then say so rather than print a stale one.
  throw FileError(std::string(what) + " " + path_.string() + ": " +
                  (errno != 0 ? std::strerror(errno) : "the write stopped short"));
}

}  // namespace fathom::detail
