// ONNX export (docs/deploy.md): a trained model as an ONNX graph that ONNX Runtime and every
// other ONNX runtime can run. Built with the ONNX project's own library (its generated protobuf
// classes) and checked by its checker and strict shape inference before a byte is written.
//
// The graph, one node group per layer, its tensors named "layers/LAYER_NAME/...":
//   input "input": float [batch, inputs], the batch dimension left dynamic ("batch")
//   Normalization  Sub(offset), Mul(scale)               (fathom's own arithmetic, in its order)
//   Dense          Gemm(kernel [inputs, units], bias), then the activation's ops:
//                  Relu, Sigmoid, Tanh, Softmax(axis 1), LeakyRelu, Elu, Softplus; gelu as its
//                  formula 0.5·x·(1 + Erf(x/√2)); gaussian as Exp(Neg(x·x)); step as
//                  Cast(Greater(x, 0)); linear adds nothing
//   Dropout        nothing (the identity at inference)
//   a regression trained on standardized targets ends in Mul(sd), Add(mean), so that "output"
//   is in the targets' units, as `fathom predict` prints it.
//   output "output": float [batch, outputs]; for a classifier also "class": int64 [batch], the
//   predicted class index (ArgMax; one sigmoid output: output > 0.5), as predict_classes.
// metadata_props: fathom.task, fathom.class_names, fathom.feature_names, fathom.target_names
// (the lists as JSON arrays of strings), only those the model knows.
#pragma once

#include <optional>
#include <string>

#include "fathom/io/atomic_file.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom {

struct OnnxExportOptions {
  // The ai.onnx opset the graph declares: 13 to 17 (every op used means the same in all of
  // them; 17 is the newest that the ONNX library fathom builds with knows).
  int opset = 17;
  // Adds the "class" output. Unset: for a classifier (model.task() is "classify": as `fathom
  // train` records it, else as the output layer and loss imply).
  std::optional<bool> class_output = std::nullopt;
  WriteOptions write = {};
};

inline constexpr int kOnnxOpsetMin = 13, kOnnxOpsetMax = 17;

// The serialized ModelProto, checked. Throws InvalidArgument for an uncompiled model, a layer
// ONNX cannot express, or an opset outside [13, 17]; DivergedError for NaN/Inf weights or
// scaling; Error if the ONNX checker rejects the graph (a fathom bug, reported rather than written).
std::string onnx_bytes(const Sequential& model, const OnnxExportOptions& options = {});
// onnx_bytes written atomically to path (write_file_atomic).
void export_onnx(const Sequential& model, const std::string& path, const OnnxExportOptions& options = {});

}  // namespace fathom
