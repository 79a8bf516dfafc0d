// Fuzz target: fathom's IDX reader (read_idx on an images file and a labels file, plain or gzip).
// Input: [flags][images length, 2 bytes little-endian][images bytes][labels bytes]. Flag bit 0
// gzips the images file and bit 1 the labels file before reading, so the mutations reach the
// decompressed header and sizes; gzip files given as they are (flag 0) try the damaged-stream
// paths.
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "fathom/data/idx.hpp"
#include "fuzz_support.hpp"

namespace {

std::string write_maybe_gzipped(const std::string& name, const std::uint8_t* data, std::size_t size,
                                bool gzip) {
  if (!gzip) return fathom_fuzz::write_file(name, data, size);
  const std::string path = (fathom_fuzz::scratch_dir() / (name + ".gz")).string();
  gzFile out = gzopen(path.c_str(), "wb1");
  if (!out) throw std::runtime_error("fuzz harness: cannot write " + path);
  if (size > 0) gzwrite(out, data, unsigned(size));
  gzclose(out);
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const unsigned flags = data[0];
  const std::size_t images_size = std::min<std::size_t>(data[1] | std::size_t(data[2]) << 8, size - 3);
  const std::uint8_t* images = data + 3;
  const std::uint8_t* labels = images + images_size;
  const std::size_t labels_size = size - 3 - images_size;
  const std::string images_path = write_maybe_gzipped("images.idx", images, images_size, flags & 1);
  const std::string labels_path = write_maybe_gzipped("labels.idx", labels, labels_size, flags & 2);
  return fathom_fuzz::expect_only_fathom_errors([&] { (void)fathom::read_idx(images_path, labels_path); });
}
