// End-to-end tests that the `fathom` command's flags do what they say: every numeric flag of every
// subcommand rejects NaN, Inf and out-of-range values by name; typos get a suggestion; --resume
// applies --lr and refuses what it cannot honour; --l2 per optimizer; cv's own flags; step units
// and --perceptron; images without labels for predict; a PGM model's label regex; exit 3 when
// memory runs out.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"
#include "fathom/fathom.hpp"
#include "sanitizer.hpp"

namespace {

using namespace fathom_cli_test;

const std::string kIris = quoted(source_file("data/iris.csv"));

// ---------------------------------------------------------------------------------------------
// Numeric flags: one row per flag of each subcommand, with a value just outside its range.

struct NumericFlag {
  std::string command;       // the subcommand and flags that make a valid command without `flag`
  std::string flag;          // e.g. --lr
  std::string out_of_range;  // a finite value the flag must refuse
};

std::string subcommand_of(const NumericFlag& f) { return f.command.substr(0, f.command.find(' ')); }

const std::string kTrain = "train --data " + kIris + " --target species --layers 3:softmax --quiet";
const std::string kCv = "cv --data " + kIris + " --target species";
const std::string kTrace = "trace";
const std::string kGradcheck = "gradcheck --layers 2:tanh,1:sigmoid --loss bce";

std::vector<NumericFlag> numeric_flags() {
  std::vector<NumericFlag> flags;
  // train and cv share the training flags (cli/train_setup.cpp).
  for (const std::string& command : {kTrain, kCv}) {
    for (const auto& [flag, bad] :
         std::vector<std::pair<std::string, std::string>>{{"--lr", "0"},
                                                          {"--momentum", "1"},
                                                          {"--l1", "-1"},
                                                          {"--l2", "-0.5"},
                                                          {"--clip-norm", "-1"},
                                                          {"--dropout", "1"},
                                                          {"--epochs", "0"},
                                                          {"--batch-size", "0"},
                                                          {"--validation-split", "1"},
                                                          {"--early-stopping", "-1"},
                                                          {"--seed", "-1"},
                                                          {"--threads", "0"}}) {
      flags.push_back({command, flag, bad});
    }
  }
  flags.push_back({kTrain, "--histogram-freq", "-1"});
  flags.push_back({kTrain, "--update-freq", "-1"});
  flags.push_back({kCv, "--folds", "1"});
  flags.push_back({kCv, "--hidden", "0"});
  flags.push_back({kTrace, "--lr", "-0.1"});
  flags.push_back({kTrace, "--momentum", "1.5"});
  flags.push_back({kTrace, "--steps", "0"});
  flags.push_back({kGradcheck, "--inputs", "0"});
  flags.push_back({kGradcheck, "--samples", "0"});
  flags.push_back({kGradcheck, "--seed", "-3"});
  return flags;
}

struct BadNumber {
  NumericFlag flag;
  std::string value;
};

std::vector<BadNumber> bad_numbers() {
  std::vector<BadNumber> cases;
  for (const NumericFlag& f : numeric_flags()) {
    for (const std::string& value :
         {std::string("nan"), std::string("inf"), std::string("-inf"), f.out_of_range}) {
      cases.push_back({f, value});
    }
  }
  return cases;
}

class NumericFlags : public CliFixture, public ::testing::WithParamInterface<BadNumber> {};

TEST_P(NumericFlags, RejectedByNameWithTheRange) {
  const BadNumber& c = GetParam();
  const CliResult r = run(c.flag.command + " " + c.flag.flag + " " + c.value);
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_EQ(r.err.rfind("fathom: " + c.flag.flag + ": expected ", 0), 0u) << "names the flag:\n" << r.err;
  EXPECT_NE(r.err.find("\"" + c.value + "\""), std::string::npos) << "quotes the value:\n" << r.err;
  EXPECT_TRUE(r.err.find(">") != std::string::npos || r.err.find(" in [") != std::string::npos)
      << "states the range:\n"
      << r.err;
  EXPECT_TRUE(r.out.empty()) << "nothing ran:\n" << r.out;
}

std::string bad_number_name(const ::testing::TestParamInfo<BadNumber>& info) {
  std::string name = subcommand_of(info.param.flag) + "_" + info.param.flag.flag + "_" + info.param.value;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Cli, NumericFlags, ::testing::ValuesIn(bad_numbers()), bad_number_name);

// The list above is complete: every flag `--help` shows as a number is in it, so a new numeric
// flag without a test fails here.
TEST(NumericFlagList, CoversEveryNumericFlagOfEverySubcommand) {
  std::set<std::pair<std::string, std::string>> listed;
  for (const NumericFlag& f : numeric_flags()) listed.insert({subcommand_of(f), f.flag});
  for (const std::string sub : {"train", "evaluate", "predict", "info", "cv", "trace", "gradcheck"}) {
    const std::string out_file = ::testing::TempDir() + "/fathom_help_" + sub + ".txt";
    const std::string command =
        quoted(FATHOM_CLI_PATH) + " " + sub + " --help >" + quoted(out_file) + " 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    for (const std::string& line : lines_of(read_text(out_file))) {
      std::istringstream words(line);
      std::string flag, type;
      words >> flag >> type;
      if (flag.rfind("--", 0) != 0) continue;
      flag = flag.substr(0, flag.find(','));  // "--lr,--learning-rate": listed by its first name
      if (type == "FLOAT" || type == "INT" || type == "UINT") {
        EXPECT_TRUE(listed.count({sub, flag})) << sub << " " << flag << " (" << type << ") is not tested";
      }
    }
    std::remove(out_file.c_str());
  }
}

