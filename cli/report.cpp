// `fathom report`: one self-contained HTML page about a saved model (the library's
// write_report, fathom/report/report.hpp): the network, its learning curves and weights, and
// with --data (read as evaluate reads it) its scores, confusion matrix or residuals, and
// decision regions. The page opens offline; nothing in it is fetched.
#include <filesystem>
#include <iostream>

#include "common.hpp"

namespace fathom::cli {

namespace {

struct ReportArgs {
  std::string model;
  DataArgs data;
  std::string out;
  bool force = false;
};

int run_report(const ReportArgs& args) {
  check_outputs({args.out}, args.force);
  const Sequential model = load_model(args.model);
  std::optional<Dataset> data;
  if (!args.data.spec.empty()) data = load_for_model(model, args.data, /*targets_optional=*/false);
  ReportData report{.title = std::filesystem::path(args.model).filename().string()};
  if (data) {
    report.x = &data->x;
    // Class targets may have been mapped to --targets-range; the scores only compare classes.
    if (data->y.rows() > 0) report.y = &data->y;
    report.data_name = "--data " + args.data.spec;
  }
  if (args.out == "-") {
    std::cout << render_report(model, report) << std::flush;
    return kOk;
  }
  write_report(model, report, args.out, {.replace_read_only = args.force});
  std::cerr << "wrote " << args.out << '\n';
  return kOk;
}

}  // namespace

Command add_report(CLI::App& root) {
  auto* sub =
      root.add_subcommand("report",
                          "One self-contained HTML page on a saved model: network, learning curves, weights; "
                          "with --data its scores");
  auto args = std::make_shared<ReportArgs>();
  sub->add_option("--model", args->model, "model file (from fathom train --save)")->required();
  add_data_flags(*sub, args->data, /*with_target=*/true);
  sub->add_option("--out", args->out, "HTML file to write (atomically), \"-\" for stdout")->required();
  sub->add_flag("--force", args->force, "replace the --out file even if read-only");
  return {sub, [args] { return run_report(*args); }};
}

}  // namespace fathom::cli
