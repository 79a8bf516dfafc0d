// CSV loading: a header row; comma, semicolon or tab (detected from the header, or given);
// double-quoted fields; targets by name or 0-based index; class labels (strings or numbers)
// become classes. Errors name the file, line and column: `train.csv:41: column "age":
// expected a number, found "n/a"`. Streams the file: memory stays close to the matrices' size.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "fathom/data/dataset.hpp"

namespace fathom {

enum class MissingValues {
  Error,  // an empty, "NA", "NaN" or "?" field is an error naming line and column
  Drop,   // rows with a missing value are skipped
  Mean,   // a missing feature takes its column's mean (over the rows that have it)
};

struct CsvOptions {
  char delimiter = 0;                     // 0: detect from the header (',', ';' or '\t')
  std::vector<std::string> targets = {};  // column names or 0-based indices (as text); may be empty
  // If non-empty: exactly these columns are the inputs, in this order.
  std::vector<std::string> features = {};
  std::vector<std::string> ignore = {};  // columns that are neither inputs nor targets
  TargetEncoding encoding = TargetEncoding::Values;
  // For OneHot/Binary: the classes, in order. Empty: discovered from the file (numbers sorted
  // numerically, otherwise labels sorted as text). Non-empty: a label outside them is an error.
  std::vector<std::string> class_names = {};
  // Targets may be absent from the file (prediction): y then has 0 rows.
  bool targets_optional = false;
  MissingValues missing = MissingValues::Error;
};

// Throws FileError (cannot read) or DataError (content), with file:line and column.
Dataset read_csv(const std::string& path, const CsvOptions& options);
// From a stream (e.g. stdin); `name` is used in messages.
Dataset read_csv(std::istream& in, const std::string& name, const CsvOptions& options);

}  // namespace fathom
