// Byte-level CSV scanning shared by read_csv: a chunked reader that can be rewound for a second
// pass, record boundaries (RFC 4180 quotes may hold newlines), and splitting a record into fields.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace fathom::csv_detail {

// The text of a file or of bytes held whole, gzip-compressed or not (told by the magic bytes,
// not the name). The parser sees a window [begin(), end()) of unread bytes and asks for more when
// a record runs past its end. A regular file is read in chunks, so memory stays at one chunk (or
// the longest record) however large the file; a pipe, FIFO or terminal cannot be read twice, so
// it is read whole up front and the second pass runs over memory.
class ChunkReader {
 public:
  // Opens `path`; throws FileError when it cannot.
  explicit ChunkReader(const std::string& path);
  // Takes the whole content (stdin, read up front). Both skip a UTF-8 byte-order mark, and both
  // throw FileError "NAME: not a text CSV file (...)" for binary content.
  ChunkReader(std::string content, std::string name);
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  char* begin() { return buffer_.data() + start_; }
  char* end() { return buffer_.data() + size_; }
  bool at_eof() const { return eof_; }
  const std::string& name() const { return name_; }
  // Marks [begin(), p) as consumed.
  void consume(char* p) { start_ = std::size_t(p - buffer_.data()); }
  // Moves the unconsumed bytes to the front and reads more after them, growing the buffer when
  // it is full (a record longer than a chunk). Returns false at end of file. Pointers into the
  // window are invalid afterwards.
  bool more();
  // The offset in the (decompressed) text of begin(), and going back to one (a second pass, or
  // re-reading the rows looked at to detect the header).
  std::size_t position() const { return base_ + start_; }
  void seek(std::size_t position);

 private:
  struct Stream;  // a zlib gzFile over a regular file (plain or gzip)
  void take_content(std::string content);
  // At the start of the text: skips a UTF-8 byte-order mark, rejects binary content.
  void check_start();

  std::string name_;
  std::unique_ptr<Stream> file_;  // null when the whole text is in buffer_
  std::string buffer_;
  std::size_t base_ = 0;  // input offset of buffer_[0]
  std::size_t start_ = 0, size_ = 0;
  bool eof_ = false;
};

// Reads a source that can be read only once (a pipe, stdin) whole, for ChunkReader(content, name).
// `read` fills up to n bytes and returns how many (0 at the end). The start is checked for binary
// content as soon as it is there, so `/dev/urandom` fails at once instead of filling memory.
std::string read_whole(const std::function<std::size_t(char*, std::size_t)>& read, const std::string& name);

// Counts the non-blank records of the rest of the input (a blank record is empty or a lone
// "\r"), quote-aware; `saw_quote` tells whether any '"' occurs, so the parsing pass can find
// record ends with memchr when none does.
struct RecordCount {
  std::size_t records = 0;
  bool saw_quote = false;
};
RecordCount count_records(ChunkReader& reader);

// One record, [begin, end) without its line ending, and the number of newlines it spans
// (more than one when a quoted field holds a newline).
struct Record {
  char* begin = nullptr;
  char* end = nullptr;
  std::size_t newlines = 0;
  bool blank() const { return begin == end || (end - begin == 1 && *begin == '\r'); }
};
// The next record of the reader (refilling as needed) and consumes it; false at end of input.
// With `quotes` false the input holds no '"' and records end at the next '\n'. Throws DataError
// for a quoted field left open at end of file (`line` is the record's first line, for the
// message).
bool next_record(ChunkReader& reader, bool quotes, std::size_t line, Record& record);

// A field of a record, [begin, end) after removing quotes (quoted fields are unescaped in place).
struct Field {
  char* begin;
  char* end;
};
// Splits a record at `delimiter` outside quotes. A '"' toggles quoting and "" inside quotes is a
// literal quote, so the quote parity agrees with next_record's. Strips a trailing '\r'.
// kWhitespace splits at runs of spaces and tabs, ignoring them at both ends (a record of only
// whitespace has no fields).
constexpr char kWhitespace = ' ';
void split_fields(Record record, char delimiter, std::vector<Field>& fields);

// The delimiter of a file from its first record and the one after it (`next`, null when there
// is none): the most frequent of ',', ';' and '\t' outside quotes in the first; when it has none
// of them, kWhitespace if both records hold the same number (2 or more) of whitespace-separated
// fields (a .dat file), else ','.
char detect_delimiter(const Record& first, const Record* next);

}  // namespace fathom::csv_detail
