// Image lists of PGM files (pgm.hpp): P2 (text) and P5 (binary, 8 or 16 bit big-endian), '#'
// comments in the header, pixels scaled by maxval; classes from a regex on each file name.
#include "fathom/data/pgm.hpp"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <sstream>
#include <utility>

#include "class_labels.hpp"
#include "fathom/core/error.hpp"

namespace fathom {

namespace {

namespace fs = std::filesystem;

struct Image {
  long width = 0, height = 0;
};

// Parses one PGM file into `pixels` (row by row, scaled to [0, 1]). `where` prefixes messages.
class PgmParser {
 public:
  PgmParser(std::string bytes, std::string where) : s_(std::move(bytes)), where_(std::move(where)) {}

  Image parse(std::vector<float>& pixels) {
    if (s_.size() < 2 || s_[0] != 'P' || (s_[1] != '2' && s_[1] != '5'))
      fail("not a PGM file: it starts with \"" + printable(s_.substr(0, 2)) + "\", expected P2 or P5");
    const bool binary = s_[1] == '5';
    pos_ = 2;
    Image image;
    image.width = number("width");
    image.height = number("height");
    const long maxval = number("maxval");
    if (image.width <= 0 || image.height <= 0)
      fail("bad size " + std::to_string(image.width) + "x" + std::to_string(image.height));
    if (maxval <= 0 || maxval > 65535) fail("maxval " + std::to_string(maxval) + " is outside 1..65535");
    const std::size_t count = std::size_t(image.width) * std::size_t(image.height);
    if (count > (std::size_t(1) << 28)) fail("implausible size " + size_text(image));
    // The header's size is believed only as far as the file's bytes back it: a 20-byte file
    // claiming 16384x16384 must not fill 1 GiB before it is found short.
    const float scale = 1.0f / float(maxval);
    if (binary) {
      ++pos_;  // the single whitespace byte after maxval
      const std::size_t bytes_per_pixel = maxval > 255 ? 2 : 1;
      const std::size_t need = count * bytes_per_pixel;
      const std::size_t have = pos_ <= s_.size() ? s_.size() - pos_ : 0;
      if (have < need)
        fail("truncated pixel data: expected " + std::to_string(need) + " bytes, found " +
             std::to_string(have));
      pixels.resize(count);
      const auto* p = reinterpret_cast<const unsigned char*>(s_.data() + pos_);
      for (std::size_t i = 0; i < count; ++i) {
        const unsigned v = bytes_per_pixel == 2 ? unsigned(p[2 * i]) << 8 | p[2 * i + 1] : p[i];
        if (long(v) > maxval)
          fail("pixel value " + std::to_string(v) + " exceeds maxval " + std::to_string(maxval));
        pixels[i] = float(v) * scale;
      }
    } else {
      // Values are appended as they are parsed, so memory grows with the text actually there.
      pixels.clear();
      for (std::size_t i = 0; i < count; ++i) {
        skip_space();
        if (pos_ >= s_.size())
          fail("truncated pixel data: expected " + std::to_string(count) + " pixel values, found " +
               std::to_string(i));
        const long v = number("pixel value");
        if (v > maxval)
          fail("pixel value " + std::to_string(v) + " exceeds maxval " + std::to_string(maxval));
        pixels.push_back(float(v) * scale);
      }
    }
    return image;
  }

  static std::string size_text(const Image& image) {
    return std::to_string(image.width) + "x" + std::to_string(image.height);
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw FileError(where_ + what); }

  static std::string printable(std::string text) {
    for (char& c : text)
      if (c < 32 || c > 126) c = '?';
    return text;
  }

  // Whitespace and '#' comments (to the end of the line) between header tokens.
  void skip_space() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
        ++pos_;
      } else {
        return;
      }
    }
  }

  long number(const char* what) {
    skip_space();
    long v = 0;
    const char* b = s_.data() + pos_;
    const auto [end, ec] = std::from_chars(b, s_.data() + s_.size(), v);
    if (ec != std::errc() || v < 0)
      fail(std::string("expected the ") + what + " (a non-negative integer), found \"" +
           printable(std::string(b, std::min<std::size_t>(10, s_.size() - pos_))) + "\"");
    pos_ = std::size_t(end - s_.data());
    return v;
  }

  std::string s_;
  std::string where_;
  std::size_t pos_ = 0;
};

struct ListEntry {
  std::string path;  // as resolved against the list's folder
  std::size_t line;
};

