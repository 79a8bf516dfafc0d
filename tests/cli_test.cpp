// End-to-end tests of the `fathom` command's happy paths: they run the built binary on the
// bundled and synthetic data and check exit codes, files written and the numbers printed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fathom/fathom.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"

namespace {

using namespace fathom_cli_test;

const std::string kIris = quoted(source_file("data/iris.csv"));
const std::vector<std::string> kSpecies = {"setosa", "versicolor", "virginica"};

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, sep);) parts.push_back(part);
  return parts;
}

// evaluate's --json output, parsed (an empty object, and a failure, where it does not parse).
nlohmann::json parse_json(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(json.is_discarded()) << "not JSON:\n" << text;
  return json.is_discarded() ? nlohmann::json::object() : json;
}

// A string of the parsed JSON, "<absent>" when absent or not a string.
std::string text_at(const nlohmann::json& json, const nlohmann::json::json_pointer& where) {
  return json.contains(where) && json.at(where).is_string() ? json.at(where).get<std::string>() : "<absent>";
}

// A number of the parsed JSON, NaN when absent or not a number.
double number_at(const nlohmann::json& json, const nlohmann::json::json_pointer& where) {
  return json.contains(where) && json.at(where).is_number() ? json.at(where).get<double>() : NAN;
}

// y = 2a − b + small deterministic noise: a linear target a 16-unit tanh layer fits almost exactly,
// so R² ≥ 0.9 has a wide margin and does not depend on the seed.
std::string regression_csv(int rows) {
  std::ostringstream csv;
  csv << "a,b,y\n";
  for (int i = 0; i < rows; ++i) {
    const double a = std::sin(i * 1.7) * 2, b = std::cos(i * 0.9 + 0.3) * 2;
    const double noise = 0.05 * std::sin(i * 12.9898);
    csv << a << ',' << b << ',' << 2 * a - b + noise << '\n';
  }
  return csv.str();
}

// Four clusters at (±1, ±1) labelled by the sign of x1·x2 (XOR): one hidden unit gives a
// half-plane boundary (at most ~75 % right), eight separate it.
std::string xor_clusters_csv(int rows) {
  std::ostringstream csv;
  csv << "x1,x2,y\n";
  for (int i = 0; i < rows; ++i) {
    const double cx = (i % 4 < 2) ? 1 : -1, cy = (i % 2 == 0) ? 1 : -1;
    const double x1 = cx + 0.2 * std::sin(i * 3.1), x2 = cy + 0.2 * std::cos(i * 2.3);
    csv << x1 << ',' << x2 << ',' << (cx * cy > 0 ? "same" : "diff") << '\n';
  }
  return csv.str();
}

class CliTest : public CliFixture {
 protected:
  // The brief's Iris model: a validation split, a fixed seed, quiet.
  void train_iris(const std::string& model, const std::string& extra = "") {
    const CliResult r = run("train --data " + kIris +
                            " --target species --layers 8:relu,3:softmax --epochs 60 --lr 0.02"
                            " --validation-split 0.2 --seed 1 --save " +
                            model + " --quiet " + extra);
    ASSERT_EQ(r.code, 0) << describe(r);
    ASSERT_TRUE(fs::exists(path(model))) << describe(r);
  }
};

