// What `train` and `cv` share: the training flags, and turning them plus a data file into a
// compiled model and its data (targets encoded for the output layer, scaling fitted on the
// training part only).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common.hpp"

namespace fathom::cli {

struct TrainArgs {
  DataArgs data;
  std::string layers;
  std::string loss;
  OptimizerArgs optimizer;
  double dropout = 0;
  std::string init;
  int epochs = 0;                   // 0: 200 for the bundled Iris, else 20 (cv: 50)
  std::optional<Index> batch_size;  // unset: 32, or every sample for a full-batch optimizer
  double validation_split = 0;
  std::string validation_data;
  int early_stopping = 0;
  std::string schedule;
  std::uint64_t seed = 42;
  int threads = 0;
  std::string scale;  // "" → standard for CSV, none for images
  std::string targets_range;
  std::string task;
  // train only
  std::string scale_targets;  // --scale-targets: "" → standard for regression, none otherwise
  std::string save, log, checkpoint, resume;
  std::string tensorboard;  // --tensorboard DIR: TensorBoard event files
  int histogram_freq = 1;   // --histogram-freq (0: none)
  int update_freq = 0;      // --update-freq (0: per epoch only)
  std::string report;       // --report FILE.html: the trained model's HTML report
  bool quiet = false;
  bool force = false;       // --force: replace read-only output files
  bool perceptron = false;  // --perceptron: the perceptron rule instead of gradient training
};

// The flags common to train and cv (data, network, optimizer, fitting).
void add_train_flags(CLI::App& app, TrainArgs& args);

struct TrainSetup {
  std::unique_ptr<Sequential> model;
  Dataset train;                      // all the data given with --data (the split is taken by fit)
  std::optional<Dataset> validation;  // --validation-data
  Task task = Task::Regress;
  bool has_validation = false;
  Index validation_samples = 0;
  int initial_epoch = 0;
};

// Reads the data, builds and compiles the network (or loads it with --resume) and checks that
// the output layer fits the targets.
TrainSetup prepare_training(TrainArgs& args);

// Builds and compiles a fresh network for `data` from the flags (used by cv for each fold): a
// Normalization layer fitted on the first scaling_samples samples (--scale), then the Dense
// layers.
std::unique_ptr<Sequential> build_model(const TrainArgs& args, const std::vector<LayerSpec>& layers,
                                        const Dataset& data, Task task, Index scaling_samples);

// What reading the data settled: the task, the layers (with the output layer when it was left
// to the data) and the data, its targets encoded for that output layer.
struct InferredNetwork {
  Dataset data;
  Task task = Task::Regress;
  std::vector<LayerSpec> layers;
  bool output_added = false;  // the output layer was not among the layers given
};

// train's and cv's one inference of the task and the output layer. `layers` are the layers given
// (maybe none); `last_is_output` says their last one is the output layer whatever it is (cv's
// --output), else a softmax or sigmoid last layer is one. The task is --task, else what that
// output layer and --loss say (one target column with several sigmoid outputs is one-hot
// classes), else the data's: class labels that are not numbers are classes (always), a single
// column of few whole numbers is classes too, several 0/1 columns are labels of a multi-label
// task, other numbers are a regression. Without an output layer, the fitting one is added:
// K:softmax for K classes, K:sigmoid for multi-label, K:linear for K values.
InferredNetwork read_and_infer(const TrainArgs& args, std::vector<LayerSpec> layers, bool last_is_output);

// The hidden layer `train` uses without --layers: relu units sized from the data, about as many
// as inputs and outputs together (a power of two, 8 to 128), no more than the training samples
// can pay for (about one weight per sample).
LayerSpec default_hidden_layer(Index inputs, Index outputs, Index samples);

// "16:relu,3:softmax", as --layers writes it.
std::string layers_text(const std::vector<LayerSpec>& layers);

// The target encoding a task and output layer need.
TargetEncoding encoding_for(Task task, Index outputs);
// Fits the input scaling of --scale on the first `n` samples of data.
InputScaling fit_scaling(const TrainArgs& args, const Dataset& data, Index n);
// LO,HI of --targets-range (UsageError when malformed).
std::pair<Scalar, Scalar> parse_targets_range(const std::string& range);
// Maps 0/1 targets into --targets-range lo,hi.
void apply_targets_range(const std::string& range, Matrix& y);

// Fits --scale-targets (default: standard for a regression, none otherwise) on the training part
// of s.train's targets into the model's info; UsageError for a scaling of class targets.
void fit_target_scaling(const TrainArgs& args, TrainSetup& s);
// fathom train --perceptron (cli/perceptron.cpp): one layer of step units by the perceptron rule.
int run_perceptron(TrainArgs& args);

// Puts the samples in a random order fixed by the seed, so that --validation-split holds out
// a random part even of a file sorted by class (Iris is).
void shuffle_samples(Dataset& data, std::uint64_t seed);

}  // namespace fathom::cli
