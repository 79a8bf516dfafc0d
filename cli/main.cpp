// The `fathom` command: parses the command line, runs one subcommand, and turns errors into
// one line on stderr and an exit code (0 ok, 1 runtime failure, 2 usage, 3 bad data or model).
#include <iostream>

#include "common.hpp"

#ifndef FATHOM_VERSION
#define FATHOM_VERSION "unknown"
#endif

namespace {

// The exit code docs/cli.md gives each kind of failure.
int exit_code(const std::exception& e) {
  using namespace fathom;
  if (dynamic_cast<const cli::UsageError*>(&e) || dynamic_cast<const InvalidArgument*>(&e))
    return cli::kUsage;
  if (dynamic_cast<const DataError*>(&e) || dynamic_cast<const FileError*>(&e) ||
      dynamic_cast<const ShapeError*>(&e)) {
    return cli::kBadData;
  }
  return cli::kRuntime;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fathom::cli;
  CLI::App app{"fathom: train, evaluate and run feedforward neural networks (multilayer perceptrons)"};
  app.set_version_flag("--version", std::string("fathom ") + FATHOM_VERSION);
  app.require_subcommand(1);
  const std::vector<Command> commands = {add_train(app), add_evaluate(app), add_predict(app),  add_info(app),
                                         add_cv(app),    add_trace(app),    add_gradcheck(app)};
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help and --version
    std::cerr << "fathom: " << e.what() << " (see fathom --help)\n";
    return kUsage;
  }
  try {
    for (const auto& command : commands) {
      if (command.app->parsed()) return command.run();
    }
    return kUsage;
  } catch (const std::exception& e) {
    std::cerr << "fathom: " << e.what() << '\n';
    return exit_code(e);
  }
}
