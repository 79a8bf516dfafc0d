// End-to-end tests of the `fathom` command's failures: every bad input gives the contract's exit
// code and a one-line "fathom: ..." message naming the problem, and leaves no output file behind.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_run.hpp"

namespace {

using namespace fathom_cli_test;

const std::string kIris = quoted(source_file("data/iris.csv"));

// What must be in place before the command runs.
enum class Model {
  None,
  Trained,  // M.fathom: a model trained on Iris
  Corrupt,  // M.fathom with one byte flipped
};

// Every member has an initializer: GCC 12 warns about designated initializers that skip one without.
struct ErrorCase {
  std::string name{};
  std::string args{};                                        // after `fathom`, run in the test's folder
  std::vector<std::pair<std::string, std::string>> files{};  // created first: name, content
  int code = 0;
  std::vector<std::string> fragments{};  // each must appear in stderr
  std::string output{};                  // the --save / --out target
  std::string
      existing{};  // non-empty: `output` exists with this content and must keep it; else must not exist
  Model model = Model::None;
};

std::ostream& operator<<(std::ostream& out, const ErrorCase& c) {
  return out << c.name << ": fathom " << c.args;
}

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}

// A valid IDX labels file of two labels.
std::string idx_labels() { return be32(0x00000801) + be32(2) + std::string{char(0), char(1)}; }

// Regression data whose targets are so large that SGD at a huge rate blows up in a few steps.
std::string large_targets_csv() {
  std::ostringstream csv;
  csv << "a,b,y\n";
  for (int i = 0; i < 64; ++i) csv << i % 7 << ',' << (i * 3) % 5 << ',' << 1e6 * (i % 11) << '\n';
  return csv.str();
}

const std::string kTrainFlags = " --layers 4:relu,1:linear --epochs 3 --save out.fathom --quiet";

