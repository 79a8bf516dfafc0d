// Byte-level CSV scanning shared by read_csv: a chunked reader that can be rewound for a second
// pass, record boundaries (RFC 4180 quotes may hold newlines), and splitting a record into fields.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace fathom::csv_detail {

// The bytes of a file (read in chunks) or of a string held whole. The parser sees a window
// [begin(), end()) of unread bytes and asks for more when a record runs past its end, so memory
// stays at one chunk (or the longest record) however large the file.
class ChunkReader {
 public:
  // Opens `path`; throws FileError when it cannot.
  explicit ChunkReader(const std::string& path);
  // Takes the whole content (stdin, read up front). Both skip a UTF-8 byte-order mark.
  ChunkReader(std::string content, std::string name);

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
  // The offset in the input of begin(), and going back to one (for the second pass).
  std::size_t position() const { return base_ + start_; }
  void seek(std::size_t position);

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  void skip_bom();

  std::string name_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::string buffer_;
  std::size_t base_ = 0;  // input offset of buffer_[0]
  std::size_t start_ = 0, size_ = 0;
  bool eof_ = false;
};

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
void split_fields(Record record, char delimiter, std::vector<Field>& fields);

// The most frequent of ',', ';' and '\t' outside quotes in a header record (',' when none).
char detect_delimiter(const Record& header);

}  // namespace fathom::csv_detail