class CliFlags : public CliFixture {};

TEST_F(CliFlags, AnIntegerFlagRefusesAFraction) {
  const CliResult r = run(kTrain + " --epochs 2.5");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("--epochs: expected an integer >= 1"), std::string::npos) << r.err;
}

TEST_F(CliFlags, InRangeValuesStillWork) {
  const CliResult r = run(kTrain + " --epochs 1e1 --lr 0.05 --dropout 0 --validation-split 0.2 --threads 1");
  EXPECT_EQ(r.code, 0) << describe(r);
}

// More threads than the hardware runs only makes them wait for each other: capped, with a note.
TEST_F(CliFlags, TooManyThreadsAreCappedWithANote) {
  const CliResult r =
      run("train --data " + kIris + " --target species --layers 3:softmax --epochs 1 --threads 1000");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.err.find("fathom: --threads 1000 is more than the "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(" hardware threads here; using "), std::string::npos) << r.err;
}

// ---------------------------------------------------------------------------------------------
// Typos.

TEST_F(CliFlags, MisspeltSubcommandGetsASuggestion) {
  const CliResult r = run("trian --data x.csv");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_EQ(r.err, "fathom: unknown subcommand trian (did you mean train?) (see fathom --help)\n");
  const CliResult far = run("frobnicate");
  EXPECT_EQ(far.code, 2) << describe(far);
  EXPECT_EQ(far.err, "fathom: unknown subcommand frobnicate (see fathom --help)\n");
}

TEST_F(CliFlags, MisspeltFlagGetsASuggestion) {
  const CliResult r = run(kTrain + " --epoch 3");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_EQ(r.err, "fathom: unknown flag --epoch (did you mean --epochs?) (see fathom train --help)\n");
  const CliResult swapped = run("evaluate --model M.fathom --data x.csv --jsno");
  EXPECT_EQ(swapped.code, 2) << describe(swapped);
  EXPECT_NE(swapped.err.find("unknown flag --jsno (did you mean --json?)"), std::string::npos) << swapped.err;
}

// ---------------------------------------------------------------------------------------------
// --resume and the optimizer flags.

