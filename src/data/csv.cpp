// CSV loading (csv.hpp): reads the first two rows to tell the delimiter and whether there is a
// header, resolves the columns into inputs and targets, counts the rows in a first pass, then
// parses every field straight into x and y, so memory stays at the matrices.
#include "fathom/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <istream>
#include <limits>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "class_labels.hpp"
#include "csv_scan.hpp"
#include "fathom/core/error.hpp"
#include "utf8.hpp"

namespace fathom {

namespace {

using namespace csv_detail;
using data_detail::ClassLabels;
using data_detail::join_names;
using data_detail::quoted_text;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
std::string_view text_of(Field f) { return trim(std::string_view(f.begin, std::size_t(f.end - f.begin))); }

enum class Cell { Number, Missing, NotNumber, Infinite, OutOfRange };

bool is_missing_token(std::string_view t) { return t.empty() || t == "NA" || t == "?"; }

// One field as a float. NaN in any spelling counts as missing, like "NA", "?" and empty fields.
Cell parse_number(std::string_view t, float& out) {
  if (is_missing_token(t)) return Cell::Missing;
  const char* b = t.data();
  const char* const e = b + t.size();
  if (*b == '+' && e - b > 1 && *(b + 1) != '-' && *(b + 1) != '+') ++b;  // from_chars rejects '+'
  auto result = std::from_chars(b, e, out);
  if (result.ec == std::errc::result_out_of_range) {
    // Underflow (1e-50) is fine as 0 or a denormal; only magnitudes above float's range fail.
    double d = 0;
    result = std::from_chars(b, e, d);
    if (result.ec != std::errc() || std::abs(d) > double(std::numeric_limits<float>::max()))
      return Cell::OutOfRange;
    out = float(d);
  }
  if (result.ec != std::errc() || result.ptr != e) return Cell::NotNumber;
  if (std::isnan(out)) return Cell::Missing;
  if (std::isinf(out)) return Cell::Infinite;
  return Cell::Number;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// What a column becomes.
struct Role {
  enum Kind { Ignored, Input, Target, Label } kind = Ignored;
  std::int32_t index = 0;  // row of x (Input) or of y (Target)
};

struct Columns {
  std::vector<std::string> names;
  std::vector<Role> roles;
  std::vector<std::size_t> inputs, targets;  // column indices, in row order of x and y
};

// Resolves the options against the header; every error lists the columns there are.
Columns resolve_columns(std::vector<std::string> names, const std::string& source,
                        const CsvOptions& options) {
  Columns c;
  c.names = std::move(names);
  const std::size_t n = c.names.size();
  auto find = [&](const std::string& spec) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < n; ++i)
      if (c.names[i] == spec) return i;
    if (all_digits(spec) && spec.size() < 10 && std::stoul(spec) < n) return std::stoul(spec);
    return std::nullopt;
  };
  auto unknown = [&](const char* what, const std::string& spec) {
    return DataError(source + ": unknown " + what + " column \"" + spec + "\"; the columns are: " +
                     join_names(c.names, 50) + " (or a 0-based index below " + std::to_string(n) + ")");
  };
  auto resolve_all = [&](const std::vector<std::string>& specs, const char* what) {
    std::vector<std::size_t> out;
    for (const auto& spec : specs) {
      const auto i = find(spec);
      if (!i) throw unknown(what, spec);
      for (std::size_t j : out)
        if (j == *i)
          throw InvalidArgument(source + ": " + what + " column \"" + c.names[j] + "\" is listed twice");
      out.push_back(*i);
    }
    return out;
  };

  // Targets: all present, or (when optional) all absent; a mix is a mistake worth reporting.
  std::size_t absent = 0;
  for (const auto& spec : options.targets) absent += !find(spec);
  if (!(options.targets_optional && absent == options.targets.size()))
    c.targets = resolve_all(options.targets, "target");
  const std::vector<std::size_t> ignored = resolve_all(options.ignore, "ignored");

