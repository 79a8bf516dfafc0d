// `fathom train --optimizer rprop|irprop+|lbfgs|lm` end to end (docs/cli.md): each trains on the
// whole set per step and says when it converged; a resumed lm run is the uninterrupted one; what
// they cannot do is a usage error (exit 2) that says why.
#include <gtest/gtest.h>

#include "cli_run.hpp"

namespace fathom_cli_test {
namespace {

const std::string kIris = quoted(source_file("data/iris.csv"));
const std::string kData = "train --data " + kIris + " --target species ";
const std::string kTrain = kData + "--layers 6:tanh,3:softmax ";

// The training-set accuracy `fathom train` prints at the end (-1 if absent).
double final_accuracy(const std::string& err) {
  const std::string key = "training set: 150 samples  accuracy ";
  const auto at = err.find(key);
  return at == std::string::npos ? -1 : std::stod(err.substr(at + key.size(), 6));
}

class CliFullBatch : public CliFixture {};

TEST_F(CliFullBatch, EachTrainsAndLbfgsSaysWhenItConverged) {
  for (const std::string name : {"rprop", "irprop+", "lbfgs", "lm"}) {
    const CliResult r =
        run(kTrain + "--epochs 300 --optimizer " + name + (name == "lm" ? " --loss mse" : ""));
    ASSERT_EQ(r.code, 0) << name << '\n' << describe(r);
    EXPECT_GE(final_accuracy(r.err), 0.95) << name << '\n' << r.err;
  }
  const CliResult r = run(kTrain + "--epochs 2000 --optimizer lbfgs");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.err.find("lbfgs converged at epoch "), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("epoch 2000/2000"), std::string::npos) << r.err;
}

TEST_F(CliFullBatch, RefusalsNameTheProblem) {
  const std::pair<std::string, std::string> cases[] = {
      {"--optimizer rprop --lr 0.1", "rprop: option \"learning_rate\" is unknown"},
      {"--optimizer lbfgs --batch-size 16", "lbfgs steps on the whole training set, but batch_size 16"},
      {"--optimizer lm", "lm minimizes a sum of squares: compile the model with the mse loss"},
      {"--optimizer lm --loss mse --layers 200:tanh,200:tanh,3:softmax", "limited to 8192 parameters"},
      {"--optimizer irprop+ --schedule 'exponential(0.9)'", "irprop+ has no learning rate"},
  };
  for (const auto& [flags, message] : cases) {
    const bool layers = flags.find("--layers") != std::string::npos;
    const CliResult r = run((layers ? kData : kTrain) + "--epochs 3 " + flags);
    EXPECT_EQ(r.code, 2) << flags << '\n' << describe(r);
    EXPECT_NE(r.err.find(message), std::string::npos) << flags << '\n' << r.err;
  }
}

TEST_F(CliFullBatch, ResumedLmRunIsTheUninterruptedOne) {
  const std::string lm = kTrain + "--optimizer lm --loss mse --quiet ";
  ASSERT_EQ(run(lm + "--epochs 8 --save straight.fathom").code, 0);
  ASSERT_EQ(run(lm + "--epochs 4 --save half.fathom").code, 0);
  const CliResult resumed = run(kData + "--quiet --epochs 8 --resume half.fathom --save resumed.fathom");
  ASSERT_EQ(resumed.code, 0) << describe(resumed);
  const CliResult a = run("predict --model straight.fathom --data " + kIris + " --proba --out -");
  const CliResult b = run("predict --model resumed.fathom --data " + kIris + " --proba --out -");
  ASSERT_EQ(a.code, 0) << describe(a);
  EXPECT_EQ(a.out, b.out);
}

}  // namespace
}  // namespace fathom_cli_test