TEST_F(CliTest, IrisTrainInfoEvaluatePredict) {
  train_iris("M.fathom");

  const CliResult info = run("info --model M.fathom");
  ASSERT_EQ(info.code, 0) << describe(info);
  for (const auto& name : kSpecies)
    EXPECT_NE(info.out.find(name), std::string::npos) << name << '\n' << info.out;
  EXPECT_NE(info.out.find("ense"), std::string::npos) << "no dense layer listed:\n" << info.out;

  const CliResult eval = run("evaluate --model M.fathom --data " + kIris + " --json");
  ASSERT_EQ(eval.code, 0) << describe(eval);
  const nlohmann::json report = parse_json(eval.out);
  const double accuracy = number_at(report, "/accuracy"_json_pointer);
  EXPECT_GE(accuracy, 0.9) << eval.out;
  EXPECT_LE(accuracy, 1.0) << eval.out;
  EXPECT_EQ(number_at(report, "/samples"_json_pointer), 150) << eval.out;
  EXPECT_EQ(report.value("task", ""), "classify") << eval.out;
  EXPECT_EQ(report.value("classes", std::vector<std::string>{}), kSpecies) << eval.out;
  long long counted = 0;  // the confusion matrix holds every sample once
  for (const auto& row : report.value("confusion_matrix", nlohmann::json::array()))
    for (const auto& cell : row) counted += cell.get<long long>();
  EXPECT_EQ(counted, 150) << eval.out;
  EXPECT_EQ(text_at(report, "/per_class/2/name"_json_pointer), "virginica") << eval.out;

  // The tables name the classes and the accuracy too.
  const CliResult table = run("evaluate --model M.fathom --data " + kIris);
  ASSERT_EQ(table.code, 0) << describe(table);
  EXPECT_NE(table.out.find("ccuracy"), std::string::npos) << table.out;
  for (const auto& name : kSpecies) EXPECT_NE(table.out.find(name), std::string::npos) << table.out;

  const CliResult predict = run("predict --model M.fathom --data " + kIris + " --out P.csv");
  ASSERT_EQ(predict.code, 0) << describe(predict);
  const auto rows = lines_of(read_text(path("P.csv")));
  ASSERT_EQ(rows.size(), 151u) << "header + 150 predictions expected";
  int correct = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string label = split(rows[i], ',').at(0);
    EXPECT_TRUE(label == "setosa" || label == "versicolor" || label == "virginica")
        << "row " << i << ": " << rows[i];
    correct += label == kSpecies[(i - 1) / 50];  // iris.csv holds 50 of each species, in order
  }
  EXPECT_GE(correct, 135) << "predict disagrees with evaluate's accuracy " << accuracy;

  const CliResult proba = run("predict --model M.fathom --data " + kIris + " --out Q.csv --proba");
  ASSERT_EQ(proba.code, 0) << describe(proba);
  const auto prows = lines_of(read_text(path("Q.csv")));
  ASSERT_EQ(prows.size(), 151u);
  EXPECT_EQ(split(prows[0], ',').size(), 4u) << "label + 3 probabilities: " << prows[0];
  for (const auto& name : kSpecies) EXPECT_NE(prows[0].find(name), std::string::npos) << prows[0];
  for (std::size_t i = 1; i < prows.size(); ++i) {
    const auto fields = split(prows[i], ',');
    ASSERT_EQ(fields.size(), 4u) << prows[i];
    double sum = 0;
    for (std::size_t k = 1; k < fields.size(); ++k) sum += std::stod(fields[k]);
    EXPECT_NEAR(sum, 1.0, 1e-4) << "row " << i << ": " << prows[i];
  }
}

// predict sits in a pipeline: a CSV without the target column on stdin, CSV on stdout.
TEST_F(CliTest, PredictFromStdinToStdout) {
  train_iris("M.fathom");
  std::ostringstream features;
  for (const auto& row : lines_of(read_text(source_file("data/iris.csv")))) {
    features << row.substr(0, row.rfind(',')) << '\n';
  }
  write_text(path("X.csv"), features.str());
  const CliResult r = run("predict --model M.fathom --data - --out -", "X.csv");
  ASSERT_EQ(r.code, 0) << describe(r);
  const auto rows = lines_of(r.out);
  ASSERT_EQ(rows.size(), 151u) << r.out;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const std::string label = split(rows[i], ',').at(0);
    EXPECT_TRUE(label == "setosa" || label == "versicolor" || label == "virginica")
        << "row " << i << ": " << rows[i];
  }
  EXPECT_EQ(lines_of(r.err).size(), 0u) << "nothing on stderr for a successful predict:\n" << r.err;
}

// The README's first command: no arguments trains the bundled data set.
TEST_F(CliTest, TrainWithNoArgumentsTrainsTheBundledDefault) {
  const CliResult r = run("train --quiet");
  EXPECT_EQ(r.code, 0) << describe(r);
}

