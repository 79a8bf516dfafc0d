// C source export (deploy/c_source.hpp): the exported file compiles with gcc and clang under
// -std=c99 -Wall -Wextra -Werror -pedantic, and, run by tests/deploy/c_harness.c, gives
// fathom's outputs and classes (float weights) or predict_int8's (int8 weights) for every
// activation, with and without input scaling, classification and regression; int8 costs at
// most half a point of accuracy on Fashion-MNIST; bad requests are refused.
#include <filesystem>

#include "deploy_cases.hpp"
#include "scratch_dir.hpp"

using namespace fathom;
using namespace fathom::deploy_test;

namespace {

struct CRun {
  Matrix outputs;
  std::vector<int> classes;
};

// Writes net.c / net.h for `model`, compiles them with the harness and runs it on x.
CRun compile_and_run(const std::filesystem::path& dir, const Sequential& model, const Matrix& x,
                     CQuantization quantize, const std::string& compiler) {
  std::filesystem::create_directories(dir);
  export_c(model, (dir / "net.c").string(), (dir / "net.h").string(),
           {.prefix = "net", .quantize = quantize});
  const std::string d = dir.string();
  const std::string compile = "'" + compiler + "' -std=c99 -Wall -Wextra -Werror -pedantic -O2 -I'" + d +
                              "' '" + d + "/net.c' '" + FATHOM_SOURCE_DIR +
                              "/tests/deploy/c_harness.c' -lm -o '" + d + "/harness'";
  EXPECT_EQ(shell(compile), 0) << compile;
  write_floats(d + "/in", x.data(), std::size_t(x.size()));
  EXPECT_EQ(shell("'" + d + "/harness' '" + d + "/in' '" + d + "/out' '" + d + "/classes'"), 0);
  CRun run;
  const std::vector<float> out = read_values<float>(d + "/out");
  run.outputs = Matrix(model.output_dim(), x.cols());
  EXPECT_EQ(out.size(), std::size_t(run.outputs.size()));
  std::copy(out.begin(),
            out.begin() + std::min<std::ptrdiff_t>(std::ptrdiff_t(out.size()), run.outputs.size()),
            run.outputs.data());
  run.classes = read_values<int>(d + "/classes");
  return run;
}

void expect_classes(const CRun& run, const std::vector<Index>& want, const Matrix& outputs) {
  ASSERT_EQ(run.classes.size(), want.size());
  for (std::size_t j = 0; j < want.size(); ++j) {
    if (!near_tie(outputs, Index(j), want[j])) {
      EXPECT_EQ(run.classes[j], want[j]) << "sample " << j;
    }
  }
}

TEST(CExport, EveryActivationCompilesAndGivesFathomsOutputs) {
  const fathom::testing::ScratchDir dir;
  std::size_t i = 0;
  for (const Case& c : all_cases()) {
    SCOPED_TRACE(c.name);
    const bool scaled = c.name.find("scaled") != std::string::npos;
    const Matrix x = case_inputs(kCaseFeatures, 300, 11 + i++, !scaled);
    const Matrix want = fathom_outputs(c.model, x);
    // gcc for all; clang too for the softmax classifiers.
    std::vector<std::string> compilers = {FATHOM_GCC};
    if (c.name.find("softmax") != std::string::npos) compilers.push_back(FATHOM_CLANG);
    for (const std::string& cc : compilers) {
      const CRun run = compile_and_run(dir.path() / c.name, c.model, x, CQuantization::None, cc);
      expect_close(view(run.outputs), view(want), 1e-5, output_atol(c.model), c.name + " (" + cc + ")");
      if (c.model.info.task == "classify") expect_classes(run, c.model.predict_classes(x), want);
    }
  }
}

TEST(CExport, Int8CodeGivesPredictInt8sOutputs) {
  const fathom::testing::ScratchDir dir;
  std::size_t i = 0;
  for (const Case& c : all_cases()) {
    const bool scaled = c.name.find("scaled") != std::string::npos;
    if (!scaled) continue;  // every activation once per output kind: each compile takes a while
    SCOPED_TRACE(c.name);
    const Matrix x = case_inputs(kCaseFeatures, 300, 31 + i++);
    const Matrix want = predict_int8(c.model, x);
    const CRun run = compile_and_run(dir.path() / c.name, c.model, x, CQuantization::Int8, FATHOM_GCC);
    expect_close(view(run.outputs), view(want), 1e-5, output_atol(c.model), c.name + " int8");
    if (c.model.info.task == "classify") {
      std::vector<Index> classes = predicted_classes(cview(want));
      expect_classes(run, classes, want);
    }
  }
}

// int8 is close to float: on these small nets the outputs move by a few hundredths at most.
TEST(CExport, Int8IsCloseToFloat) {
  const Sequential m = case_model(Activation("tanh"), true, "softmax", 77);
  const Matrix x = case_inputs(kCaseFeatures, 500, 78);
  const Matrix exact = m.predict(x), int8 = predict_int8(m, x);
  EXPECT_LT((int8 - exact).cwiseAbs().maxCoeff(), 0.05f);
  EXPECT_GT((int8 - exact).cwiseAbs().maxCoeff(), 0.0f);  // and it is not the float path
}

TEST(CExport, Int8CostsAtMostHalfAPointOnFashionMnist) {
  const std::string data = "/usr/share/datasets/fashion-mnist/";
  ASSERT_TRUE(std::filesystem::exists(data + "t10k-images-idx3-ubyte.gz"))
      << "Fashion-MNIST is missing: run scripts/setup.sh (it installs Debian's dataset-fashion-mnist)";
  const Dataset train = read_idx(data + "train-images-idx3-ubyte.gz", data + "train-labels-idx1-ubyte.gz");
  const Dataset test = read_idx(data + "t10k-images-idx3-ubyte.gz", data + "t10k-labels-idx1-ubyte.gz");
  Sequential m(784, 5);
  m.add(Dense(128, "relu"));
  m.add(Dense(10, "softmax"));
  m.compile({.loss = "cce", .optimizer = "adam", .metrics = {"accuracy"}});
  m.info.task = "classify";
  const Index n = 15000;
  FitOptions fit;
  fit.epochs = 3;
  fit.batch_size = 64;
  m.fit(Matrix(train.x.leftCols(n)), Matrix(train.y.leftCols(n)), fit);

  const fathom::testing::ScratchDir dir;
  const Matrix exact = m.predict(test.x);
  const double float_accuracy = confusion_matrix(cview(exact), view(test.y)).accuracy();
  const CRun float_c = compile_and_run(dir.path() / "float", m, test.x, CQuantization::None, FATHOM_GCC);
  expect_close(view(float_c.outputs), view(exact), 1e-5, 1e-6, "float C, 784 inputs");
  const CRun int8_c = compile_and_run(dir.path() / "int8", m, test.x, CQuantization::Int8, FATHOM_GCC);
  const double int8_accuracy = confusion_matrix(cview(int8_c.outputs), view(test.y)).accuracy();
  std::cout << "Fashion-MNIST 784-128-10: float accuracy " << float_accuracy << ", int8 C " << int8_accuracy
            << '\n';
  EXPECT_GT(float_accuracy, 0.80);
  EXPECT_LE(float_accuracy - int8_accuracy, 0.005);
  expect_close(view(int8_c.outputs), view(predict_int8(m, test.x)), 1e-5, 1e-6,
               "int8 C against predict_int8");
}

TEST(CExport, SourceIsPlainC) {
  Sequential m = case_model(Activation("relu"), true, "softmax", 8);
  m.info.feature_names = {"0", "1", "2", "3", "4"};
  m.info.class_names = {"a\"b", "c*/d", "\xc3\xa9t\xc3\xa9"};  // a quote, a comment end, UTF-8
  const CSource s = c_source(m, {.prefix = "iris", .header_name = "iris.h"});
  EXPECT_NE(s.source.find("#include <math.h>\n#include \"iris.h\""), std::string::npos);
  EXPECT_NE(s.source.find(" * Inputs: x[0] 0 x[1] 1 x[2] 2 x[3] 3 x[4] 4\n"), std::string::npos);
  EXPECT_NE(s.source.find("/* dense_1: dense 7 relu */"), std::string::npos);
  EXPECT_NE(s.source.find("/* dropout_1: dropout, the identity at inference */"), std::string::npos);
  EXPECT_NE(s.source.find("void iris_predict(const float *x, float *y) {"), std::string::npos);
  EXPECT_NE(s.source.find(R"({"a\"b", "c*/d", "\303\251t\303\251"})"), std::string::npos);
  for (const char* absent : {"malloc", "static float", "#include <std"}) {
    EXPECT_EQ(s.source.find(absent), std::string::npos) << absent;
  }
  EXPECT_NE(s.header.find("#define IRIS_INPUTS 5\n#define IRIS_OUTPUTS 3\n#define IRIS_CLASSES 3"),
            std::string::npos);
  EXPECT_NE(s.header.find("int iris_predict_class(const float *x);"), std::string::npos);
  // Without a header, the .c file declares everything itself.
  const CSource alone = c_source(m, {.prefix = "iris"});
  EXPECT_TRUE(alone.header.empty());
  EXPECT_NE(alone.source.find("#define IRIS_INPUTS 5"), std::string::npos);
  // A regression: no class function.
  const CSource r = c_source(case_model(Activation("elu"), false, "regress", 9), {});
  EXPECT_EQ(r.source.find("predict_class"), std::string::npos);
  EXPECT_NE(r.source.find("model_target_mean[i]"), std::string::npos);
}

// Names that could end a comment or break an #include: the file still compiles under -Werror.
TEST(CExport, OddNamesStillCompile) {
  const fathom::testing::ScratchDir dir;
  Sequential m(3, 2);
  m.add(Dense(DenseOptions{.units = 4, .activation = "relu", .name = "a */ int evil; /* b\nc"}));
  m.add(Dense(DenseOptions{.units = 2,
                           .activation = "softmax",
                           .name = "/* ?"
                                   "?= \\"}));
  m.compile({.loss = "cce", .optimizer = "sgd"});
  m.info.task = "classify";
  m.info.feature_names = {"x */ y", "é", "/*"};
  const Matrix x = case_inputs(3, 20, 3, true);
  for (const std::string header : {"why?.h", "caf\xc3\xa9.h"}) {
    const std::filesystem::path d = dir.path() / (header == "why?.h" ? "q" : "u");
    std::filesystem::create_directories(d);
    export_c(m, (d / "m.c").string(), (d / header).string(), {.prefix = "m"});
    EXPECT_EQ(shell("cd '" + d.string() + "' && '" + FATHOM_GCC +
                    "' -std=c99 -Wall -Wextra -Werror -pedantic -c m.c"),
              0)
        << header;
  }
  const CRun run = compile_and_run(dir.path() / "run", m, x, CQuantization::Int8, FATHOM_CLANG);
  expect_close(view(run.outputs), view(predict_int8(m, x)), 1e-5, 1e-6, "odd names, int8");
}

// Inputs so small that 127 / max would overflow are quantized as all 0, alike in C and C++ (UBSan
// would catch a float-to-int conversion of inf in the mirror).
TEST(CExport, TinyInputsQuantizeToZero) {
  const fathom::testing::ScratchDir dir;
  Sequential m(4, 3);
  m.add(Dense(3, "tanh"));
  m.add(Dense(2, "linear"));
  m.compile({});
  Matrix x = Matrix::Constant(4, 3, 1e-37f);
  x(0, 1) = -2e-38f;
  x.col(2).setZero();
  const Matrix want = predict_int8(m, x);
  EXPECT_TRUE(want.allFinite());
  const CRun run = compile_and_run(dir.path() / "run", m, x, CQuantization::Int8, FATHOM_GCC);
  expect_close(view(run.outputs), view(want), 1e-5, 1e-6, "tiny inputs");
}

TEST(CExport, BadRequestsAreRefused) {
  const Sequential m = case_model(Activation("sigmoid"), false, "softmax", 10);
  for (const char* prefix : {"", "9lives", "my-model", "a b"}) {
    EXPECT_THROW(c_source(m, {.prefix = prefix}), InvalidArgument) << prefix;
  }
  EXPECT_THROW(c_source(m, {.header_name = "bad\".h"}), InvalidArgument);
  Sequential uncompiled(3);
  uncompiled.add(Dense(2));
  EXPECT_THROW(c_source(uncompiled), InvalidArgument);
  const fathom::testing::ScratchDir dir;
  EXPECT_THROW(
      export_c(m, (dir.path() / "m.c").string(), (dir.path() / "m.h").string(), {.header_name = "other.h"}),
      InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "m.c"));
  EXPECT_THROW(export_c(m, (dir.path() / "m.c").string(), (dir.path() / "./m.c").string()), InvalidArgument);
  // An unwritable .c destination: the header is not written either.
  EXPECT_THROW(export_c(m, (dir.path() / "no/such/m.c").string(), (dir.path() / "m.h").string()), FileError);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "m.h"));
  // int8 sums of 127 · 127 · inputs must fit 32 bits.
  Sequential wide(140000);
  wide.add(Dense(1));
  wide.compile({});
  EXPECT_THROW(c_source(wide, {.quantize = CQuantization::Int8}), InvalidArgument);
  EXPECT_THROW(predict_int8(wide, Matrix::Zero(140000, 1)), InvalidArgument);
  EXPECT_NO_THROW(c_source(wide));  // float has no such limit
}

}  // namespace
