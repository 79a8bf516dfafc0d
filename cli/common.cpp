// Shared pieces of the `fathom` command (see common.hpp).
#include "common.hpp"

#include <sched.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

// The installed data folder relative to the installed executable (CMake computes it from the
// install directories, e.g. ../share/fathom): no absolute path is compiled in, so an installed
// tree can be moved.
#ifndef FATHOM_INSTALL_DATA_REL
#define FATHOM_INSTALL_DATA_REL "../share/fathom"
#endif

namespace fathom::cli {

namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!text.empty() && text.back() == sep) parts.emplace_back();
  return parts;
}

}  // namespace

std::string data_dir() {
  if (const char* env = std::getenv("FATHOM_DATA_DIR")) return env;
  namespace fs = std::filesystem;
  std::error_code error;
  const fs::path exe = fs::read_symlink("/proc/self/exe", error);
  std::vector<std::string> tried;
  if (!error) {
    // Installed (PREFIX/bin/fathom → PREFIX/share/fathom), then the build folder's data link.
    for (const fs::path& dir : {exe.parent_path() / FATHOM_INSTALL_DATA_REL, exe.parent_path() / "data"}) {
      const fs::path normal = dir.lexically_normal();
      if (fs::exists(normal / "iris.csv", error)) return normal.string();
      tried.push_back(normal.string());
    }
  }
  throw FileError("the bundled data sets are not in " + (tried.empty() ? std::string("?") : join(tried)) +
                  "; set FATHOM_DATA_DIR to their folder, or give --data");
}

namespace {

// A numeric flag's accepted values: lo..hi (each end open or closed), integers only or not.
struct NumberRange {
  const char* flag;
  double lo, hi;
  bool lo_open = false, hi_open = false, integer = false;
};

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kIntMax = double(std::numeric_limits<int>::max());

constexpr NumberRange positive(const char* flag) { return {flag, 0, kInf, true, true}; }
constexpr NumberRange non_negative(const char* flag) { return {flag, 0, kInf, false, true}; }
constexpr NumberRange fraction(const char* flag) { return {flag, 0, 1, false, true}; }  // [0, 1)
constexpr NumberRange integer_from(const char* flag, double lo, double hi = kIntMax) {
  return {flag, lo, hi, false, false, true};
}

// Every numeric flag of every subcommand. A flag of the same name means the same in each.
constexpr NumberRange kNumberFlags[] = {
    positive("--lr"),                // η
    fraction("--momentum"),          // α
    non_negative("--l1"),            // λ₁
    non_negative("--l2"),            // λ₂
    non_negative("--clip-norm"),     // 0: no clipping
    fraction("--dropout"),           // a rate of 1 would drop everything
    fraction("--validation-split"),  // 1 would leave nothing to train on
    integer_from("--epochs", 1),
    integer_from("--batch-size", 1),
    integer_from("--early-stopping", 0),  // 0: off
    integer_from("--histogram-freq", 0),  // train --tensorboard; 0: no histograms
    integer_from("--update-freq", 0),     // train --tensorboard; 0: per epoch only
    integer_from("--seed", 0, 18446744073709551615.0),
    integer_from("--threads", 1),  // above the hardware threads: capped (use_threads)
    integer_from("--folds", 2),    // cv
    integer_from("--hidden", 1),   // cv, each width
    integer_from("--steps", 1),    // trace
    integer_from("--inputs", 1),   // gradcheck
    integer_from("--samples", 1),  // gradcheck
};

constexpr NumberRange kAnyFinite{"", -kInf, kInf, true, true};
constexpr NumberRange kAnyInteger{"", -9.2e18, 1.8e19, false, false, true};

std::string describe(const NumberRange& r) {
  const auto num = [](double v) {
    std::ostringstream out;
    out << v;
    return out.str();
  };
  std::string text = r.integer ? "an integer" : "a number";
  if (r.lo < -1e18) return r.integer ? text : "a finite number";
  if (r.hi == kInf || r.hi == kIntMax || r.hi > 1e18) return text + (r.lo_open ? " > " : " >= ") + num(r.lo);
  return text + " in " + (r.lo_open ? "(" : "[") + num(r.lo) + ", " + num(r.hi) + (r.hi_open ? ")" : "]");
}

// CLI11 validator: "" when `text` is in range, else what is wrong (CLI11 puts the flag's name
// in front). NaN and Inf fail every range: they are not finite.
std::string check_number(const NumberRange& r, std::string& text) {
  const std::string expected = "expected " + describe(r) + ", got \"" + text + "\"";
  const char* begin = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(begin, &end);
  if (text.empty() || end != begin + text.size() || !std::isfinite(value)) return expected;
  const bool above = r.lo_open ? value > r.lo : value >= r.lo;
  const bool below = r.hi_open ? value < r.hi : value <= r.hi;
  if (!above || !below) return expected;
  if (r.integer) {
    if (value != std::floor(value)) return expected;
    // "1e3" is the integer 1000: hand CLI11 the digits it converts.
    if (text.find_first_of("eE.") != std::string::npos)
      text = value < 0 ? std::to_string(std::int64_t(value)) : std::to_string(std::uint64_t(value));
  }
  return "";
}

}  // namespace