std::vector<ListEntry> read_list(const std::string& list_path) {
  std::ifstream in(list_path);
  if (!in) throw FileError(list_path + ": cannot open the image list");
  const fs::path folder = fs::path(list_path).parent_path();
  std::vector<ListEntry> entries;
  std::string text;
  for (std::size_t line = 1; std::getline(in, text); ++line) {
    const auto first = text.find_first_not_of(" \t\r");
    if (first == std::string::npos || text[first] == '#') continue;
    const auto last = text.find_last_not_of(" \t\r");
    const fs::path p(text.substr(first, last - first + 1));
    entries.push_back({(p.is_absolute() ? p : folder / p).string(), line});
  }
  if (entries.empty()) throw DataError(list_path + ": no images listed");
  return entries;
}

}  // namespace

Dataset read_pgm_list(const std::string& list_path, const PgmListOptions& options) {
  const std::vector<ListEntry> entries = read_list(list_path);
  std::regex label_regex;
  if (!options.label_regex.empty()) {
    try {
      label_regex = std::regex(options.label_regex, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw InvalidArgument("label regex \"" + options.label_regex +
                            "\" is not a valid regular expression: " + e.what());
    }
  }
  const bool labelled = !options.label_regex.empty();

  Dataset d;
  d.source = list_path;
  data_detail::ClassLabels classes(options.class_names);
  std::vector<std::int32_t> ids;
  std::vector<float> pixels;
  Image first;
  for (std::size_t j = 0; j < entries.size(); ++j) {
    const ListEntry& entry = entries[j];
    const std::string where = list_path + ":" + std::to_string(entry.line) + ": " + entry.path + ": ";
    std::ifstream in(entry.path, std::ios::binary);
    if (!in) throw FileError(where + "cannot open");
    // Read whole, so only a regular file: /dev/zero or a pipe could be endless.
    std::error_code ec;
    if (!fs::is_regular_file(entry.path, ec)) throw FileError(where + "not a regular file");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const Image image = PgmParser(std::move(bytes), where).parse(pixels);
    if (j == 0) {
      first = image;
      d.x.resize(Index(pixels.size()), Index(entries.size()));
    } else if (image.width != first.width || image.height != first.height) {
      throw FileError(where + "image is " + PgmParser::size_text(image) + " but the first image (" +
                      entries[0].path + ") is " + PgmParser::size_text(first) +
                      "; all must be the same size");
    }
    std::copy(pixels.begin(), pixels.end(), d.x.col(Index(j)).data());

    if (!labelled) continue;
    const std::string name = fs::path(entry.path).filename().string();
    std::smatch m;
    if (!std::regex_search(name, m, label_regex))
      throw DataError(where + "the label regex \"" + options.label_regex +
                      "\" does not match the file name \"" + name + "\"");
    // The first capture group is the label; a regex without groups labels with the whole match.
    const std::string label = m.size() > 1 ? m[1].str() : m[0].str();
    if (label.empty())
      throw DataError(where + "the label regex \"" + options.label_regex + "\" captures an empty label");
    if (options.encoding == TargetEncoding::Values) {
      float v = 0;
      const auto [end, ec] = std::from_chars(label.data(), label.data() + label.size(), v);
      if (ec != std::errc() || end != label.data() + label.size())
        throw DataError(where + "label \"" + label + "\" is not a number (needed for value targets)");
      if (d.y.size() == 0) d.y.resize(1, Index(entries.size()));
      d.y(0, Index(j)) = v;
      continue;
    }
    const std::int32_t id = classes.find_or_add(label);
    if (id < 0)
      throw DataError(where + "unknown class \"" + label + "\"; the known classes are: " + classes.list());
    ids.push_back(id);
  }

  d.feature_names.reserve(pixels.size());
  for (std::size_t i = 0; i < pixels.size(); ++i) d.feature_names.push_back("px" + std::to_string(i));
  d.image_height = Index(first.height);
  d.image_width = Index(first.width);
  if (!labelled) {
    d.y.resize(0, d.x.cols());
    d.class_names = options.class_names;
    return d;
  }
  d.target_names = {"label"};
  if (options.encoding != TargetEncoding::Values) {
    const auto remap = classes.finish(false);
    const Index n_classes = Index(classes.names().size());
    if (options.encoding == TargetEncoding::Binary && n_classes != 2)
      throw DataError(list_path + ": the labels form " + std::to_string(n_classes) + " classes (" +
                      classes.list() +
                      "); binary targets need exactly 2 - use one-hot targets with a softmax output");
    d.y = data_detail::encode_classes(ids, remap, n_classes, options.encoding);
    d.class_names = classes.names();
  }
  return d;
}

}  // namespace fathom
