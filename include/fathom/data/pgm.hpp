// Image lists (docs/concepts.md, worked example 5: the face-pose task): a text file with one PGM path per
// line (relative to the list file; blank lines and lines starting with '#' skipped). PGM P2 (text) and P5
// (binary, 8 or 16 bit) are read; pixels are scaled by the file's maxval to [0, 1]. Every image must have the
// same size. The class comes from the first capture group of a regular expression applied to the file name,
// e.g. "_(left|right|straight|up)_".
#pragma once

#include <string>

#include "fathom/data/dataset.hpp"

namespace fathom {

struct PgmListOptions {
  std::string label_regex = {};  // empty: no targets
  TargetEncoding encoding = TargetEncoding::OneHot;
  std::vector<std::string> class_names = {};  // as in CsvOptions
};

// Throws FileError naming the list line and image file for unreadable or malformed images.
Dataset read_pgm_list(const std::string& list_path, const PgmListOptions& options);

}  // namespace fathom