void check_number_flags(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    const std::string type = option->get_type_name();
    const bool numeric = type == "FLOAT" || type == "INT" || type == "UINT";
    const NumberRange* range = nullptr;
    for (const NumberRange& r : kNumberFlags) {
      if (option->check_name(r.flag)) range = &r;
    }
    if (range == nullptr) {
      if (!numeric) continue;
      // A flag added without a row still refuses NaN and Inf; tests/cli_flags_test.cpp fails
      // until it has its row and its range.
      range = type == "FLOAT" ? &kAnyFinite : &kAnyInteger;
    }
    // transform, not check: a check gets a copy, and "1e3" must reach CLI11 as "1000".
    option->transform(
        CLI::Validator([range](std::string& text) { return check_number(*range, text); }, "", "range"));
  }
}

void use_threads(int requested) {
  int available = int(std::thread::hardware_concurrency());
  // The CPUs this process may run on (taskset, a container's cpuset) can be fewer than the machine's.
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) available = CPU_COUNT(&set);
  if (available > 0 && requested > available) {
    std::cerr << "fathom: --threads " << requested << " is more than the " << available
              << " hardware threads here; using " << available << '\n';
    requested = available;
  }
  set_num_threads(requested);
}

std::vector<LayerSpec> parse_layers(const std::string& spec) {
  std::vector<LayerSpec> layers;
  for (const std::string& item : split(spec, ',')) {
    const auto fields = split(item, ':');
    if (fields.empty() || fields.size() > 3 || fields[0].empty()) {
      throw UsageError("--layers: \"" + item + "\" is not UNITS:ACTIVATION[:nobias], e.g. 64:relu");
    }
    LayerSpec layer;
    std::size_t used = 0;
    try {
      layer.units = std::stol(fields[0], &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != fields[0].size() || layer.units <= 0) {
      throw UsageError("--layers: \"" + item + "\": the number of units must be a positive integer");
    }
    try {
      layer.activation = Activation(fields.size() > 1 ? fields[1] : "linear");
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--layers: ") + e.what());
    }
    if (fields.size() == 3) {
      if (fields[2] != "nobias")
        throw UsageError("--layers: \"" + item + "\": the third field can only be nobias");
      layer.use_bias = false;
    }
    layers.push_back(layer);
  }
  if (layers.empty()) throw UsageError("--layers: empty; give e.g. 64:relu,10:softmax");
  return layers;
}

void check_gradient_trainable(const std::vector<LayerSpec>& layers, const std::string& flag) {
  for (const LayerSpec& layer : layers) {
    if (layer.activation.kind() == ActivationKind::Step) {
      throw UsageError(flag +
                       ": step units have a zero derivative, so gradient training cannot change them "
                       "(docs/concepts.md, perceptron); train one step layer with the perceptron rule "
                       "(fathom train --perceptron), or use sigmoid or tanh units");
    }
  }
}

namespace {
constexpr std::pair<Task, const char*> kTaskNames[] = {
    {Task::Classify, "classify"}, {Task::Multilabel, "multilabel"}, {Task::Regress, "regress"}};
}  // namespace

Task parse_task(const std::string& name) {
  for (const auto& [task, text] : kTaskNames) {
    if (name == text) return task;
  }
  throw UsageError("--task must be classify, multilabel or regress, got \"" + name + "\"");
}

std::string task_name(Task task) {
  for (const auto& [t, text] : kTaskNames) {
    if (t == task) return text;
  }
  return "";
}

std::string default_loss(const Activation& output) {
  if (output.kind() == ActivationKind::Softmax) return "cce";
  if (output.kind() == ActivationKind::Sigmoid) return "bce";
  return "mse";
}

void check_loss_fits_output(const std::string& loss, const LayerSpec& output) {
  const Loss l = [&] {
    try {
      return Loss(loss);
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--loss: ") + e.what());
    }
  }();
  if (l.kind() == LossKind::Cce &&
      (output.activation.kind() != ActivationKind::Softmax || output.units < 2)) {
    throw UsageError(
        "--loss cce needs a softmax output layer with one unit per class (2 or more), e.g. 3:softmax");
  }
  if (l.kind() == LossKind::Bce && output.activation.kind() != ActivationKind::Sigmoid) {
    throw UsageError("--loss bce needs sigmoid outputs (probabilities), e.g. 1:sigmoid");
  }
}

Task infer_task(const std::string& flag, const LayerSpec& output, const std::string& loss) {
  if (!flag.empty()) return parse_task(flag);
  return parse_task(implied_task(output.activation, output.units, loss));
}

void add_data_flags(CLI::App& app, DataArgs& args, bool with_target) {
  app.add_option("--data", args.spec, "CSV file (\"-\" for stdin), idx:IMAGES,LABELS or pgm-list:LISTFILE");
  if (with_target) {
    app.add_option("--target", args.targets, "target column(s), by name or 0-based index")->delimiter(',');
  }
  app.add_option("--features", args.features, "use only these input columns")->delimiter(',');
  app.add_option("--ignore", args.ignore, "columns that are neither inputs nor targets")->delimiter(',');
  app.add_option(
      "--delimiter", args.delimiter,
      "CSV delimiter: , ; tab, space (runs of spaces and tabs) or one character (default: detected)");
  auto* header =
      app.add_flag("--header", args.header, "the CSV's first row names the columns (default: detected)");
  app.add_flag("--no-header", args.no_header,
               "the CSV has no header row: every row is data, columns are named 0, 1, ... by position")
      ->excludes(header);
  app.add_option("--missing", args.missing, "missing values: error, drop or mean")
      ->check(CLI::IsMember({"error", "drop", "mean"}));
  app.add_option("--label-from-name", args.label_from_name,
                 "pgm-list: the class is the first capture group of this regex on the file name");
}

void add_model_data_flags(CLI::App& app, std::string& model, DataArgs& data) {
  app.add_option("--model", model, "model file (from fathom train --save)")->required();
  add_data_flags(app, data, /*with_target=*/true);
  app.get_option("--data")->required();
}

bool is_image_data(const std::string& spec) {
  return spec.rfind("idx:", 0) == 0 || spec.rfind("pgm-list:", 0) == 0;
}

Dataset load_data(const DataArgs& args, TargetEncoding encoding, const std::vector<std::string>& class_names,
                  bool targets_optional) {
  if (args.spec.rfind("idx:", 0) == 0) {
    const auto files = split(args.spec.substr(4), ',');
    // Images alone are enough where labels are not needed (predict).
    if (targets_optional && files.size() == 1 && !files[0].empty()) return read_idx(files[0], "");
    if (files.size() != 2 || files[0].empty() || files[1].empty()) {
      throw UsageError("--data idx:IMAGES,LABELS needs two files" +
                       std::string(targets_optional ? " (or idx:IMAGES alone)" : "") + ", got \"" +
                       args.spec + "\"");
    }
    return read_idx(files[0], files[1]);
  }
  if (args.spec.rfind("pgm-list:", 0) == 0) {
    PgmListOptions options{
        .label_regex = args.label_from_name, .encoding = encoding, .class_names = class_names};
    return read_pgm_list(args.spec.substr(9), options);
  }
  CsvOptions options;
  if (args.delimiter == "tab" || args.delimiter == "\\t") {
    options.delimiter = '\t';
  } else if (args.delimiter == "space" || args.delimiter == "whitespace") {
    options.delimiter = ' ';  // runs of spaces and tabs
  } else if (args.delimiter.size() == 1) {
    options.delimiter = args.delimiter[0];
  } else if (!args.delimiter.empty()) {
    throw UsageError("--delimiter must be one character, tab or space, got \"" + args.delimiter + "\"");
  }
  options.header = args.header ? CsvHeader::Present : args.no_header ? CsvHeader::Absent : CsvHeader::Detect;
  options.targets = args.targets;
  options.features = args.features;
  options.ignore = args.ignore;
  options.encoding = encoding;
  options.class_names = class_names;
  options.targets_optional = targets_optional;
  options.missing = args.missing == "drop"   ? MissingValues::Drop
                    : args.missing == "mean" ? MissingValues::Mean
                                             : MissingValues::Error;
  try {
    if (args.text != nullptr) return read_csv(*args.text, args.spec == "-" ? "<stdin>" : args.spec, options);
    if (args.spec == "-") return read_csv(std::cin, "<stdin>", options);
    return read_csv(args.spec, options);
  } catch (const DataError& e) {
    // The library names the problem; on the command line, also name the flag that handles it.
    const std::string message = e.what();
    if (message.ends_with("missing value")) throw DataError(message + " (use --missing drop|mean)");
    throw;
  }
}

std::string join(const std::vector<std::string>& items, std::size_t most) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < most; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > most) out += ", …";
  return out;
}

