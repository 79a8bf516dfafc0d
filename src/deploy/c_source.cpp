// C source export: writes the model as one C99 file (deploy/c_source.hpp). Each layer is one
// loop nest in PREFIX_predict, with its name in a comment; the element-wise activations are C
// expressions of the pre-activation v, in the form fathom computes them (nn/activation.cpp).
#include "fathom/deploy/c_source.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "c_text.hpp"
#include "exportable.hpp"
#include "fathom/core/error.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/nn/dropout.hpp"
#include "fathom/nn/normalization.hpp"
#include "int8.hpp"

namespace fathom {

namespace {

using namespace detail;

class Writer {
 public:
  Writer(const Sequential& model, const CExportOptions& options)
      : model_(model), options_(options), p_(options.prefix) {}

  CSource write() {
    plan();
    std::ostringstream c;
    c << banner();
    c << "#include <math.h>\n";
    if (options_.quantize == CQuantization::Int8) c << "#include <stdint.h>\n";
    if (!options_.header_name.empty()) {
      c << "#include \"" << options_.header_name << "\"\n\n";  // verbatim: #include decodes no escapes
    } else {
      c << "\n" << declarations();
    }
    if (!model_.info.class_names.empty() && classifier_) {
      c << "const char *const " << p_ << "_class_names[" << upper(p_) << "_CLASSES] = {";
      for (std::size_t k = 0; k < model_.info.class_names.size(); ++k)
        c << (k ? ", " : "") << c_string(model_.info.class_names[k]);
      c << "};\n\n";
    }
    c << arrays_.str() << "\n" << predict_function();
    if (classifier_) c << "\n" << class_function();
    CSource out;
    out.source = c.str();
    if (!options_.header_name.empty()) {
      const std::string guard = upper(p_) + "_H";
      out.header = banner() + "#ifndef " + guard + "\n#define " + guard +
                   "\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n" + declarations() +
                   "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
    }
    return out;
  }

 private:
  struct Step {
    const Layer* layer;
    std::string name;  // the layer's name, for comments
    int index;         // 1-based, for the arrays' names
  };

  std::string array(int index, const char* what) const {
    return p_ + "_layer" + std::to_string(index) + "_" + what;
  }

  // Checks the layers and writes their arrays.
  void plan() {
    require_exportable(model_, "C export");
    require(is_c_identifier(p_),
            "C export: the prefix \"" + p_ + "\" is not a C identifier (letters, digits and _)");
    require(options_.header_name.find_first_of("\"\n\r\\") == std::string::npos,
            "C export: the header name \"" + options_.header_name + "\" cannot be #included");
    classifier_ = options_.class_function.value_or(model_.task() == "classify");
    const Parameters& params = model_.parameters();
    for (std::size_t i = 0; i < model_.layer_count(); ++i) {
      const Layer& layer = model_.layer(i);
      Step step{&layer, layer.name().empty() ? layer.type() + "_" + std::to_string(i + 1) : layer.name(),
                int(i + 1)};
      width_ = std::max(width_, layer.output_dim());
      if (const auto* dense = dynamic_cast<const Dense*>(&layer)) {
        widest_dense_input_ = std::max(widest_dense_input_, layer.input_dim());
        const ConstMatrixView W = params.value(dense->W_ref());
        const auto units = std::size_t(W.rows()), inputs = std::size_t(W.cols());
        std::ostringstream dims_text;  // (not "[" + ...: GCC 12 warns falsely of overlapping memcpy there)
        dims_text << '[' << inputs << "][" << units << ']';
        const std::string dims = dims_text.str();
        if (options_.quantize == CQuantization::Int8) {
          require(W.cols() <= detail::kInt8MaxInputs,
                  "C export: layer " + step.name + " has " + std::to_string(W.cols()) +
                      " inputs; int8 sums of more than " + std::to_string(detail::kInt8MaxInputs) +
                      " could overflow");
          const Int8Dense int8 = detail::quantize_weights(W);
          arrays_ << "static const float " << array(step.index, "scale") << " = " << c_float(int8.scale)
                  << ";\n";
          arrays_ << "static const int8_t " << array(step.index, "weights") << dims << " = {";
          write_rows(arrays_, int8.q.data(), inputs, units, 16,
                     [](std::int8_t v) { return std::to_string(int(v)); });
        } else {
          // W's column-major values are the C array [inputs][units]: row i holds input i's weights.
          arrays_ << "static const float " << array(step.index, "weights") << dims << " = {";
          write_rows(arrays_, W.data(), inputs, units, 8, c_float);
        }
        if (dense->use_bias()) {
          arrays_ << "static const float " << array(step.index, "bias") << "[" << units << "] = {";
          write_values(arrays_, params.value(dense->b_ref()).data(), units, 8, c_float);
        }
      } else if (const auto* norm = dynamic_cast<const Normalization*>(&layer)) {
        const InputScaling& s = norm->scaling();
        const auto n = std::size_t(s.offset.size());
        arrays_ << "static const float " << array(step.index, "offset") << "[" << n << "] = {";
        write_values(arrays_, s.offset.data(), n, 8, c_float);
        arrays_ << "static const float " << array(step.index, "scale") << "[" << n << "] = {";
        write_values(arrays_, s.scale.data(), n, 8, c_float);
      } else if (dynamic_cast<const Dropout*>(&layer) == nullptr) {
        throw InvalidArgument("C export: layer " + step.name + " of type " + layer.type() + " has no C form");
      }
      steps_.push_back(std::move(step));
    }
    const TargetScaling& ts = model_.info.target_scaling;
    if (ts.enabled()) {
      const auto n = std::size_t(ts.mean.size());
      arrays_ << "static const float " << p_ << "_target_sd[" << n << "] = {";
      write_values(arrays_, ts.sd.data(), n, 8, c_float);
      arrays_ << "static const float " << p_ << "_target_mean[" << n << "] = {";
      write_values(arrays_, ts.mean.data(), n, 8, c_float);
    }
  }

