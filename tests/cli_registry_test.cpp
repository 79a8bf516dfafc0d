// Every row of the activation, loss and optimizer tables through the `fathom` command: train
// on Iris with it, save, and read it back with `fathom info`. The lists come from the
// registries, so a new row is covered without a new test line.
#include <gtest/gtest.h>

#include <string>

#include "cli_run.hpp"
#include "fathom/fathom.hpp"

namespace {

using namespace fathom_cli_test;

const std::string kIris = quoted(source_file("data/iris.csv"));

class CliRegistry : public CliFixture {
 protected:
  // Trains for 2 epochs with the given flags and returns `fathom info`'s text.
  std::string train_and_info(const std::string& flags) {
    const CliResult train =
        run("train --data " + kIris + " --target species --epochs 2 --quiet --save m.fathom " + flags);
    EXPECT_EQ(train.code, 0) << flags << '\n' << describe(train);
    const CliResult info = run("info --model m.fathom");
    EXPECT_EQ(info.code, 0) << flags << '\n' << describe(info);
    return info.out;
  }
};

TEST_F(CliRegistry, EveryHiddenActivation) {
  for (const std::string& name : fathom::activation_names()) {
    // step has no gradient (the perceptron rule trains it); softmax is an output activation.
    if (name == "step" || name == "softmax") continue;
    const std::string canonical = fathom::Activation(name).name();
    const std::string info = train_and_info("--layers 4:" + name + ",3:softmax");
    EXPECT_NE(info.find(canonical), std::string::npos) << name << ":\n" << info;
  }
}

TEST_F(CliRegistry, EveryLoss) {
  for (const std::string& name : fathom::loss_names()) {
    // cce and mse-like losses on softmax outputs, bce on independent sigmoid outputs.
    const std::string output = name == "bce" ? "3:sigmoid --task classify" : "3:softmax";
    const std::string info = train_and_info("--layers 4:tanh," + output + " --loss " + name);
    EXPECT_NE(info.find("Loss: " + fathom::Loss(name).name()), std::string::npos) << name << ":\n" << info;
  }
}

TEST_F(CliRegistry, EveryOptimizer) {
  for (const std::string& name : fathom::optimizer_names()) {
    // lm minimizes a sum of squares: the mse loss.
    const std::string info =
        train_and_info("--layers 4:tanh,3:softmax --optimizer " + name + (name == "lm" ? " --loss mse" : ""));
    EXPECT_NE(info.find("Optimizer: " + name + " "), std::string::npos) << name << ":\n" << info;
  }
}

}  // namespace
