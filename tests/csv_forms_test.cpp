// CSV in the forms people have it: pipes and FIFOs (read once), headerless files, gzip (told by
// the magic bytes), binary garbage, whitespace-aligned columns, duplicate and non-UTF-8 names.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fathom/core/error.hpp"
#include "fathom/data/csv.hpp"
#include "scratch_dir.hpp"

namespace fathom {
namespace {

class CsvForms : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text) { return dir_.write(name, text); }
  std::string write_gz(const std::string& name, const std::string& text) {
    const std::string path = dir_.file(name);
    gzFile f = gzopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(gzwrite(f, text.data(), unsigned(text.size())), int(text.size()));
    gzclose(f);
    return path;
  }
  // The message of the Error that loading `path` throws ("" if none).
  static std::string error_of(const std::string& path, const CsvOptions& options = {}) {
    try {
      read_csv(path, options);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }

  testing::ScratchDir dir_;
};

// A headerless file of n rows: 4 integer features and an integer class in the last column, the
// first row all numbers, as scikit-learn's digits.csv.gz is.
std::string headerless_digits(int n) {
  std::string text;
  for (int i = 0; i < n; ++i)
    text += std::to_string(i % 17) + "," + std::to_string((i * 7) % 16) + ",0," + std::to_string(i % 5) +
            "," + std::to_string(i % 10) + "\n";
  return text;
}

// Writes `text` into a pipe from another thread; read_csv reads the pipe as /dev/fd/N, which is
// what bash's `<(...)` hands a program.
Dataset read_through_pipe(const std::string& text, const CsvOptions& options) {
  std::signal(SIGPIPE, SIG_IGN);  // a reader that stops early must not kill the test
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  std::thread writer([&] {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += std::size_t(n);
    }
    ::close(fds[1]);
  });
  try {
    Dataset d = read_csv("/dev/fd/" + std::to_string(fds[0]), options);
    writer.join();
    ::close(fds[0]);
    return d;
  } catch (...) {
    ::close(fds[0]);  // the writer gets EPIPE and stops
    writer.join();
    throw;
  }
}

TEST_F(CsvForms, APipeIsReadOnceWholeAcrossManyChunks) {
  // About 6 MB, more than one read chunk, through a pipe that cannot seek back for the second pass.
  std::string text = "a,b,label\n";
  constexpr int kRows = 300000;
  for (int i = 0; i < kRows; ++i) text += std::to_string(i) + ",0.5," + (i % 2 ? "odd" : "even") + "\n";
  const Dataset d = read_through_pipe(text, {.targets = {"label"}, .encoding = TargetEncoding::OneHot});
  ASSERT_EQ(d.samples(), kRows);
  EXPECT_EQ(d.x(0, kRows - 1), float(kRows - 1));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"even", "odd"}));
  EXPECT_EQ(d.y(1, 1), 1);
}

TEST_F(CsvForms, AFifoIsReadLikeAFile) {
  const std::string fifo = dir_.file("data.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    std::FILE* f = std::fopen(fifo.c_str(), "wb");  // blocks until read_csv opens the other end
    if (!f) return;
    std::fputs("x,y\n1,2\n3,4\n5,6\n", f);
    std::fclose(f);
  });
  const Dataset d = read_csv(fifo, {.targets = {"y"}});
  writer.join();
  ASSERT_EQ(d.samples(), 3);
  EXPECT_EQ(d.y(0, 2), 6);
  EXPECT_EQ(d.source, fifo);
}

TEST_F(CsvForms, HeaderlessNumbersKeepTheFirstRowAndNameColumnsByPosition) {
  const std::string path = write("digits.csv", headerless_digits(1797));
  const Dataset d = read_csv(path, {.targets = {"4"}, .encoding = TargetEncoding::OneHot});
  ASSERT_EQ(d.samples(), 1797);  // not 1,796: the first row is a sample
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"4"}));
  EXPECT_EQ(d.x(0, 0), 0);
  EXPECT_EQ(d.x(0, 1), 1);
  EXPECT_EQ(d.class_names.size(), 10u);
  // A data error's line number counts the first row as line 1 of data.
  EXPECT_EQ(error_of(write("bad.csv", "1,2\n3,4\n5,x\n")),
            dir_.file("bad.csv") + ":3: column \"1\": expected a number, found \"x\"");
  // The same file through a pipe, and gzip-compressed.
  EXPECT_EQ(read_through_pipe(headerless_digits(50), {}).samples(), 50);
  EXPECT_EQ(read_csv(write_gz("digits.csv.gz", headerless_digits(1797)), {}).samples(), 1797);
}

