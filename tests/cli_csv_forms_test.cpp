// `fathom` on CSV data in the forms people have it: `<(...)`, a pipe on stdin, a FIFO, headerless
// files (--header / --no-header), .csv.gz, binary garbage, whitespace-aligned columns, names
// that are not UTF-8 or not unique. The commands run under bash, for process substitution.
#include <cstdlib>
#include <string>

#include "cli_run.hpp"

namespace fathom_cli_test {
namespace {

class CliCsvForms : public CliFixture {
 protected:
  // Runs `script` with bash in the test's folder; "$FATHOM" is the command, "$IRIS" the bundled
  // data/iris.csv.
  CliResult bash(const std::string& script) const {
    write_text(path(".script.sh"), "FATHOM=" + quoted(FATHOM_CLI_PATH) + "\nIRIS=" +
                                       quoted(source_file("data/iris.csv")) + "\n" + script + "\n");
    const std::string command =
        "cd " + quoted(dir_.string()) + " && bash .script.sh >.stdout 2>.stderr </dev/null";
    const int status = std::system(command.c_str());
    CliResult r;
    r.code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(path(".stdout"));
    r.err = read_text(path(".stderr"));
    return r;
  }
  static bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
};

constexpr const char* kTrain = " --target species --layers 4:tanh,3:softmax --epochs 2 --validation-split 0";

TEST_F(CliCsvForms, ProcessSubstitutionPipeAndFifoAreReadOnce) {
  // Two of Iris's columns through <(...): the reader cannot seek back for its second pass.
  CliResult r = bash(std::string("\"$FATHOM\" train --data <(cut -d, -f1,2,5 \"$IRIS\")") + kTrain +
                     " --save m.fathom");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "training on 150 samples (classify, 2 inputs")) << r.err;
  // The same through stdin as `--data -`, and a model used on piped data.
  r = bash(std::string("cut -d, -f1,2,5 \"$IRIS\" | \"$FATHOM\" train --data -") + kTrain);
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "training on 150 samples")) << r.err;
  r = bash("\"$FATHOM\" predict --model m.fathom --data <(cut -d, -f1,2 \"$IRIS\") --out -");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(lines_of(r.out).size(), 151u) << r.out;
  // Without --layers or with hidden layers only, the target is read a second time, as class
  // labels: a pipe's text is kept from the first read for that.
  r = bash(
      "\"$FATHOM\" train --data <(cut -d, -f1,2,5 \"$IRIS\") --target species --epochs 1 --layers 8:tanh");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "training on 150 samples (classify, 2 inputs")) << r.err;
  // A named FIFO.
  r = bash(std::string("mkfifo f.csv && { cat \"$IRIS\" > f.csv & } && \"$FATHOM\" train --data f.csv") +
           kTrain + "; code=$?; wait; exit $code");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "training on 150 samples")) << r.err;
}

TEST_F(CliCsvForms, HeaderlessDataKeepsEverySampleAndTheFlagsOverride) {
  std::string text;
  for (int i = 0; i < 300; ++i)
    text += std::to_string(i % 13 + 3) + "," + std::to_string((i * 5) % 16 + 1) + "," +
            std::to_string(i % 7 + 5) + "," + std::to_string(i % 3) + "\n";
  write_text(path("h.csv"), text);
  const std::string layers = " --layers 8:tanh,3:softmax --epochs 1 --validation-split 0";
  CliResult r = run("train --data h.csv --target 3 --save h.fathom" + layers);
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "training on 300 samples (classify, 3 inputs")) << r.err;
  r = run("predict --model h.fathom --data h.csv --out -");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(lines_of(r.out).size(), 301u);  // a header line and every sample
  // --header takes the first row as names; --no-header makes a header row data (an error here).
  // (the first row 3,1,5,0 then names the columns: the last one is named "0")
  r = run("train --data h.csv --target 0 --header" + layers);
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "training on 299 samples")) << r.err;
  r = run("train --data h.csv --target 3 --header --no-header" + layers);
  EXPECT_EQ(r.code, 2) << describe(r);
  r = run("train --target species --no-header" + std::string(" --data ") +
          quoted(source_file("data/iris.csv")) + " --layers 3:softmax --epochs 1");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_TRUE(has(r.err, "iris.csv: unknown target column \"species\"")) << r.err;
}