class ResumeFlags : public CliFixture {
 protected:
  void SetUp() override {
    const CliResult r = run(kTrain + " --optimizer sgd --lr 0.1 --momentum 0.5 --epochs 2 --save M.fathom");
    ASSERT_EQ(r.code, 0) << describe(r);
  }
  const std::string resume =
      "train --data " + kIris + " --target species --resume M.fathom --epochs 4 --quiet";
};

// A new learning rate on resume is applied (as a Keras user sets optimizer.learning_rate and fits
// on): the epochs run with it, and the saved model keeps it.
TEST_F(ResumeFlags, LearningRateIsApplied) {
  const CliResult r = run(resume + " --lr 0.02 --log H.csv --save R.fathom");
  ASSERT_EQ(r.code, 0) << describe(r);
  const auto rows = lines_of(read_text(path("H.csv")));
  ASSERT_EQ(rows.size(), 3u) << read_text(path("H.csv"));
  const auto header = rows[0];
  std::size_t lr_column = 0;
  {
    std::istringstream in(header);
    std::string name;
    for (std::size_t i = 0; std::getline(in, name, ','); ++i) {
      if (name == "lr") lr_column = i;
    }
  }
  ASSERT_GT(lr_column, 0u) << header;
  for (std::size_t row = 1; row < rows.size(); ++row) {
    std::istringstream in(rows[row]);
    std::string field;
    for (std::size_t i = 0; i <= lr_column; ++i) std::getline(in, field, ',');
    EXPECT_NEAR(std::stod(field), 0.02, 1e-7) << rows[row];
  }
  const fathom::Sequential resumed = fathom::load_model(path("R.fathom").string());
  EXPECT_FLOAT_EQ(resumed.optimizer().learning_rate(), 0.02f);
  EXPECT_EQ(resumed.optimizer().name(), "sgd");
}

TEST_F(ResumeFlags, OptimizerOptionsItCannotHonourAreErrorsNamingTheFlag) {
  for (const std::string flag : {"--momentum 0.9", "--nesterov", "--l1 0.001", "--l2 0.001", "--clip-norm 1",
                                 "--optimizer adam", "--scale none"}) {
    const CliResult r = run(resume + " " + flag + " --save R.fathom");
    EXPECT_EQ(r.code, 2) << flag << "\n" << describe(r);
    EXPECT_NE(r.err.find(flag.substr(0, flag.find(' '))), std::string::npos) << flag << "\n" << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_FALSE(fs::exists(path("R.fathom"))) << flag;
  }
  // Naming the optimizer it already has is no change.
  const CliResult same = run(resume + " --optimizer sgd");
  EXPECT_EQ(same.code, 0) << describe(same);
}

// --l2 0 for AdamW is no decay at all; left out, AdamW keeps its own default.
TEST_F(CliFlags, AdamwL2ZeroIsNoWeightDecay) {
  ASSERT_EQ(run(kTrain + " --epochs 1 --optimizer adamw --l2 0 --save Z.fathom").code, 0);
  EXPECT_EQ(fathom::load_model(path("Z.fathom").string()).optimizer().config_json(),
            fathom::AdamW({.weight_decay = 0}).config_json());
  ASSERT_EQ(run(kTrain + " --epochs 1 --optimizer adamw --save D.fathom").code, 0);
  EXPECT_EQ(fathom::load_model(path("D.fathom").string()).optimizer().config_json(),
            fathom::AdamW().config_json());
}

TEST_F(CliFlags, HelpSaysWhatL2MeansPerOptimizer) {
  const CliResult r = run("train --help");
  ASSERT_EQ(r.code, 0) << describe(r);
  const std::string help = r.out;
  const auto l2 = help.find("--l2");
  ASSERT_NE(l2, std::string::npos) << help;
  const std::string text = help.substr(l2, help.find("--clip-norm") - l2);
  for (const std::string fragment : {"sgd subtracts", "adam add", "to the gradient", "adamw", "decoupled"}) {
    EXPECT_NE(text.find(fragment), std::string::npos) << fragment << " not in:\n" << text;
  }
}

