// C source export (docs/deploy.md): a trained model as one dependency-free C99 file, for a
// microcontroller or a C program without fathom. The weights are `static const` arrays and
//   void PREFIX_predict(const float *x, float *y);     x: PREFIX_INPUTS values, y: PREFIX_OUTPUTS
//   int  PREFIX_predict_class(const float *x);         classifiers: the class index
// run the network one sample at a time with one plain loop nest per layer: the input scaling of
// a Normalization layer first (as fathom computes it), Dropout left out, a standardized
// regression's outputs mapped back to the targets' units at the end. Each Dense layer's weights
// are an array [inputs][units] (row i: input i's weight to every unit), summed as one
// multiply-add over the units per input, which compilers vectorize without reordering any sum,
// and an input that is 0 (a blank pixel, a relu output) is skipped. No allocation, no global
// state (the buffers are arrays of the widest layer's size on the stack, so the functions are
// reentrant), no library but the C library's <math.h>.
//
// int8 mode (CQuantization::Int8): each Dense layer's weights are stored as int8_t with one
// symmetric scale per layer (W ≈ scale·q, q in [−127, 127]); at run time each layer's input is
// quantized the same way per sample, the products are summed in int32_t (<stdint.h>, a header
// every C99 compiler has, freestanding ones included), and the sum is scaled back to float for
// the bias and activation. A quarter of the float file's weight bytes; the accuracy it costs is
// measured by predict_int8 below.
#pragma once

#include <optional>
#include <string>

#include "fathom/io/atomic_file.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom {

enum class CQuantization { None, Int8 };

struct CExportOptions {
  // The C identifier every exported name starts with.
  std::string prefix = "model";
  // The header's file name as the .c file #includes it (""; no header: the .c file declares
  // its own functions and constants).
  std::string header_name = "";
  CQuantization quantize = CQuantization::None;
  // Adds PREFIX_predict_class. Unset: for a classifier (model.task() is "classify").
  std::optional<bool> class_function = std::nullopt;
};

struct CSource {
  std::string source;  // the .c file
  std::string header;  // the .h file ("" unless options.header_name is set)
};

// Throws InvalidArgument for an uncompiled model, a prefix that is not a C identifier, a layer
// C export does not know, or (int8) a layer so wide that its integer sums could overflow 32 bits;
// DivergedError for NaN/Inf weights or scaling.
CSource c_source(const Sequential& model, const CExportOptions& options = {});
// c_source written atomically to c_path and, when header_path is not empty, header_path (whose
// file name options.header_name must then be, or is set to when empty). Both destinations are
// checked before either file is written.
void export_c(const Sequential& model, const std::string& c_path, const std::string& header_path = "",
              CExportOptions options = {}, const WriteOptions& write = {});

// The outputs (outputs × n) of the int8 C code for inputs x (inputs × n), computed in C++ with
// the same arithmetic in the same order: what `fathom export --quantize int8` measures its
// accuracy with. Throws ShapeError for x's rows not the model's inputs.
Matrix predict_int8(const Sequential& model, ConstMatrixView x);
inline Matrix predict_int8(const Sequential& model, const Matrix& x) { return predict_int8(model, view(x)); }

}  // namespace fathom