  std::string banner() const {
    std::ostringstream b;
    b << "/* A fathom model as C99: " << model_.input_dim() << " inputs, " << model_.output_dim()
      << " outputs" << (options_.quantize == CQuantization::Int8 ? ", int8 weights" : "") << ".\n"
      << " * Written by `fathom export`; needs no library but <math.h> (link with -lm).\n * Layers:\n";
    for (const Step& s : steps_)
      b << " *   " << comment_safe(s.name) << ": " << comment_safe(s.layer->describe()) << "\n";
    const std::vector<std::string>& features = model_.info.feature_names;
    if (!features.empty()) {
      // The inputs in order, as x[0], x[1], ... (the first and last few of a long list).
      b << " * Inputs:";
      for (std::size_t i = 0; i < features.size(); ++i) {
        if (features.size() > 12 && i == 6) {
          b << " ...";
          i = features.size() - 4;
        }
        b << (i % 6 == 0 && i > 0 ? "\n *  " : "") << " x[" << i << "] " << comment_safe(features[i]);
      }
      b << "\n";
    }
    if (model_.info.target_scaling.enabled())
      b << " *   outputs mapped back to the targets' units (o * sd + mean)\n";
    b << " */\n";
    return b.str();
  }

  std::string declarations() const {
    const std::string P = upper(p_);
    std::ostringstream d;
    d << "#define " << P << "_INPUTS " << model_.input_dim() << "\n#define " << P << "_OUTPUTS "
      << model_.output_dim() << "\n";
    if (classifier_) d << "#define " << P << "_CLASSES " << std::max<Index>(2, model_.output_dim()) << "\n";
    d << "\n/* y[" << P << "_OUTPUTS] = the network's outputs for the inputs x[" << P << "_INPUTS]. */\n"
      << "void " << p_ << "_predict(const float *x, float *y);\n";
    if (classifier_) {
      d << "/* The predicted class of x: 0 to " << P << "_CLASSES - 1. */\n"
        << "int " << p_ << "_predict_class(const float *x);\n";
      if (!model_.info.class_names.empty())
        d << "/* Each class's name. */\nextern const char *const " << p_ << "_class_names[" << P
          << "_CLASSES];\n";
    }
    return d.str() + "\n";
  }

