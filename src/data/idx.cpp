// IDX loading (idx.hpp) through zlib's gz* functions, which read gzip and plain files alike.
// Nothing is allocated for the size a header claims before the bytes are known to be there: a
// plain file's size is checked first, and its pixels then go from a small byte buffer straight
// into x; gzip data (or a pipe) is decompressed into a buffer that grows with what actually
// arrives, and x is allocated once all of it did.
#include "fathom/data/idx.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "class_labels.hpp"
#include "fathom/core/error.hpp"

namespace fathom {

namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension

std::string hex(std::uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08X", v);
  return s;
}

class GzFile {
 public:
  explicit GzFile(const std::string& path) : path_(path) {
    errno = 0;
    file_ = gzopen(path.c_str(), "rb");
    if (!file_) throw FileError(path + ": cannot open: " + (errno ? std::strerror(errno) : "out of memory"));
    gzbuffer(file_, 1 << 17);
  }
  ~GzFile() { gzclose(file_); }
  GzFile(const GzFile&) = delete;
  GzFile& operator=(const GzFile&) = delete;

  // Reads up to n bytes; returns how many there were (fewer only at the end of the data).
  std::size_t read(void* out, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const unsigned want = unsigned(std::min<std::size_t>(n - done, INT_MAX / 2));
      const int got = gzread(file_, static_cast<char*>(out) + done, want);
      if (got < 0) {
        int code = 0;
        throw FileError(path_ + ": cannot read: " + gzerror(file_, &code));
      }
      if (got == 0) break;
      done += std::size_t(got);
    }
    return done;
  }
  // Whether the data is stored uncompressed; known only after the first read.
  bool plain() const { return gzdirect(file_) != 0; }
  // The file's size on disk when it is a regular file; nullopt for a pipe or a device.
  std::optional<std::uint64_t> size() const {
    struct ::stat st {};
    if (::stat(path_.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    return static_cast<std::uint64_t>(st.st_size);
  }
  // Exactly n bytes, or a FileError saying how many of the `total` expected bytes were there.
  void read_exactly(void* out, std::size_t n, std::size_t offset, std::size_t total, const char* what) {
    const std::size_t got = read(out, n);
    if (got != n)
      throw FileError(path_ + ": truncated " + what + ": expected " + std::to_string(total) +
                      " bytes, read " + std::to_string(offset + got));
  }

 private:
  std::string path_;
  gzFile file_;
};

std::uint32_t big_endian(const unsigned char* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
         std::uint32_t(p[3]);
}

// The header's magic number and dimensions, checked against what this file must be.
std::vector<std::uint32_t> read_header(GzFile& file, const std::string& path, std::uint32_t magic, int dims,
                                       const char* kind) {
  unsigned char bytes[16];
  const std::size_t size = 4 * std::size_t(dims + 1);
  // The magic number first, so a file of the other kind is named as such rather than as short.
  file.read_exactly(bytes, 4, 0, size, "header");
  const std::uint32_t seen = big_endian(bytes);
  if (seen != magic)
    throw FileError(path + ": not an IDX " + kind + " file: magic number " + hex(seen) + ", expected " +
                    hex(magic));
  file.read_exactly(bytes + 4, size - 4, 4, size, "header");
  std::vector<std::uint32_t> out(static_cast<std::size_t>(dims));
  for (int i = 0; i < dims; ++i) out[std::size_t(i)] = big_endian(bytes + 4 * (i + 1));
  return out;
}

}  // namespace

Dataset read_idx(const std::string& images_path, const std::string& labels_path) {
  GzFile images(images_path);
  const auto dims = read_header(images, images_path, kImagesMagic, 3, "images");
  const std::size_t n = dims[0], pixels = std::size_t(dims[1]) * dims[2];
  if (n == 0 || pixels == 0)
    throw FileError(images_path + ": no images (" + std::to_string(n) + " images of " +
                    std::to_string(dims[1]) + "x" + std::to_string(dims[2]) + " pixels)");
  // No real data set comes near these; they also keep the byte counts below from overflowing.
  if (pixels > (std::size_t(1) << 24) || n * pixels > (std::size_t(1) << 34))
    throw FileError(images_path + ": implausible size: " + std::to_string(n) + " images of " +
                    std::to_string(dims[1]) + "x" + std::to_string(dims[2]) + " pixels");

  // Without a labels file (images to predict on) the labels are not read: no targets.
  std::optional<GzFile> labels;
  if (!labels_path.empty()) {
    labels.emplace(labels_path);
    const std::size_t n_labels = read_header(*labels, labels_path, kLabelsMagic, 1, "labels")[0];
    if (n_labels != n)
      throw FileError(images_path + " has " + std::to_string(n) + " images but " + labels_path + " has " +
                      std::to_string(n_labels) + " labels");
  }

  Dataset d;
  d.source = images_path;
  const std::size_t bytes = n * pixels;
  const std::size_t total = 16 + bytes;
  auto short_of = [&](std::uint64_t present, const char* how) {
    return FileError(images_path + ": truncated pixel data: the header claims " + std::to_string(n) +
                     " images of " + std::to_string(dims[1]) + "x" + std::to_string(dims[2]) + " pixels (" +
                     std::to_string(total) + " bytes), " + how + " " + std::to_string(present));
  };
  const auto size = images.size();
  // Deflate expands at most 1032:1, so a claim beyond that is refused without decompressing.
  constexpr std::uint64_t kMaxDeflateRatio = 1032;
  if (size && !images.plain() && total > *size * kMaxDeflateRatio + 1024)
    throw FileError(images_path + ": truncated pixel data: the header claims " + std::to_string(n) +
                    " images of " + std::to_string(dims[1]) + "x" + std::to_string(dims[2]) + " pixels (" +
                    std::to_string(total) + " bytes), more than a gzip file of " + std::to_string(*size) +
                    " bytes can hold");
  if (size && images.plain()) {
    if (*size < total) throw short_of(*size, "the file has");
    d.x.resize(Index(pixels), Index(n));
    // A few thousand images at a time: the bytes never exist in full next to the floats.
    std::vector<unsigned char> buffer(pixels * std::min<std::size_t>(n, 4096));
    float* out = d.x.data();
    for (std::size_t done = 0; done < bytes;) {
      const std::size_t chunk = std::min(buffer.size(), bytes - done);
      images.read_exactly(buffer.data(), chunk, 16 + done, total, "pixel data");
      for (std::size_t i = 0; i < chunk; ++i) out[i] = float(buffer[i]) / 255.0f;
      out += chunk;
      done += chunk;
    }
  } else {
    // Compressed (or a pipe): the rest of the claim can only be checked by decompressing. The
    // buffer doubles as data arrives, so a short file stops at its real length, never at the
    // claim, and x is allocated only for data that is all there.
    std::vector<unsigned char> staged;
    while (staged.size() < bytes) {
      const std::size_t have = staged.size();
      const std::size_t want = std::min(bytes - have, std::max<std::size_t>(have, 1 << 20));
      staged.resize(have + want);
      const std::size_t got = images.read(staged.data() + have, want);
      if (got < want) throw short_of(16 + have + got, "decompressed");
    }
    d.x.resize(Index(pixels), Index(n));
    float* out = d.x.data();
    for (std::size_t i = 0; i < bytes; ++i) out[i] = float(staged[i]) / 255.0f;
  }

  d.feature_names.reserve(pixels);
  for (std::size_t i = 0; i < pixels; ++i) d.feature_names.push_back("px" + std::to_string(i));
  d.image_height = Index(dims[1]);  // IDX stores rows then columns
  d.image_width = Index(dims[2]);
  if (!labels) return d;

  std::vector<unsigned char> label_bytes(n);
  labels->read_exactly(label_bytes.data(), n, 8, 8 + n, "labels");
  const unsigned max_label = *std::max_element(label_bytes.begin(), label_bytes.end());
  std::vector<std::int32_t> ids(label_bytes.begin(), label_bytes.end());
  std::vector<std::int32_t> identity(max_label + 1);
  for (unsigned c = 0; c <= max_label; ++c) {
    identity[c] = std::int32_t(c);
    d.class_names.push_back(std::to_string(c));
  }
  d.y = data_detail::encode_classes(ids, identity, Index(max_label + 1), TargetEncoding::OneHot);
  d.target_names = {"label"};
  return d;
}

}  // namespace fathom
