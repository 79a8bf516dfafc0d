// End-to-end tests of `fathom trace` and `fathom gradcheck`: they run the built binary and check
// its exit code and output (docs/concepts.md, worked example 2 to the lecture's decimals).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "cli_run.hpp"
#include "worked_example2.hpp"

using namespace fathom_cli_test;

namespace {

class CliTrace : public CliFixture {};
class CliGradcheck : public CliFixture {};

TEST_F(CliTrace, DefaultReproducesWorkedExample2) {
  const CliResult r = run("trace");
  ASSERT_EQ(r.code, 0) << describe(r);
  // Step 1, the slide's numbers: y .55, o .552, δ_o .086, δ_h .002, new weights.
  for (const char* number :
       {"0.5498", "0.5523", "0.0860", "0.0021", "0.1172", "0.1095", "0.1004", "0.1000"}) {
    EXPECT_NE(r.out.find(number), std::string::npos) << number << " missing from:\n" << r.out;
  }
  // Step 2 carries the momentum term: its output bias, from the independent reference.
  fathom::testing::Example2Reference ref;
  ref.step(1, 0, .9);
  ref.step(0, 1, -.3);
  char bias[32];
  std::snprintf(bias, sizeof bias, "%.4f", ref.wo[0]);
  EXPECT_NE(r.out.find("step 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(bias), std::string::npos) << "step-2 output bias " << bias << " missing from:\n"
                                                 << r.out;
  EXPECT_NE(r.out.find("α ΔW(t−1)"), std::string::npos) << r.out;
}

TEST_F(CliTrace, SampleOfWrongLengthIsUsageError) {
  const CliResult r = run("trace --sample 1,2,3");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_EQ(r.err.rfind("fathom: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("3 values"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("2 inputs"), std::string::npos) << r.err;
}

TEST_F(CliTrace, SampleOnTheExampleNetwork) {
  const CliResult r = run("trace --sample 1,0 --target=0.9 --momentum 0");
  ASSERT_EQ(r.code, 0) << describe(r);
  EXPECT_NE(r.out.find("0.1172"), std::string::npos) << r.out;  // step 1 needs no momentum
  EXPECT_EQ(r.out.find("step 2"), std::string::npos) << r.out;
}

TEST_F(CliGradcheck, TanhSoftmaxCceIsOk) {
  const CliResult r = run("gradcheck --layers 4:tanh,3:softmax --loss cce");
  ASSERT_EQ(r.code, 0) << describe(r);
  int ok = 0;
  for (std::size_t at = r.out.find(" ok\n"); at != std::string::npos; at = r.out.find(" ok\n", at + 1)) ++ok;
  EXPECT_EQ(ok, 4) << r.out;  // dense_1/W, dense_1/b, dense_2/W, dense_2/b
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
}

TEST_F(CliGradcheck, UnknownLossIsUsageError) {
  const CliResult r = run("gradcheck --layers 4:tanh,3:softmax --loss nope");
  EXPECT_EQ(r.code, 2) << describe(r);
  EXPECT_NE(r.err.find("mse"), std::string::npos) << r.err;  // lists the known losses
  EXPECT_NE(r.err.find("cce"), std::string::npos) << r.err;
}

}  // namespace
