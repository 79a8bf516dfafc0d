// ONNX export: the model's layers as ONNX nodes, built with the ONNX library's generated
// protobuf classes and checked by onnx::checker and strict shape inference (deploy/onnx.hpp).
#include "fathom/deploy/onnx.hpp"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "exportable.hpp"
#include "fathom/core/error.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/nn/dropout.hpp"
#include "fathom/nn/normalization.hpp"

#ifndef FATHOM_VERSION
#define FATHOM_VERSION "unknown"
#endif

namespace fathom {

namespace {

// Builds the graph node by node; `current` is the tensor the next node reads.
class GraphBuilder {
 public:
  explicit GraphBuilder(onnx::GraphProto& graph) : graph_(graph) {}

  std::string current = "input";

  // A float initializer of the given shape holding `values` (row-major, as ONNX lays out).
  std::string constant(const std::string& name, const std::vector<std::int64_t>& dims,
                       const std::vector<float>& values) {
    onnx::TensorProto* t = graph_.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (const std::int64_t d : dims) t->add_dims(d);
    for (const float v : values) t->add_float_data(v);
    return name;
  }
  // A float scalar, made once per value.
  std::string scalar(float value) {
    const std::string name = "const/" + number_text(value);
    for (const auto& t : graph_.initializer())
      if (t.name() == name) return name;
    return constant(name, {}, {value});
  }
  std::string int64_constant(const std::string& name, const std::vector<std::int64_t>& values) {
    onnx::TensorProto* t = graph_.add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(std::int64_t(values.size()));
    for (const std::int64_t v : values) t->add_int64_data(v);
    return name;
  }

  // Appends op(inputs) writing `output`; returns the node for attributes.
  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::string& output) {
    onnx::NodeProto* n = graph_.add_node();
    n->set_op_type(op);
    n->set_name(output);
    for (const auto& in : inputs) n->add_input(in);
    n->add_output(output);
    return *n;
  }
  // op(current, extra...) → `output`, which becomes current.
  onnx::NodeProto& chain(const std::string& op, const std::string& output,
                         const std::vector<std::string>& extra = {}) {
    std::vector<std::string> inputs{current};
    inputs.insert(inputs.end(), extra.begin(), extra.end());
    onnx::NodeProto& n = node(op, inputs, output);
    current = output;
    return n;
  }

 private:
  static std::string number_text(float value) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", double(value));
    return buf;
  }
  onnx::GraphProto& graph_;
};

void set_attribute(onnx::NodeProto& n, const std::string& name, std::int64_t value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}
void set_attribute(onnx::NodeProto& n, const std::string& name, float value) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

// The activation's ops after a Dense layer's Gemm, reading and updating g.current.
void add_activation(GraphBuilder& g, const Activation& activation, const std::string& layer) {
  switch (activation.kind()) {
    case ActivationKind::Linear:
      return;
    case ActivationKind::Step:
      g.chain("Greater", layer + "/positive", {g.scalar(0)});
      set_attribute(g.chain("Cast", layer + "/step"), "to", std::int64_t(onnx::TensorProto::FLOAT));
      return;
    case ActivationKind::Sigmoid:
      g.chain("Sigmoid", layer + "/sigmoid");
      return;
    case ActivationKind::Tanh:
      g.chain("Tanh", layer + "/tanh");
      return;
    case ActivationKind::Relu:
      g.chain("Relu", layer + "/relu");
      return;
    case ActivationKind::LeakyRelu:
      set_attribute(g.chain("LeakyRelu", layer + "/leaky_relu"), "alpha", activation.alpha());
      return;
    case ActivationKind::Elu:
      set_attribute(g.chain("Elu", layer + "/elu"), "alpha", activation.alpha());
      return;
    case ActivationKind::Softplus:
      g.chain("Softplus", layer + "/softplus");
      return;
    case ActivationKind::Softmax:
      set_attribute(g.chain("Softmax", layer + "/softmax"), "axis", std::int64_t(1));
      return;
    case ActivationKind::Gelu: {
      // gelu(x) = 0.5 · x · (1 + erf(x / √2)), the exact form fathom computes.
      const std::string x = g.current;
      g.chain("Mul", layer + "/gelu_scaled", {g.scalar(float(1 / std::sqrt(2.0)))});
      g.chain("Erf", layer + "/gelu_erf");
      g.chain("Add", layer + "/gelu_one_plus", {g.scalar(1)});
      g.chain("Mul", layer + "/gelu_x_times", {x});
      g.chain("Mul", layer + "/gelu", {g.scalar(0.5f)});
      return;
    }
    case ActivationKind::Gaussian: {
      // exp(−x²)
      const std::string x = g.current;
      g.chain("Mul", layer + "/gaussian_square", {x});
      g.chain("Neg", layer + "/gaussian_neg");
      g.chain("Exp", layer + "/gaussian");
      return;
    }
  }
  throw InvalidArgument("ONNX export: activation " + activation.name() + " of layer " + layer +
                        " has no ONNX form");
}

