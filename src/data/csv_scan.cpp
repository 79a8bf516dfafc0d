// Byte-level CSV scanning: chunked reading, quote-aware record boundaries and field splitting.
// Quoting follows one rule everywhere: every '"' toggles "inside quotes", so "" inside a quoted
// field (an escaped quote) toggles twice and the record counter, the record finder and the
// field splitter always agree on where records end.
#include "csv_scan.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string_view>
#include <utility>

#include "fathom/core/error.hpp"

namespace fathom::csv_detail {

namespace {
// Large enough that per-chunk work (and rescanning a record cut by a chunk end) is negligible.
constexpr std::size_t kChunk = std::size_t(4) << 20;
// How much of the start of a file is checked for binary content.
constexpr std::size_t kSniff = std::size_t(64) << 10;

constexpr const char* kTruncated = "truncated gzip data (the compressed stream ends early)";

bool is_gzip(std::string_view bytes) { return bytes.size() >= 2 && bytes[0] == '\x1F' && bytes[1] == '\x8B'; }

// Text has no control bytes but tab, line breaks and form feeds (and ESC, for the odd colour
// code): anything else in the first kSniff bytes means a binary file (an image, a model, an IDX
// file, random bytes), reported without echoing its bytes.
void check_text(std::string_view head, const std::string& name) {
  head = head.substr(0, kSniff);
  if (head.size() >= 2 &&
      ((head[0] == '\xFF' && head[1] == '\xFE') || (head[0] == '\xFE' && head[1] == '\xFF')))
    throw DataError(name + ": not a text CSV file (UTF-16 text; save it as UTF-8)");
  for (std::size_t i = 0; i < head.size(); ++i) {
    const auto c = (unsigned char)head[i];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' && c != 0x1B) {
      char detail[64];
      std::snprintf(detail, sizeof detail, "byte 0x%02X at offset %zu", c, i);
      throw DataError(name + ": not a text CSV file (binary data: " + detail + ")");
    }
  }
}

// The whole of gzip data held in memory (one or more members, as gzip and zcat allow).
std::string gunzip(const std::string& raw, const std::string& name) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw FileError(name + ": cannot decompress: out of memory");
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};
  std::string out(std::max<std::size_t>(raw.size() * 4, kSniff), '\0');
  std::size_t in = 0, produced = 0;
  for (;;) {
    if (out.size() - produced < kSniff) out.resize(out.size() * 2);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data() + in));
    z.avail_in = uInt(std::min<std::size_t>(raw.size() - in, UINT_MAX / 2));
    z.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    z.avail_out = uInt(std::min<std::size_t>(out.size() - produced, UINT_MAX / 2));
    const uInt had_in = z.avail_in, had_out = z.avail_out;
    const int r = inflate(&z, Z_NO_FLUSH);
    in += had_in - z.avail_in;
    produced += had_out - z.avail_out;
    if (r == Z_STREAM_END) {
      // Another member may follow; anything else after the data is ignored, as gzip does.
      if (!is_gzip(std::string_view(raw).substr(in))) break;
      inflateReset(&z);
      continue;
    }
    if (r == Z_OK) continue;
    if (r == Z_BUF_ERROR && in == raw.size()) throw DataError(name + ": " + kTruncated);
    if (r != Z_BUF_ERROR)
      throw DataError(name + ": damaged gzip data (" + (z.msg ? z.msg : "inflate failed") + ")");
  }
  out.resize(produced);
  return out;
}
}  // namespace

// A regular file through zlib's gz* functions, which read gzip and plain files alike and can
// seek back (in gzip data by decompressing again from the start).
struct ChunkReader::Stream {
  gzFile gz = nullptr;
  ~Stream() {
    if (gz) gzclose(gz);
  }
};

std::string read_whole(const std::function<std::size_t(char*, std::size_t)>& read, const std::string& name) {
  std::string raw;
  bool checked = false;
  for (;;) {
    const std::size_t had = raw.size();
    raw.resize(had + kSniff);
    const std::size_t got = read(raw.data() + had, kSniff);
    raw.resize(had + got);
    if (got == 0) return raw;
    if (!checked && raw.size() >= kSniff) {
      checked = true;
      if (!is_gzip(raw)) check_text(raw, name);  // gzip data is checked once decompressed
    }
  }
}

ChunkReader::ChunkReader(const std::string& path) : name_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FileError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    const int error = S_ISDIR(st.st_mode) ? EISDIR : errno;
    ::close(fd);
    throw FileError(path + ": cannot open: " + std::strerror(error));
  }
  if (!S_ISREG(st.st_mode)) {
    // A pipe, FIFO (`<(...)`), terminal or device can be read only once: read it whole.
    struct Close {
      int fd;
      ~Close() { ::close(fd); }
    } close{fd};
    take_content(read_whole(
        [&](char* out, std::size_t n) {
          for (;;) {
            const ssize_t got = ::read(fd, out, n);
            if (got >= 0) return std::size_t(got);
            if (errno != EINTR) throw FileError(path + ": read error: " + std::strerror(errno));
          }
        },
        path));
    return;
  }
  file_ = std::make_unique<Stream>();
  file_->gz = gzdopen(fd, "rb");
  if (!file_->gz) {
    ::close(fd);
    throw FileError(path + ": cannot open: out of memory");
  }
  gzbuffer(file_->gz, 1 << 17);
  buffer_.resize(kChunk);
  more();
  check_start();
}

