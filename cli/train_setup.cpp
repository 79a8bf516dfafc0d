// Turning the training flags and a data file into a compiled model (see train_setup.hpp).
#include "train_setup.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

namespace fathom::cli {

void add_train_flags(CLI::App& app, TrainArgs& a) {
  add_data_flags(app, a.data, /*with_target=*/true);
  app.add_option("--layers", a.layers,
                 "hidden layers then the output layer, e.g. 64:relu,32:relu,10:softmax (default: one "
                 "hidden layer sized from the data; a missing output layer is added)");
  app.add_option("--loss", a.loss, "mse, mae, huber, bce or cce (default: from the output activation)");
  add_optimizer_flags(app, a.optimizer);
  app.add_option("--dropout", a.dropout, "dropout rate after every hidden layer");
  app.add_option("--init", a.init, "kernel initializer, e.g. he_uniform, uniform(0.05)");
  app.add_option("--epochs", a.epochs, "number of epochs (default 20; 200 for the bundled Iris)");
  app.add_option("--batch-size", a.batch_size,
                 "samples per update: 1 = online, ≥ samples = full batch (default 32; every sample for the "
                 "full-batch optimizers rprop, irprop+, lbfgs, lm)");
  app.add_option("--validation-split", a.validation_split,
                 "hold out this fraction, chosen at random (fixed by --seed)");
  app.add_option("--validation-data", a.validation_data, "validate on this file instead");
  app.add_option("--early-stopping", a.early_stopping, "stop after this many epochs without improvement");
  app.add_option("--schedule", a.schedule,
                 "learning-rate schedule: step(0.5,10), exponential(0.96), cosine(50)");
  app.add_option("--seed", a.seed, "random seed (weights, shuffling, dropout)");
  app.add_option("--threads", a.threads, "threads (default: OMP_NUM_THREADS, else all cores)");
  app.add_option("--scale", a.scale, "input scaling fitted on the training data: standard, minmax or none")
      ->check(CLI::IsMember({"standard", "minmax", "none"}));
  app.add_option("--targets-range", a.targets_range,
                 "map 0/1 targets to LO,HI, e.g. 0.1,0.9 for sigmoid outputs");
  app.add_option("--task", a.task,
                 "classify, multilabel or regress (default: from the output layer and loss, else the data)");
}

TargetEncoding encoding_for(Task task, Index outputs) {
  if (task != Task::Classify) return TargetEncoding::Values;
  return outputs == 1 ? TargetEncoding::Binary : TargetEncoding::OneHot;
}

InputScaling fit_scaling(const TrainArgs& args, const Dataset& data, Index n) {
  const std::string method =
      args.scale.empty() ? (is_image_data(args.data.spec) ? "none" : "standard") : args.scale;
  return InputScaling::fit(Matrix(data.x.leftCols(n)), method);
}

std::pair<Scalar, Scalar> parse_targets_range(const std::string& range) {
  std::istringstream in(range);
  double lo = 0, hi = 0;
  char comma = 0;
  if (!(in >> lo >> comma >> hi) || comma != ',' || !(lo < hi)) {
    throw UsageError("--targets-range must be LO,HI with LO < HI, e.g. 0.1,0.9; got \"" + range + "\"");
  }
  return {Scalar(lo), Scalar(hi)};
}

void apply_targets_range(const std::string& range, Matrix& y) {
  if (range.empty()) return;
  const auto [lo, hi] = parse_targets_range(range);
  y = (y.array() * (hi - lo) + lo).matrix();
}

std::unique_ptr<Sequential> build_model(const TrainArgs& args, const std::vector<LayerSpec>& layers,
                                        const Dataset& data, Task task, Index scaling_samples) {
  auto model = std::make_unique<Sequential>(data.features(), args.seed);
  InputScaling scaling = fit_scaling(args, data, scaling_samples);
  if (scaling.enabled()) model->add(Normalization(std::move(scaling)));
  Initializer kernel = Initializer::glorot_uniform();
  if (!args.init.empty()) {
    try {
      kernel = Initializer(args.init);
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--init: ") + e.what());
    }
  }
  if (args.dropout < 0 || args.dropout >= 1) {
    throw UsageError("--dropout must be in [0, 1), got " + std::to_string(args.dropout));
  }
  for (std::size_t i = 0; i < layers.size(); ++i) {
    model->add(Dense({.units = layers[i].units,
                      .activation = layers[i].activation,
                      .use_bias = layers[i].use_bias,
                      .kernel_initializer = kernel}));
    if (args.dropout > 0 && i + 1 < layers.size()) model->add(Dropout(Scalar(args.dropout)));
  }
  const std::string loss = args.loss.empty() ? default_loss(layers.back().activation) : args.loss;
  std::vector<std::string> metrics;
  if (task == Task::Classify) metrics = {"accuracy"};
  if (task == Task::Multilabel) metrics = {"multilabel_accuracy"};
  if (task == Task::Regress) metrics = {"mae"};
  try {
    model->compile(
        {.loss = Loss(loss), .optimizer = make_optimizer_from(args.optimizer), .metrics = metrics});
  } catch (const InvalidArgument& e) {
    throw UsageError(e.what());
  }
  model->info.task = task_name(task);
  model->info.class_names = task == Task::Multilabel ? data.target_names : data.class_names;
  model->info.feature_names = data.feature_names;
  model->info.target_names = data.target_names;
  model->info.label_regex = args.data.label_from_name;  // evaluate reads new image lists by it
  model->info.image_height = data.image_height;         // a report draws first-layer weights as images
  model->info.image_width = data.image_width;
  return model;
}

namespace {

bool is_output_activation(const Activation& a) {
  return a.kind() == ActivationKind::Softmax || a.kind() == ActivationKind::Sigmoid;
}

std::string where(const Dataset& data, const TrainArgs& args) {
  return data.source.empty() ? args.data.spec : data.source;
}

std::string target_quoted(const Dataset& data) {
  return data.target_names.empty() ? std::string("the target")
                                   : "the target \"" + data.target_names[0] + "\"";
}

// The one message for a target with a single class, whatever the layers say (a classifier
// needs two things to tell apart; no output layer can fix that).
void check_classes(const Dataset& data, const TrainArgs& args) {
  if (data.class_names.size() >= 2) return;
  throw DataError(where(data, args) + ": " + target_quoted(data) + " has only one class (" +
                  join(data.class_names, 1) + ") in its " + std::to_string(data.samples()) +
                  " samples: a classifier needs at least 2 classes");
}

// A single column of a few whole numbers (0/1, digits 0–9, ratings 1–5) is class labels written
// as numbers; many values (diabetes' 214 distinct targets in 442 samples) are a quantity.
bool few_whole_numbers(const Matrix& y) {
  if (y.rows() != 1) return false;
  std::set<Scalar> distinct;
  for (Index j = 0; j < y.cols(); ++j) {
    const Scalar v = y(0, j);
    if (v != std::round(v)) return false;
    distinct.insert(v);
    if (distinct.size() > 20) return false;
  }
  return Index(distinct.size()) <= std::max<Index>(2, y.cols() / 2);
}

bool all_zero_one(const Matrix& y) { return (y.array() == 0 || y.array() == 1).all(); }

// Reads --data, perhaps twice (as numbers, then as class labels). Standard input, a pipe, a
// FIFO or `<(...)` can be read only once, so their text is kept from the first read and the
// second parses that copy.
class DataReader {
 public:
  explicit DataReader(const DataArgs& args) : args_(args) {}

