// CSV loading: a header row, or none (detected, or said); comma, semicolon, tab or runs of
// whitespace (detected, or given); double-quoted fields; gzip-compressed files (told by their
// magic bytes); targets by name or 0-based index; class labels (strings or numbers) become
// classes. Errors name the file, line and column: `train.csv:41: column "age": expected a
// number, found "n/a"`. A regular file is streamed (memory stays close to the matrices' size);
// a pipe or FIFO, which can be read only once, is read whole into memory first.
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

// Whether the first row names the columns.
enum class CsvHeader {
  // The first row is data when each of its fields is of the kind of the field below it (a
  // number over a number, text over text; missing values go with either) and at least one is a
  // number (a lone row: when it is all numbers), unless it is the column positions 0, 1, 2, ...
  // or 1, 2, 3, ... (three or more, optionally after an empty first name), as pandas and R
  // write unnamed columns. Otherwise it is a header. Numbers as names over numbers ("2019,2020")
  // read as data: say Present for those.
  Detect,
  Present,
  Absent,  // every row is data; columns are named by their 0-based positions "0", "1", ...
};

struct CsvOptions {
  // 0: detect (',', ';' or '\t' from the first row; ' ' when the first two rows hold only
  // whitespace-separated fields). ' ' means runs of spaces and tabs, as in whitespace-aligned
  // .dat files (leading and trailing whitespace ignored).
  char delimiter = 0;
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
  CsvHeader header = CsvHeader::Detect;
};

// Throws FileError (cannot read) or DataError (content), with file:line and column: binary
// content ("not a text CSV file"), duplicate column names, and column names or class labels
// that are not valid UTF-8 (they would end up in a model file) are errors.
Dataset read_csv(const std::string& path, const CsvOptions& options);
// From a stream (e.g. stdin); `name` is used in messages.
Dataset read_csv(std::istream& in, const std::string& name, const CsvOptions& options);

}  // namespace fathom