  // One Dense layer from `in` into `out`: the sums as one axpy per input (row i of the weights
  // times input i, added to every unit's sum), which compilers vectorize without reordering any
  // sum, and which skips inputs that are 0 (blank pixels, relu outputs) at no cost in exactness.
  void dense_loop(std::ostream& f, const Step& s, const Dense& dense, const std::string& in,
                  const std::string& out) const {
    const Index inputs = dense.input_dim(), units = dense.output_dim();
    const std::string w = array(s.index, "weights");
    const std::string bias = dense.use_bias() ? " + " + array(s.index, "bias") + "[u]" : "";
    const bool softmax = dense.activation().kind() == ActivationKind::Softmax;
    const std::string store = softmax ? "v" : activation_expression(dense.activation());
    if (options_.quantize == CQuantization::Int8) {
      f << "  {\n"
        << "    /* the input quantized to int8 with its own scale */\n"
        << "    float max_abs = 0.0f, input_scale = 0.0f, s;\n"
        << "    for (i = 0; i < " << inputs << "; ++i) {\n"
        << "      const float t = fabsf(" << in << "[i]);\n"
        << "      if (t > max_abs) max_abs = t;\n"
        << "    }\n"
        << "    if (max_abs > " << c_float(kInt8SmallestInput) << ") {  /* smaller: taken as all 0 */\n"
        << "      const float inverse = 127.0f / max_abs;\n"
        << "      input_scale = max_abs / 127.0f;\n"
        << "      for (i = 0; i < " << inputs << "; ++i) {\n"
        << "        const float t = " << in << "[i] * inverse;\n"
        << "        q[i] = (int8_t)(t + (t >= 0.0f ? 0.5f : -0.5f));\n"
        << "      }\n"
        << "    } else {\n"
        << "      for (i = 0; i < " << inputs << "; ++i) q[i] = 0;\n"
        << "    }\n"
        << "    s = " << array(s.index, "scale") << " * input_scale;\n"
        << "    for (u = 0; u < " << units << "; ++u) sum[u] = 0;\n"
        << "    for (i = 0; i < " << inputs << "; ++i) {\n"
        << "      const int32_t qi = q[i];\n"
        << "      if (qi != 0)\n"
        << "        for (u = 0; u < " << units << "; ++u) sum[u] += " << w << "[i][u] * qi;\n"
        << "    }\n"
        << "    for (u = 0; u < " << units << "; ++u) {\n"
        << "      const float v = (float)sum[u] * s" << bias << ";\n"
        << "      " << out << "[u] = " << store << ";\n"
        << "    }\n"
        << "  }\n";
    } else {
      f << "  for (u = 0; u < " << units << "; ++u) " << out << "[u] = 0.0f;\n"
        << "  for (i = 0; i < " << inputs << "; ++i) {\n"
        << "    const float xi = " << in << "[i];\n"
        << "    if (xi != 0.0f)\n"
        << "      for (u = 0; u < " << units << "; ++u) " << out << "[u] += " << w << "[i][u] * xi;\n"
        << "  }\n"
        << "  for (u = 0; u < " << units << "; ++u) {\n"
        << "    const float v = " << out << "[u]" << bias << ";\n"
        << "    " << out << "[u] = " << store << ";\n"
        << "  }\n";
    }
    if (softmax) {
      f << "  {\n"
        << "    /* softmax: e^(v - max v) / sum */\n"
        << "    float max = " << out << "[0], sum = 0.0f, inverse;\n"
        << "    for (u = 1; u < " << units << "; ++u)\n"
        << "      if (" << out << "[u] > max) max = " << out << "[u];\n"
        << "    for (u = 0; u < " << units << "; ++u) {\n"
        << "      " << out << "[u] = expf(" << out << "[u] - max);\n"
        << "      sum += " << out << "[u];\n"
        << "    }\n"
        << "    inverse = 1.0f / sum;\n"
        << "    for (u = 0; u < " << units << "; ++u) " << out << "[u] *= inverse;\n"
        << "  }\n";
    }
  }