  Dataset read(TargetEncoding encoding) {
    if (!read_once(args_.spec)) return load_data(args_, encoding, {}, /*targets_optional=*/false);
    if (!kept_) {
      std::ifstream file;
      if (args_.spec != "-") {
        file.open(args_.spec, std::ios::binary);
        if (!file) return load_data(args_, encoding, {}, /*targets_optional=*/false);  // its error
      }
      text_.str(keep(args_.spec == "-" ? std::cin : file));
      kept_ = true;
    }
    text_.clear();
    text_.seekg(0);
    DataArgs args = args_;
    args.text = &text_;
    return load_data(args, encoding, {}, /*targets_optional=*/false);
  }

 private:
  // Pipes and FIFOs (a device such as /dev/zero is left to the CSV reader, which stops at
  // its first bytes).
  static bool read_once(const std::string& spec) {
    if (spec == "-") return true;
    if (is_image_data(spec)) return false;
    struct stat st {};
    return ::stat(spec.c_str(), &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
  }

  // The whole text, or only its first block when that is binary and not gzip: the CSV reader
  // then says what it is, rather than this reading an endless stream of zeros.
  static std::string keep(std::istream& in) {
    std::string text(1 << 16, '\0');
    in.read(text.data(), std::streamsize(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    const bool gzip = text.size() >= 2 && text[0] == '\x1F' && text[1] == '\x8B';
    if (!gzip && text.find('\0') != std::string::npos) return text;
    text.append(std::istreambuf_iterator<char>(in), {});
    return text;
  }

  const DataArgs& args_;
  std::istringstream text_;
  bool kept_ = false;
};

// The output layer given does not produce what the targets hold.
[[noreturn]] void output_mismatch(const LayerSpec& output, const Dataset& data, bool classes) {
  std::ostringstream msg;
  msg << "--layers: the output layer " << layers_text({output}) << " has " << output.units << " unit"
      << (output.units == 1 ? "" : "s") << " but ";
  if (classes) {
    const std::string activation =
        is_output_activation(output.activation) ? output.activation.name() : std::string("softmax");
    msg << target_quoted(data) << " has " << data.class_names.size() << " classes ("
        << join(data.class_names, 8) << "): end --layers with " << data.class_names.size() << ':'
        << activation;
  } else {
    msg << "there "
        << (data.y.rows() == 1 ? "is 1 target column"
                               : "are " + std::to_string(data.y.rows()) + " target columns")
        << " (" << join(data.target_names, 8) << ") of numbers, not a few classes: end --layers with "
        << data.y.rows() << ":linear for a regression";
  }
  throw UsageError(msg.str());
}

}  // namespace

std::string layers_text(const std::vector<LayerSpec>& layers) {
  std::string out;
  for (const LayerSpec& l : layers) {
    out += (out.empty() ? "" : ",") + std::to_string(l.units) + ':' + l.activation.name();
    if (!l.use_bias) out += ":nobias";
  }
  return out;
}

LayerSpec default_hidden_layer(Index inputs, Index outputs, Index samples) {
  const auto pow2_floor = [](Index n) { return Index(std::bit_floor(std::uint64_t(std::max<Index>(n, 1)))); };
  const Index wide = std::clamp<Index>(Index(std::bit_ceil(std::uint64_t(inputs + outputs))), 8, 128);
  // Each hidden unit costs inputs + outputs + 1 weights; past one weight per training sample
  // a small data set is learnt by heart.
  const Index affordable = std::max<Index>(4, pow2_floor(samples / (inputs + outputs + 1)));
  return LayerSpec{std::min(wide, affordable), Activation("relu")};
}

InferredNetwork read_and_infer(const TrainArgs& args, std::vector<LayerSpec> layers, bool last_is_output) {
  const bool images = is_image_data(args.data.spec);
  const bool one_column = images || args.data.targets.size() == 1;
  std::optional<LossKind> loss;
  if (!args.loss.empty()) {
    try {
      loss = Loss(args.loss).kind();
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--loss: ") + e.what());
    }
  }
  const std::optional<LayerSpec> last = layers.empty() ? std::nullopt : std::optional(layers.back());
  // A softmax or sigmoid layer is an output layer; any other last layer may be a hidden one.
  const bool fixed = last && (last_is_output || is_output_activation(last->activation));
  const bool explicit_task = !args.task.empty();
  // What the flags alone say the task is, if they do.
  std::optional<Task> hint;
  if (explicit_task) {
    hint = parse_task(args.task);
  } else if ((last && last->activation.kind() == ActivationKind::Softmax) || loss == LossKind::Cce) {
    hint = Task::Classify;
  } else if (loss == LossKind::Bce) {
    hint = one_column ? Task::Classify : Task::Multilabel;
  }

  InferredNetwork net;
  net.layers = std::move(layers);
  const auto add_output = [&](Index units, const char* activation) {
    net.layers.push_back(LayerSpec{units, Activation(activation)});
    net.output_added = true;
  };
  DataReader reader(args.data);
  bool labels = hint == Task::Classify || (!hint && images);
  if (labels) {
    net.data = reader.read(TargetEncoding::OneHot);
  } else {
    try {
      net.data = reader.read(TargetEncoding::Values);
    } catch (const DataError&) {
      // Class labels that are not numbers are classes: read them as such. Anything else wrong
      // with the file (a bad input value) fails the second read with the same message.
      if (hint || !one_column) throw;
      net.data = reader.read(TargetEncoding::OneHot);
      labels = true;
    }
  }
  if (net.data.y.rows() == 0)
    throw UsageError("the data has no target; name it with --target (--label-from-name for pgm-list:)");

  if (!labels) {
    const Index rows = net.data.y.rows();
    if (last && last->units == rows) {
      const Task task =
          hint ? *hint
               : infer_task("", *last, args.loss.empty() ? default_loss(last->activation) : args.loss);
      if (task != Task::Classify) {
        net.task = task;
        return net;
      }
    }
    if (!explicit_task && few_whole_numbers(net.data.y)) {
      net.data = reader.read(TargetEncoding::OneHot);
      labels = true;
    } else {
      if (fixed) output_mismatch(*last, net.data, false);
      net.task = hint ? *hint : rows >= 2 && all_zero_one(net.data.y) ? Task::Multilabel : Task::Regress;
      add_output(rows, net.task == Task::Multilabel ? "sigmoid" : "linear");
      return net;
    }
  }

  check_classes(net.data, args);
  net.task = Task::Classify;
  const Index classes = Index(net.data.class_names.size());
  // One output for two classes is the binary encoding: the second class is the positive one.
  const auto binary = [&] { net.data.y = net.data.y.row(1).eval(); };
  if (last && last->units == classes) return net;
  if (last && last->units == 1 && classes == 2) {
    binary();
    return net;
  }
  if (fixed) output_mismatch(*last, net.data, true);
  if (loss == LossKind::Bce && classes == 2) {
    add_output(1, "sigmoid");
    binary();
  } else {
    add_output(classes, loss == LossKind::Bce ? "sigmoid" : "softmax");
  }
  return net;
}

namespace {

// Multi-label targets are independent 0/1 labels (docs/concepts.md, tasks and encodings): anything else is a
// data error.
void check_zero_one(const Dataset& data) {
  for (Index j = 0; j < data.y.cols(); ++j) {
    for (Index i = 0; i < data.y.rows(); ++i) {
      const Scalar v = data.y(i, j);
      if (v != 0 && v != 1) {
        std::ostringstream msg;
        msg << data.source << ": sample " << j + 1 << ", column \""
            << (i < Index(data.target_names.size()) ? data.target_names[size_t(i)] : std::to_string(i))
            << "\": multi-label targets must be 0 or 1, found " << v;
        throw DataError(msg.str());
      }
    }
  }
}

}  // namespace

void fit_target_scaling(const TrainArgs& args, TrainSetup& s) {
  const std::string method =
      args.scale_targets.empty() ? (s.task == Task::Regress ? "standard" : "none") : args.scale_targets;
  if (method != "none" && s.task != Task::Regress) {
    throw UsageError("--scale-targets " + method + " applies to regression: class and multi-label targets " +
                     "are never scaled");
  }
  // Fitted on the training part only, as the input scaling is: the held-out samples are last.
  const Index n = s.train.samples() - (s.validation ? 0 : s.validation_samples);
  s.model->info.target_scaling = TargetScaling::fit(left_cols(std::as_const(s.train.y), n), method);
}

void shuffle_samples(Dataset& data, std::uint64_t seed) {
  // A different stream from the model's own (weights, batches), derived from the same seed.
  Rng rng(seed ^ 0x5DEECE66DULL);
  for (Index i = data.samples() - 1; i > 0; --i) {
    const Index j = Index(rng.below(std::uint64_t(i + 1)));
    data.x.col(i).swap(data.x.col(j));
    if (data.y.rows() > 0) data.y.col(i).swap(data.y.col(j));
  }
}

TrainSetup prepare_training(TrainArgs& args) {
  TrainSetup s;
  if (args.data.spec.empty() && args.resume.empty()) {
    // The bundled default: Iris, a small network, a validation split.
    args.data.spec = data_dir() + "/iris.csv";
    if (args.data.targets.empty()) args.data.targets = {"species"};
    if (args.layers.empty()) args.layers = "8:tanh,3:softmax";
    if (args.epochs == 0) args.epochs = 200;
    // A faster rate than the optimizers' defaults for this small set; the full-batch rules have
    // none, or (lbfgs) a step scale that should stay 1.
    const std::string optimizer = args.optimizer.name.empty() ? "adam" : args.optimizer.name;
    if (!args.optimizer.lr && !make_optimizer(optimizer)->full_batch()) args.optimizer.lr = 0.01;
    if (args.validation_split == 0 && args.validation_data.empty()) args.validation_split = 0.2;
    if (!args.quiet)
      std::cerr << "no --data: training the bundled Iris data set (" << args.data.spec << ")\n";
  }
  if (args.epochs == 0) args.epochs = 20;
  if (args.epochs < 1) throw UsageError("--epochs must be >= 1, got " + std::to_string(args.epochs));
  if (args.batch_size && *args.batch_size < 1)
    throw UsageError("--batch-size must be >= 1, got " + std::to_string(*args.batch_size));
  if (args.validation_split < 0 || args.validation_split >= 1) {
    throw UsageError("--validation-split must be in [0, 1), got " + std::to_string(args.validation_split));
  }
  if (args.validation_split > 0 && !args.validation_data.empty()) {
    throw UsageError("give --validation-split or --validation-data, not both");
  }
  if (args.threads > 0) use_threads(args.threads);

  std::vector<LayerSpec> layers;
  if (!args.resume.empty()) {
    if (args.data.spec.empty()) throw UsageError("--resume needs --data: the data to go on training with");
    if (!args.layers.empty() || !args.loss.empty() || args.dropout != 0 || !args.init.empty() ||
        !args.task.empty() || !args.scale.empty()) {
      throw UsageError(
          "--resume continues the saved network as it is: leave out --layers, --loss, --dropout, "
          "--init, --task and --scale");
    }
    s.model = std::make_unique<Sequential>(load_model(args.resume));
    apply_on_resume(args.optimizer, s.model->optimizer());  // --lr applies; other optimizer flags are errors
    if (args.targets_range.empty() && s.model->info.targets_high > s.model->info.targets_low) {
      args.targets_range =
          std::to_string(s.model->info.targets_low) + "," + std::to_string(s.model->info.targets_high);
    }
    s.task = parse_task(s.model->info.task.empty() ? "regress" : s.model->info.task);
    s.initial_epoch = s.model->history.epochs.empty() ? 0 : s.model->history.epochs.back() + 1;
    if (args.data.targets.empty()) args.data.targets = s.model->info.target_names;
    if (args.data.features.empty()) args.data.features = s.model->info.feature_names;
  } else {
    if (!args.layers.empty()) {
      layers = parse_layers(args.layers);
      check_gradient_trainable(layers, "--layers");
    }
    make_optimizer_from(args.optimizer);  // a wrong optimizer flag is told before any data is read
    if (!layers.empty() && is_output_activation(layers.back().activation) && !args.loss.empty())
      check_loss_fits_output(args.loss, layers.back());
  }
  if (!args.resume.empty() && !args.scale_targets.empty())
    throw UsageError("--resume keeps the saved model's target scaling: leave out --scale-targets");
  if (args.data.targets.empty() && !is_image_data(args.data.spec)) {
    throw UsageError("--target is required for CSV data: the column(s) to predict");
  }
  if (!s.model) {
    InferredNetwork net = read_and_infer(args, std::move(layers), /*last_is_output=*/false);
    s.task = net.task;
    s.train = std::move(net.data);
    layers = std::move(net.layers);
    const std::string what =
        task_name(s.task) + (s.task == Task::Classify
                                 ? ", " + std::to_string(s.train.class_names.size()) + " classes"
                                 : std::string());
    if (args.layers.empty()) {
      layers.insert(layers.begin(),
                    default_hidden_layer(s.train.features(), layers.back().units, s.train.samples()));
      if (!args.quiet)
        std::cerr << "no --layers: " << s.train.features() << " inputs → " << layers_text({layers[0]})
                  << " → " << layers_text({layers[1]}) << " (" << what << "); --layers chooses others\n";
    } else if (net.output_added && !args.quiet) {
      std::cerr << "--layers " << args.layers << " has no output layer: added "
                << layers_text({layers.back()}) << " (" << what << ")\n";
    }
    check_loss_fits_output(args.loss.empty() ? default_loss(layers.back().activation) : args.loss,
                           layers.back());
  }
  const Index outputs = s.model ? s.model->output_dim() : layers.back().units;
  const TargetEncoding encoding = encoding_for(s.task, outputs);
  const std::vector<std::string> known_classes =
      s.model && s.task == Task::Classify ? s.model->info.class_names : std::vector<std::string>{};
  if (s.model) s.train = load_data(args.data, encoding, known_classes, /*targets_optional=*/false);
  if (!args.validation_data.empty()) {
    DataArgs v = args.data;
    v.spec = args.validation_data;
    if (!is_image_data(v.spec))
      v.features = s.train.feature_names;  // the training columns, by name and order
    s.validation =
        load_data(v, encoding, s.task == Task::Classify ? s.train.class_names : known_classes, false);
  }
  if (s.model) {
    if (s.train.y.rows() != s.model->output_dim()) {
      throw UsageError("--resume: the model has " + std::to_string(s.model->output_dim()) +
                       " outputs but the data has " + std::to_string(s.train.y.rows()) + " target rows");
    }
  }
  if (s.task == Task::Multilabel) {
    check_zero_one(s.train);
    if (s.validation) check_zero_one(*s.validation);
  }
  if (!args.targets_range.empty()) {
    if (s.task == Task::Regress) throw UsageError("--targets-range applies to classify and multilabel tasks");
    apply_targets_range(args.targets_range, s.train.y);
    if (s.validation) apply_targets_range(args.targets_range, s.validation->y);
  }
  if (args.validation_split > 0) shuffle_samples(s.train, args.seed);
  s.validation_samples = s.validation ? s.validation->samples()
                                      : Index(std::floor(double(s.train.samples()) * args.validation_split));
  s.has_validation = s.validation_samples > 0;
  if (!s.model) {
    s.model = build_model(args, layers, s.train, s.task,
                          s.train.samples() - (s.validation ? 0 : s.validation_samples));
    if (!args.targets_range.empty()) {
      std::tie(s.model->info.targets_low, s.model->info.targets_high) =
          parse_targets_range(args.targets_range);
    }
    fit_target_scaling(args, s);
  }
  // Trained on standardized targets (target_scaling.hpp); a resumed model keeps its own fit.
  s.model->info.target_scaling.apply(view(s.train.y));
  if (s.validation) s.model->info.target_scaling.apply(view(s.validation->y));
  return s;
}

}  // namespace fathom::cli