  c.roles.assign(n, Role{});
  for (std::size_t t = 0; t < c.targets.size(); ++t) c.roles[c.targets[t]] = {Role::Target, std::int32_t(t)};
  for (std::size_t i : ignored) {
    if (c.roles[i].kind == Role::Target)
      throw InvalidArgument(source + ": column \"" + c.names[i] + "\" is both a target and ignored");
    c.roles[i].kind = Role::Ignored;
  }
  auto is_ignored = [&](std::size_t i) {
    for (std::size_t j : ignored)
      if (j == i) return true;
    return false;
  };
  if (!options.features.empty()) {
    c.inputs = resolve_all(options.features, "feature");
    for (std::size_t i : c.inputs) {
      if (c.roles[i].kind == Role::Target)
        throw InvalidArgument(source + ": column \"" + c.names[i] + "\" is both a target and a feature");
      if (is_ignored(i))
        throw InvalidArgument(source + ": column \"" + c.names[i] + "\" is both a feature and ignored");
    }
  } else {
    for (std::size_t i = 0; i < n; ++i)
      if (c.roles[i].kind != Role::Target && !is_ignored(i)) c.inputs.push_back(i);
  }
  for (std::size_t k = 0; k < c.inputs.size(); ++k) c.roles[c.inputs[k]] = {Role::Input, std::int32_t(k)};
  if (c.inputs.empty())
    throw DataError(source + ": no input columns left (columns: " + join_names(c.names, 50) + ")");

  if (options.encoding != TargetEncoding::Values && !c.targets.empty()) {
    if (c.targets.size() != 1)
      throw InvalidArgument(
          source + ": one-hot and binary targets come from exactly one column of class labels, got " +
          std::to_string(c.targets.size()));
    c.roles[c.targets[0]].kind = Role::Label;
  }
  return c;
}

std::string quoted(std::string_view text) { return quoted_text(text); }

// Whether the first row is data rather than names, given the row after it (empty when there is
// none): every field is of the kind of the field below it (a number over a number, text over
// text; a missing value goes with either) and at least one is a number, so a row of names
// over numbers is a header, and a headerless file with class labels (UCI's iris.data) is data.
// Without a row below, a row of numbers is data. Column positions 0, 1, 2, ... or 1, 2, 3, ...
// (three or more, optionally after an empty first name) are a header, as pandas and R write
// unnamed columns.
bool looks_like_data(const std::vector<std::string>& row, const std::vector<std::string>& below) {
  enum Kind { Number, Missing, Text };
  const auto kind = [](const std::string& text) {
    float v = 0;
    const Cell cell = parse_number(text, v);
    return cell == Cell::Number ? Number : cell == Cell::Missing ? Missing : Text;
  };
  const bool compare = below.size() == row.size();
  bool number = false, text = false;
  for (std::size_t i = 0; i < row.size(); ++i) {
    const Kind k = kind(row[i]);
    if (k == Text && !compare) return false;
    if (compare && k != Missing) {
      const Kind under = kind(below[i]);
      if (under != Missing && under != k) return false;
    }
    number |= k == Number;
    text |= k == Text;
  }
  if (!number) return false;
  if (text) return true;
  const std::size_t first = row[0].empty() ? 1 : 0;  // pandas's unnamed index column
  if (row.size() < 3 || (row[first] != "0" && row[first] != "1")) return true;
  const std::size_t base = row[first] == "0" ? 0 : 1;
  for (std::size_t i = first; i < row.size(); ++i)
    if (row[i] != std::to_string(base + i - first)) return true;
  return false;
}

// Header names must be usable as names: valid UTF-8 (they are stored in model files) and unique.
void check_names(const std::vector<std::string>& names, const std::string& at) {
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::size_t bad = data_detail::invalid_utf8_offset(names[i]);
    if (bad != std::string_view::npos)
      throw DataError(at + "column " + std::to_string(i) + " (0-based): the name " + quoted(names[i]) +
                      " is not valid UTF-8 (byte " + std::to_string(bad) + "); save the file as UTF-8");
    const auto [it, fresh] = seen.emplace(names[i], i);
    if (!fresh)
      throw DataError(at + "columns " + std::to_string(it->second) + " and " + std::to_string(i) +
                      " (0-based) are both named " + quoted(names[i]) + "; column names must be unique");
  }
}

