// ONNX export (deploy/onnx.hpp): every exported model runs in ONNX Runtime (onnxruntime-node,
// tests/deploy/run_onnx.js) with the outputs and classes fathom computes, in one batch of 1,000
// and one sample at a time; the graph is what docs/deploy.md says; ONNX's own Python checker
// accepts the files; and bad requests fail before anything is written.
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "deploy_cases.hpp"
#include "scratch_dir.hpp"

using namespace fathom;
using namespace fathom::deploy_test;

namespace {

constexpr Index kSamples = 1000, kSingle = 8;

onnx::ModelProto parse(const std::string& bytes) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(bytes));
  return m;
}

std::vector<std::string> ops(const onnx::ModelProto& m) {
  std::vector<std::string> out;
  for (const auto& n : m.graph().node()) out.push_back(n.op_type());
  return out;
}

std::string metadata(const onnx::ModelProto& m, const std::string& key) {
  for (const auto& p : m.metadata_props())
    if (p.key() == key) return p.value();
  return "";
}

TEST(OnnxExport, EveryActivationRunsInOnnxRuntimeAsInFathom) {
  const fathom::testing::ScratchDir dir;
  std::vector<Case> cases = all_cases();
  nlohmann::json jobs = nlohmann::json::array();
  std::vector<Matrix> inputs;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::string base = (dir.path() / c.name).string();
    export_onnx(c.model, base + ".onnx");
    inputs.push_back(
        case_inputs(kCaseFeatures, kSamples, 7 + i, /*raw=*/c.name.find("scaled") == std::string::npos));
    write_floats(base + ".in", inputs.back().data(), std::size_t(inputs.back().size()));
    jobs.push_back({{"model", base + ".onnx"},
                    {"input", base + ".in"},
                    {"samples", kSamples},
                    {"features", kCaseFeatures},
                    {"output", base + ".out"},
                    {"class", base + ".class"},
                    {"single", kSingle}});
  }
  const std::string jobs_path = (dir.path() / "jobs.json").string();
  std::ofstream(jobs_path) << jobs.dump();
  ASSERT_EQ(shell(std::string("'") + FATHOM_NODE + "' '" + FATHOM_SOURCE_DIR +
                  "/tests/deploy/run_onnx.js' '" + jobs_path + "'"),
            0)
      << "ONNX Runtime did not run the exported models (see its message above)";

  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(c.name);
    const std::string base = (dir.path() / c.name).string();
    const Matrix want = fathom_outputs(c.model, inputs[i]);
    const Index k = want.rows();
    const std::vector<float> got = read_values<float>(base + ".out");
    ASSERT_EQ(got.size(), std::size_t(k * (kSamples + kSingle)));
    const ConstMatrixView batch(got.data(), k, kSamples);
    expect_close(batch, view(want), 1e-5, output_atol(c.model), c.name + ", batch of 1000");
    // Batch 1: the first samples one at a time.
    expect_close(ConstMatrixView(got.data() + k * kSamples, k, kSingle), left_cols(want, kSingle), 1e-5,
                 output_atol(c.model), c.name + ", batch of 1");
    const bool classifier = c.model.info.task == "classify";
    ASSERT_EQ(std::filesystem::exists(base + ".class"), classifier);
    if (classifier) {
      const std::vector<std::int64_t> classes = read_values<std::int64_t>(base + ".class");
      const std::vector<Index> expected = c.model.predict_classes(inputs[i]);
      ASSERT_EQ(classes.size(), std::size_t(kSamples + kSingle));
      for (Index j = 0; j < kSamples + kSingle; ++j) {
        const Index sample = j < kSamples ? j : j - kSamples;
        const Index e = expected[std::size_t(sample)];
        if (!near_tie(want, sample, e)) {
          EXPECT_EQ(classes[std::size_t(j)], e) << "sample " << j;
        }
      }
    }
  }
}

