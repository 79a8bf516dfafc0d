// End-to-end tests of `fathom export`: a model trained by `fathom train` on iris, exported to
// ONNX and run in ONNX Runtime, gives the probabilities `fathom predict --proba` prints; exported
// to C with a header and compiled, it gives predict's class names; --quantize int8 with data
// reports its accuracy cost; mistakes are usage errors that write nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli_run.hpp"
#include "deploy_cases.hpp"

namespace {

using namespace fathom_cli_test;

const std::string kIris = quoted(source_file("data/iris.csv"));

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliExport : public CliFixture {
 protected:
  void SetUp() override {
    const CliResult r =
        run("train --data " + kIris +
            " --target species --layers 8:tanh,3:softmax --scale standard --epochs 30 --quiet "
            "--seed 3 --save m.fathom");
    ASSERT_EQ(r.code, 0) << describe(r);
  }
  // iris.csv's four feature columns as float32 rows.
  std::vector<float> iris_features() const {
    std::vector<float> x;
    const std::vector<std::string> rows = lines_of(read_text(source_file("data/iris.csv")));
    for (std::size_t i = 1; i < rows.size(); ++i) {
      std::istringstream row(rows[i]);
      std::string field;
      for (int f = 0; f < 4 && std::getline(row, field, ','); ++f) x.push_back(std::stof(field));
    }
    return x;
  }
};

TEST_F(CliExport, OnnxRuntimeGivesPredictsProbabilities) {
  const CliResult e = run("export --model m.fathom --onnx m.onnx");
  ASSERT_EQ(e.code, 0) << describe(e);
  EXPECT_EQ(e.out, "wrote m.onnx (ONNX, opset 17, outputs \"output\" and \"class\")\n");
  const std::vector<float> x = iris_features();
  ASSERT_EQ(x.size(), 600u);
  fathom::deploy_test::write_floats(path("x.bin").string(), x.data(), x.size());
  const nlohmann::json jobs = nlohmann::json::array({{{"model", path("m.onnx").string()},
                                                      {"input", path("x.bin").string()},
                                                      {"samples", 150},
                                                      {"features", 4},
                                                      {"output", path("out.bin").string()},
                                                      {"class", path("class.bin").string()}}});
  write_text(path("jobs.json"), jobs.dump());
  ASSERT_EQ(fathom::deploy_test::shell(std::string("'") + FATHOM_NODE + "' '" +
                                       source_file("tests/deploy/run_onnx.js") + "' '" +
                                       path("jobs.json").string() + "'"),
            0);
  const std::vector<float> probabilities = fathom::deploy_test::read_values<float>(path("out.bin").string());
  const std::vector<std::int64_t> classes =
      fathom::deploy_test::read_values<std::int64_t>(path("class.bin").string());
  ASSERT_EQ(probabilities.size(), 450u);
  ASSERT_EQ(classes.size(), 150u);

  const CliResult p = run("predict --model m.fathom --data " + kIris + " --proba");
  ASSERT_EQ(p.code, 0) << describe(p);
  const std::vector<std::string> lines = lines_of(p.out);
  ASSERT_EQ(lines.size(), 151u);
  EXPECT_EQ(lines[0], "prediction,p_setosa,p_versicolor,p_virginica");
  const std::vector<std::string> names = {"setosa", "versicolor", "virginica"};
  for (std::size_t j = 0; j < 150; ++j) {
    std::istringstream row(lines[j + 1]);
    std::string field;
    std::getline(row, field, ',');
    EXPECT_EQ(field, names[std::size_t(classes[j])]) << "row " << j;
    for (std::size_t c = 0; c < 3; ++c) {
      std::getline(row, field, ',');
      // predict prints 6 significant digits.
      EXPECT_NEAR(probabilities[j * 3 + c], std::stod(field), 1e-5 * std::fabs(std::stod(field)) + 1e-6)
          << "row " << j << " class " << c;
    }
  }
}

TEST_F(CliExport, CompiledCGivesPredictsClassNames) {
  const CliResult e = run("export --model m.fathom --c iris.c --c-header iris.h --prefix iris");
  ASSERT_EQ(e.code, 0) << describe(e);
  EXPECT_EQ(e.out, "wrote iris.c and iris.h (C99: iris_predict, iris_predict_class)\n");
  write_text(path("main.c"),
             "#include <stdio.h>\n#include \"iris.h\"\n"
             "int main(void) {\n  float x[IRIS_INPUTS];\n"
             "  while (fread(x, sizeof x[0], IRIS_INPUTS, stdin) == IRIS_INPUTS)\n"
             "    printf(\"%s\\n\", iris_class_names[iris_predict_class(x)]);\n  return 0;\n}\n");
  const std::vector<float> x = iris_features();
  fathom::deploy_test::write_floats(path("x.bin").string(), x.data(), x.size());
  const std::string d = quoted(path("").string());
  ASSERT_EQ(
      fathom::deploy_test::shell("cd " + d + " && '" + FATHOM_GCC +
                                 "' -std=c99 -Wall -Wextra -Werror -pedantic main.c iris.c -lm -o iris && "
                                 "./iris <x.bin >classes.txt"),
      0);
  const CliResult p = run("predict --model m.fathom --data " + kIris);
  ASSERT_EQ(p.code, 0) << describe(p);
  EXPECT_EQ("prediction\n" + read_text(path("classes.txt")), p.out);
}

TEST_F(CliExport, Int8ReportsItsAccuracyCost) {
  const CliResult e =
      run("export --model m.fathom --c m8.c --quantize int8 --data " + kIris + " --target species");
  ASSERT_EQ(e.code, 0) << describe(e);
  EXPECT_TRUE(contains(e.out, "wrote m8.c (C99, int8 weights: model_predict, model_predict_class)\n"))
      << e.out;
  EXPECT_TRUE(contains(e.out, "int8 weights on 150 samples of ")) << e.out;
  EXPECT_TRUE(contains(e.out, " in float (")) << e.out;
  EXPECT_TRUE(contains(read_text(path("m8.c")), "static const int8_t model_layer2_weights[4][8]"));
  const CliResult no_data = run("export --model m.fathom --c m9.c --quantize int8");
  ASSERT_EQ(no_data.code, 0) << describe(no_data);
  EXPECT_TRUE(contains(no_data.out, "give labelled test data (--data)")) << no_data.out;
}

// "-" writes to stdout, for a pipe; the report goes to stderr.
TEST_F(CliExport, DashWritesToStdout) {
  const CliResult onnx = run("export --model m.fathom --onnx -");
  ASSERT_EQ(onnx.code, 0) << describe(onnx);
  EXPECT_EQ(onnx.err, "wrote - (ONNX, opset 17, outputs \"output\" and \"class\")\n");
  const CliResult file = run("export --model m.fathom --onnx m.onnx");
  EXPECT_EQ(onnx.out, read_text(path("m.onnx")));
  const CliResult c = run("export --model m.fathom --c - --prefix iris");
  ASSERT_EQ(c.code, 0) << describe(c);
  EXPECT_TRUE(contains(c.out, "void iris_predict(const float *x, float *y) {")) << c.out;
  EXPECT_EQ(run("export --model m.fathom --c x.c --c-header -").code, 2);
}

TEST_F(CliExport, MistakesAreUsageErrorsThatWriteNothing) {
  struct Case {
    std::string args, message;
    int code;
  };
  const std::vector<Case> cases = {
      {"export --model m.fathom", "fathom: export needs --onnx FILE, --c FILE or both\n", 2},
      {"export --model m.fathom --c-header x.h", "--c-header requires --c", 2},
      {"export --model m.fathom --c x.c --prefix 9x", "the prefix \"9x\" is not a C identifier", 2},
      {"export --model m.fathom --onnx x.onnx --opset 12", "--opset", 2},
      {"export --model m.fathom --c x.c --quantize int4", "--quantize", 2},
      {"export --model m.fathom --onxx x.onnx", "unknown flag --onxx (did you mean --onnx?)", 2},
      {"export --model missing.fathom --onnx x.onnx", "missing.fathom", 3},
      {"export --model m.fathom --onnx nowhere/x.onnx", "nowhere/x.onnx", 3},
      {"export --model m.fathom --c x.c --c-header ./x.c", "--c and --c-header name the same file", 2},
      {"export --model m.fathom --onnx x.c --c x.c", "--onnx and --c name the same file", 2},
      {"export --model m.fathom --onnx x.onnx --data " + kIris,
       "--data is the test data on which --quantize int8", 2},
      // The ONNX file is not written when the C export is refused.
      {"export --model m.fathom --onnx x.onnx --c x.c --prefix my-model", "is not a C identifier", 2},
  };
  for (const Case& c : cases) {
    const CliResult r = run(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << '\n' << describe(r);
    EXPECT_TRUE(contains(r.err, c.message)) << c.args << '\n' << describe(r);
  }
  for (const char* f : {"x.onnx", "x.c", "x.h"}) EXPECT_FALSE(fs::exists(path(f))) << f;
  // A read-only output is replaced only with --force.
  write_text(path("ro.onnx"), "keep");
  fs::permissions(path("ro.onnx"), fs::perms::owner_read);
  if (::geteuid() != 0) {
    EXPECT_EQ(run("export --model m.fathom --onnx ro.onnx").code, 3);
    EXPECT_EQ(read_text(path("ro.onnx")), "keep");
  }
  EXPECT_EQ(run("export --model m.fathom --onnx ro.onnx --force").code, 0);
  EXPECT_NE(read_text(path("ro.onnx")), "keep");
}

}  // namespace
