// CSV loader: layout of x and y, delimiters, RFC 4180 quoting, line endings, column selection,
// missing values, class encodings, every error message, a 200,000-row file and the bundled data.
#include "fathom/data/csv.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fathom/core/error.hpp"
#include "scratch_dir.hpp"

namespace fathom {
namespace {

namespace fs = std::filesystem;

// Each test writes its files in its own scratch folder.
class Csv : public ::testing::Test {
 protected:
  // Writes `text` to a file in the scratch folder and returns its path.
  std::string write(const std::string& name, const std::string& text) { return dir_.write(name, text); }
  // The message of the DataError that loading `text` throws ("" if none).
  std::string error_of(const std::string& text, const CsvOptions& options) {
    try {
      read_csv(write("bad.csv", text), options);
    } catch (const DataError& e) {
      return e.what();
    }
    return "";
  }
  std::string file(const std::string& name) const { return dir_.file(name); }

  testing::ScratchDir dir_;
};

TEST_F(Csv, RowsBecomeColumnsOfXAndTargetsRowsOfY) {
  const Dataset d = read_csv(write("t.csv", "a,b,t,c\n1,2,10,3\n4,5,20,6\n"), {.targets = {"t"}});
  ASSERT_EQ(d.x.rows(), 3);
  ASSERT_EQ(d.x.cols(), 2);
  EXPECT_EQ(d.x(0, 0), 1);
  EXPECT_EQ(d.x(1, 0), 2);
  EXPECT_EQ(d.x(2, 0), 3);
  EXPECT_EQ(d.x(2, 1), 6);
  ASSERT_EQ(d.y.rows(), 1);
  EXPECT_EQ(d.y(0, 0), 10);
  EXPECT_EQ(d.y(0, 1), 20);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"t"}));
  EXPECT_EQ(d.source, file("t.csv"));
  EXPECT_TRUE(d.class_names.empty());
}

TEST_F(Csv, TargetsByIndexAndSeveralValueTargets) {
  const Dataset d = read_csv(write("t.csv", "a,b,c,d,e\n1,2,3,4,5\n"), {.targets = {"4", "0"}});
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"e", "a"}));
  EXPECT_EQ(d.y(0, 0), 5);
  EXPECT_EQ(d.y(1, 0), 1);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"b", "c", "d"}));
}

TEST_F(Csv, DelimiterDetectedFromTheHeaderOrGiven) {
  // Two ';' beat one ','.
  EXPECT_EQ(read_csv(write("s.csv", "a;b,c;d\n1;2;3\n"), {}).feature_names,
            (std::vector<std::string>{"a", "b,c", "d"}));
  const Dataset tab = read_csv(write("t.tsv", "a\tb\n1.5\t2\n"), {});
  EXPECT_EQ(tab.x.rows(), 2);
  EXPECT_EQ(tab.x(0, 0), 1.5f);
  // Commas inside a quoted header name do not count.
  EXPECT_EQ(read_csv(write("q.csv", "\"a,b,c\";d\n1;2\n"), {}).feature_names,
            (std::vector<std::string>{"a,b,c", "d"}));
  EXPECT_EQ(read_csv(write("p.csv", "a|b\n1|2\n"), {.delimiter = '|'}).x.rows(), 2);
}

TEST_F(Csv, QuotedFieldsHoldDelimitersQuotesAndNewlines) {
  const std::string text =
      "x,\"the \"\"label\"\"\"\n"
      "1,\"a,b\"\n"
      "\"2\",\"two\nlines\"\n"
      "3,\"\"\"q\"\"\"\n";
  const CsvOptions options{.targets = {"the \"label\""}, .encoding = TargetEncoding::OneHot};
  const Dataset d = read_csv(write("q.csv", text), options);
  ASSERT_EQ(d.samples(), 3);
  EXPECT_EQ(d.x(0, 1), 2);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"\"q\"", "a,b", "two\nlines"}));
  // Line numbers count the newline inside quotes: the bad row is on line 6.
  EXPECT_EQ(error_of(text + "oops,z\n", options),
            file("bad.csv") + ":6: column \"x\": expected a number, found \"oops\"");
  EXPECT_EQ(error_of("a,b\n1,\"open\n2,3\n", {}),
            file("bad.csv") + ":2: a quoted field is not closed before the end of the file");
}