Dataset parse(ChunkReader& reader, const CsvOptions& options) {
  const std::string& source = reader.name();
  auto at = [&](std::size_t line) { return source + ":" + std::to_string(line) + ": "; };
  if (options.delimiter == '"' || options.delimiter == '\n' || options.delimiter == '\r')
    throw InvalidArgument("CSV delimiter cannot be a quote or a line break");

  // The first non-blank record and the one after it, copied (splitting unescapes quotes in
  // place, and they may be read again as data), then back to where the data starts.
  std::size_t line = 1;
  Record record;
  std::size_t first_start = 0;
  for (;;) {
    first_start = reader.position();
    if (!next_record(reader, true, line, record))
      throw DataError(source + ": no data rows (the file is empty)");
    if (!record.blank()) break;
    line += record.newlines;
  }
  const std::size_t first_line = line;
  std::string first(record.begin, record.end), second;
  line += record.newlines;
  const std::size_t header_end = reader.position();
  bool has_second = false;
  for (std::size_t peek_line = line; !has_second && next_record(reader, true, peek_line, record);) {
    has_second = !record.blank();
    if (has_second) second.assign(record.begin, record.end);
    peek_line += record.newlines;
  }
  Record first_record{first.data(), first.data() + first.size(), 0};
  Record second_record{second.data(), second.data() + second.size(), 0};
  const char delimiter = options.delimiter
                             ? options.delimiter
                             : detect_delimiter(first_record, has_second ? &second_record : nullptr);
  std::vector<Field> fields;
  split_fields(first_record, delimiter, fields);
  std::vector<std::string> names, below;
  for (Field f : fields) names.emplace_back(text_of(f));
  if (has_second) {
    split_fields(second_record, delimiter, fields);
    for (Field f : fields) below.emplace_back(text_of(f));
  }
  const bool header = options.header == CsvHeader::Present ||
                      (options.header == CsvHeader::Detect && !looks_like_data(names, below));
  if (header) {
    check_names(names, at(first_line));
    reader.seek(header_end);
  } else {
    // Named by position, as pandas names the columns of a file read with header=None; so a
    // target given as a 0-based index and as a name are the same thing.
    for (std::size_t i = 0; i < names.size(); ++i) names[i] = std::to_string(i);
    reader.seek(first_start);
    line = first_line;
  }
  const Columns columns = resolve_columns(std::move(names), source, options);
  const std::size_t ncols = columns.names.size();

  // First pass: count the rows so x and y are allocated once, at their final size.
  const std::size_t data_start = reader.position();
  const RecordCount count = count_records(reader);
  if (count.records == 0) throw DataError(source + ": no data rows");
  reader.seek(data_start);

  const Index rows = Index(count.records);
  const Index n_in = Index(columns.inputs.size());
  const bool labels = options.encoding != TargetEncoding::Values && !columns.targets.empty();
  const Index n_values = labels ? 0 : Index(columns.targets.size());
  Dataset d;
  d.source = source;
  d.x.resize(n_in, rows);
  d.y.resize(n_values, rows);
  ClassLabels classes(options.class_names);
  std::vector<std::int32_t> ids;
  if (labels) ids.reserve(std::size_t(rows));
  bool filled_nan = false;

  // Second pass: every field straight into its place.
  Index r = 0;
  while (next_record(reader, count.saw_quote, line, record)) {
    if (record.blank()) {
      line += record.newlines;
      continue;
    }
    split_fields(record, delimiter, fields);
    if (fields.empty()) {  // only whitespace, with whitespace as the delimiter
      line += record.newlines;
      continue;
    }
    if (fields.size() != ncols)
      throw DataError(at(line) + "expected " + std::to_string(ncols) + " fields, found " +
                      std::to_string(fields.size()));
    if (r >= rows) throw DataError(source + ": the file changed while it was being read");
    float* const x = d.x.data() + r * n_in;
    float* const y = d.y.data() + r * n_values;
    bool drop = false;
    std::string_view label;
    for (std::size_t c = 0; c < ncols; ++c) {
      const Role role = columns.roles[c];
      if (role.kind == Role::Ignored) continue;
      const std::string_view text = text_of(fields[c]);
      if (role.kind == Role::Label) {
        label = text;
        if (!is_missing_token(text) && text != "NaN" && text != "nan") continue;
      }
      float v = 0;
      const Cell cell = role.kind == Role::Label ? Cell::Missing : parse_number(text, v);
      if (cell == Cell::Number) {
        (role.kind == Role::Input ? x : y)[role.index] = v;
        continue;
      }
      const std::string column = "column \"" + columns.names[c] + "\": ";
      if (cell == Cell::NotNumber)
        throw DataError(at(line) + column + "expected a number, found " + quoted(text));
      if (cell == Cell::Infinite) throw DataError(at(line) + column + "infinite value " + quoted(text));
      if (cell == Cell::OutOfRange)
        throw DataError(at(line) + column + "value " + quoted(text) + " is out of float range");
      switch (options.missing) {
        case MissingValues::Error:
          throw DataError(at(line) + column + "missing value");
        case MissingValues::Drop:
          drop = true;
          break;
        case MissingValues::Mean:
          if (role.kind != Role::Input)
            throw DataError(at(line) + column + "missing target value (only inputs can take the mean)");
          x[role.index] = std::numeric_limits<float>::quiet_NaN();  // filled once the means are known
          filled_nan = true;
          break;
      }
    }
    if (labels && !drop) {
      const std::size_t known = classes.names().size();
      const std::int32_t id = classes.find_or_add(label);
      const auto column = [&] { return at(line) + "column \"" + columns.names[columns.targets[0]] + "\": "; };
      if (id < 0)
        throw DataError(column() + "unknown class " + quoted(label) +
                        "; the known classes are: " + classes.list());
      // A new class's name is stored in the model file, which holds UTF-8 only.
      if (classes.names().size() > known && data_detail::invalid_utf8_offset(label) != std::string_view::npos)
        throw DataError(column() + "the class label " + quoted(label) +
                        " is not valid UTF-8; save the file as UTF-8");
      ids.push_back(id);
    }
    r += !drop;
    line += record.newlines;
  }
  if (r == 0) throw DataError(source + ": no data rows left after dropping the rows with missing values");
  if (r < rows) {
    d.x.conservativeResize(n_in, r);
    d.y.conservativeResize(n_values, r);
  }

  if (filled_nan) {
    // Column means over the rows that have a value, then the gaps filled with them.
    std::vector<double> sum(std::size_t(n_in), 0.0);
    std::vector<Index> have(std::size_t(n_in), 0);
    for (Index j = 0; j < r; ++j)
      for (Index k = 0; k < n_in; ++k)
        if (const float v = d.x(k, j); !std::isnan(v)) {
          sum[k] += v;
          ++have[k];
        }
    for (Index k = 0; k < n_in; ++k)
      if (have[k] == 0)
        throw DataError(source + ": column \"" + columns.names[columns.inputs[k]] +
                        "\": every value is missing, so there is no mean to fill in");
    for (Index j = 0; j < r; ++j)
      for (Index k = 0; k < n_in; ++k)
        if (std::isnan(d.x(k, j))) d.x(k, j) = float(sum[k] / double(have[k]));
  }

  for (std::size_t i : columns.inputs) d.feature_names.push_back(columns.names[i]);
  for (std::size_t i : columns.targets) d.target_names.push_back(columns.names[i]);
  if (labels) {
    const auto remap = classes.finish(true);
    const Index n_classes = Index(classes.names().size());
    if (options.encoding == TargetEncoding::Binary && n_classes != 2)
      throw DataError(source + ": column \"" + d.target_names[0] + "\" has " + std::to_string(n_classes) +
                      " classes (" + classes.list() +
                      "); binary targets need exactly 2 - use one-hot targets with a softmax output");
    d.y = data_detail::encode_classes(ids, remap, n_classes, options.encoding);
    d.class_names = classes.names();
  } else {
    d.class_names = options.class_names;
  }
  return d;
}

}  // namespace

Dataset read_csv(const std::string& path, const CsvOptions& options) {
  ChunkReader reader(path);
  return parse(reader, options);
}

Dataset read_csv(std::istream& in, const std::string& name, const CsvOptions& options) {
  std::string content = read_whole(
      [&](char* out, std::size_t n) {
        in.read(out, std::streamsize(n));
        if (in.bad()) throw FileError(name + ": read error");
        return std::size_t(in.gcount());
      },
      name);
  ChunkReader reader(std::move(content), name);
  return parse(reader, options);
}

}  // namespace fathom
