// End-to-end tests of `fathom trace` and `fathom gradcheck`: they run the built binary and check
// its exit code and output (SPEC §7 example 2 to the lecture's decimals).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

// The command: $FATHOM_CLI, else the path CMake gives (when tests/CMakeLists.txt defines it),
// else build/fathom next to build/tests/ where this test runs from.
std::string cli_path() {
  if (const char* env = std::getenv("FATHOM_CLI")) return env;
#ifdef FATHOM_CLI_PATH
  return FATHOM_CLI_PATH;
#else
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "fathom").string();
#endif
}

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr together
};

Result run(const std::string& args) {
  const std::string cli = cli_path();
  Result r;
  if (!std::filesystem::exists(cli)) {
    r.output = "no fathom binary at " + cli + " (build the fathom_cli target or set FATHOM_CLI)";
    return r;
  }
  FILE* pipe = popen(("'" + cli + "' " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) r.output.append(buffer.data(), n);
  const int status = pclose(pipe);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

double sigma(double z) { return 1 / (1 + std::exp(-z)); }

// The output bias after both steps of SPEC §7 example 2, in double precision with the lecture's
// scalar formulas (the same reference as spec_examples_test.cpp), independent of the library.
double example2_output_bias_after_step2() {
  const double eta = 0.2, alpha = 0.9;
  double wh[2][3] = {{.1, .1, .1}, {.1, .1, .1}}, wo[3] = {.1, .1, .1};
  double dwh[2][3] = {}, dwo[3] = {};
  const double samples[2][3] = {{1, 0, .9}, {0, 1, -.3}};
  for (const auto& s : samples) {
    double h[2];
    for (int j = 0; j < 2; ++j) h[j] = sigma(wh[j][0] + wh[j][1] * s[0] + wh[j][2] * s[1]);
    const double o = sigma(wo[0] + wo[1] * h[0] + wo[2] * h[1]);
    const double delta_o = o * (1 - o) * (s[2] - o);
    double delta_h[2];
    for (int j = 0; j < 2; ++j) delta_h[j] = h[j] * (1 - h[j]) * wo[j + 1] * delta_o;  // old weights
    const double in_o[3] = {1, h[0], h[1]}, in_h[3] = {1, s[0], s[1]};
    for (int i = 0; i < 3; ++i) {
      dwo[i] = eta * delta_o * in_o[i] + alpha * dwo[i];
      wo[i] += dwo[i];
    }
    for (int j = 0; j < 2; ++j) {
      for (int i = 0; i < 3; ++i) {
        dwh[j][i] = eta * delta_h[j] * in_h[i] + alpha * dwh[j][i];
        wh[j][i] += dwh[j][i];
      }
    }
  }
  return wo[0];
}

TEST(CliTrace, DefaultReproducesSpecExample2) {
  const Result r = run("trace");
  ASSERT_EQ(r.code, 0) << r.output;
  // Step 1, the slide's numbers: y .55, o .552, δ_o .086, δ_h .002, new weights.
  for (const char* number :
       {"0.5498", "0.5523", "0.0860", "0.0021", "0.1172", "0.1095", "0.1004", "0.1000"}) {
    EXPECT_NE(r.output.find(number), std::string::npos) << number << " missing from:\n" << r.output;
  }
  // Step 2 carries the momentum term.
  char bias[32];
  std::snprintf(bias, sizeof bias, "%.4f", example2_output_bias_after_step2());
  EXPECT_NE(r.output.find("step 2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(bias), std::string::npos) << "step-2 output bias " << bias << " missing from:\n"
                                                    << r.output;
  EXPECT_NE(r.output.find("α ΔW(t−1)"), std::string::npos) << r.output;
}

TEST(CliTrace, SampleOfWrongLengthIsUsageError) {
  const Result r = run("trace --sample 1,2,3");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("fathom: "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("3 values"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2 inputs"), std::string::npos) << r.output;
}

TEST(CliTrace, SampleOnTheExampleNetwork) {
  const Result r = run("trace --sample 1,0 --target=0.9 --momentum 0");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("0.1172"), std::string::npos) << r.output;  // step 1 needs no momentum
  EXPECT_EQ(r.output.find("step 2"), std::string::npos) << r.output;
}

TEST(CliGradcheck, TanhSoftmaxCceIsOk) {
  const Result r = run("gradcheck --layers 4:tanh,3:softmax --loss cce");
  ASSERT_EQ(r.code, 0) << r.output;
  int ok = 0;
  for (std::size_t at = r.output.find(" ok\n"); at != std::string::npos; at = r.output.find(" ok\n", at + 1))
    ++ok;
  EXPECT_EQ(ok, 4) << r.output;  // dense_1/W, dense_1/b, dense_2/W, dense_2/b
  EXPECT_EQ(r.output.find("FAIL"), std::string::npos) << r.output;
}

TEST(CliGradcheck, UnknownLossIsUsageError) {
  const Result r = run("gradcheck --layers 4:tanh,3:softmax --loss nope");
  EXPECT_EQ(r.code, 2) << r.output;
  EXPECT_NE(r.output.find("mse"), std::string::npos) << r.output;  // lists the known losses
  EXPECT_NE(r.output.find("cce"), std::string::npos) << r.output;
}

}  // namespace