TEST_F(Csv, CrlfBomBlankLinesAndSpacesAroundNumbers) {
  const Dataset d = read_csv(write("w.csv",
                                   "\xEF\xBB\xBF"
                                   "a, b\r\n 1 ,+2\r\n\r\n3,\t-4e1 \r\n\r\n\n"),
                             {});
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(d.samples(), 2);
  EXPECT_EQ(d.x(0, 0), 1);
  EXPECT_EQ(d.x(1, 0), 2);
  EXPECT_EQ(d.x(1, 1), -40);
  // No final newline at all.
  EXPECT_EQ(read_csv(write("n.csv", "a\n7"), {}).x(0, 0), 7);
}

TEST_F(Csv, FeaturesPickAndOrderInputsIgnoreDropsColumns) {
  const std::string path = write("f.csv", "a,b,c,d\n1,2,3,4\n");
  const Dataset picked = read_csv(path, {.targets = {"a"}, .features = {"d", "b"}});
  EXPECT_EQ(picked.feature_names, (std::vector<std::string>{"d", "b"}));
  EXPECT_EQ(picked.x(0, 0), 4);
  EXPECT_EQ(picked.x(1, 0), 2);
  const Dataset rest = read_csv(path, {.targets = {"a"}, .ignore = {"c", "1"}});
  EXPECT_EQ(rest.feature_names, (std::vector<std::string>{"d"}));
}