// The prefix of a layer's tensors: "layers/NAME" (Sequential keeps layer names unique), under
// which no fixed name of the graph ("input", "output", "class/...", "targets/...", "const/...")
// can fall.
std::string layer_prefix(const Layer& layer, std::size_t i) {
  return "layers/" + (layer.name().empty() ? layer.type() + "_" + std::to_string(i + 1) : layer.name());
}

// W (units × inputs, column-major) as ONNX's row-major [inputs, units]: the same bytes.
std::vector<float> kernel_values(ConstMatrixView W) {
  std::vector<float> out(std::size_t(W.size()));
  for (Index i = 0; i < W.cols(); ++i)
    for (Index u = 0; u < W.rows(); ++u) out[std::size_t(i * W.rows() + u)] = W(u, i);
  return out;
}
std::vector<float> values_of(const Vector& v) { return {v.data(), v.data() + v.size()}; }

void add_tensor_type(onnx::ValueInfoProto& value, const std::string& name, int element_type,
                     const std::vector<std::int64_t>& dims_after_batch) {
  value.set_name(name);
  onnx::TypeProto_Tensor* t = value.mutable_type()->mutable_tensor_type();
  t->set_elem_type(element_type);
  t->mutable_shape()->add_dim()->set_dim_param("batch");
  for (const std::int64_t d : dims_after_batch) t->mutable_shape()->add_dim()->set_dim_value(d);
}

void add_metadata(onnx::ModelProto& m, const std::string& key, const std::string& value) {
  onnx::StringStringEntryProto* p = m.add_metadata_props();
  p->set_key(key);
  p->set_value(value);
}
void add_list_metadata(onnx::ModelProto& m, const std::string& key, const std::vector<std::string>& values) {
  if (!values.empty()) add_metadata(m, key, nlohmann::json(values).dump());
}

bool wants_class_output(const Sequential& model, const OnnxExportOptions& options) {
  return options.class_output.value_or(model.task() == "classify");
}