TEST(OnnxExport, GraphIsTheLayersInOrder) {
  Sequential m = case_model(Activation("gelu"), /*scaled=*/true, "softmax", 3);
  m.info.class_names = {"cat", "dog", "owl"};
  m.info.feature_names = {"a", "b", "c", "d", "e"};
  const onnx::ModelProto p = parse(onnx_bytes(m));
  EXPECT_EQ(p.opset_import(0).version(), 17);
  EXPECT_EQ(p.producer_name(), "fathom");
  const std::vector<std::string> expected = {"Sub",   "Mul",                                  // normalization
                                             "Gemm",  "Mul",     "Erf", "Add", "Mul", "Mul",  // dense + gelu
                                             "Gemm",  "Softmax",  // dropout left out; output
                                             "ArgMax"};
  EXPECT_EQ(ops(p), expected);
  ASSERT_EQ(p.graph().input_size(), 1);
  const auto& input = p.graph().input(0);
  EXPECT_EQ(input.name(), "input");
  EXPECT_EQ(input.type().tensor_type().shape().dim(0).dim_param(), "batch");
  EXPECT_EQ(input.type().tensor_type().shape().dim(1).dim_value(), kCaseFeatures);
  ASSERT_EQ(p.graph().output_size(), 2);
  EXPECT_EQ(p.graph().output(0).name(), "output");
  EXPECT_EQ(p.graph().output(0).type().tensor_type().shape().dim(1).dim_value(), 3);
  EXPECT_EQ(p.graph().output(1).name(), "class");
  EXPECT_EQ(p.graph().output(1).type().tensor_type().elem_type(), onnx::TensorProto::INT64);
  EXPECT_EQ(metadata(p, "fathom.class_names"), R"(["cat","dog","owl"])");
  EXPECT_EQ(metadata(p, "fathom.feature_names"), R"(["a","b","c","d","e"])");
  EXPECT_EQ(metadata(p, "fathom.task"), "classify");

  // The first Dense layer's kernel is W transposed, [inputs, units], and its bias b.
  const auto& dense = dynamic_cast<const Dense&>(m.layer(1));
  const ConstMatrixView W = std::as_const(m).parameters().value(dense.W_ref());
  int kernels_seen = 0;
  for (const auto& t : p.graph().initializer()) {
    if (t.name() != "layers/dense_1/kernel") continue;
    ++kernels_seen;
    ASSERT_EQ(t.dims_size(), 2);
    EXPECT_EQ(t.dims(0), W.cols());
    EXPECT_EQ(t.dims(1), W.rows());
    for (Index i = 0; i < W.cols(); ++i)
      for (Index u = 0; u < W.rows(); ++u) EXPECT_EQ(t.float_data(int(i * W.rows() + u)), W(u, i));
  }
  EXPECT_EQ(kernels_seen, 1);

  // A regression: no class output, the target scaling at the end; a chosen opset.
  const Sequential r = case_model(Activation("relu"), false, "regress", 4);
  const onnx::ModelProto pr = parse(onnx_bytes(r, {.opset = 13}));
  EXPECT_EQ(pr.opset_import(0).version(), 13);
  EXPECT_EQ(pr.graph().output_size(), 1);
  const std::vector<std::string> regress_ops = {"Gemm", "Relu", "Gemm", "Mul", "Add"};
  EXPECT_EQ(ops(pr), regress_ops);
  EXPECT_EQ(pr.graph().node(4).output(0), "output");
  // The class output on request, for a model with no recorded task.
  EXPECT_EQ(parse(onnx_bytes(r, {.class_output = true})).graph().output_size(), 2);
}