TEST_F(CsvForms, HeaderDetectedByTheKindsOfTheRowBelow) {
  // UCI's iris.data: no header, numbers and a class label; the first row is a sample.
  const Dataset iris =
      read_csv(write("iris.data", "5.1,3.5,1.4,0.2,Iris-setosa\n4.9,3.0,1.4,0.2,Iris-setosa\n"),
               {.targets = {"4"}, .encoding = TargetEncoding::OneHot});
  EXPECT_EQ(iris.samples(), 2);
  EXPECT_EQ(iris.x(0, 0), 5.1f);
  // Names over numbers: a header.
  EXPECT_EQ(read_csv(write("h.csv", "sepal,petal,species\n5.1,1.4,setosa\n"),
                     {.targets = {"species"}, .encoding = TargetEncoding::OneHot})
                .feature_names.front(),
            "sepal");
  EXPECT_EQ(read_csv(write("h.csv", "x,y\n1,2\n"), {}).samples(), 1);
  // A missing value in the first row still reads as data.
  EXPECT_EQ(read_csv(write("m.csv", "1,,3\n4,5,6\n"), {.missing = MissingValues::Mean}).samples(), 2);
  // Column positions as pandas writes them (with and without its unnamed index) are a header.
  EXPECT_EQ(read_csv(write("p.csv", "0,1,2\n5,6,7\n"), {}).samples(), 1);
  EXPECT_EQ(read_csv(write("p.csv", "1,2,3\n5,6,7\n"), {}).feature_names,
            (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(read_csv(write("p.csv", ",0,1\n0,6,7\n1,8,9\n"), {.ignore = {""}}).samples(), 2);
  // ...but only three or more of them: "0,1" over "1,0" is XOR data.
  EXPECT_EQ(read_csv(write("x.csv", "0,1\n1,0\n"), {}).samples(), 2);
}

TEST_F(CsvForms, HeaderPresentOrAbsentOverridesTheDetection) {
  const std::string numbers = write("n.csv", "2019,2020\n5,6\n7,8\n");
  EXPECT_EQ(read_csv(numbers, {}).samples(), 3);  // detected as data
  const Dataset named = read_csv(numbers, {.targets = {"2020"}, .header = CsvHeader::Present});
  EXPECT_EQ(named.samples(), 2);
  EXPECT_EQ(named.feature_names, (std::vector<std::string>{"2019"}));
  EXPECT_EQ(named.y(0, 1), 8);
  // Absent: a first row of text is data (and then fails as text in a number column).
  const std::string text = write("t.csv", "a,b\n1,2\n");
  EXPECT_EQ(error_of(text, {.header = CsvHeader::Absent}),
            text + ":1: column \"0\": expected a number, found \"a\"");
  const Dataset labels =
      read_csv(write("l.csv", "1,cat\n2,dog\n"),
               {.targets = {"1"}, .encoding = TargetEncoding::OneHot, .header = CsvHeader::Absent});
  EXPECT_EQ(labels.samples(), 2);
  EXPECT_EQ(labels.class_names, (std::vector<std::string>{"cat", "dog"}));
}

TEST_F(CsvForms, DuplicateColumnNamesAreAnErrorNamingBothPositions) {
  const std::string path = write("d.csv", "a,b,c,b\n1,2,3,4\n");
  EXPECT_EQ(error_of(path),
            path + ":1: columns 1 and 3 (0-based) are both named \"b\"; column names must be unique");
  // On the header's own line, after blank lines.
  const std::string later = write("e.csv", "\n\nx,x\n1,2\n");
  EXPECT_EQ(error_of(later),
            later + ":3: columns 0 and 1 (0-based) are both named \"x\"; column names must be unique");
}

TEST_F(CsvForms, GzipIsToldByItsMagicBytesNotItsName) {
  std::string text = "v,w,t\n";
  constexpr int kRows = 200000;  // about 3.5 MB of text: the second pass decompresses again
  for (int i = 0; i < kRows; ++i) text += std::to_string(i) + "," + std::to_string(i % 7) + ",1.5\n";
  const std::string gz = write_gz("data.bin", text);
  const Dataset d = read_csv(gz, {.targets = {"t"}});
  ASSERT_EQ(d.samples(), kRows);
  EXPECT_EQ(d.x(0, kRows - 1), float(kRows - 1));
  EXPECT_EQ(d.x(1, 12), 5);
  EXPECT_EQ(d.y(0, 7), 1.5f);
  // Errors name lines of the decompressed text.
  const std::string bad = write_gz("bad.csv.gz", "a,b\n1,2\n3,oops\n");
  EXPECT_EQ(error_of(bad), bad + ":3: column \"b\": expected a number, found \"oops\"");
  // From a stream (stdin) and from a pipe.
  std::ifstream in(gz, std::ios::binary);
  EXPECT_EQ(read_csv(in, "<stdin>", {.targets = {"t"}}).samples(), kRows);
  std::ifstream small(write_gz("small.gz", "a,b\n1,2\n3,4\n"), std::ios::binary);
  const std::string compressed{std::istreambuf_iterator<char>(small), std::istreambuf_iterator<char>()};
  EXPECT_EQ(read_through_pipe(compressed, {}).samples(), 2);
  // A gzip file cut short is damaged data, never a shorter data set.
  std::ifstream whole(gz, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(whole), std::istreambuf_iterator<char>()};
  const std::string cut = write("cut.csv.gz", bytes.substr(0, bytes.size() / 2));
  EXPECT_EQ(error_of(cut, {.targets = {"t"}}),
            cut + ": truncated gzip data (the compressed stream ends early)");
  std::istringstream cut_stream(bytes.substr(0, bytes.size() / 2));
  try {
    read_csv(cut_stream, "<stdin>", {});
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "<stdin>: truncated gzip data (the compressed stream ends early)");
  }
}

// True when every byte of `text` is printable ASCII: no raw file bytes leaked into a message.
bool printable(const std::string& text) {
  for (const char c : text)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

TEST_F(CsvForms, BinaryGarbageIsNotATextCsvFile) {
  std::mt19937 gen(7);
  std::string noise(4096, '\0');
  for (char& c : noise) c = char(gen());
  const std::string path = write("noise.csv", noise);
  const std::string message = error_of(path);
  EXPECT_EQ(message.rfind(path + ": not a text CSV file (binary data: byte 0x", 0), 0u) << message;
  EXPECT_TRUE(printable(message)) << message;
  // A model file, through a pipe, and UTF-16 text.
  try {
    read_through_pipe(std::string("FATHOM\0\x1a", 8) + std::string(70000, 'x'), {});
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("not a text CSV file (binary data: byte 0x00 at offset 6)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(error_of(write("u16.csv", std::string("\xFF\xFE"
                                                  "a\0,\0b\0",
                                                  8))),
            dir_.file("u16.csv") + ": not a text CSV file (UTF-16 text; save it as UTF-8)");
  // Gzip-compressed garbage is judged on what it decompresses to.
  EXPECT_NE(error_of(write_gz("noise.gz", noise)).find("not a text CSV file"), std::string::npos);
}

