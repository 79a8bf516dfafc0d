// The parts of the report's JSON block (report.hpp), one function per section of the page. The
// page's script (template/report.js) reads exactly these keys; docs/cli.md lists the sections.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "fathom/report/report.hpp"
#include "fathom/train/sequential.hpp"

namespace fathom::report_detail {

using json = nlohmann::json;

// v to `digits` significant digits, so that long arrays (weights, predictions) stay short in
// the page; the chart cannot show more. NaN/Inf stay as they are (JSON null).
double rounded(double v, int digits = 4);

// "classify", "multilabel" or "regress": as training recorded it, else from the output layer.
std::string task_of(const Sequential& model);

// Layers (type, units, activation, parameters), optimizer and its settings, loss, metrics.
json network_table(const Sequential& model);
// The History series per epoch, the best epoch and the early-stopping point.
json learning_curves(const Sequential& model);
// A histogram of every tensor of the parameter arena ("dense_1/W", "dense_1/b").
json weight_histograms(const Sequential& model);
// The first Dense layer's weights as one picture per unit; null unless the inputs are images.
json weight_images(const Sequential& model);
// Every Dense layer's weights for the network diagram; null when a layer is wider than 64.
json network_diagram(const Sequential& model);
// Scores, confusion matrix, scatter, decision regions on data.x / data.y; null without data.
json data_sections(const Sequential& model, const ReportData& data);

// Equal-width bins over [min, max] of `values`: {"edges": bins+1, "counts": bins}. A local
// helper until a shared one exists; counts always sum to values.size().
json histogram(std::span<const Scalar> values, int bins);

}  // namespace fathom::report_detail
