// The `fathom` command: parses the command line, runs one subcommand, and turns errors into
// one line on stderr and an exit code (0 ok, 1 runtime failure, 2 usage, 3 bad data or model).
#include <iostream>

#include "common.hpp"

#ifndef FATHOM_VERSION
#define FATHOM_VERSION "unknown"
#endif

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
  } catch (const UsageError& e) {
    std::cerr << "fathom: " << e.what() << '\n';
    return kUsage;
  } catch (const fathom::DataError& e) {
    std::cerr << "fathom: " << e.what() << '\n';
    return kBadData;
  } catch (const fathom::FileError& e) {
    std::cerr << "fathom: " << e.what() << '\n';
    return kBadData;
  } catch (const fathom::ShapeError& e) {
    std::cerr << "fathom: " << e.what() << '\n';
    return kBadData;
  } catch (const fathom::InvalidArgument& e) {
    std::cerr << "fathom: " << e.what() << '\n';
    return kUsage;
  } catch (const std::exception& e) {
    std::cerr << "fathom: " << e.what() << '\n';
    return kRuntime;
  }
}