void add_optimizer_flags(CLI::App& app, OptimizerArgs& args) {
  app.add_option("--optimizer", args.name, "the optimizer: " + join(optimizer_names()) + " (default adam)");
  // --learning-rate is Keras's name for it.
  app.add_option("--lr,--learning-rate", args.lr, "learning rate (default: the optimizer's own)");
  app.add_option("--momentum", args.momentum, "momentum α (sgd, rmsprop)");
  app.add_flag("--nesterov", args.nesterov, "Nesterov momentum (sgd)");
  app.add_option("--l1", args.l1, "L1 penalty λ₁ (sgd)");
  // One flag, three rules (docs/concepts.md, momentum and weight decay; adaptive gradient descent).
  app.add_option("--l2", args.l2,
                 "L2 penalty λ₂: sgd subtracts λ₂·w every step; adagrad, rmsprop, adam add λ₂·w to the "
                 "gradient; adamw: its decoupled weight decay (default 0.01, 0 turns it off)");
  app.add_option("--clip-norm", args.clip_norm, "clip the gradient's global L2 norm to this value");
}

namespace {
std::string optimizer_name(const OptimizerArgs& a) { return a.name.empty() ? "adam" : a.name; }
}  // namespace

OptimizerHandle make_optimizer_from(const OptimizerArgs& a) {
  const std::string name = optimizer_name(a);
  nlohmann::json config = nlohmann::json::object();
  const auto put = [&](const char* key, const std::optional<double>& flag) {
    if (flag) config[key] = *flag;
  };
  put("learning_rate", a.lr);
  put("momentum", a.momentum);
  put("l1", a.l1);
  put(name == "adamw" ? "weight_decay" : "l2", a.l2);  // AdamW's decay is decoupled from the gradient
  put("clip_norm", a.clip_norm);
  if (a.nesterov) config["nesterov"] = true;
  return make_optimizer(name, config.dump());
}