TEST_F(Csv, ColumnErrorsListTheColumns) {
  const std::string path = write("f.csv", "a,b,c\n1,2,3\n");
  auto message = [&](const CsvOptions& options) -> std::string {
    try {
      read_csv(path, options);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(message({.targets = {"z"}}),
            path + ": unknown target column \"z\"; the columns are: a, b, c (or a 0-based index below 3)");
  EXPECT_NE(message({.targets = {"3"}}).find("unknown target column \"3\""), std::string::npos);
  EXPECT_NE(message({.features = {"q"}}).find("unknown feature column \"q\"; the columns are: a, b, c"),
            std::string::npos);
  EXPECT_NE(message({.ignore = {"q"}}).find("unknown ignored column"), std::string::npos);
  EXPECT_NE(message({.targets = {"a"}, .features = {"a", "b"}}).find("both a target and a feature"),
            std::string::npos);
  EXPECT_NE(message({.targets = {"a"}, .ignore = {"b", "c"}}).find("no input columns"), std::string::npos);
  EXPECT_NE(message({.targets = {"a", "b"}, .encoding = TargetEncoding::OneHot}).find("exactly one column"),
            std::string::npos);
}

TEST_F(Csv, DataErrorsNameFileLineAndColumn) {
  const std::string f = file("bad.csv");
  EXPECT_EQ(error_of("a,age\n1,2\n3,n/a\n", {}), f + ":3: column \"age\": expected a number, found \"n/a\"");
  EXPECT_EQ(error_of("a,b\n1,2\n3\n", {}), f + ":3: expected 2 fields, found 1");
  EXPECT_EQ(error_of("a,b\n1,2,4\n", {}), f + ":2: expected 2 fields, found 3");
  EXPECT_EQ(error_of("a,b\n1,NA\n", {}), f + ":2: column \"b\": missing value");
  EXPECT_EQ(error_of("a,b\n1,\n", {}), f + ":2: column \"b\": missing value");
  EXPECT_EQ(error_of("a,b\n?,1\n", {}), f + ":2: column \"a\": missing value");
  EXPECT_EQ(error_of("a,b\n1,nan\n", {}), f + ":2: column \"b\": missing value");
  EXPECT_EQ(error_of("a,b\n1,-inf\n", {}), f + ":2: column \"b\": infinite value \"-inf\"");
  EXPECT_EQ(error_of("a,b\n1,1e39\n", {}), f + ":2: column \"b\": value \"1e39\" is out of float range");
  EXPECT_EQ(error_of("a,b\n1,0x10\n", {}), f + ":2: column \"b\": expected a number, found \"0x10\"");
  EXPECT_EQ(error_of("", {}), f + ": no data rows (the file is empty)");
  EXPECT_EQ(error_of("a,b\n", {}), f + ": no data rows");
  EXPECT_EQ(error_of("a,b\n\n\r\n", {}), f + ": no data rows");
  // A label column's missing value is reported like any other.
  EXPECT_EQ(error_of("a,t\n1,x\n2,\n", {.targets = {"t"}, .encoding = TargetEncoding::OneHot}),
            f + ":3: column \"t\": missing value");
  try {
    read_csv(file("does_not_exist.csv"), {});
    ADD_FAILURE() << "no FileError";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("does_not_exist.csv: cannot open"), std::string::npos);
  }
}

TEST_F(Csv, MissingValuesDroppedOrFilledWithTheMean) {
  const std::string path = write("m.csv", "a,b,t\n1,2,x\n,4,y\n3,NA,x\n5,6,?\n");
  const Dataset dropped =
      read_csv(path, {.targets = {"t"}, .encoding = TargetEncoding::OneHot, .missing = MissingValues::Drop});
  ASSERT_EQ(dropped.samples(), 1);  // only the first row is complete
  EXPECT_EQ(dropped.x(1, 0), 2);
  EXPECT_EQ(dropped.y.cols(), 1);
  EXPECT_EQ(dropped.class_names, (std::vector<std::string>{"x"}));

  const std::string numeric = write("n.csv", "a,b\n1,2\n,4\n3,NaN\n5,6\n");
  const Dataset mean = read_csv(numeric, {.missing = MissingValues::Mean});
  ASSERT_EQ(mean.samples(), 4);
  EXPECT_FLOAT_EQ(mean.x(0, 1), 3.0f);  // (1 + 3 + 5) / 3
  EXPECT_FLOAT_EQ(mean.x(1, 2), 4.0f);  // (2 + 4 + 6) / 3
  EXPECT_EQ(mean.x(1, 3), 6);
  // Means are for inputs only; a column with no value at all has none.
  EXPECT_NE(
      error_of("a,t\n1,\n", {.targets = {"t"}, .missing = MissingValues::Mean}).find("missing target value"),
      std::string::npos);
  EXPECT_NE(error_of("a,b\n,1\n?,2\n", {.missing = MissingValues::Mean})
                .find("column \"a\": every value is missing"),
            std::string::npos);
  EXPECT_NE(error_of("a\nNA\n", {.missing = MissingValues::Drop}).find("no data rows left"),
            std::string::npos);
}

TEST_F(Csv, ClassesSortedNumericallyOrAsText) {
  const Dataset numbers = read_csv(write("n.csv", "a,k\n1,10\n2,9\n3,10\n4,2\n"),
                                   {.targets = {"k"}, .encoding = TargetEncoding::OneHot});
  EXPECT_EQ(numbers.class_names, (std::vector<std::string>{"2", "9", "10"}));
  ASSERT_EQ(numbers.y.rows(), 3);
  EXPECT_EQ(numbers.y.col(0), Vector::Unit(3, 2));  // "10"
  EXPECT_EQ(numbers.y.col(1), Vector::Unit(3, 1));  // "9"
  EXPECT_EQ(numbers.y.col(3), Vector::Unit(3, 0));  // "2"

  const Dataset words = read_csv(write("w.csv", "a,k\n1, b \n2,a\n3,B\n"),
                                 {.targets = {"k"}, .encoding = TargetEncoding::OneHot});
  EXPECT_EQ(words.class_names, (std::vector<std::string>{"B", "a", "b"}));  // trimmed, byte order
  EXPECT_EQ(words.y.col(0), Vector::Unit(3, 2));
}

TEST_F(Csv, BinaryNeedsExactlyTwoClassesAndClassOneIsPositive) {
  const Dataset d = read_csv(write("b.csv", "a,s\n1,yes\n2,no\n3,yes\n"),
                             {.targets = {"s"}, .encoding = TargetEncoding::Binary});
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"no", "yes"}));
  ASSERT_EQ(d.y.rows(), 1);
  EXPECT_EQ(d.y(0, 0), 1);
  EXPECT_EQ(d.y(0, 1), 0);
  const std::string three =
      error_of("a,s\n1,x\n2,y\n3,z\n", {.targets = {"s"}, .encoding = TargetEncoding::Binary});
  EXPECT_NE(three.find("has 3 classes (x, y, z)"), std::string::npos) << three;
  EXPECT_NE(three.find("one-hot"), std::string::npos) << three;
  EXPECT_NE(three.find("softmax"), std::string::npos) << three;
}