// Not a terminal: one plain line per epoch with the loss and, with a split, the validation loss.
TEST_F(CliTest, PerEpochLinesOnStderr) {
  const CliResult r =
      run("train --data " + kIris +
          " --target species --layers 8:relu,3:softmax --epochs 7 --validation-split 0.2 --seed 1");
  ASSERT_EQ(r.code, 0) << describe(r);
  int epoch_lines = 0;
  for (const auto& line : lines_of(r.err)) {
    EXPECT_EQ(line.find('\r'), std::string::npos) << "no live bar when stderr is a file: " << line;
    EXPECT_EQ(line.find("\033["), std::string::npos) << "no escape codes when stderr is a file: " << line;
    if (line.rfind("epoch", 0) != 0) continue;
    ++epoch_lines;
    // fathom::ProgressLogger's line: the epoch counted from 1 out of the total.
    EXPECT_EQ(line.rfind("epoch " + std::to_string(epoch_lines) + "/7  ", 0), 0u) << line;
    EXPECT_NE(line.find("loss"), std::string::npos) << line;
    EXPECT_NE(line.find("val_loss"), std::string::npos) << line;
  }
  EXPECT_EQ(epoch_lines, 7) << r.err;
  EXPECT_TRUE(r.out.empty()) << "training reports on stderr, stdout stays clean:\n" << r.out;

  const CliResult quiet =
      run("train --data " + kIris +
          " --target species --layers 8:relu,3:softmax --epochs 7 --validation-split 0.2 --quiet");
  ASSERT_EQ(quiet.code, 0) << describe(quiet);
  EXPECT_TRUE(quiet.err.empty()) << "--quiet prints nothing:\n" << quiet.err;
}

TEST_F(CliTest, LogWritesOneRowPerEpoch) {
  const CliResult r = run("train --data " + kIris +
                          " --target species --layers 8:relu,3:softmax --epochs 6 --validation-split 0.2"
                          " --log H.csv --save M.fathom --quiet");
  ASSERT_EQ(r.code, 0) << describe(r);
  const auto rows = lines_of(read_text(path("H.csv")));
  ASSERT_EQ(rows.size(), 7u) << "header + 6 epochs:\n" << read_text(path("H.csv"));
  // As fathom::CSVLogger writes it: epoch, then the logs' keys in sorted order.
  EXPECT_EQ(rows[0], "epoch,accuracy,loss,lr,val_accuracy,val_loss");
  const auto header = split(rows[0], ',');
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto fields = split(rows[i], ',');
    EXPECT_EQ(fields.size(), header.size()) << rows[i];
    EXPECT_EQ(std::stoi(fields.at(0)), int(i) - 1) << "epochs counted from 0, as History: " << rows[i];
    for (const auto& f : fields) EXPECT_TRUE(std::isfinite(std::stod(f))) << rows[i];
  }
  // The model's history holds the same numbers (CSVLogger writes 9 significant digits).
  const fathom::Sequential model = fathom::load_model(path("M.fathom").string());
  const auto last = split(rows.back(), ',');
  EXPECT_EQ(std::stoi(last.at(0)), model.history.epochs.back());
  EXPECT_NEAR(std::stod(last.at(2)), model.history["loss"].back(), 1e-6 * model.history["loss"].back());
}

// An optimizer flag left out keeps the optimizer's own default: the config holds only the
// flags given, and the library fills in the rest.
TEST_F(CliTest, OptimizerFlagsBecomeItsConfigAndTheRestStayItsDefaults) {
  const std::string train =
      "train --data " + kIris + " --target species --layers 4:tanh,3:softmax --epochs 1 --quiet";
  ASSERT_EQ(run(train + " --optimizer adam --save A.fathom").code, 0);
  const fathom::Sequential adam = fathom::load_model(path("A.fathom").string());
  EXPECT_EQ(adam.optimizer().name(), "adam");
  EXPECT_EQ(adam.optimizer().initial_learning_rate(), fathom::AdamOptions{}.learning_rate);
  EXPECT_EQ(adam.optimizer().config_json(), fathom::Adam().config_json());

  const CliResult sgd = run(train + " --optimizer sgd --lr 0.05 --momentum 0.5 --nesterov --save S.fathom");
  ASSERT_EQ(sgd.code, 0) << describe(sgd);
  EXPECT_EQ(fathom::load_model(path("S.fathom").string()).optimizer().config_json(),
            fathom::SGD({.learning_rate = 0.05f, .momentum = 0.5f, .nesterov = true}).config_json());

  // For adamw, --l2 is its decoupled weight decay.
  ASSERT_EQ(run(train + " --optimizer adamw --l2 0.02 --save W.fathom").code, 0);
  EXPECT_EQ(fathom::load_model(path("W.fathom").string()).optimizer().config_json(),
            fathom::AdamW({.weight_decay = 0.02f}).config_json());
}