// ---------------------------------------------------------------------------------------------
// cv.

TEST_F(CliFlags, CvRejectsLayersAndStatesItsDefaultEpochs) {
  const CliResult r = run(kCv + " --layers 8:relu,3:softmax --hidden 2");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("--layers does not apply"), std::string::npos) << r.err;
  const CliResult help = run("cv --help");
  ASSERT_EQ(help.code, 0) << describe(help);
  EXPECT_NE(help.out.find("epochs per fold (default 50)"), std::string::npos) << help.out;
  const auto refused = help.out.find("Refused by cv");
  ASSERT_NE(refused, std::string::npos) << help.out;
  EXPECT_GT(help.out.find("--layers"), refused) << "--layers is listed with the flags cv refuses:\n"
                                                << help.out;
}

// ---------------------------------------------------------------------------------------------
// Step units and the perceptron rule.

TEST_F(CliFlags, StepUnitsAreRejectedForGradientTrainingWithAPointerToThePerceptron) {
  const CliResult train = run("train --data " + kIris + " --target species --layers 3:step --epochs 1");
  EXPECT_EQ(train.code, 2) << describe(train);
  EXPECT_NE(train.err.find("--perceptron"), std::string::npos) << train.err;
  const CliResult cv = run(kCv + " --activation step --hidden 2 --epochs 1");
  EXPECT_EQ(cv.code, 2) << describe(cv);
  EXPECT_NE(cv.err.find("--perceptron"), std::string::npos) << cv.err;
}

// Two clusters a line separates: the rule converges and the saved model is an ordinary one.
std::string separable_csv() {
  std::ostringstream csv;
  csv << "x1,x2,side\n";
  for (int i = 0; i < 40; ++i) {
    const double x1 = (i % 10) * 0.3 - 1.5, x2 = (i / 10) * 0.4 - 0.6;
    csv << x1 << ',' << x2 + (i % 2 ? 2.0 : -2.0) << ',' << (i % 2 ? "above" : "below") << '\n';
  }
  return csv.str();
}

TEST_F(CliFlags, PerceptronTrainsAStepLayerThatPredictAndEvaluateRead) {
  write_text(path("sep.csv"), separable_csv());
  const CliResult r = run("train --perceptron --data sep.csv --target side --epochs 50 --save P.fathom");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.err.find("perceptron: converged"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("training set: 40 samples  accuracy 1.0000"), std::string::npos) << r.err;

  const fathom::Sequential model = fathom::load_model(path("P.fathom").string());
  EXPECT_EQ(model.output_dim(), 1);
  EXPECT_EQ(model.output_activation().kind(), fathom::ActivationKind::Step);
  EXPECT_EQ(model.info.class_names, (std::vector<std::string>{"above", "below"}));

  const CliResult evaluate = run("evaluate --model P.fathom --data sep.csv --json");
  ASSERT_EQ(evaluate.code, 0) << describe(evaluate);
  EXPECT_NE(evaluate.out.find("\"accuracy\":1.0"), std::string::npos) << evaluate.out;
  const CliResult predict = run("predict --model P.fathom --data sep.csv");
  ASSERT_EQ(predict.code, 0) << describe(predict);
  const auto rows = lines_of(predict.out);
  ASSERT_EQ(rows.size(), 41u) << predict.out;
  EXPECT_EQ(rows[1], "below");
  EXPECT_EQ(rows[2], "above");

  // Flags of gradient training are named, not ignored.
  const CliResult wrong =
      run("train --perceptron --data sep.csv --target side --optimizer adam --dropout 0.1");
  EXPECT_EQ(wrong.code, 2) << describe(wrong);
  EXPECT_NE(wrong.err.find("--optimizer, --dropout do not apply"), std::string::npos) << wrong.err;
}

// ---------------------------------------------------------------------------------------------
// Images: IDX without labels for predict; a PGM list read by the model's own label regex.

