// `fathom export`: a saved model as an ONNX graph (--onnx) and/or one dependency-free C99 file
// (--c, with --c-header, --prefix and --quantize int8); docs/deploy.md. With --quantize int8 and
// labelled data (--data), prints what the int8 weights cost on that data.
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "common.hpp"
#include "fathom/deploy/c_source.hpp"
#include "fathom/deploy/onnx.hpp"
#include "fathom/train/metrics.hpp"

namespace fathom::cli {

namespace {

struct ExportArgs {
  std::string model;
  std::string onnx, c, header, prefix = "model", quantize = "none";
  int opset = kOnnxOpsetMax;
  DataArgs data;
  bool force = false;
};

std::string percent(double v) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << 100 * v << " %";
  return out.str();
}

// The int8 weights against the float ones on labelled data: accuracy (classification) or RMSE in
// the targets' units (otherwise), and how often the two agree.
std::string int8_report(const Sequential& model, const DataArgs& args) {
  const Dataset data = load_for_model(model, args, /*targets_optional=*/false);
  Matrix exact = model.predict(data.x);
  model.info.target_scaling.invert(view(exact));
  const Matrix int8 = predict_int8(model, data.x);
  std::ostringstream out;
  out << "int8 weights on " << data.samples() << " samples of " << args.spec << ": ";
  if (model_task(model) == Task::Classify) {
    const double a_float = confusion_matrix(cview(exact), view(data.y)).accuracy();
    const double a_int8 = confusion_matrix(cview(int8), view(data.y)).accuracy();
    const std::vector<Index> float_classes = predicted_classes(cview(exact));
    const std::vector<Index> int8_classes = predicted_classes(cview(int8));
    std::size_t same = 0;
    for (std::size_t j = 0; j < float_classes.size(); ++j) same += float_classes[j] == int8_classes[j];
    out << "accuracy " << percent(a_int8) << " against " << percent(a_float) << " in float (" << std::showpos
        << std::fixed << std::setprecision(2) << 100 * (a_int8 - a_float) << std::noshowpos
        << " points); the same class as float for " << percent(double(same) / double(float_classes.size()))
        << " of the samples\n";
  } else {
    const auto rmse = [&](const Matrix& a) {
      return std::sqrt((a - data.y).squaredNorm() / double(a.size()));
    };
    out << "RMSE " << rmse(int8) << " against " << rmse(exact)
        << " in float; the outputs differ from float's by "
        << std::sqrt((int8 - exact).squaredNorm() / double(exact.size())) << " (root mean square)\n";
  }
  return out.str();
}

// Whether two paths name one file, whether or not it exists yet ("x.c" and "./x.c").
bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  return fs::weakly_canonical(fs::absolute(a)) == fs::weakly_canonical(fs::absolute(b));
}

int run_export(const ExportArgs& args) {
  if (args.onnx.empty() && args.c.empty()) throw UsageError("export needs --onnx FILE, --c FILE or both");
  if (!args.data.spec.empty() && args.quantize != "int8") {
    throw UsageError(
        "--data is the test data on which --quantize int8 reports its accuracy cost; "
        "without --quantize int8 there is nothing to measure");
  }
  // Two flags naming one file would leave only the last one written.
  const std::vector<std::pair<std::string, std::string>> outputs = {
      {"--onnx", args.onnx}, {"--c", args.c}, {"--c-header", args.header}};
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      if (!outputs[i].second.empty() && !outputs[j].second.empty() &&
          same_file(outputs[i].second, outputs[j].second)) {
        throw UsageError(outputs[i].first + " and " + outputs[j].first + " name the same file, " +
                         outputs[j].second);
      }
    }
  }
  if (args.header == "-")
    throw UsageError("--c-header needs a file name: the .c file #includes it by that name");
  check_outputs({args.onnx, args.c, args.header}, args.force);
  // "-" writes that export to stdout (a pipe); what was written is then told on stderr.
  std::ostream& say = args.onnx == "-" || args.c == "-" ? std::cerr : std::cout;
  const Sequential model = load_model(args.model);
  const bool classifier = model_task(model) == Task::Classify;
  // Both exports are built (and checked) before either file is written: a refused one writes nothing.
  std::string onnx;
  if (!args.onnx.empty()) {
    OnnxExportOptions options;
    options.opset = args.opset;
    options.class_output = classifier;
    onnx = onnx_bytes(model, options);
  }
  CExportOptions c_options;
  c_options.prefix = args.prefix;
  c_options.quantize = args.quantize == "int8" ? CQuantization::Int8 : CQuantization::None;
  c_options.class_function = classifier;
  c_options.header_name = std::filesystem::path(args.header).filename().string();
  CSource c;
  std::string report;  // int8's cost, measured before anything is written
  if (!args.c.empty()) {
    c = c_source(model, c_options);
    if (c_options.quantize == CQuantization::Int8) {
      report = args.data.spec.empty()
                   ? "int8: give labelled test data (--data) to see the accuracy the int8 weights cost\n"
                   : int8_report(model, args.data);
    }
  }

  if (!args.onnx.empty()) {
    write_output(args.onnx, onnx, args.force);
    say << "wrote " << args.onnx << " (ONNX, opset " << args.opset << ", outputs \"output\""
        << (classifier ? " and \"class\"" : "") << ")\n";
  }
  if (!args.c.empty()) {
    if (!args.header.empty()) write_output(args.header, c.header, args.force);
    write_output(args.c, c.source, args.force);
    say << "wrote " << args.c << (args.header.empty() ? "" : " and " + args.header) << " (C99"
        << (args.quantize == "int8" ? ", int8 weights" : "") << ": " << args.prefix << "_predict"
        << (classifier ? ", " + args.prefix + "_predict_class" : "") << ")\n";
    say << report;
  }
  say << std::flush;
  return kOk;
}

}  // namespace

Command add_export(CLI::App& root) {
  auto* sub = root.add_subcommand("export", "A saved model as ONNX (--onnx) or as one C99 source file (--c)");
  auto args = std::make_shared<ExportArgs>();
  sub->add_option("--model", args->model, "model file (from fathom train --save)")->required();
  sub->add_option("--onnx", args->onnx, "write the model as an ONNX file (\"-\": stdout)");
  sub->add_option("--opset", args->opset, "the ONNX opset the file declares")
      ->check(CLI::Range(kOnnxOpsetMin, kOnnxOpsetMax))
      ->capture_default_str();
  auto* c = sub->add_option("--c", args->c, "write the model as one C99 source file (\"-\": stdout)");
  sub->add_option("--c-header", args->header, "also write a C header declaring its functions (with --c)")
      ->needs(c);
  sub->add_option("--prefix", args->prefix, "the C names' prefix: PREFIX_predict, ... (with --c)")
      ->needs(c)
      ->capture_default_str();
  sub->add_option("--quantize", args->quantize, "C weights: none (float) or int8 (with --c)")
      ->check(CLI::IsMember({"none", "int8"}))
      ->needs(c)
      ->capture_default_str();
  add_data_flags(*sub, args->data, /*with_target=*/true);
  sub->get_option("--data")->description(
      "labelled test data on which --quantize int8 reports its accuracy cost");
  sub->add_flag("--force", args->force, "replace read-only output files");
  return {sub, [args] { return run_export(*args); }};
}

}  // namespace fathom::cli