TEST(OnnxExport, BadRequestsFailBeforeWriting) {
  const fathom::testing::ScratchDir dir;
  const std::string path = (dir.path() / "m.onnx").string();
  Sequential uncompiled(3);
  uncompiled.add(Dense(2));
  EXPECT_THROW(export_onnx(uncompiled, path), InvalidArgument);
  const Sequential m = case_model(Activation("tanh"), false, "softmax", 5);
  EXPECT_THROW(export_onnx(m, path, {.opset = 12}), InvalidArgument);
  EXPECT_THROW(export_onnx(m, path, {.opset = 18}), InvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_THROW(export_onnx(m, (dir.path() / "no/such/folder/m.onnx").string()), FileError);
  // An existing file is replaced whole (atomically, as model files are).
  std::ofstream(path) << "old";
  export_onnx(m, path);
  EXPECT_EQ(read_file(path), onnx_bytes(m));
}

// Layer names are the user's: ones named like the graph's own tensors ("class", "const") and
// names with slashes and quotes still give a valid graph.
TEST(OnnxExport, AnyLayerNamesGiveAValidGraph) {
  Sequential m(3, 4);
  m.add(Dense(DenseOptions{.units = 4, .activation = "relu", .name = "class"}));
  m.add(Dense(DenseOptions{.units = 4, .activation = "tanh", .name = "const"}));
  m.add(Dense(DenseOptions{.units = 1, .activation = "sigmoid", .name = "a/b \"c\" */"}));
  m.compile({.loss = "bce", .optimizer = "sgd"});
  m.info.task = "classify";
  const onnx::ModelProto p = parse(onnx_bytes(m));
  EXPECT_EQ(p.graph().output_size(), 2);
  EXPECT_EQ(p.graph().node(0).output(0), "layers/class/pre_activation");
  EXPECT_EQ(p.graph().node(2).output(0), "layers/const/pre_activation");
}

// A model whose weights hold NaN or Inf is refused, as save_model refuses it.
TEST(OnnxExport, NonFiniteWeightsAreRefused) {
  Sequential m = case_model(Activation("relu"), false, "softmax", 6);
  m.parameters().values()[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(onnx_bytes(m), DivergedError);
  EXPECT_THROW(c_source(m), DivergedError);
  EXPECT_THROW(predict_int8(m, case_inputs(kCaseFeatures, 2, 1)), DivergedError);
  // NaN inputs, as predict refuses them.
  const Sequential ok = case_model(Activation("relu"), false, "softmax", 6);
  Matrix x = case_inputs(kCaseFeatures, 3, 1);
  x(2, 1) = std::numeric_limits<float>::infinity();
  EXPECT_THROW(predict_int8(ok, x), DataError);
}

// The class output by default for a classifier whose task was not recorded (a Python fit on
// one-hot targets), as the command line decides it.
TEST(OnnxExport, ClassOutputFollowsTheImpliedTask) {
  Sequential m = case_model(Activation("relu"), false, "softmax", 7);
  m.info.task = "";
  EXPECT_EQ(m.task(), "classify");
  EXPECT_EQ(parse(onnx_bytes(m)).graph().output_size(), 2);
  Sequential r = case_model(Activation("relu"), false, "regress", 8);
  r.info.task = "";
  EXPECT_EQ(parse(onnx_bytes(r)).graph().output_size(), 1);
}

// ONNX's Python checker (python3-onnx) with its full check (shape inference) on exported files.
TEST(OnnxExport, PythonOnnxCheckerAccepts) {
  const fathom::testing::ScratchDir dir;
  std::string files;
  for (const std::string kind : {"softmax", "sigmoid", "regress"}) {
    const std::string path = (dir.path() / (kind + ".onnx")).string();
    export_onnx(case_model(Activation("gaussian"), true, kind, 9), path);
    files += " '" + path + "'";
  }
  EXPECT_EQ(shell(std::string("'") + FATHOM_DEBIAN_PYTHON +
                  "' -c 'import sys, onnx\n"
                  "for f in sys.argv[1:]:\n"
                  "    onnx.checker.check_model(onnx.load(f), full_check=True)\n"
                  "print(\"python onnx checker: ok\")'" +
                  files),
            0);
}

}  // namespace
