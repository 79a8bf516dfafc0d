// `fathom train`: trains a network built from --layers (without them, one sized from the data;
// or a saved one, --resume) on a data file with the callbacks the flags ask for (progress lines,
// early stopping, a schedule, checkpoints), prints the training and validation scores (and a
// warning when the run ended still improving or never beat the trivial predictor), then writes
// the model (--save) and the epochs' log (--log). With no --data it trains the bundled Iris,
// the README's first command.
#include <unistd.h>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>

#include "common.hpp"
#include "distributed.hpp"
#include "train_report.hpp"
#include "train_setup.hpp"

namespace fathom::cli {

namespace {

// --report: the page of the library's write_report on the held-out data when there is some,
// else on the training data, with the targets back in their own units.
void write_training_report(const Sequential& model, const TrainSetup& setup, const TrainArgs& args) {
  const Dataset& all = setup.validation ? *setup.validation : setup.train;
  const Index n = setup.validation ? all.samples() : setup.validation_samples;
  Matrix x = n > 0 ? Matrix(all.x.rightCols(n)) : all.x;
  Matrix y = n > 0 ? Matrix(all.y.rightCols(n)) : all.y;
  model.info.target_scaling.invert(view(y));
  const std::string name = setup.validation ? "validation data (--validation-data)"
                           : n > 0          ? "validation split"
                                            : "training data";
  const std::string title =
      args.save.empty() ? "fathom train" : std::filesystem::path(args.save).filename().string();
  // "-" is stdout, as for --log and report --out.
  write_output(args.report, render_report(model, {.x = &x, .y = &y, .data_name = name, .title = title}),
               args.force);
}

int run_train(TrainArgs& args) {
  // Under mpirun: data-parallel over every process, each reading the data and building the
  // model as given (docs/scaling.md); rank 0 alone prints and writes files.
  Communicator* world = mpi_world();
  if (world != nullptr && args.perceptron)
    throw UsageError("--perceptron trains on one process: run it without mpirun");
  if (world != nullptr && args.optimizer.name == "lm")
    throw UsageError(
        "--optimizer lm needs every sample's Jacobian row on one process and does not train "
        "data-parallel: run it without mpirun, or use lbfgs or irprop+");
  check_outputs({args.save, args.log, args.checkpoint, args.report}, args.force);
  if (args.perceptron) return run_perceptron(args);
  if (args.tensorboard.empty() &&
      (args.histogram_freq != TrainArgs{}.histogram_freq || args.update_freq != 0))
    throw UsageError(
        "--histogram-freq and --update-freq set what --tensorboard DIR writes; give --tensorboard");
  std::optional<QuietStream> quiet_rank;
  if (world != nullptr && world->rank() != 0) {
    for (std::string* output : {&args.save, &args.log, &args.checkpoint, &args.report, &args.tensorboard})
      output->clear();
    args.quiet = true;
    quiet_rank.emplace(std::cerr);  // its warnings are rank 0's; an error still reaches stderr
  }
  TrainSetup setup = prepare_training(args);
  Sequential& model = *setup.model;
  std::vector<Callback*> callbacks;
  // One line per epoch on stderr; on a terminal also a live bar with the time left.
  ProgressLogger progress(std::cerr, {.epochs = args.epochs, .live_bar = isatty(STDERR_FILENO) != 0});
  if (!args.quiet) callbacks.push_back(&progress);
  // The log is kept in memory and written after the model: a failed run leaves none.
  std::ostringstream log;
  CSVLogger log_rows(log);
  if (!args.log.empty()) callbacks.push_back(&log_rows);
  std::unique_ptr<EarlyStopping> early;
  if (args.early_stopping > 0) {
    early = std::make_unique<EarlyStopping>(
        EarlyStoppingOptions{.monitor = setup.has_validation ? "val_loss" : "loss",
                             .patience = args.early_stopping,
                             .restore_best_weights = true});
    callbacks.push_back(early.get());
  }
  std::unique_ptr<LearningRateScheduler> scheduler;
  if (!args.schedule.empty()) {
    try {
      scheduler = std::make_unique<LearningRateScheduler>(Schedule(args.schedule));
    } catch (const InvalidArgument& e) {
      throw UsageError(std::string("--schedule: ") + e.what());
    }
    callbacks.push_back(scheduler.get());
  }
  // TensorBoard's event files: written as training goes, so a TensorBoard watching DIR sees it live.
  std::unique_ptr<TensorBoard> tensorboard;
  if (!args.tensorboard.empty()) {
    tensorboard = std::make_unique<TensorBoard>(TensorBoardOptions{
        .log_dir = args.tensorboard, .histogram_freq = args.histogram_freq, .update_freq = args.update_freq});
    callbacks.push_back(tensorboard.get());
  }
  std::unique_ptr<ModelCheckpoint> checkpoint;
  if (!args.checkpoint.empty()) {
    checkpoint = std::make_unique<ModelCheckpoint>(ModelCheckpointOptions{
        .path = args.checkpoint, .save_best_only = false, .replace_read_only = args.force});
    callbacks.push_back(checkpoint.get());
  }

  if (!args.quiet) {
    if (world != nullptr)
      std::cerr << "data-parallel over " << world->size() << " processes (MPI): each computes 1/"
                << world->size() << " of every batch\n";
    std::cerr << "training on " << setup.train.samples() - (setup.validation ? 0 : setup.validation_samples)
              << " samples"
              << (setup.has_validation ? ", validating on " + std::to_string(setup.validation_samples)
                                       : std::string())
              << " (" << task_name(setup.task) << ", " << model.input_dim() << " inputs → "
              << model.output_dim() << " outputs; loss " << model.loss().display_name() << ")\n";
    if (model.info.target_scaling.enabled()) {
      std::cerr << "targets standardized (mean and sd kept in the model): the loss and metrics while "
                   "training are in standard deviations, the final scores in the targets' units "
                   "(--scale-targets none trains on them as they are)\n";
    }
  }
  FitOptions fit{.epochs = args.epochs,
                 .batch_size = args.batch_size.value_or(0),
                 .validation_split = args.validation_data.empty() ? args.validation_split : 0.0,
                 .validation_x = setup.validation ? &setup.validation->x : nullptr,
                 .validation_y = setup.validation ? &setup.validation->y : nullptr,
                 .callbacks = callbacks,
                 .initial_epoch = setup.initial_epoch,
                 .communicator = world};
  if (fit.initial_epoch >= fit.epochs) {
    throw UsageError("--resume: the model has already trained " + std::to_string(fit.initial_epoch) +
                     " epochs; ask for more with --epochs (the total, e.g. --epochs " +
                     std::to_string(fit.initial_epoch + 10) + ")");
  }
  const History run = model.fit(setup.train.x, setup.train.y, fit);
  // What the report marks: EarlyStopping records where it ended this run and whose weights it
  // restored; a run without it clears what a resumed model's earlier run left.
  if (!early) model.info.stopped_epoch = model.info.restored_epoch = -1;

  if (!args.quiet) {
    const std::string monitor = early ? (setup.has_validation ? "val_loss" : "loss") : "";
    if (early) {
      if (auto note = early_stopping_note(*early, monitor, args.early_stopping, run))
        std::cerr << *note << '\n';
    }
    const Optimizer& optimizer = model.optimizer();
    if (!optimizer.converged().empty() && !run.epochs.empty()) {
      std::cerr << optimizer.name() << " converged at epoch " << run.epochs.back() + 1 << " ("
                << optimizer.iterations() << " steps, " << optimizer.evaluations()
                << " loss evaluations): " << optimizer.converged() << '\n';
    }
    const bool standardized = model.info.target_scaling.enabled();
    const Index n_train = setup.train.samples() - (setup.validation ? 0 : setup.validation_samples);
    const Matrix fitted_x = setup.train.x.leftCols(n_train), fitted_y = setup.train.y.leftCols(n_train);
    const Logs fitted = final_scores(model, fitted_x, fitted_y, setup.task);
    print_scores(std::cerr, "training set", n_train, fitted, standardized);
    // The trivial predictor is judged where the network is: on held-out data when there is some.
    std::optional<std::string> trivial =
        trivial_predictor_warning(model, fitted_y, fitted_y, setup.task, fitted, "training set");
    if (setup.validation || setup.validation_samples > 0) {
      const std::string title = setup.validation ? "validation set" : "validation split";
      const Matrix held_x =
          setup.validation ? setup.validation->x : Matrix(setup.train.x.rightCols(setup.validation_samples));
      const Matrix held_y =
          setup.validation ? setup.validation->y : Matrix(setup.train.y.rightCols(setup.validation_samples));
      const Logs held = final_scores(model, held_x, held_y, setup.task);
      print_scores(std::cerr, title, held_x.cols(), held, standardized);
      trivial = trivial_predictor_warning(model, fitted_y, held_y, setup.task, held, title);
    }
    // Stopped early, the run has converged by definition; else it may have ended too soon.
    if (!(early && early->stopped_epoch() >= 0) && optimizer.converged().empty()) {
      if (auto warning = still_improving_warning(run)) std::cerr << *warning << '\n';
    }
    if (trivial) std::cerr << *trivial << '\n';
  }
  // The model first: a failed save must not leave a log of a run that produced nothing.
  if (!args.save.empty()) save_model(model, args.save, {.replace_read_only = args.force});
  if (!args.log.empty()) write_output(args.log, log.str(), args.force);
  if (!args.save.empty() && !args.quiet) std::cerr << "saved " << args.save << '\n';
  if (tensorboard && !args.quiet)
    std::cerr << "TensorBoard logs in " << args.tensorboard << " (view: tensorboard --logdir "
              << args.tensorboard << ")\n";
  if (!args.report.empty()) {
    write_training_report(model, setup, args);
    if (!args.quiet) std::cerr << "wrote " << args.report << '\n';
  }
  return kOk;
}

}  // namespace

Command add_train(CLI::App& root) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* sub =
      root.add_subcommand("train", "train a network on a data file (no --data: the bundled Iris)");
  add_train_flags(*sub, *args);
  sub->add_option("--save", args->save, "write the trained model here (atomically)");
  sub->add_option("--log", args->log, "write this run's epochs as CSV here (epoch counted from 0)");
  sub->add_option("--checkpoint", args->checkpoint,
                  "save the model after every epoch (resume with --resume)");
  sub->add_option("--tensorboard", args->tensorboard,
                  "write TensorBoard event files into DIR/train and DIR/validation as training goes")
      ->type_name("DIR");
  sub->add_option(
      "--histogram-freq", args->histogram_freq,
      "with --tensorboard: histograms of the weights and gradients every N epochs (default 1; 0: none)");
  sub->add_option("--update-freq", args->update_freq,
                  "with --tensorboard: also the batch loss every N batches (default 0: per epoch only)");
  sub->add_option("--resume", args->resume, "continue training a saved model (--epochs is the new total)");
  sub->add_option("--report", args->report,
                  "write an HTML report of the trained model here (on the validation data, else the "
                  "training data)");
  sub->add_option("--scale-targets", args->scale_targets,
                  "regression targets: standard (default: trained as (t − mean)/sd, kept in the model and "
                  "undone by evaluate and predict) or none")
      ->check(CLI::IsMember({"standard", "none"}));
  sub->add_flag("--quiet", args->quiet, "print nothing while training");
  sub->add_flag("--force", args->force,
                "replace --save, --log, --checkpoint and --report files even if read-only");
  sub->add_flag("--perceptron", args->perceptron,
                "train one layer of step units by the perceptron rule (--lr, --epochs: the most epochs)");
  return {sub, [args] { return run_train(*args); }};
}

}  // namespace fathom::cli
