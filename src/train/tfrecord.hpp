// Internal: TFRecord files, the framing of TensorBoard's event files (docs/tensorboard.md).
// Each record is
//   uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes |
//   data (length bytes)           | uint32 masked CRC-32C of the data
// so a reader can tell a complete record from one cut short by a killed writer.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>

namespace fathom::detail {

// TFRecord's masked CRC: ((crc >> 15) | (crc << 17)) + 0xa282ead8, so that the CRC of data
// that itself holds CRCs is not trivially related to them.
std::uint32_t masked_crc32c(std::string_view bytes);

// The bytes of one framed record.
std::string tfrecord_frame(std::string_view data);

// Appends framed records to a new file. Writes go through stdio's buffer; flush() hands them
// to the operating system (enough for a reader on the same machine, such as TensorBoard
// watching the folder; no fsync: a crash of the machine may lose the last records, a killed
// process does not).
class RecordWriter {
 public:
  // Creates (or empties) the file; FileError naming the path if it cannot.
  explicit RecordWriter(std::filesystem::path path);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // FileError naming the path when the bytes cannot be written (a full disk).
  void write(std::string_view data);
  void flush();
  const std::filesystem::path& path() const { return path_; }

 private:
  [[noreturn]] void fail(const char* what) const;
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

}  // namespace fathom::detail
