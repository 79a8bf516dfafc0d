// End-to-end tests of what `fathom train` infers when the flags leave it open: a default network
// without --layers, the output layer added to hidden-only --layers, class labels that are not
// numbers read as classes, regression targets standardized (and mapped back by evaluate and
// predict), the loss named for what it is, and the one-line notes after training (early
// stopping, a run still improving, a network no better than the trivial predictor).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fathom/fathom.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"

namespace {

using namespace fathom_cli_test;

const std::string kIris = quoted(source_file("data/iris.csv"));

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

nlohmann::json parse_json(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(json.is_discarded()) << "not JSON:\n" << text;
  return json.is_discarded() ? nlohmann::json::object() : json;
}

// Two inputs and targets on real units: y = 200 + 60·a − 30·b (+ small noise), in the hundreds;
// with `second`, also z = 0.002·a + 0.001·b, a column five orders of magnitude smaller.
std::string real_units_csv(int rows, bool second = false) {
  std::ostringstream csv;
  csv << "a,b,y" << (second ? ",z" : "") << '\n';
  for (int i = 0; i < rows; ++i) {
    const double a = std::sin(i * 1.7) * 2, b = std::cos(i * 0.9 + 0.3) * 2;
    const double noise = 0.5 * std::sin(i * 12.9898);
    csv << a << ',' << b << ',' << 200 + 60 * a - 30 * b + noise;
    if (second) csv << ',' << 0.002 * a + 0.001 * b;
    csv << '\n';
  }
  return csv.str();
}

// Four classes named by words (the pose of a face: left, right, straight, up) from two inputs.
std::string word_classes_csv(int rows) {
  const char* names[] = {"left", "right", "straight", "up"};
  std::ostringstream csv;
  csv << "x1,x2,pose\n";
  for (int i = 0; i < rows; ++i) {
    const int c = i % 4;
    const double x1 = (c % 2 ? 1 : -1) + 0.2 * std::sin(i * 3.1),
                 x2 = (c / 2 ? 1 : -1) + 0.2 * std::cos(i * 2.3);
    csv << x1 << ',' << x2 << ',' << names[c] << '\n';
  }
  return csv.str();
}

// Targets with nothing to do with the inputs (a linear congruential generator's numbers): no
// network can beat predicting their mean.
std::string noise_csv(int rows) {
  std::ostringstream csv;
  csv << "a,b,y\n";
  std::uint64_t state = 12345;
  const auto next = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return double(state >> 11) / double(1ULL << 53);
  };
  for (int i = 0; i < rows; ++i)
    csv << std::sin(i * 1.3) << ',' << std::cos(i * 0.7) << ',' << next() << '\n';
  return csv.str();
}

class CliDefaultsTest : public CliFixture {};

TEST_F(CliDefaultsTest, NoLayersTrainsADefaultNetworkInferredFromTheData) {
  const CliResult r =
      run("train --data " + kIris + " --target species --epochs 40 --lr 0.01 --save M.fathom");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "no --layers: 4 inputs → 8:relu → 3:softmax (classify, 3 classes)")) << r.err;
  const fathom::Sequential m = fathom::load_model(path("M.fathom").string());
  EXPECT_EQ(m.info.task, "classify");
  EXPECT_EQ(m.output_dim(), 3);
  EXPECT_EQ(m.loss().name(), "cce");
  const CliResult eval = run("evaluate --model M.fathom --data " + kIris + " --json");
  ASSERT_EQ(eval.code, 0) << describe(eval);
  EXPECT_GE(parse_json(eval.out).value("accuracy", 0.0), 0.85) << eval.out;

  // A column of numbers with many values is a regression: one linear output, loss mse.
  write_text(path("reg.csv"), real_units_csv(200));
  const CliResult reg = run("train --data reg.csv --target y --epochs 5 --save R.fathom");
  ASSERT_EQ(reg.code, 0) << describe(reg);
  EXPECT_TRUE(has(reg.err, "→ 1:linear (regress)")) << reg.err;
  EXPECT_EQ(fathom::load_model(path("R.fathom").string()).info.task, "regress");

  // A column of a few whole numbers is classes (0/1/2 here), read as such.
  std::string digits = "a,b,label\n";
  for (int i = 0; i < 60; ++i)
    digits += std::to_string(i % 3) + ".5," + std::to_string(i % 7) + "," + std::to_string(i % 3) + "\n";
  write_text(path("digits.csv"), digits);
  const CliResult cls = run("train --data digits.csv --target label --epochs 2 --save C.fathom");
  ASSERT_EQ(cls.code, 0) << describe(cls);
  const fathom::Sequential c = fathom::load_model(path("C.fathom").string());
  EXPECT_EQ(c.info.task, "classify") << cls.err;
  EXPECT_EQ(c.info.class_names, (std::vector<std::string>{"0", "1", "2"}));
}