// A checkpoint resumes where it stopped: --epochs is the new total and the history grows.
TEST_F(CliTest, CheckpointThenResumeContinuesTraining) {
  const std::string data = "--data " + kIris + " --target species";
  const CliResult first =
      run("train " + data + " --layers 8:relu,3:softmax --epochs 5 --checkpoint C.fathom --quiet");
  ASSERT_EQ(first.code, 0) << describe(first);
  ASSERT_TRUE(fs::exists(path("C.fathom")));
  const fathom::Sequential before = fathom::load_model(path("C.fathom").string());
  EXPECT_EQ(before.history.size(), 5u);

  const CliResult second =
      run("train " + data + " --resume C.fathom --epochs 9 --checkpoint C.fathom --save R.fathom --quiet");
  ASSERT_EQ(second.code, 0) << describe(second);
  const fathom::Sequential after = fathom::load_model(path("R.fathom").string());
  ASSERT_EQ(after.history.size(), 9u);
  EXPECT_EQ(after.history.epochs.front(), 0);
  EXPECT_EQ(after.history.epochs.back(), 8);
  EXPECT_GT(after.optimizer().iterations(), before.optimizer().iterations())
      << "the optimizer state carries on";
  EXPECT_EQ(after.info.class_names, kSpecies);
  EXPECT_EQ(fathom::load_model(path("C.fathom").string()).history.size(), 9u)
      << "the checkpoint follows along";

  const CliResult info = run("info --model R.fathom");
  ASSERT_EQ(info.code, 0) << describe(info);
  EXPECT_NE(info.out.find("epoch 9"), std::string::npos) << "info shows the last epoch:\n" << info.out;
}

TEST_F(CliTest, RegressionReportsMseAndR2) {
  write_text(path("reg.csv"), regression_csv(200));
  const CliResult train =
      run("train --data reg.csv --target y --layers 16:tanh,1:linear --loss mse --lr 0.01 --epochs 150"
          " --batch-size 16 --seed 3 --save M.fathom --quiet");
  ASSERT_EQ(train.code, 0) << describe(train);

  const CliResult table = run("evaluate --model M.fathom --data reg.csv");
  ASSERT_EQ(table.code, 0) << describe(table);
  EXPECT_NE(table.out.find("mse"), std::string::npos) << table.out;
  EXPECT_TRUE(table.out.find("r2") != std::string::npos || table.out.find("R²") != std::string::npos)
      << table.out;

  const CliResult json = run("evaluate --model M.fathom --data reg.csv --json");
  ASSERT_EQ(json.code, 0) << describe(json);
  const nlohmann::json report = parse_json(json.out);
  EXPECT_EQ(report.value("task", ""), "regress") << json.out;
  EXPECT_EQ(text_at(report, "/per_output/0/name"_json_pointer), "y") << json.out;
  EXPECT_GE(number_at(report, "/per_output/0/r2"_json_pointer), 0.9) << json.out;
  EXPECT_LT(number_at(report, "/per_output/0/mse"_json_pointer), 0.5) << json.out;

  // Names from the user's files reach the JSON escaped: a quote and a backslash in a column name.
  write_text(path("odd.csv"), "a,b,\"odd \"\"y\"\" \\ name\"\n1,2,3\n2,1,0\n3,3,3\n");
  const CliResult odd =
      run("train --data odd.csv --target 2 --layers 1:linear --epochs 1 --save O.fathom --quiet");
  ASSERT_EQ(odd.code, 0) << describe(odd);
  const CliResult odd_json = run("evaluate --model O.fathom --data odd.csv --json");
  ASSERT_EQ(odd_json.code, 0) << describe(odd_json);
  EXPECT_EQ(text_at(parse_json(odd_json.out), "/per_output/0/name"_json_pointer), "odd \"y\" \\ name")
      << odd_json.out;

  // Regression predictions are values, one column named after the target.
  const CliResult predict = run("predict --model M.fathom --data reg.csv --out P.csv");
  ASSERT_EQ(predict.code, 0) << describe(predict);
  const auto rows = lines_of(read_text(path("P.csv")));
  ASSERT_EQ(rows.size(), 201u);
  EXPECT_EQ(rows[0], "y");
  EXPECT_TRUE(std::isfinite(std::stod(rows[1]))) << rows[1];
}

