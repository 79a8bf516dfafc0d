// The HTML report: one self-contained file that shows what a model is and how it learned, for
// opening offline in any browser (docs/cli.md, fathom report). The numbers are computed here,
// in C++, and embedded in the page as one JSON block; the page's own script draws them with
// Chart.js, which is inlined too (compiled into the library from Debian's libjs-chart.js). The
// page makes no network request: its Content-Security-Policy forbids every source but itself.
//
// Always shown: the network (layers, widths, activations, parameter counts, optimizer, loss),
// the learning curves of the loss and each metric with the best epoch and the early-stopping
// point marked, the learning rate per epoch, histograms of every weight and bias tensor, the
// first layer's weights as pictures when the inputs are images (ModelInfo::image_height/width),
// and a diagram of the network when no layer is wider than 64 units. With data: the confusion
// matrix and per-class precision/recall/F1 (classification), predicted against true values and
// the residuals per output in the targets' units (regression), and the decision regions of a
// classifier with two inputs.
#pragma once

#include <string>

#include "fathom/core/matrix.hpp"
#include "fathom/io/atomic_file.hpp"

namespace fathom {

class Sequential;

struct ReportData {
  // Inputs (inputs × n) as the model takes them; nullptr: a report without the data sections.
  const Matrix* x = nullptr;
  // Targets (outputs × n) in the targets' own units (not standardized); nullptr: unlabelled
  // (decision regions are still drawn, scores are not).
  const Matrix* y = nullptr;
  // Which data, for the one line above the data sections: "validation data", "--data iris.csv".
  std::string data_name = {};
  // The page's title, e.g. the model file's name ("" → "fathom report").
  std::string title = {};
};

// The report as HTML text. Throws ShapeError when x or y does not fit the model.
std::string render_report(const Sequential& model, const ReportData& data = {});

// Writes render_report(model, data) to `path` atomically (io/atomic_file.hpp), as model files
// are written. Throws FileError naming the path.
void write_report(const Sequential& model, const ReportData& data, const std::string& path,
                  const WriteOptions& options = {});

}  // namespace fathom