std::string be32(std::uint32_t v) {
  return {char(v >> 24), char((v >> 16) & 0xFF), char((v >> 8) & 0xFF), char(v & 0xFF)};
}

TEST_F(CliFlags, PredictOnIdxImagesWithoutLabels) {
  // Six 2×2 images: bright ones are class 1, dark ones class 0.
  std::string images = be32(0x00000803) + be32(6) + be32(2) + be32(2);
  std::string labels = be32(0x00000801) + be32(6);
  for (int i = 0; i < 6; ++i) {
    images += std::string(4, char(i % 2 ? 230 : 20));
    labels += char(i % 2);
  }
  write_text(path("img.idx"), images);
  write_text(path("lbl.idx"), labels);
  const CliResult train =
      run("train --data idx:img.idx,lbl.idx --layers 2:softmax --epochs 3 --save M.fathom --quiet");
  ASSERT_EQ(train.code, 0) << describe(train);

  const CliResult r = run("predict --model M.fathom --data idx:img.idx");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_EQ(lines_of(r.out).size(), 7u) << "a header and one row per image:\n" << r.out;
  // evaluate still needs the labels, and says how to give them.
  const CliResult evaluate = run("evaluate --model M.fathom --data idx:img.idx");
  EXPECT_EQ(evaluate.code, 2) << describe(evaluate);
  EXPECT_NE(evaluate.err.find("idx:IMAGES,LABELS"), std::string::npos) << evaluate.err;
}

TEST_F(CliFlags, EvaluateOnAPgmListReusesTheModelsLabelRegex) {
  std::string list;
  for (int i = 0; i < 8; ++i) {
    const std::string side = i % 2 ? "left" : "right";
    const std::string name = "face" + std::to_string(i) + "_" + side + "_.pgm";
    std::string pgm = "P2\n2 2\n255\n";
    for (int p = 0; p < 4; ++p) pgm += std::to_string(i % 2 ? (p % 2 ? 250 : 10) : (p % 2 ? 10 : 250)) + " ";
    write_text(path(name), pgm + "\n");
    list += name + "\n";
  }
  write_text(path("list.txt"), list);
  const CliResult train =
      run("train --data pgm-list:list.txt --label-from-name '_(left|right)_' --layers 2:softmax --epochs 2 "
          "--save M.fathom --quiet");
  ASSERT_EQ(train.code, 0) << describe(train);
  EXPECT_EQ(fathom::load_model(path("M.fathom").string()).info.label_regex, "_(left|right)_");

  const CliResult r = run("evaluate --model M.fathom --data pgm-list:list.txt --json");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("\"accuracy\""), std::string::npos) << r.out;
  // Another regex given on the command line wins: this one matches no file name.
  const CliResult other =
      run("evaluate --model M.fathom --data pgm-list:list.txt --label-from-name '_(up)_'");
  EXPECT_EQ(other.code, 3) << describe(other);
  EXPECT_NE(other.err.find("_(up)_"), std::string::npos) << other.err;
}

// ---------------------------------------------------------------------------------------------
// Memory.

// A network larger than memory (4·10¹² weights) is one line and exit 3, not std::bad_alloc.
TEST_F(CliFlags, OutOfMemoryIsOneLineAndExitThree) {
#ifdef FATHOM_TEST_ASAN
  GTEST_SKIP() << "AddressSanitizer reserves more address space than the limit below allows";
#endif
  const std::string fathom_path = FATHOM_CLI_PATH;
  const std::string command = "cd " + quoted(dir_.string()) + " && ulimit -v 4000000 && " +
                              quoted(fathom_path) + " train --data " + kIris +
                              " --target species --layers 2000000:relu,2000000:relu,3:softmax --epochs 1 "
                              ">out.txt 2>err.txt";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status)) << "killed, not a clean exit";
  EXPECT_EQ(WEXITSTATUS(status), 3);
  const std::string err = read_text(path("err.txt"));
  EXPECT_EQ(err, "fathom: out of memory: the data or the network is too large for this machine\n");
}

}  // namespace