ChunkReader::ChunkReader(std::string content, std::string name) : name_(std::move(name)) {
  take_content(std::move(content));
}

ChunkReader::~ChunkReader() = default;

void ChunkReader::take_content(std::string content) {
  buffer_ = is_gzip(content) ? gunzip(content, name_) : std::move(content);
  size_ = buffer_.size();
  eof_ = true;
  check_start();
}

void ChunkReader::check_start() {
  if (size_ >= 3 && std::memcmp(begin(), "\xEF\xBB\xBF", 3) == 0) start_ += 3;
  check_text(std::string_view(begin(), std::size_t(end() - begin())), name_);
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
  const unsigned want = unsigned(std::min<std::size_t>(buffer_.size() - size_, INT_MAX / 2));
  const int n = gzread(file_->gz, buffer_.data() + size_, want);
  if (n < 0) {
    int code = 0;
    const char* message = gzerror(file_->gz, &code);
    if (code == Z_ERRNO) throw FileError(name_ + ": read error: " + std::strerror(errno));
    throw DataError(name_ + ": damaged gzip data (" + message + ")");
  }
  if (n == 0) {
    // zlib returns the data before the cut of a truncated gzip file and then only flags it.
    int code = 0;
    gzerror(file_->gz, &code);
    if (code == Z_BUF_ERROR) throw DataError(name_ + ": " + kTruncated);
    eof_ = true;
    return false;
  }
  size_ += std::size_t(n);
  return true;
}

void ChunkReader::seek(std::size_t position) {
  if (!file_) {  // the whole content is in memory
    start_ = position;
    return;
  }
  if (gzseek(file_->gz, z_off_t(position), SEEK_SET) < 0) {
    int code = 0;
    throw FileError(name_ + ": cannot seek: " + gzerror(file_->gz, &code));
  }
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

namespace {
bool is_space(char c) { return c == ' ' || c == '\t'; }

// Fields separated by runs of spaces and tabs outside quotes (see split_fields).
void split_whitespace(char* p, char* e, std::vector<Field>& fields) {
  for (;;) {
    while (p < e && is_space(*p)) ++p;
    if (p >= e) return;
    char* const start = p;
    char* w = p;  // unescaping in place, as in split_fields
    bool in_quotes = false;
    for (; p < e; ++p) {
      if (*p == '"') {
        if (in_quotes && p + 1 < e && p[1] == '"') {
          *w++ = '"';
          ++p;
        } else {
          in_quotes = !in_quotes;
        }
      } else if (!in_quotes && is_space(*p)) {
        break;
      } else {
        *w++ = *p;
      }
    }
    fields.push_back({start, w});
  }
}

// The number of whitespace-separated fields of a record (quotes kept together), without
// changing it.
std::size_t count_whitespace_fields(const Record& record) {
  std::size_t n = 0;
  bool in_field = false, in_quotes = false;
  for (const char* p = record.begin; p < record.end; ++p) {
    if (*p == '"') in_quotes = !in_quotes;
    const bool space = !in_quotes && (is_space(*p) || *p == '\r');
    n += !space && !in_field;
    in_field = !space;
  }
  return n;
}
}  // namespace

void split_fields(Record record, char delimiter, std::vector<Field>& fields) {
  fields.clear();
  char* p = record.begin;
  char* e = record.end;
  if (e > p && e[-1] == '\r') --e;
  if (delimiter == kWhitespace) return split_whitespace(p, e, fields);
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

char detect_delimiter(const Record& first, const Record* next) {
  std::size_t comma = 0, semicolon = 0, tab = 0;
  bool in_quotes = false;
  for (const char* p = first.begin; p < first.end; ++p) {
    if (*p == '"') in_quotes = !in_quotes;
    if (in_quotes) continue;
    comma += *p == ',';
    semicolon += *p == ';';
    tab += *p == '\t';
  }
  if (semicolon > comma && semicolon >= tab) return ';';
  if (tab > comma && tab > semicolon) return '\t';
  if (comma > 0) return ',';
  // None of them: whitespace-aligned columns when the next record agrees on the field count (a
  // single column whose name holds a space stays one column).
  const std::size_t fields = count_whitespace_fields(first);
  if (fields >= 2 && next && count_whitespace_fields(*next) == fields) return kWhitespace;
  return ',';
}

}  // namespace fathom::csv_detail