TEST_F(Csv, GivenClassNamesFixTheOrderAndRejectUnknownLabels) {
  const CsvOptions options{
      .targets = {"s"}, .encoding = TargetEncoding::OneHot, .class_names = {"z", "a", "m"}};
  const Dataset d = read_csv(write("g.csv", "v,s\n1,a\n2,z\n"), options);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"z", "a", "m"}));
  EXPECT_EQ(d.y.col(0), Vector::Unit(3, 1));
  EXPECT_EQ(d.y.col(1), Vector::Unit(3, 0));
  EXPECT_EQ(error_of("v,s\n1,a\n2,q\n", options),
            file("bad.csv") + ":3: column \"s\": unknown class \"q\"; the known classes are: z, a, m");
}

TEST_F(Csv, TargetsOptionalWhenAbsentReadWhenPresent) {
  const CsvOptions options{.targets = {"y"}, .targets_optional = true};
  const Dataset absent = read_csv(write("a.csv", "a,b\n1,2\n"), options);
  EXPECT_EQ(absent.y.rows(), 0);
  EXPECT_EQ(absent.y.cols(), 1);
  EXPECT_TRUE(absent.target_names.empty());
  EXPECT_EQ(absent.x.rows(), 2);
  const Dataset present = read_csv(write("p.csv", "a,b,y\n1,2,3\n"), options);
  EXPECT_EQ(present.y(0, 0), 3);
  EXPECT_EQ(present.x.rows(), 2);
  // Without targets_optional an absent target is an error.
  EXPECT_NE(error_of("a,b\n1,2\n", {.targets = {"y"}}).find("unknown target column \"y\""),
            std::string::npos);
}

TEST_F(Csv, ReadsFromAStream) {
  std::istringstream in("a;t\n1;cat\n2;dog\n");
  const Dataset d = read_csv(in, "<stdin>", {.targets = {"t"}, .encoding = TargetEncoding::OneHot});
  EXPECT_EQ(d.source, "<stdin>");
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(d.x(0, 1), 2);
  std::istringstream bad("a\nx\n");
  try {
    read_csv(bad, "<stdin>", {});
    ADD_FAILURE() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_STREQ(e.what(), "<stdin>:2: column \"a\": expected a number, found \"x\"");
  }
}

// Value of row i, column j of the generated files: exact in float, different everywhere.
float generated(long i, int j) { return float(i % 1000) * 0.25f + float(j) - 7.5f; }

TEST_F(Csv, LargeFileLoadsExactly) {
  // 200,000 × 20 (about 30 MB): crosses many read chunks, so records cut by a chunk end are parsed.
  constexpr long kRows = 200000;
  constexpr int kCols = 20;
  const std::string path = file("big.csv");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    for (int j = 0; j < kCols; ++j) std::fprintf(f, j ? ",c%d" : "c%d", j);
    std::fputc('\n', f);
    for (long i = 0; i < kRows; ++i)
      for (int j = 0; j < kCols; ++j)
        std::fprintf(f, j + 1 < kCols ? "%g," : "%g\n", double(generated(i, j)));
    std::fclose(f);
  }
  const Dataset d = read_csv(path, {.targets = {"c19"}});
  ASSERT_EQ(d.x.rows(), kCols - 1);
  ASSERT_EQ(d.samples(), kRows);
  for (long i : {0L, 1L, 4095L, 65537L, 123457L, kRows - 1})
    for (int j : {0, 7, 18}) ASSERT_EQ(d.x(j, i), generated(i, j)) << "row " << i << " column " << j;
  EXPECT_EQ(d.y(0, kRows - 1), generated(kRows - 1, 19));
  EXPECT_EQ(d.x.sum(), d.x.sum());  // no NaN anywhere
}

