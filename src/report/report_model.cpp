// The report's sections about the model itself (report_json.hpp): what needs no data.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "fathom/nn/dense.hpp"
#include "report_json.hpp"

namespace fathom::report_detail {

namespace {

// The diagram draws every edge; past this many units per layer it would be a solid block.
constexpr Index kDiagramMaxUnits = 64;
constexpr int kHistogramBins = 30;

std::vector<const Dense*> dense_layers(const Sequential& model) {
  std::vector<const Dense*> out;
  for (std::size_t i = 0; i < model.layer_count(); ++i)
    if (const auto* d = dynamic_cast<const Dense*>(&model.layer(i))) out.push_back(d);
  return out;
}

json rounded_row(ConstMatrixView W, Index row, int digits) {
  json out = json::array();
  for (Index c = 0; c < W.cols(); ++c) out.push_back(rounded(W(row, c), digits));
  return out;
}

}  // namespace

double rounded(double v, int digits) {
  if (!std::isfinite(v) || v == 0) return v;
  char text[32];
  std::snprintf(text, sizeof text, "%.*g", digits, v);
  return std::strtod(text, nullptr);
}

std::string task_of(const Sequential& model) {
  if (!model.info.task.empty()) return model.info.task;
  const ActivationKind out = model.output_activation().kind();
  if (out == ActivationKind::Softmax || (out == ActivationKind::Sigmoid && model.output_dim() == 1))
    return "classify";
  return out == ActivationKind::Sigmoid ? "multilabel" : "regress";
}

json network_table(const Sequential& model) {
  json layers = json::array();
  std::size_t total = 0;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    const auto* dense = dynamic_cast<const Dense*>(&layer);
    layers.push_back({{"name", layer.name()},
                      {"type", layer.type()},
                      {"units", layer.output_dim()},
                      {"activation", dense ? dense->activation().name() : std::string()},
                      {"use_bias", dense ? dense->use_bias() : false},
                      {"describe", layer.describe()},
                      {"parameters", layer.parameter_count()}});
    total += layer.parameter_count();
  }
  json out = {{"input_dim", model.input_dim()},
              {"output_dim", model.output_dim()},
              {"layers", std::move(layers)},
              {"parameters", total},
              {"task", task_of(model)},
              {"class_names", model.info.class_names},
              {"feature_names", model.info.feature_names},
              {"target_names", model.info.target_names},
              {"target_scaling", model.info.target_scaling.method}};
  if (model.compiled()) {
    const Optimizer& opt = model.optimizer();
    out["loss"] = model.loss().display_name();
    out["metrics"] = model.metric_names();
    out["optimizer"] = {{"name", opt.name()},
                        {"config", json::parse(opt.config_json())},
                        {"learning_rate", opt.learning_rate()},
                        {"iterations", opt.iterations()}};
  }
  return out;
}

json learning_curves(const Sequential& model) {
  const History& h = model.history;
  json series = json::object();
  for (const auto& [key, values] : h.values) {
    json a = json::array();
    for (const double v : values) a.push_back(v);  // NaN (a diverged epoch) becomes null: a gap
    series[key] = std::move(a);
  }
  // The best epoch as the run judged it: the lowest validation loss, else the lowest loss.
  const std::string key = h.has("val_loss") ? "val_loss" : "loss";
  int best = -1;
  if (h.has(key)) {
    double lowest = std::numeric_limits<double>::infinity();
    const auto& values = h[key];
    for (std::size_t i = 0; i < values.size() && i < h.epochs.size(); ++i) {
      if (values[i] < lowest) {
        lowest = values[i];
        best = h.epochs[i];
      }
    }
  }
  return {{"epochs", h.epochs},
          {"series", std::move(series)},
          {"best_epoch", best},
          {"best_key", key},
          {"stopped_epoch", model.info.stopped_epoch},
          {"restored_epoch", model.info.restored_epoch}};
}

json histogram(std::span<const Scalar> values, int bins) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Scalar v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, double(v));
    hi = std::max(hi, double(v));
  }
  if (!(lo <= hi)) lo = hi = 0;  // empty, or nothing finite
  if (lo == hi) {                // one value (biases at zero): a bin around it
    const double half = lo == 0 ? 0.5 : std::abs(lo) * 0.1;
    lo -= half;
    hi += half;
  }
  std::vector<long long> counts(std::size_t(bins), 0);
  const double width = (hi - lo) / bins;
  for (const Scalar v : values) {
    // Non-finite values cannot be in a saved model; clamped, they still count.
    const double at = std::isfinite(v) ? (double(v) - lo) / width : 0;
    counts[std::size_t(std::clamp(at, 0.0, double(bins - 1)))] += 1;
  }
  json edges = json::array();
  for (int i = 0; i <= bins; ++i) edges.push_back(rounded(lo + width * i, 6));
  return {{"edges", std::move(edges)}, {"counts", std::move(counts)}};
}

json weight_histograms(const Sequential& model) {
  json out = json::array();
  const Parameters& params = model.parameters();
  for (const auto& entry : params.entries()) {
    const ConstMatrixView w = params.value(entry.ref);
    json h = histogram(std::span<const Scalar>(w.data(), entry.ref.size()), kHistogramBins);
    h["name"] = entry.name;
    h["count"] = entry.ref.size();
    out.push_back(std::move(h));
  }
  return out;
}

json weight_images(const Sequential& model) {
  const Index height = model.info.image_height, width = model.info.image_width;
  const auto dense = dense_layers(model);
  if (height <= 0 || width <= 0 || height * width != model.input_dim() || dense.empty()) return nullptr;
  const Dense& first = *dense.front();
  if (first.input_dim() != model.input_dim()) return nullptr;  // a layer before it changed the width
  const ConstMatrixView W = model.parameters().value(first.W_ref());
  json tiles = json::array();
  for (Index u = 0; u < W.rows(); ++u) tiles.push_back(rounded_row(W, u, 3));
  // One scale for every tile, symmetric around 0, so that colours compare across units.
  const double scale = W.size() > 0 ? double(W.cwiseAbs().maxCoeff()) : 0.0;
  return {{"layer", first.name()},
          {"height", height},
          {"width", width},
          {"scale", rounded(scale, 6)},
          {"tiles", std::move(tiles)}};
}

json network_diagram(const Sequential& model) {
  const auto dense = dense_layers(model);
  if (dense.empty() || model.input_dim() > kDiagramMaxUnits) return nullptr;
  json sizes = json::array({model.input_dim()}), layers = json::array();
  double largest = 0;
  for (const Dense* d : dense) {
    if (d->output_dim() > kDiagramMaxUnits) return nullptr;
    const ConstMatrixView W = model.parameters().value(d->W_ref());
    json rows = json::array();
    for (Index u = 0; u < W.rows(); ++u) rows.push_back(rounded_row(W, u, 4));
    if (W.size() > 0) largest = std::max(largest, double(W.cwiseAbs().maxCoeff()));
    sizes.push_back(d->output_dim());
    layers.push_back(
        {{"name", d->name()}, {"activation", d->activation().name()}, {"weights", std::move(rows)}});
  }
  return {{"sizes", std::move(sizes)}, {"layers", std::move(layers)}, {"max_abs", rounded(largest, 6)}};
}

}  // namespace fathom::report_detail