onnx::ModelProto build_model(const Sequential& model, const OnnxExportOptions& options) {
  detail::require_exportable(model, "ONNX export");
  require(options.opset >= kOnnxOpsetMin && options.opset <= kOnnxOpsetMax,
          "ONNX export: opset " + std::to_string(options.opset) + " is not supported (" +
              std::to_string(kOnnxOpsetMin) + " to " + std::to_string(kOnnxOpsetMax) + ")");
  onnx::ModelProto m;
  m.set_ir_version(onnx::IR_VERSION);
  m.set_producer_name("fathom");
  m.set_producer_version(FATHOM_VERSION);
  m.set_doc_string("A fathom Sequential model");
  onnx::OperatorSetIdProto* opset = m.add_opset_import();
  opset->set_domain("");
  opset->set_version(options.opset);

  onnx::GraphProto& graph = *m.mutable_graph();
  graph.set_name("fathom_sequential");
  GraphBuilder g(graph);
  const Parameters& params = model.parameters();
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    const std::string name = layer_prefix(layer, i);
    if (const auto* dense = dynamic_cast<const Dense*>(&layer)) {
      const ConstMatrixView W = params.value(dense->W_ref());
      std::vector<std::string> extra{g.constant(name + "/kernel", {W.cols(), W.rows()}, kernel_values(W))};
      if (dense->use_bias()) {
        const ConstMatrixView b = params.value(dense->b_ref());
        extra.push_back(
            g.constant(name + "/bias", {b.rows()}, std::vector<float>(b.data(), b.data() + b.rows())));
      }
      g.chain("Gemm", name + "/pre_activation", extra);
      add_activation(g, dense->activation(), name);
    } else if (const auto* norm = dynamic_cast<const Normalization*>(&layer)) {
      const InputScaling& s = norm->scaling();
      const std::int64_t n = s.offset.size();
      g.chain("Sub", name + "/centred", {g.constant(name + "/offset", {n}, values_of(s.offset))});
      g.chain("Mul", name + "/scaled", {g.constant(name + "/scale", {n}, values_of(s.scale))});
    } else if (dynamic_cast<const Dropout*>(&layer) == nullptr) {
      throw InvalidArgument("ONNX export: layer " + name + " of type " + layer.type() + " has no ONNX form");
    }
  }
  const TargetScaling& ts = model.info.target_scaling;
  if (ts.enabled()) {
    const std::int64_t n = ts.mean.size();
    g.chain("Mul", "targets/times_sd", {g.constant("targets/sd", {n}, values_of(ts.sd))});
    g.chain("Add", "targets/plus_mean", {g.constant("targets/mean", {n}, values_of(ts.mean))});
  }
  // The last node writes "output" (an Identity when no node does: a model of Dropout only).
  if (graph.node_size() > 0 && g.current == graph.node(graph.node_size() - 1).output(0)) {
    graph.mutable_node(graph.node_size() - 1)->set_output(0, "output");
    g.current = "output";
  } else {
    g.chain("Identity", "output");
  }
  const std::int64_t outputs = model.output_dim();
  add_tensor_type(*graph.add_input(), "input", onnx::TensorProto::FLOAT, {model.input_dim()});
  add_tensor_type(*graph.add_output(), "output", onnx::TensorProto::FLOAT, {outputs});
  if (wants_class_output(model, options)) {
    if (outputs == 1) {
      g.node("Greater", {"output", g.scalar(0.5f)}, "class/positive");
      set_attribute(g.node("Cast", {"class/positive"}, "class/index"), "to",
                    std::int64_t(onnx::TensorProto::INT64));
      g.node("Squeeze", {"class/index", g.int64_constant("class/axes", {1})}, "class");
    } else {
      onnx::NodeProto& argmax = g.node("ArgMax", {"output"}, "class");
      set_attribute(argmax, "axis", std::int64_t(1));
      set_attribute(argmax, "keepdims", std::int64_t(0));
    }
    add_tensor_type(*graph.add_output(), "class", onnx::TensorProto::INT64, {});
  }

  const ModelInfo& info = model.info;
  if (!info.task.empty()) add_metadata(m, "fathom.task", info.task);
  add_list_metadata(m, "fathom.class_names", info.class_names);
  add_list_metadata(m, "fathom.feature_names", info.feature_names);
  add_list_metadata(m, "fathom.target_names", info.target_names);
  return m;
}

// The ONNX checker, then shape inference in strict mode with type checks, which must give the
// declared output shapes.
void check(onnx::ModelProto& m) {
  try {
    onnx::checker::check_model(m);
    onnx::ModelProto inferred = m;
    onnx::shape_inference::InferShapes(inferred, onnx::OpSchemaRegistry::Instance(),
                                       onnx::ShapeInferenceOptions(/*check_type=*/true, /*strict=*/1));
  } catch (const std::exception& e) {
    throw Error(std::string("ONNX export: the ONNX checker rejected the graph (a fathom bug): ") + e.what());
  }
}

}  // namespace

std::string onnx_bytes(const Sequential& model, const OnnxExportOptions& options) {
  onnx::ModelProto m = build_model(model, options);
  check(m);
  std::string bytes;
  if (!m.SerializeToString(&bytes)) throw Error("ONNX export: the model could not be serialized");
  return bytes;
}

void export_onnx(const Sequential& model, const std::string& path, const OnnxExportOptions& options) {
  write_file_atomic(path, onnx_bytes(model, options), options.write);
}

}  // namespace fathom
