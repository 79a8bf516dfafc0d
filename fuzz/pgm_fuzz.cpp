// Fuzz target: fathom's PGM reader (read_pgm_list). The input is one image file, listed twice
// in an image list (the second time under another name), labelled by a regex on its name.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fathom/data/pgm.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fathom_fuzz::write_file("face_left_1.pgm", data, size);
  fathom_fuzz::write_file("face_right_1.pgm", data, size);
  static const std::string list_text = "# two copies of the input\nface_left_1.pgm\n\nface_right_1.pgm\n";
  const std::string list = fathom_fuzz::write_file(
      "images.list", reinterpret_cast<const std::uint8_t*>(list_text.data()), list_text.size());
  fathom::PgmListOptions options;
  options.label_regex = "_(left|right)_";
  return fathom_fuzz::expect_only_fathom_errors([&] { (void)fathom::read_pgm_list(list, options); });
}
