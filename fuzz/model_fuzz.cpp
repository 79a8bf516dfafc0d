// Fuzz target: fathom's model file reader (load_model), then what `fathom info` and `predict`
// do with the model it returns: its summary and one prediction, so a file that loads into an
// inconsistent network is found too.
// A mutated file almost never keeps a valid CRC-32, which would stop every input at the
// checksum: the target rewrites the trailing CRC (docs/file_format.md) so that mutations reach
// the JSON and the tensor table, unless bit 31 of the header's flags word (ignored by readers)
// is set, which keeps the file's own CRC and tries the checksum check itself.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fathom/io/model_file.hpp"
#include "fathom/train/summary.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> file(data, data + size);
  constexpr std::size_t kHeaderBytes = 32, kChecksumBytes = 4;
  if (size >= kHeaderBytes + kChecksumBytes && !(file[15] & 0x80)) {
    const uLong crc = crc32(crc32(0, nullptr, 0), file.data(), uInt(size - kChecksumBytes));
    for (std::size_t i = 0; i < kChecksumBytes; ++i)
      file[size - kChecksumBytes + i] = std::uint8_t(crc >> (8 * i));
  }
  const std::string path = fathom_fuzz::write_file("model.fathom", file.data(), file.size());
  return fathom_fuzz::expect_only_fathom_errors([&] {
    fathom::Sequential model = fathom::load_model(path);
    (void)fathom::summary(model);
    // Bounded so that a large but valid model does not make one input take seconds.
    if (model.input_dim() > 0 && model.input_dim() <= 4096)
      (void)model.predict(fathom::Matrix::Zero(model.input_dim(), 2));
  });
}
