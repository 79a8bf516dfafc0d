// The `fathom` command: parses the command line, runs one subcommand, and turns errors into
// one line on stderr and an exit code (0 ok, 1 runtime failure, 2 usage, 3 bad data or model,
// or not enough memory for them).
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <new>

#include "common.hpp"
#include "distributed.hpp"

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

// Under mpirun, "fathom: " names the rank on every process but rank 0.
std::string prefix() {
  const int rank = fathom::cli::launcher_rank();
  return rank == 0 ? "fathom: " : "fathom (rank " + std::to_string(rank) + "): ";
}

// The last word of a failed command: its message, then (in an MPI job) the end of every process.
int fail(const std::string& message, int code) {
  if (isatty(STDERR_FILENO)) std::cerr << "\r\033[K";  // over a progress bar the error cut short
  // One write, so that the lines of an MPI job's ranks do not interleave.
  std::cerr << prefix() + message + '\n' << std::flush;
  fathom::cli::end_mpi(code);
  return code;
}

int out_of_memory() {
  return fail("out of memory: the data or the network is too large for this machine", fathom::cli::kBadData);
}

// Edit distance where swapping two neighbouring letters counts as one edit ("trian" → "train").
std::size_t typo_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean X?)" for the closest candidate a typo away (at most 2 edits, and fewer than
// half the word's letters, so short words do not match everything), else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::min<std::size_t>(3, (word.size() + 1) / 2);
  for (const std::string& candidate : candidates) {
    const std::size_t d = typo_distance(word, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  }
  return best.empty() ? "" : " (did you mean " + best + "?)";
}

// A friendlier line than CLI11's "The following argument was not expected" for the common case
// of a misspelt subcommand or flag; "" when the arguments have no such word.
std::string unknown_argument(const CLI::App& root, int argc, char** argv) {
  if (argc < 2) return "";
  const std::string first = argv[1];
  std::vector<std::string> names;
  const CLI::App* sub = nullptr;
  for (const CLI::App* s : root.get_subcommands({})) {
    names.push_back(s->get_name());
    if (s->get_name() == first) sub = s;
  }
  if (first.empty() || first[0] == '-') return "";
  if (sub == nullptr)
    return "unknown subcommand " + first + did_you_mean(first, names) + " (see fathom --help)";
  std::vector<std::string> flags;
  for (const CLI::Option* option : sub->get_options()) {
    for (const std::string& name : option->get_lnames()) flags.push_back("--" + name);
  }
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") continue;
    arg = arg.substr(0, arg.find('='));
    if (std::find(flags.begin(), flags.end(), arg) == flags.end()) {
      return "unknown flag " + arg + did_you_mean(arg, flags) + " (see fathom " + first + " --help)";
    }
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace fathom::cli;
  try {
    CLI::App app{"fathom: train, evaluate and run feedforward neural networks (multilayer perceptrons)"};
    app.set_version_flag("--version", std::string("fathom ") + FATHOM_VERSION);
    app.require_subcommand(1);
    const std::vector<Command> commands = {add_train(app),     add_evaluate(app), add_predict(app),
                                           add_info(app),      add_cv(app),       add_trace(app),
                                           add_gradcheck(app), add_report(app),   add_export(app)};
    for (const Command& command : commands) check_number_flags(*command.app);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);  // --help and --version
      const CLI::App* sub = app.get_subcommands().empty() ? nullptr : app.get_subcommands().front();
      std::string message =
          std::string(e.what()) + " (see fathom " + (sub ? sub->get_name() + " " : std::string()) + "--help)";
      if (dynamic_cast<const CLI::ExtrasError*>(&e) || dynamic_cast<const CLI::RequiredError*>(&e)) {
        const std::string unknown = unknown_argument(app, argc, argv);
        if (!unknown.empty()) message = unknown;
      }
      // Every process of an MPI job parses the same line: rank 0 speaks for them.
      if (launcher_rank() == 0) std::cerr << "fathom: " << message << '\n';
      return kUsage;
    }
    for (const auto& command : commands) {
      if (command.app->parsed()) {
        const int code = command.run();
        end_mpi(code);
        return code;
      }
    }
    return kUsage;
  } catch (const std::bad_alloc&) {
    // Anywhere: a data set, a network or a model file larger than this machine's memory.
    return out_of_memory();
  } catch (const std::length_error&) {
    // A size past what a container can hold at all: the same failure, one step earlier.
    return out_of_memory();
  } catch (const std::exception& e) {
    return fail(e.what(), exit_code(e));
  }
}