TEST_F(CliDefaultsTest, HiddenOnlyLayersGetTheOutputLayerAdded) {
  // Labels c0, c1, … once gave "expected a number, found c0" when the last layer was a hidden one.
  std::string csv = "x1,x2,cls\n";
  for (int i = 0; i < 40; ++i)
    csv += std::to_string(i % 2) + "," + std::to_string(i % 5) + ",c" + std::to_string(i % 2) + "\n";
  write_text(path("c.csv"), csv);
  const CliResult r = run("train --data c.csv --target cls --layers 16:relu --epochs 2 --save M.fathom");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_FALSE(has(r.err, "expected a number")) << r.err;
  EXPECT_TRUE(has(r.err, "--layers 16:relu has no output layer: added 2:softmax (classify, 2 classes)"))
      << r.err;
  const fathom::Sequential m = fathom::load_model(path("M.fathom").string());
  EXPECT_EQ(m.output_dim(), 2);
  EXPECT_EQ(m.info.class_names, (std::vector<std::string>{"c0", "c1"}));

  // A regression target gets one linear output.
  write_text(path("reg.csv"), real_units_csv(50));
  const CliResult reg = run("train --data reg.csv --target y --layers 8:tanh --epochs 2 --save R.fathom");
  ASSERT_EQ(reg.code, 0) << describe(reg);
  EXPECT_TRUE(has(reg.err, "added 1:linear (regress)")) << reg.err;

  // A softmax layer is an output layer: one that does not fit is an error that says what fits.
  const CliResult wrong = run("train --data " + kIris + " --target species --layers 16:relu,4:softmax");
  EXPECT_EQ(wrong.code, 2) << describe(wrong);
  EXPECT_TRUE(has(wrong.err, "end --layers with 3:softmax")) << wrong.err;
}

TEST_F(CliDefaultsTest, WordLabelsWithSigmoidOutputsAndMseAreOneHotClasses) {
  // The course's face-pose network: sigmoid hidden and output units, the quadratic cost, 0.1/0.9
  // targets, a label column of words.
  write_text(path("pose.csv"), word_classes_csv(80));
  const CliResult r = run(
      "train --data pose.csv --target pose --layers 6:sigmoid,4:sigmoid --loss mse --targets-range 0.1,0.9"
      " --optimizer sgd --lr 0.5 --momentum 0.9 --batch-size 4 --epochs 60 --save M.fathom --quiet");
  ASSERT_EQ(r.code, 0) << describe(r);
  const fathom::Sequential m = fathom::load_model(path("M.fathom").string());
  EXPECT_EQ(m.info.task, "classify");
  EXPECT_EQ(m.info.class_names, (std::vector<std::string>{"left", "right", "straight", "up"}));
  const CliResult eval = run("evaluate --model M.fathom --data pose.csv --json");
  ASSERT_EQ(eval.code, 0) << describe(eval);
  EXPECT_GE(parse_json(eval.out).value("accuracy", 0.0), 0.9) << eval.out;

  // Words with a linear output and no task: classes still (two of them: one output, 0/1).
  std::string yes_no = "a,answer\n";
  for (int i = 0; i < 20; ++i) yes_no += std::to_string(i) + (i % 2 ? ",yes\n" : ",no\n");
  write_text(path("yn.csv"), yes_no);
  const CliResult lin =
      run("train --data yn.csv --target answer --layers 4:tanh,1:linear --epochs 1 --save L.fathom --quiet");
  ASSERT_EQ(lin.code, 0) << describe(lin);
  EXPECT_EQ(fathom::load_model(path("L.fathom").string()).info.task, "classify");

  // From a pipe too: reading the labels as classes reads standard input a second time.
  const CliResult piped = run("train --data - --target pose --epochs 1 --save P.fathom --quiet", "pose.csv");
  ASSERT_EQ(piped.code, 0) << describe(piped);
  EXPECT_EQ(fathom::load_model(path("P.fathom").string()).info.class_names.size(), 4u);
}