TEST_F(Csv, LargeQuotedFileLoadsExactly) {
  // Quoted labels with embedded newlines across read chunks (about 6 MB) take the quote-aware path.
  constexpr long kRows = 150000;
  std::string text = "v,\"label\"\n";
  for (long i = 0; i < kRows; ++i)
    text += std::to_string(i) + (i % 3 == 0   ? ",\"multi\nline\"\n"
                                 : i % 3 == 1 ? ",\"a,\"\"b\"\"\"\n"
                                              : ",plain\n");
  const CsvOptions options{.targets = {"label"}, .encoding = TargetEncoding::OneHot};
  const Dataset d = read_csv(write("q.csv", text), options);
  ASSERT_EQ(d.samples(), kRows);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"a,\"b\"", "multi\nline", "plain"}));
  for (long i : {0L, 1L, 2L, 77777L, kRows - 1}) {
    EXPECT_EQ(d.x(0, i), float(i));
    EXPECT_EQ(d.y(i % 3 == 0 ? 1 : i % 3 == 1 ? 0 : 2, i), 1.0f) << i;
  }
  // The line count stays right after 50,000 quoted newlines.
  EXPECT_EQ(error_of(text + "x,plain\n", options).substr(file("bad.csv").size()),
            ":200002: column \"v\": expected a number, found \"x\"");
}

TEST(CsvBundled, IrisXorAndDigits) {
  const std::string data = std::string(FATHOM_SOURCE_DIR) + "/data/";
  const Dataset iris =
      read_csv(data + "iris.csv", {.targets = {"species"}, .encoding = TargetEncoding::OneHot});
  ASSERT_EQ(iris.samples(), 150);
  EXPECT_EQ(iris.feature_names,
            (std::vector<std::string>{"sepal_length", "sepal_width", "petal_length", "petal_width"}));
  EXPECT_EQ(iris.class_names, (std::vector<std::string>{"setosa", "versicolor", "virginica"}));
  EXPECT_EQ(iris.y.rowwise().sum(), Vector::Constant(3, 50.0f));
  EXPECT_EQ(iris.x.col(0), (Vector(4) << 5.1f, 3.5f, 1.4f, 0.2f).finished());
  EXPECT_EQ(iris.y(0, 0), 1);
  EXPECT_EQ(iris.x.col(149), (Vector(4) << 5.9f, 3.0f, 5.1f, 1.8f).finished());
  EXPECT_EQ(iris.y(2, 149), 1);

  const Dataset xor_data = read_csv(data + "xor.csv", {.targets = {"y"}});
  ASSERT_EQ(xor_data.samples(), 4);
  for (Index j = 0; j < 4; ++j)
    EXPECT_EQ(xor_data.y(0, j), float(int(xor_data.x(0, j)) ^ int(xor_data.x(1, j))));

  const Dataset digits =
      read_csv(data + "digits_5x5.csv", {.targets = {"digit"}, .encoding = TargetEncoding::OneHot});
  ASSERT_EQ(digits.x.rows(), 25);
  ASSERT_EQ(digits.samples(), 5);
  EXPECT_EQ(digits.class_names, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(digits.y, Matrix::Identity(5, 5));
  // Digit 1 is 01100 00100 00100 00100 01110: 8 ink pixels, the first at p1.
  EXPECT_EQ(digits.x.col(0).sum(), 8);
  EXPECT_EQ(digits.x(1, 0), 1);
  EXPECT_EQ(digits.x(0, 0), 0);
}

}  // namespace
}  // namespace fathom