std::vector<ErrorCase> cases() {
  const std::string diverge =
      "train --data big.csv --target y --layers 1:linear --loss mse --optimizer sgd --lr 1e6 --epochs 20"
      " --batch-size 8 --save out.fathom --quiet";
  return {
      {.name = "MissingDataFile",
       .args = "train --data nope.csv --target y" + kTrainFlags,
       .code = 3,
       .fragments = {"nope.csv"},
       .output = "out.fathom"},
      {.name = "EmptyFile",
       .args = "train --data e.csv --target y" + kTrainFlags,
       .files = {{"e.csv", ""}},
       .code = 3,
       .fragments = {"e.csv", "empty"},
       .output = "out.fathom"},
      {.name = "HeaderOnly",
       .args = "train --data h.csv --target y" + kTrainFlags,
       .files = {{"h.csv", "a,b,y\n"}},
       .code = 3,
       .fragments = {"h.csv", "no data rows"},
       .output = "out.fathom"},
      {.name = "RaggedRow",
       .args = "train --data r.csv --target y" + kTrainFlags,
       .files = {{"r.csv", "a,b,y\n1,2,3\n4,5\n6,7,8\n"}},
       .code = 3,
       .fragments = {"r.csv:3", "3 fields, found 2"},
       .output = "out.fathom"},
      {.name = "NonNumericField",
       .args = "train --data n.csv --target y" + kTrainFlags,
       .files = {{"n.csv", "a,b,y\n1,2,3\n4,abc,5\n6,7,8\n"}},
       .code = 3,
       .fragments = {"n.csv:3", "column \"b\"", "\"abc\""},
       .output = "out.fathom"},
      {.name = "NanField",
       .args = "train --data nan.csv --target y" + kTrainFlags,
       .files = {{"nan.csv", "a,b,y\n1,2,3\n4,5,6\n7,NaN,9\n"}},
       .code = 3,
       .fragments = {"nan.csv:4", "column \"b\""},
       .output = "out.fathom"},
      {.name = "UnknownTargetColumn",
       .args =
           "train --data " + kIris + " --target nosuch --layers 8:relu,3:softmax --save out.fathom --quiet",
       .code = 3,
       .fragments = {"nosuch", "species"},  // the message lists the columns there are
       .output = "out.fathom"},
      {.name = "OutputWidthMismatch",
       .args =
           "train --data " + kIris + " --target species --layers 8:relu,2:softmax --save out.fathom --quiet",
       .code = 2,
       .fragments = {"3 classes"},
       .output = "out.fathom"},
      {.name = "CceNeedsSoftmax",
       .args = "train --data " + kIris +
               " --target species --layers 8:relu,3:linear --loss cce --save out.fathom --quiet",
       .code = 2,
       .fragments = {"cce", "softmax"},
       .output = "out.fathom"},
      {.name = "MultilabelTargetsMustBeZeroOrOne",
       .args = "train --data ml.csv --target l1,l2 --layers 2:sigmoid --save out.fathom --quiet",
       .files = {{"ml.csv", "a,l1,l2\n1,0,1\n2,5,0\n3,1,1\n"}},
       .code = 3,
       .fragments = {"ml.csv", "\"l1\"", "0 or 1", "found 5"},
       .output = "out.fathom"},
      {.name = "ResumeNeedsData",
       .args = "train --resume M.fathom --epochs 9 --save out.fathom",
       .code = 2,
       .fragments = {"--resume needs --data"},
       .output = "out.fathom",
       .model = Model::Trained},
      {.name = "PredictFeaturesMustBeTheModels",
       .args = "predict --model M.fathom --data " + kIris +
               " --features petal_width,sepal_width,petal_length,sepal_length --out P.csv",
       .code = 2,
       .fragments = {"--features", "sepal_length,sepal_width,petal_length,petal_width"},
       .output = "P.csv",
       .model = Model::Trained},
      {.name = "PredictRefusesToDropRows",
       .args = "predict --model M.fathom --data " + kIris + " --missing drop --out P.csv",
       .code = 2,
       .fragments = {"--missing drop"},
       .output = "P.csv",
       .model = Model::Trained},
      {.name = "FailedSaveLeavesNoLog",
       .args = "train --data " + kIris +
               " --target species --layers 4:tanh,3:softmax --epochs 2 --log H.csv"
               " --save nodir/out.fathom --quiet",
       .code = 3,
       .fragments = {"nodir/out.fathom"},
       .output = "H.csv"},
      {.name = "DivergedLeavesNoLog",
       .args = diverge + " --log H.csv",
       .files = {{"big.csv", large_targets_csv()}},
       .code = 1,
       .fragments = {"diverged"},
       .output = "H.csv"},
      {.name = "UnknownOptimizer",  // the library's message lists the optimizers there are
       .args = "train --data " + kIris +
               " --target species --layers 8:relu,3:softmax --optimizer adamax --save out.fathom --quiet",
       .code = 2,
       .fragments = {"\"adamax\"", "sgd", "adamw"},
       .output = "out.fathom"},
      {.name = "OptionTheOptimizerLacks",
       .args = "train --data " + kIris +
               " --target species --layers 8:relu,3:softmax --optimizer adam --momentum 0.9 --save out.fathom"
               " --quiet",
       .code = 2,
       .fragments = {"adam", "\"momentum\"", "learning_rate"},
       .output = "out.fathom"},
      {.name = "WrongFeatureCountAtPredict",
       .args = "predict --model M.fathom --data few.csv --out P.csv",
       .files = {{"few.csv", "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n6.3,3.3,6.0\n"}},
       .code = 3,
       .fragments = {"few.csv", "petal_width"},
       .output = "P.csv",
       .model = Model::Trained},
      {.name = "BadIdxMagic",
       .args = "train --data idx:img.idx,lbl.idx --layers 4:relu,10:softmax --save out.fathom --quiet",
       .files = {{"img.idx", be32(0x00000999) + be32(2) + be32(2) + be32(2) + std::string(8, char(7))},
                 {"lbl.idx", idx_labels()}},
       .code = 3,
       .fragments = {"img.idx", "magic"},
       .output = "out.fathom"},
      {.name = "TruncatedIdx",
       .args = "train --data idx:img.idx,lbl.idx --layers 4:relu,10:softmax --save out.fathom --quiet",
       .files = {{"img.idx", be32(0x00000803) + be32(2) + be32(2) + be32(2) + std::string(3, char(7))},
                 {"lbl.idx", idx_labels()}},
       .code = 3,
       .fragments = {"img.idx", "truncated"},
       .output = "out.fathom"},
      {.name = "UnreadablePgm",
       .args = "train --data pgm-list:list.txt --label-from-name '_(left|right)_' --layers 4:relu,2:softmax"
               " --save out.fathom --quiet",
       .files = {{"list.txt", "a_left_.pgm\n"}, {"a_left_.pgm", "this is not an image\n"}},
       .code = 3,
       .fragments = {"a_left_.pgm"},
       .output = "out.fathom"},
      {.name = "CorruptModelAtEvaluate",
       .args = "evaluate --model M.fathom --data " + kIris,
       .code = 3,
       .fragments = {"M.fathom", "checksum"},
       .model = Model::Corrupt},
      {.name = "CorruptModelAtPredict",
       .args = "predict --model M.fathom --data " + kIris + " --out P.csv",
       .code = 3,
       .fragments = {"M.fathom", "checksum"},
       .output = "P.csv",
       .model = Model::Corrupt},
      {
          .name = "UnknownFlag",
          .args = "train --bogus --save out.fathom",
          .code = 2,
          .fragments = {"--bogus"},
          .output = "out.fathom",
      },
      {.name = "BadLayersSpec",
       .args = "train --data " + kIris +
               " --target species --layers 8:nosuch,3:softmax --save out.fathom --quiet",
       .code = 2,
       .fragments = {"--layers", "nosuch"},
       .output = "out.fathom"},
      {.name = "BadLayersUnits",
       .args = "train --data " + kIris +
               " --target species --layers eight:relu,3:softmax --save out.fathom --quiet",
       .code = 2,
       .fragments = {"--layers", "eight"},
       .output = "out.fathom"},
      {.name = "ValidationSplitAboveOne",
       .args = "train --data " + kIris +
               " --target species --layers 8:relu,3:softmax --validation-split 1.5 --save out.fathom --quiet",
       .code = 2,
       .fragments = {"--validation-split", "1.5"},
       .output = "out.fathom"},
      {.name = "Diverged",
       .args = diverge,
       .files = {{"big.csv", large_targets_csv()}},
       .code = 1,
       .fragments = {"diverged"},
       .output = "out.fathom"},
      {.name = "DivergedKeepsExistingModel",
       .args = diverge,
       .files = {{"big.csv", large_targets_csv()}},
       .code = 1,
       .fragments = {"diverged"},
       .output = "out.fathom",
       .existing = "an earlier model, not to be touched\n"},
  };
}

