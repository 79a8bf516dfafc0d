// Fuzz target: fathom's CSV reader (read_csv on a file, as `fathom train --data` reads it).
// A first byte below 8 chooses the options (missing-value policy, target encoding) and is not
// part of the file; any other input is the file itself, read with the first column as a class
// target, so plain CSV files are seeds as they are.
#include <cstddef>
#include <cstdint>

#include "fathom/data/csv.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fathom::CsvOptions options;
  options.targets = {"0"};
  options.encoding = fathom::TargetEncoding::OneHot;
  if (size > 0 && data[0] < 8) {
    const unsigned flags = data[0];
    options.missing = (flags & 3) == 0   ? fathom::MissingValues::Error
                      : (flags & 3) == 1 ? fathom::MissingValues::Drop
                                         : fathom::MissingValues::Mean;
    options.targets_optional = (flags & 3) == 3;  // and Mean
    options.encoding = (flags & 4) ? fathom::TargetEncoding::Values : fathom::TargetEncoding::OneHot;
    ++data;
    --size;
  }
  const std::string path = fathom_fuzz::write_file("data.csv", data, size);
  return fathom_fuzz::expect_only_fathom_errors([&] { (void)fathom::read_csv(path, options); });
}