void apply_on_resume(const OptimizerArgs& a, Optimizer& saved) {
  if (!a.name.empty() && a.name != saved.name()) {
    throw UsageError("--resume: the model trains with " + saved.name() + " and its state; --optimizer " +
                     a.name + " cannot take it over (leave out --optimizer, or train afresh)");
  }
  const std::pair<const char*, bool> fixed[] = {{"--momentum", a.momentum.has_value()},
                                                {"--nesterov", a.nesterov},
                                                {"--l1", a.l1.has_value()},
                                                {"--l2", a.l2.has_value()},
                                                {"--clip-norm", a.clip_norm.has_value()}};
  for (const auto& [flag, given] : fixed) {
    if (given) {
      throw UsageError(std::string("--resume: ") + flag + " cannot change the saved optimizer (" +
                       saved.name() + " " + saved.config_json() + "); only --lr can (leave out " + flag +
                       ")");
    }
  }
  if (a.lr) saved.restart_learning_rate(Scalar(*a.lr));  // also the base of a --schedule
}

// The task a saved model solves: as `fathom train` recorded it, or, for a model saved by a
// program of one's own without it, inferred from the output layer and loss as train would.
Task model_task(const Sequential& model) {
  try {
    return parse_task(model.task());
  } catch (const UsageError&) {
    throw FileError("the model's task \"" + model.info.task + "\" is not classify, multilabel or regress");
  }
}