TEST_F(CliCsvForms, GzipCsvIsReadFromAFileOrStdin) {
  CliResult r = bash(std::string("gzip -c \"$IRIS\" > iris.csv.gz && gzip -c \"$IRIS\" > iris.data && "
                                 "\"$FATHOM\" train --data iris.csv.gz") +
                     kTrain + " && \"$FATHOM\" train --data iris.data" + kTrain);
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "training on 150 samples")) << r.err;
  r = bash(std::string("gzip -c \"$IRIS\" | \"$FATHOM\" train --data -") + kTrain);
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "training on 150 samples")) << r.err;
}

// Every byte printable ASCII or a line break: no raw bytes of the file in the message.
bool printable(const std::string& text) {
  for (const char c : text)
    if ((c < 0x20 && c != '\n') || c > 0x7E) return false;
  return true;
}

TEST_F(CliCsvForms, BinaryGarbageIsNotATextCsvFile) {
  CliResult r =
      bash("head -c 20000 /dev/urandom > g.csv && \"$FATHOM\" train --data g.csv --target 0 --layers 1");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_TRUE(has(r.err, "fathom: g.csv: not a text CSV file (binary data: byte 0x")) << r.err;
  EXPECT_TRUE(printable(r.err)) << r.err;
  // A device that never ends fails at once instead of filling memory.
  r = run("train --data /dev/zero --target 0 --layers 1");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_TRUE(has(r.err, "/dev/zero: not a text CSV file (binary data: byte 0x00 at offset 0)")) << r.err;
  // A model file given as data.
  r = bash(std::string("\"$FATHOM\" train --data \"$IRIS\"") + kTrain +
           " --quiet --save m.fathom && \"$FATHOM\" evaluate --model m.fathom --data m.fathom");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_TRUE(has(r.err, "m.fathom: not a text CSV file")) << r.err;
  EXPECT_TRUE(printable(r.err)) << r.err;
}

TEST_F(CliCsvForms, WhitespaceAlignedColumnsAreDetectedOrForced) {
  std::string text = "  x1     x2     y\n";
  for (int i = 0; i < 40; ++i)
    text +=
        "  " + std::to_string(i) + "     " + std::to_string(i % 3) + "     " + std::to_string(i % 2) + "\n";
  write_text(path("w.dat"), text);
  const std::string rest = " --target y --layers 2:softmax --epochs 1 --validation-split 0";
  CliResult r = run("train --data w.dat" + rest);
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "training on 40 samples (classify, 2 inputs")) << r.err;
  for (const char* flag : {"space", "' '"}) {
    r = run("train --data w.dat --delimiter " + std::string(flag) + rest);
    ASSERT_EQ(r.code, 0) << flag << ": " << describe(r);
  }
  r = run("train --data w.dat --delimiter spaces" + rest);
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_TRUE(has(r.err, "--delimiter must be one character, tab or space")) << r.err;
}

TEST_F(CliCsvForms, NonUtf8AndDuplicateNamesFailBeforeTraining) {
  // Latin-1 class labels: rejected when read, with line and column, before any epoch.
  write_text(path("l.csv"), "x,t\n1,oui\n2,\xE9t\xE9\n3,oui\n");
  CliResult r = run("train --data l.csv --target t --layers 2:softmax --epochs 1 --save l.fathom");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_TRUE(has(r.err, "l.csv:3: column \"t\": the class label \"\\xE9t\\xE9\" is not valid UTF-8"))
      << r.err;
  EXPECT_FALSE(has(r.err, "epoch")) << r.err;
  EXPECT_TRUE(printable(r.err)) << r.err;
  EXPECT_FALSE(fs::exists(path("l.fathom")));
  write_text(path("n.csv"), "x,\xE9\n1,2\n");
  r = run("train --data n.csv --target x --layers 1 --epochs 1");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_TRUE(has(r.err, "n.csv:1: column 1 (0-based): the name \"\\xE9\" is not valid UTF-8")) << r.err;
  write_text(path("d.csv"), "a,b,a\n1,2,3\n");
  r = run("train --data d.csv --target b --layers 1 --epochs 1");
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_TRUE(has(r.err, "d.csv:1: columns 0 and 2 (0-based) are both named \"a\"")) << r.err;
}

}  // namespace
}  // namespace fathom_cli_test
