// Byte-level CSV scanning: chunked reading, quote-aware record boundaries and field splitting.
// Quoting follows one rule everywhere: every '"' toggles "inside quotes", so "" inside a quoted
// field (an escaped quote) toggles twice and the record counter, the record finder and the
// field splitter always agree on where records end.
#include "csv_scan.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include "fathom/core/error.hpp"

namespace fathom::csv_detail {

namespace {
// Large enough that per-chunk work (and rescanning a record cut by a chunk end) is negligible.
constexpr std::size_t kChunk = std::size_t(4) << 20;
}  // namespace

ChunkReader::ChunkReader(const std::string& path) : name_(path) {
  file_.reset(std::fopen(path.c_str(), "rb"));
  if (!file_) throw FileError(path + ": cannot open: " + std::strerror(errno));
  // We read in large chunks ourselves; stdio's buffer would only add a copy.
  std::setvbuf(file_.get(), nullptr, _IONBF, 0);
  buffer_.resize(kChunk);
  more();
  skip_bom();
}

ChunkReader::ChunkReader(std::string content, std::string name)
    : name_(std::move(name)), buffer_(std::move(content)), size_(buffer_.size()), eof_(true) {
  skip_bom();
}

void ChunkReader::skip_bom() {
  if (size_ - start_ >= 3 && std::memcmp(begin(), "\xEF\xBB\xBF", 3) == 0) start_ += 3;
}

bool ChunkReader::more() {
  if (eof_) return false;
  if (start_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + start_, size_ - start_);
    base_ += start_;
    size_ -= start_;
    start_ = 0;
  }
  if (size_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
  const std::size_t n = std::fread(buffer_.data() + size_, 1, buffer_.size() - size_, file_.get());
  if (n == 0) {
    if (std::ferror(file_.get())) throw FileError(name_ + ": read error: " + std::strerror(errno));
    eof_ = true;
    return false;
  }
  size_ += n;
  return true;
}

void ChunkReader::seek(std::size_t position) {
  if (!file_) {  // the whole content is in memory
    start_ = position;
    return;
  }
  if (std::fseek(file_.get(), long(position), SEEK_SET) != 0)
    throw FileError(name_ + ": cannot seek: " + std::strerror(errno));
  base_ = position;
  start_ = size_ = 0;
  eof_ = false;
  more();
}

RecordCount count_records(ChunkReader& reader) {
  RecordCount count;
  bool in_quotes = false;
  bool nonblank = false;  // the current record has a byte other than '\r'
  for (;;) {
    const char* p = reader.begin();
    const char* const e = reader.end();
    if (!count.saw_quote && std::memchr(p, '"', std::size_t(e - p)) == nullptr) {
      // No quote so far: every '\n' ends a record, found at memchr speed.
      while (p < e) {
        const char* nl = static_cast<const char*>(std::memchr(p, '\n', std::size_t(e - p)));
        const char* const line_end = nl ? nl : e;
        for (const char* q = p; !nonblank && q < line_end; ++q) nonblank = *q != '\r';
        if (!nl) break;
        count.records += nonblank;
        nonblank = false;
        p = nl + 1;
      }
    } else {
      count.saw_quote = true;
      for (; p < e; ++p) {
        const char c = *p;
        if (c == '"') {
          in_quotes = !in_quotes;
          nonblank = true;
        } else if (c == '\n' && !in_quotes) {
          count.records += nonblank;
          nonblank = false;
        } else if (c != '\r') {
          nonblank = true;
        }
      }
    }
    reader.consume(reader.end());
    if (!reader.more()) break;
  }
  count.records += nonblank;
  return count;
}

bool next_record(ChunkReader& reader, bool quotes, std::size_t line, Record& record) {
  for (;;) {
    char* const b = reader.begin();
    char* const e = reader.end();
    char* nl = nullptr;
    std::size_t newlines = 0;
    bool in_quotes = false;
    if (!quotes) {
      nl = static_cast<char*>(std::memchr(b, '\n', std::size_t(e - b)));
    } else {
      for (char* p = b; p < e; ++p) {
        if (*p == '"') {
          in_quotes = !in_quotes;
        } else if (*p == '\n') {
          if (!in_quotes) {
            nl = p;
            break;
          }
          ++newlines;
        }
      }
    }
    if (nl) {
      record = {b, nl, newlines + 1};
      reader.consume(nl + 1);
      return true;
    }
    if (reader.more()) continue;  // the record runs past the window: scan it again, longer
    // End of input: what is left is the last record, without a final newline.
    char* const rb = reader.begin();
    char* const re = reader.end();
    if (rb == re) return false;
    if (in_quotes)
      throw DataError(reader.name() + ":" + std::to_string(line) +
                      ": a quoted field is not closed before the end of the file");
    record = {rb, re, newlines};
    reader.consume(re);
    return true;
  }
}

void split_fields(Record record, char delimiter, std::vector<Field>& fields) {
  fields.clear();
  char* p = record.begin;
  char* e = record.end;
  if (e > p && e[-1] == '\r') --e;
  if (std::memchr(p, '"', std::size_t(e - p)) == nullptr) {
    // The common case, no quotes: fields end at the next delimiter, found by memchr.
    for (;;) {
      char* q = static_cast<char*>(std::memchr(p, delimiter, std::size_t(e - p)));
      fields.push_back({p, q ? q : e});
      if (!q) return;
      p = q + 1;
    }
  }
  for (;;) {
    char* q = p;
    while (q < e && *q != delimiter && *q != '"') ++q;
    if (q < e && *q == '"') {
      // A quoted part: unescape in place (the text only shrinks, so writing never overtakes reading).
      char* w = q;
      bool in_quotes = false;
      for (; q < e; ++q) {
        if (*q == '"') {
          if (in_quotes && q + 1 < e && q[1] == '"') {
            *w++ = '"';
            ++q;
          } else {
            in_quotes = !in_quotes;
          }
        } else if (*q == delimiter && !in_quotes) {
          break;
        } else {
          *w++ = *q;
        }
      }
      fields.push_back({p, w});
    } else {
      fields.push_back({p, q});
    }
    if (q >= e) break;
    p = q + 1;
  }
}

char detect_delimiter(const Record& header) {
  std::size_t comma = 0, semicolon = 0, tab = 0;
  bool in_quotes = false;
  for (const char* p = header.begin; p < header.end; ++p) {
    if (*p == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    comma += *p == ',';
    semicolon += *p == ';';
    tab += *p == '\t';
  }
  if (semicolon > comma && semicolon >= tab) return ';';
  if (tab > comma && tab > semicolon) return '\t';
  return ',';
}

}  // namespace fathom::csv_detail