// Reads data laid out as the model was trained on: the same feature columns in the same order,
// and targets encoded onto the model's outputs (class labels mapped through its class names, so
// a label it never saw is an error rather than a silently shifted class).
Dataset load_for_model(const Sequential& model, DataArgs args, bool targets_optional) {
  const ModelInfo& info = model.info;
  const Task task = model_task(model);
  const TargetEncoding encoding = task != Task::Classify    ? TargetEncoding::Values
                                  : model.output_dim() == 1 ? TargetEncoding::Binary
                                                            : TargetEncoding::OneHot;
  const std::vector<std::string> classes =
      task == Task::Classify ? info.class_names : std::vector<std::string>{};
  if (!args.features.empty() && !info.feature_names.empty() && args.features != info.feature_names) {
    std::string names;
    for (const auto& n : info.feature_names) names += (names.empty() ? "" : ",") + n;
    throw UsageError("--features: the model was trained on the columns " + names +
                     " in that order; leave --features out to use them");
  }
  if (args.features.empty()) args.features = info.feature_names;
  // With the inputs pinned by name, predict needs no target columns at all: naming them would
  // only make it parse (and reject) labels it is not going to use.
  const bool pinned = !args.features.empty();
  if (args.targets.empty() && !(targets_optional && pinned)) args.targets = info.target_names;
  if (!targets_optional && args.spec.rfind("pgm-list:", 0) == 0 && args.label_from_name.empty()) {
    // The classes are read from the file names as they were for training, unless told otherwise.
    args.label_from_name = info.label_regex;
    if (args.label_from_name.empty())
      throw UsageError("--data pgm-list: needs --label-from-name REGEX to read the classes");
  }

  Dataset data = load_data(args, encoding, classes, targets_optional);
  if (data.y.rows() > 0 && info.targets_high > info.targets_low) {
    // Trained toward --targets-range LO,HI: report the loss against the same targets.
    data.y = (data.y.array() * (info.targets_high - info.targets_low) + info.targets_low).matrix();
  }

  const std::string where = data.source.empty() ? args.spec : data.source;
  if (data.features() != model.input_dim()) {
    std::string message = where + ": the model expects " + std::to_string(model.input_dim()) + " inputs";
    if (!info.feature_names.empty()) {
      std::string missing;
      for (const auto& name : info.feature_names) {
        if (std::find(data.feature_names.begin(), data.feature_names.end(), name) ==
            data.feature_names.end()) {
          missing += (missing.empty() ? "" : ", ") + ("\"" + name + "\"");
        }
      }
      if (!missing.empty()) message += "; missing column(s) " + missing;
    }
    message += "; the data has " + std::to_string(data.features()) + " input column(s)";
    if (!data.feature_names.empty()) {
      message += ":";
      for (std::size_t i = 0; i < data.feature_names.size() && i < 10; ++i) {
        message += (i ? ", " : " ") + data.feature_names[i];
      }
      if (data.feature_names.size() > 10) message += ", ...";
    }
    // Without stored names the only cure is telling the loader which columns are not inputs.
    if (info.feature_names.empty() && data.features() > model.input_dim()) {
      message += " (name the target columns with --target, or leave columns out with --ignore)";
    }
    throw DataError(message);
  }
  if (data.y.rows() == 0) {
    if (targets_optional) return data;
    throw DataError(where + ": no target columns; give --target COL (the model was trained on " +
                    std::to_string(info.target_names.size()) + " target column(s))");
  }
  if (data.y.rows() != model.output_dim()) {
    throw DataError(where + ": the targets make " + std::to_string(data.y.rows()) +
                    " row(s) but the model has " + std::to_string(model.output_dim()) + " output(s)");
  }
  return data;
}

std::string name_or_index(const std::vector<std::string>& names, std::size_t i, const std::string& prefix) {
  return i < names.size() ? names[i] : prefix + std::to_string(i);
}

void write_output(const std::string& path, const std::string& text, bool force) {
  if (path == "-") {
    std::cout << text << std::flush;
    return;
  }
  write_file_atomic(path, text, {.replace_read_only = force});
}

void check_outputs(const std::vector<std::string>& paths, bool force) {
  for (const auto& path : paths) {
    if (!path.empty() && path != "-") check_writable_destination(path, {.replace_read_only = force});
  }
}

}  // namespace fathom::cli