// tests/cli_trace_test.cpp checks trace in depth; this is the smoke check of docs/concepts.md, worked
// example 2.
TEST_F(CliTest, TraceReproducesWorkedExample2) {
  const CliResult r = run("trace");
  ASSERT_EQ(r.code, 0) << describe(r);
  for (const char* number : {"0.1172", "0.1095", "0.1004"}) {
    EXPECT_NE(r.out.find(number), std::string::npos) << number << " missing from:\n" << r.out;
  }
}

TEST_F(CliTest, CrossValidationPrefersEnoughHiddenUnitsForXor) {
  write_text(path("xor.csv"), xor_clusters_csv(200));
  const CliResult r = run(
      "cv --data xor.csv --target y --folds 3 --hidden 1,8 --epochs 100 --lr 0.05 --batch-size 16 --seed 2");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("chosen: 8 hidden units"), std::string::npos) << r.out;
}

TEST_F(CliTest, VersionAndHelp) {
  const CliResult version = run("--version");
  EXPECT_EQ(version.code, 0) << describe(version);
  EXPECT_EQ(version.out.rfind("fathom ", 0), 0u) << describe(version);

  const CliResult help = run("train --help");
  EXPECT_EQ(help.code, 0) << describe(help);
  EXPECT_NE(help.out.find("--layers"), std::string::npos) << describe(help);
  EXPECT_NE(help.out.find("--validation-split"), std::string::npos) << describe(help);
}

}  // namespace

// --validation-data is read by column name: the same rows with two columns swapped must give
// the same validation loss as the file in the training order.
TEST_F(CliTest, ValidationDataMatchedByColumnName) {
  const std::string iris = read_text(source_file("data/iris.csv"));
  const auto rows = lines_of(iris);
  std::string swapped = "sepal_width,sepal_length,petal_length,petal_width,species\n";
  std::string same = rows[0] + "\n";
  for (std::size_t i = 1; i < rows.size(); i += 5) {  // every fifth flower
    const auto c1 = rows[i].find(','), c2 = rows[i].find(',', c1 + 1);
    swapped += rows[i].substr(c1 + 1, c2 - c1 - 1) + "," + rows[i].substr(0, c1) + rows[i].substr(c2) + "\n";
    same += rows[i] + "\n";
  }
  write_text(path("va_same.csv"), same);
  write_text(path("va_swapped.csv"), swapped);
  auto val_loss = [&](const std::string& file) {
    const CliResult r =
        run("train --data " + source_file("data/iris.csv") +
            " --target species --layers 4:tanh,3:softmax --epochs 3 --seed 5 --validation-data " + file +
            " --log " + file + ".log --quiet");
    EXPECT_EQ(r.code, 0) << describe(r);
    const auto log = lines_of(read_text(path(file + ".log")));
    return log.empty() ? std::string() : log.back();
  };
  EXPECT_EQ(val_loss("va_same.csv"), val_loss("va_swapped.csv"));
}

// A model trained toward 0.1/0.9 targets (docs/concepts.md) is evaluated against the same targets.
TEST_F(CliTest, TargetsRangeIsKeptForEvaluate) {
  const CliResult train =
      run("train --data " + source_file("data/xor.csv") +
          " --target y --layers 4:tanh,1:sigmoid --loss mse --targets-range 0.1,0.9 --lr 0.05 --epochs 400"
          " --batch-size 4 --scale none --seed 2 --save M.fathom --quiet");
  ASSERT_EQ(train.code, 0) << describe(train);
  const CliResult eval = run("evaluate --model M.fathom --data " + source_file("data/xor.csv") + " --json");
  ASSERT_EQ(eval.code, 0) << describe(eval);
  // Outputs near 0.1/0.9 score almost 0 against those targets, but at least ½·0.1² = 0.005
  // per sample against 0/1.
  EXPECT_LT(number_at(parse_json(eval.out), "/loss"_json_pointer), 0.002) << eval.out;
}
