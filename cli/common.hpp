// Shared pieces of the `fathom` command: exit codes and errors, data flags and reading, layer
// specs, tasks, optimizer flags, output files and the subcommands' registration.
#pragma once

#include <CLI/CLI.hpp>
#include <fathom/fathom.hpp>
#include <functional>
#include <istream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fathom::cli {

// Exit codes (docs/cli.md): 0 success, 1 runtime failure, 2 usage error, 3 bad data or model file
// (also: the data or model does not fit in memory).
enum Exit { kOk = 0, kRuntime = 1, kUsage = 2, kBadData = 3 };

// A wrong flag value or combination: exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the bundled data sets live: $FATHOM_DATA_DIR when set, else found from the executable's
// own location: the installed share/fathom (../share/fathom next to bin/), else data/ next to the
// executable (the build folder links it to the source tree's data/). FileError when none has them.
std::string data_dir();

// Range checks of every numeric flag of every subcommand, from one table keyed by the flag's
// name: NaN, Inf and out-of-range values are usage errors naming the flag and its range. Call once
// per subcommand after its flags are added; a numeric flag missing from the table still gets
// "finite" (and tests/cli_flags_test.cpp fails until it has its row).
void check_number_flags(CLI::App& app);

// --threads N: at most the hardware threads this process may run on; more would only make the
// threads wait for each other, so N is capped there with a one-line note on stderr.
void use_threads(int requested);

// "a, b, c": at most `most` items, then ", …".
std::string join(const std::vector<std::string>& items, std::size_t most = std::size_t(-1));

// One layer of a --layers spec: "64:relu", "10:softmax", "32:tanh:nobias".
struct LayerSpec {
  Index units = 0;
  Activation activation;
  bool use_bias = true;
};
std::vector<LayerSpec> parse_layers(const std::string& spec);
// Step units cannot be trained by gradient descent (the step's derivative is 0 everywhere):
// UsageError naming `flag` (the one that asked for them) and pointing to the perceptron rule
// (fathom train --perceptron).
void check_gradient_trainable(const std::vector<LayerSpec>& layers, const std::string& flag);

enum class Task { Classify, Multilabel, Regress };
Task parse_task(const std::string& name);
std::string task_name(Task task);
// From --task, or inferred from the output layer and the loss.
Task infer_task(const std::string& flag, const LayerSpec& output, const std::string& loss);
// cce needs a softmax output of ≥ 2 units and bce sigmoid outputs; UsageError otherwise.
void check_loss_fits_output(const std::string& loss, const LayerSpec& output);
// Default loss for an output activation: softmax → cce, sigmoid → bce, otherwise mse.
std::string default_loss(const Activation& output);

// How the data flags of a command say what to read.
struct DataArgs {
  std::string spec;                   // CSV path, "-", "idx:IMAGES,LABELS" or "pgm-list:LIST"
  std::vector<std::string> targets;   // --target, split on commas
  std::vector<std::string> features;  // --features
  std::vector<std::string> ignore;    // --ignore
  std::string delimiter;              // --delimiter ("," ";" "tab", "space" or one character)
  std::string missing = "error";      // --missing error|drop|mean
  std::string label_from_name;        // --label-from-name REGEX (pgm-list)
  // --header / --no-header; neither: detected from the first rows.
  bool header = false, no_header = false;
  // CSV text already read (a pipe or stdin kept for a second parse): parsed instead of opening
  // spec, which then only names it in messages.
  std::istream* text = nullptr;
};
void add_data_flags(CLI::App& app, DataArgs& args, bool with_target);
// The flags of a command on a saved model: --model and the data flags, both required.
void add_model_data_flags(CLI::App& app, std::string& model, DataArgs& data);
// Reads the data set. `encoding` and `class_names` say how to build targets (see CsvOptions).
Dataset load_data(const DataArgs& args, TargetEncoding encoding, const std::vector<std::string>& class_names,
                  bool targets_optional);
// True for IDX and PGM data (pixels already in [0, 1]).
bool is_image_data(const std::string& spec);

// The task a saved model solves: as `fathom train` recorded it, else inferred from its output.
Task model_task(const Sequential& model);
// Reads data laid out as the model was trained on (its feature columns, its class names).
Dataset load_for_model(const Sequential& model, DataArgs args, bool targets_optional);

// Optimizer flags shared by train and cv: each one given becomes an option of the optimizer's
// JSON config; the others are left out, so the optimizer keeps its own defaults.
struct OptimizerArgs {
  std::string name;  // "" → adam (left empty so --resume can tell whether it was given)
  std::optional<double> lr, momentum, l1, l2, clip_norm;
  bool nesterov = false;
};
void add_optimizer_flags(CLI::App& app, OptimizerArgs& args);
// make_optimizer(name, config) from the flags. A name or option the optimizer does not know
// throws InvalidArgument (a usage error, exit 2) listing the ones it knows.
OptimizerHandle make_optimizer_from(const OptimizerArgs& args);
// --resume goes on with the saved optimizer and its state: --lr replaces its learning rate (as a
// Keras user sets model.optimizer.learning_rate before fitting again); --optimizer naming another
// rule and the options of the rule (--momentum, --nesterov, --l1, --l2, --clip-norm) would need a
// new state, so they are a UsageError naming the flag.
void apply_on_resume(const OptimizerArgs& args, Optimizer& saved);

// names[i], or `prefix` followed by i for a model saved without names.
std::string name_or_index(const std::vector<std::string>& names, std::size_t i, const std::string& prefix);

// Writes `text` to `path` atomically, or to stdout for "-"; `force` replaces a read-only file.
void write_output(const std::string& path, const std::string& text, bool force = false);
// Checks each output path (empty and "-" skipped) before any work is done, so that a missing
// folder or a read-only file (unless `force`) is told at once, not after a long run.
void check_outputs(const std::vector<std::string>& paths, bool force);

// Registers a subcommand: its CLI11 app and the function that runs it after parsing.
struct Command {
  CLI::App* app;
  std::function<int()> run;
};
Command add_train(CLI::App& root);
Command add_evaluate(CLI::App& root);
Command add_predict(CLI::App& root);
Command add_info(CLI::App& root);
Command add_cv(CLI::App& root);
Command add_trace(CLI::App& root);
Command add_gradcheck(CLI::App& root);
Command add_report(CLI::App& root);
Command add_export(CLI::App& root);

}  // namespace fathom::cli