  std::string predict_function() const {
    std::ostringstream body;
    std::string in = "x";
    bool into_a = true, used_a = false, used_b = false, dense_seen = false;
    for (const Step& s : steps_) {
      const std::string out = into_a ? "a" : "b";
      if (const auto* dense = dynamic_cast<const Dense*>(s.layer)) {
        body << "  /* " << comment_safe(s.name) << ": " << comment_safe(dense->describe()) << " */\n";
        dense_loop(body, s, *dense, in, out);
        dense_seen = true;
      } else if (dynamic_cast<const Normalization*>(s.layer) != nullptr) {
        body << "  /* " << comment_safe(s.name) << ": (x - offset) * scale */\n"
             << "  for (i = 0; i < " << s.layer->input_dim() << "; ++i) " << out << "[i] = (" << in
             << "[i] - " << array(s.index, "offset") << "[i]) * " << array(s.index, "scale") << "[i];\n";
      } else {
        body << "  /* " << comment_safe(s.name) << ": dropout, the identity at inference */\n";
        continue;
      }
      (into_a ? used_a : used_b) = true;
      in = out;
      into_a = !into_a;
    }
    const TargetScaling& ts = model_.info.target_scaling;
    body << "  for (i = 0; i < " << model_.output_dim() << "; ++i) y[i] = " << in << "[i]";
    if (ts.enabled()) body << " * " << p_ << "_target_sd[i] + " << p_ << "_target_mean[i]";
    body << ";\n";

    // Only the buffers and counters this network uses are declared (C99 compilers warn of others).
    std::ostringstream f;
    f << "void " << p_ << "_predict(const float *x, float *y) {\n";
    if (used_a) f << "  float a[" << width_ << "];\n";
    if (used_b) f << "  float b[" << width_ << "];\n";
    if (dense_seen && options_.quantize == CQuantization::Int8) {
      f << "  int8_t q[" << widest_dense_input_ << "];\n"
        << "  int32_t sum[" << width_ << "];\n";
    }
    f << (dense_seen ? "  int i, u;\n" : "  int i;\n") << body.str() << "}\n";
    return f.str();
  }

  std::string class_function() const {
    std::ostringstream f;
    const Index k = model_.output_dim();
    f << "int " << p_ << "_predict_class(const float *x) {\n"
      << "  float y[" << k << "];\n";
    if (k == 1) {
      f << "  " << p_ << "_predict(x, y);\n"
        << "  return y[0] > 0.5f;\n";
    } else {
      f << "  int best = 0, c;\n"
        << "  " << p_ << "_predict(x, y);\n"
        << "  for (c = 1; c < " << k << "; ++c)\n"
        << "    if (y[c] > y[best]) best = c;\n"
        << "  return best;\n";
    }
    f << "}\n";
    return f.str();
  }

  const Sequential& model_;
  const CExportOptions& options_;
  const std::string& p_;
  bool classifier_ = false;
  Index width_ = 0;               // the widest layer output: the buffers a and b
  Index widest_dense_input_ = 0;  // int8: the quantized inputs q
  std::vector<Step> steps_;
  std::ostringstream arrays_;
};

std::string file_name_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

CSource c_source(const Sequential& model, const CExportOptions& options) {
  return Writer(model, options).write();
}

void export_c(const Sequential& model, const std::string& c_path, const std::string& header_path,
              CExportOptions options, const WriteOptions& write) {
  if (!header_path.empty()) {
    if (options.header_name.empty()) options.header_name = file_name_of(header_path);
    require(options.header_name == file_name_of(header_path),
            "C export: the header is written to " + header_path + " but the .c file would include \"" +
                options.header_name + "\"");
  }
  const CSource source = c_source(model, options);
  // Both destinations are checked before either is written, so a refused one writes nothing.
  if (!header_path.empty()) {
    namespace fs = std::filesystem;
    require(fs::weakly_canonical(fs::absolute(header_path)) != fs::weakly_canonical(fs::absolute(c_path)),
            "C export: the header and the .c file are both " + c_path);
    check_writable_destination(header_path, write);
  }
  check_writable_destination(c_path, write);
  if (!header_path.empty()) write_file_atomic(header_path, source.header, write);
  write_file_atomic(c_path, source.source, write);
}

}  // namespace fathom