TEST_F(CliDefaultsTest, RegressionTargetsAreStandardizedAndMappedBack) {
  write_text(path("reg.csv"), real_units_csv(300));
  const CliResult r =
      run("train --data reg.csv --target y --layers 16:tanh,1:linear --epochs 60 --seed 2"
          " --validation-split 0.2 --save M.fathom");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(has(r.err, "targets standardized")) << r.err;
  EXPECT_TRUE(has(r.err, "rmse")) << "final scores in the targets' units:\n" << r.err;
  const fathom::Sequential m = fathom::load_model(path("M.fathom").string());
  ASSERT_EQ(m.info.target_scaling.method, "standard");
  EXPECT_NEAR(m.info.target_scaling.mean[0], 200, 15);
  EXPECT_GT(m.info.target_scaling.sd[0], 30);

  // evaluate: errors in the targets' units, with the default learning rate a good fit.
  const CliResult eval = run("evaluate --model M.fathom --data reg.csv --json");
  ASSERT_EQ(eval.code, 0) << describe(eval);
  const nlohmann::json report = parse_json(eval.out);
  const auto& out0 = report.at("per_output").at(0);
  EXPECT_GE(out0.value("r2", -1.0), 0.95) << eval.out;
  EXPECT_LT(out0.value("rmse", 1e9), 25) << eval.out;
  EXPECT_TRUE(report.value("loss_on_standardized_targets", false)) << eval.out;

  // predict: values in the targets' units (around 200, not around 0).
  const CliResult pred = run("predict --model M.fathom --data reg.csv --out P.csv");
  ASSERT_EQ(pred.code, 0) << describe(pred);
  const auto rows = lines_of(read_text(path("P.csv")));
  ASSERT_EQ(rows.size(), 301u);
  double sum = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) sum += std::stod(rows[i]);
  EXPECT_NEAR(sum / 300, 200, 15);

  // info shows the fit; --scale-targets none trains on the targets as they are.
  const CliResult info = run("info --model M.fathom");
  EXPECT_TRUE(has(info.out, "Target scaling: standard (mean 2")) << info.out;
  const CliResult none =
      run("train --data reg.csv --target y --layers 16:tanh,1:linear --epochs 2"
          " --scale-targets none --save N.fathom --quiet");
  ASSERT_EQ(none.code, 0) << describe(none);
  EXPECT_FALSE(fathom::load_model(path("N.fathom").string()).info.target_scaling.enabled());

  // Class targets are never scaled.
  const CliResult cls =
      run("train --data " + kIris + " --target species --scale-targets standard --epochs 1");
  EXPECT_EQ(cls.code, 2) << describe(cls);
  EXPECT_TRUE(has(cls.err, "--scale-targets standard applies to regression")) << cls.err;
}

TEST_F(CliDefaultsTest, TargetsOfVeryDifferentScalesAreLearntAlike) {
  write_text(path("two.csv"), real_units_csv(300, /*second=*/true));
  const CliResult r =
      run("train --data two.csv --target y,z --layers 16:tanh,2:linear --epochs 80 --seed 1 --save M.fathom "
          "--quiet");
  ASSERT_EQ(r.code, 0) << describe(r);
  const CliResult eval = run("evaluate --model M.fathom --data two.csv --json");
  ASSERT_EQ(eval.code, 0) << describe(eval);
  const nlohmann::json report = parse_json(eval.out);
  for (int k = 0; k < 2; ++k)
    EXPECT_GE(report.at("per_output").at(k).value("r2", -1.0), 0.9) << "output " << k << ":\n" << eval.out;
}