TEST_F(CsvForms, WhitespaceAlignedColumnsAreDetectedOrGiven) {
  const std::string dat = write("w.dat",
                                "  x1     x2    y\n"
                                "  1.5   -2     0.25\n"
                                "\t3     4e1    1\n"
                                "   \n"
                                "  5      6     7   \n");
  const Dataset d = read_csv(dat, {.targets = {"y"}});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"x1", "x2"}));
  ASSERT_EQ(d.samples(), 3);
  EXPECT_EQ(d.x(1, 0), -2);
  EXPECT_EQ(d.x(1, 1), 40);
  EXPECT_EQ(d.y(0, 2), 7);
  // Headerless, and given explicitly; quoted fields keep their spaces.
  const Dataset headerless = read_csv(write("h.dat", "7 8 9\n4 5 6\n"), {});
  EXPECT_EQ(headerless.samples(), 2);
  EXPECT_EQ(headerless.x.rows(), 3);
  const Dataset quoted =
      read_csv(write("q.dat", "v \"the label\"\n1 \"a b\"\n2 c\n"),
               {.delimiter = ' ', .targets = {"the label"}, .encoding = TargetEncoding::OneHot});
  EXPECT_EQ(quoted.class_names, (std::vector<std::string>{"a b", "c"}));
  // One column whose name holds a space stays one column.
  EXPECT_EQ(read_csv(write("one.csv", "sepal length\n5.1\n"), {}).feature_names,
            (std::vector<std::string>{"sepal length"}));
  // A row with another number of fields is reported like any other.
  EXPECT_EQ(error_of(write("bad.dat", "a b\n1 2\n3\n")),
            dir_.file("bad.dat") + ":3: expected 2 fields, found 1");
}

TEST_F(CsvForms, NamesAndClassLabelsMustBeUtf8AndMessagesNeverHoldRawBytes) {
  // Latin-1 "café" in the header.
  const std::string header = write("h.csv", "x,caf\xE9\n1,2\n");
  EXPECT_EQ(error_of(header), header +
                                  ":1: column 1 (0-based): the name \"caf\\xE9\" is not valid UTF-8 (byte "
                                  "3); save the file as UTF-8");
  // ...and in a class label, on its line.
  const std::string label = write("l.csv", "x,t\n1,ok\n2,\xE9t\xE9\n");
  EXPECT_EQ(
      error_of(label, {.targets = {"t"}, .encoding = TargetEncoding::OneHot}),
      label + ":3: column \"t\": the class label \"\\xE9t\\xE9\" is not valid UTF-8; save the file as UTF-8");
  // Valid UTF-8 is kept as it is.
  const Dataset utf8 = read_csv(write("u.csv",
                                      "temp\xC3\xA9rature,esp\xC3\xA8"
                                      "ce\n1,\xE6\x97\xA5\n2,b\n"),
                                {.targets = {"esp\xC3\xA8"
                                             "ce"},
                                 .encoding = TargetEncoding::OneHot});
  EXPECT_EQ(utf8.feature_names.front(), "temp\xC3\xA9rature");
  EXPECT_EQ(utf8.class_names, (std::vector<std::string>{"b", "\xE6\x97\xA5"}));
  // A number field with stray bytes is shown escaped.
  const std::string field = write("f.csv", "a,b\n1,\xFFz\n");
  EXPECT_EQ(error_of(field), field + ":2: column \"b\": expected a number, found \"\\xFFz\"");
}

}  // namespace
}  // namespace fathom