class CliErrors : public CliFixture, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(CliErrors, ExitCodeMessageAndNoOutputFile) {
  const ErrorCase& c = GetParam();
  for (const auto& [name, content] : c.files) write_text(path(name), content);
  if (c.model != Model::None) {
    const CliResult trained =
        run("train --data " + kIris +
            " --target species --layers 8:relu,3:softmax --epochs 5 --save M.fathom --quiet");
    ASSERT_EQ(trained.code, 0) << describe(trained);
    if (c.model == Model::Corrupt) {
      // A byte in the middle: the weights, past the header, so only the checksum can tell.
      std::string bytes = read_text(path("M.fathom"));
      ASSERT_GT(bytes.size(), 64u);
      bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x55);
      write_text(path("M.fathom"), bytes);
    }
  }
  if (!c.existing.empty()) write_text(path(c.output), c.existing);

  const CliResult r = run(c.args);
  EXPECT_EQ(r.code, c.code) << describe(r);
  for (const auto& fragment : c.fragments) {
    EXPECT_NE(r.err.find(fragment), std::string::npos) << "\"" << fragment << "\" not in stderr:\n" << r.err;
  }
  // Every error, usage errors included, is one line starting with "fathom: ".
  EXPECT_EQ(lines_of(r.err).size(), 1u) << "one line on stderr:\n" << r.err;
  EXPECT_EQ(r.err.rfind("fathom: ", 0), 0u) << "starts with \"fathom: \":\n" << r.err;
  EXPECT_TRUE(!r.err.empty() && r.err.back() == '\n') << r.err;
  if (!c.output.empty()) {
    if (c.existing.empty()) {
      EXPECT_FALSE(fs::exists(path(c.output))) << c.output << " left behind";
    } else {
      EXPECT_EQ(read_text(path(c.output)), c.existing) << c.output << " changed";
    }
  }
  // Nor a temporary file from an atomic write that was abandoned.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    const std::string name = entry.path().filename().string();
    bool expected = name == "M.fathom" || name == c.output;
    for (const auto& file : c.files) expected = expected || name == file.first;
    EXPECT_TRUE(expected) << "unexpected file left behind: " << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Cli, CliErrors, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; });

}  // namespace