TEST_F(CliDefaultsTest, TheLossIsNamedForWhatItIs) {
  write_text(path("reg.csv"), real_units_csv(60));
  const CliResult train =
      run("train --data reg.csv --target y --layers 4:tanh,1:linear --epochs 2 --save M.fathom");
  ASSERT_EQ(train.code, 0) << describe(train);
  EXPECT_TRUE(has(train.err, "loss mse = ½‖t−o‖²")) << train.err;
  const CliResult eval = run("evaluate --model M.fathom --data reg.csv");
  ASSERT_EQ(eval.code, 0) << describe(eval);
  EXPECT_TRUE(has(eval.out, "Loss (mse = ½‖t−o‖², on standardized targets): ")) << eval.out;
  const CliResult info = run("info --model M.fathom");
  EXPECT_TRUE(has(info.out, "Loss: mse = ½‖t−o‖²")) << info.out;
  // The key users pass and the file records is still "mse".
  EXPECT_EQ(fathom::load_model(path("M.fathom").string()).loss().name(), "mse");
}

TEST_F(CliDefaultsTest, AOneClassTargetGetsOneMessage) {
  std::string csv = "a,b,label\n";
  for (int i = 0; i < 10; ++i) csv += std::to_string(i) + "," + std::to_string(i * i) + ",cat\n";
  write_text(path("one.csv"), csv);
  for (const std::string layers : {"", " --layers 4:relu", " --layers 4:relu,1:softmax",
                                   " --layers 4:relu,2:softmax", " --layers 4:relu,1:sigmoid"}) {
    const CliResult r = run("train --data one.csv --target label" + layers);
    EXPECT_EQ(r.code, 3) << layers << '\n' << describe(r);
    EXPECT_TRUE(has(r.err,
                    "the target \"label\" has only one class (cat) in its 10 samples: a classifier needs at "
                    "least 2 classes"))
        << layers << '\n'
        << r.err;
    EXPECT_FALSE(has(r.err, "softmax")) << layers << '\n' << r.err;
  }
}

TEST_F(CliDefaultsTest, TrainingSaysHowItEnded) {
  // Two epochs of a tiny step: the loss is still falling.
  write_text(path("reg.csv"), real_units_csv(200));
  const CliResult short_run =
      run("train --data reg.csv --target y --layers 8:tanh,1:linear --epochs 4 --lr 0.01");
  ASSERT_EQ(short_run.code, 0) << describe(short_run);
  EXPECT_TRUE(has(short_run.err, "warning: not converged: loss was still falling")) << short_run.err;

  // Noise, and a network that has barely moved from its random weights: no better than always
  // predicting the mean on held-out data.
  write_text(path("noise.csv"), noise_csv(300));
  const CliResult untrained =
      run("train --data noise.csv --target y --layers 32:tanh,1:linear --epochs 2"
          " --lr 0.000001 --validation-split 0.3 --seed 4");
  ASSERT_EQ(untrained.code, 0) << describe(untrained);
  EXPECT_TRUE(
      has(untrained.err,
          "warning: on the validation split the network is no better than always predicting the mean"))
      << untrained.err;

  // Early stopping says when it stopped and which weights it kept; stopped early, the run has
  // converged.
  const CliResult noise =
      run("train --data noise.csv --target y --layers 32:relu,1:linear --epochs 300 --lr 0.01"
          " --validation-split 0.3 --early-stopping 3 --seed 4");
  ASSERT_EQ(noise.code, 0) << describe(noise);
  EXPECT_TRUE(has(noise.err, "early stopping: no improvement in val_loss for 3 epochs; stopped after epoch "))
      << noise.err;
  EXPECT_TRUE(has(noise.err, ", restored the weights of epoch ")) << noise.err;
  EXPECT_FALSE(has(noise.err, "not converged")) << noise.err;

  // A good run says neither.
  const CliResult good =
      run("train --data reg.csv --target y --layers 8:tanh,1:linear --epochs 150 --lr 0.01"
          " --validation-split 0.2 --early-stopping 10");
  ASSERT_EQ(good.code, 0) << describe(good);
  EXPECT_FALSE(has(good.err, "warning")) << good.err;
}

}  // namespace
