// Shared by the end-to-end tests of the `fathom` command: run the built binary in a scratch
// folder and capture its exit code, stdout and stderr separately.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "scratch_dir.hpp"

namespace fathom_cli_test {

namespace fs = std::filesystem;

struct CliResult {
  int code = -1;  // the exit status, or -1 when the command did not exit normally (a crash)
  std::string out, err;
};

inline std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

inline std::string source_file(const std::string& relative) {
  return std::string(FATHOM_SOURCE_DIR) + "/" + relative;
}

// A path in single quotes, for the shell. (Built by appending: GCC 12 reports a false
// -Wrestrict on "'" + path + "'".)
inline std::string quoted(const std::string& path) {
  std::string out(1, '\'');
  out += path;
  out += '\'';
  return out;
}

// Each test gets its own folder (tests may run in parallel under ctest) and runs the command
// there, so relative output paths in the arguments land inside it.
class CliFixture : public ::testing::Test {
 protected:
  fs::path path(const std::string& name) const { return dir_ / name; }

  // Runs `fathom ARGS` in the test's folder; `args` is shell text (quote paths yourself).
  // `stdin_file` (relative to the folder) becomes the standard input.
  CliResult run(const std::string& args, const std::string& stdin_file = "") const {
    return run_shell(quoted(FATHOM_CLI_PATH) + " " + args,
                     stdin_file.empty() ? std::string("/dev/null") : quoted(stdin_file));
  }

  // Runs a shell command line in the test's folder (`before` goes ahead of the `cd`, e.g. a
  // ulimit), its standard input from `stdin_path`; captures its exit code and streams.
  CliResult run_shell(const std::string& command_line, const std::string& stdin_path = "/dev/null",
                      const std::string& before = "") const {
    const fs::path out = dir_ / ".stdout", err = dir_ / ".stderr";
    // (Appended piece by piece: GCC 12 reports a false -Wrestrict on "'" + std::string.)
    std::string command = before;
    command.append("cd ").append(quoted(dir_.string())).append(" && ").append(command_line);
    command.append(" >").append(quoted(out.string())).append(" 2>").append(quoted(err.string()));
    command.append(" <").append(stdin_path);
    const int status = std::system(command.c_str());
    CliResult r;
    r.code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = read_text(out);
    r.err = read_text(err);
    fs::remove(out);
    fs::remove(err);
    return r;
  }

  fathom::testing::ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

// For failure messages: the command's streams.
inline std::string describe(const CliResult& r) {
  return "exit " + std::to_string(r.code) + "\n--- stdout:\n" + r.out + "--- stderr:\n" + r.err;
}

}  // namespace fathom_cli_test
