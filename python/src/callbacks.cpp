// The callbacks of fathom's Python package: fathom's C++ callbacks bound with Keras's argument
// names, and the adapters of python_callbacks.hpp.
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "fathom/core/error.hpp"
#include "fathom/io/model_checkpoint.hpp"
#include "fathom/train/tensorboard.hpp"
#include "python_callbacks.hpp"

namespace fathom::python {
void InterruptCheck::check() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return;
  next_ = now + std::chrono::milliseconds(50);
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}

void InterruptCheck::on_train_batch_end(Sequential&, const BatchLogs&) { check(); }

void InterruptCheck::on_epoch_end(Sequential&, int, const Logs&) {
  next_ = {};
  check();
}

PythonCallback::PythonCallback(py::object callback, int verbose)
    : callback_(std::move(callback)), verbose_(verbose) {
  // A bound method of Callback's own (empty) hook is skipped; an override, or a function set on
  // the object (LambdaCallback), is called.
  const py::object own = py::getattr(callback_, "on_train_batch_end", py::none());
  const py::object base = py::module_::import("fathom.callbacks").attr("Callback").attr("on_train_batch_end");
  batches_ = !own.is_none() && !py::getattr(own, "__func__", own).is(base);
}

// Runs with the GIL held (fit's caller holds it when the adapters are destroyed).
PythonCallback::~PythonCallback() = default;

// Each hook: the GIL, then the method if the object has it (a duck-typed callback may define
// only some).
#define FATHOM_CALL_HOOK(name, ...) \
  py::gil_scoped_acquire gil;       \
  if (const py::object f = py::getattr(callback_, name, py::none()); !f.is_none()) f(__VA_ARGS__)

void PythonCallback::set_params(const FitParams& p) {
  FATHOM_CALL_HOOK("set_params", py::dict(py::arg("epochs") = p.epochs, py::arg("batch_size") = p.batch_size,
                                          py::arg("samples") = p.samples, py::arg("steps") = p.steps,
                                          py::arg("verbose") = verbose_));
}

void PythonCallback::on_train_begin(Sequential&) { FATHOM_CALL_HOOK("on_train_begin", py::dict()); }

void PythonCallback::on_epoch_begin(Sequential&, int epoch) {
  FATHOM_CALL_HOOK("on_epoch_begin", epoch, py::dict());
}

void PythonCallback::on_train_batch_end(Sequential&, const BatchLogs& logs) {
  if (!batches_) return;
  FATHOM_CALL_HOOK("on_train_batch_end", logs.batch,
                   py::dict(py::arg("loss") = logs.loss, py::arg("size") = logs.size));
}

void PythonCallback::on_epoch_end(Sequential&, int epoch, const Logs& logs) {
  FATHOM_CALL_HOOK("on_epoch_end", epoch, to_dict(logs));
}

void PythonCallback::on_train_end(Sequential&) { FATHOM_CALL_HOOK("on_train_end", py::dict()); }

#undef FATHOM_CALL_HOOK

bool PythonStdout::isatty() const {
  const py::object out = py::module_::import("sys").attr("stdout");
  if (out.is_none() || !py::hasattr(out, "isatty")) return false;
  return out.attr("isatty")().cast<bool>();
}

PythonStdout::int_type PythonStdout::overflow(int_type c) {
  if (!traits_type::eq_int_type(c, traits_type::eof())) buffer_.push_back(traits_type::to_char_type(c));
  return traits_type::not_eof(c);
}

std::streamsize PythonStdout::xsputn(const char* s, std::streamsize n) {
  buffer_.append(s, static_cast<std::size_t>(n));
  return n;
}

int PythonStdout::sync() {
  if (buffer_.empty()) return 0;
  py::gil_scoped_acquire gil;
  const py::object out = py::module_::import("sys").attr("stdout");
  if (!out.is_none()) {
    out.attr("write")(py::str(buffer_));
    out.attr("flush")();
  }
  buffer_.clear();
  return 0;
}

void bind_callbacks(py::module_& m) {
  // The defaults are the C++ options structs' own, read from default-built ones.
  const EarlyStoppingOptions early;
  const ModelCheckpointOptions checkpoint;
  const TensorBoardOptions board;
  const ReduceLROnPlateauOptions plateau;
  const ConvergenceStopOptions convergence;
  py::class_<Callback>(m, "NativeCallback",
                       "A callback implemented in C++: it runs inside fit() without taking the GIL.");

  py::class_<EarlyStopping, Callback>(m, "EarlyStopping")
      .def(py::init([](std::string monitor, double min_delta, int patience, std::string mode,
                       bool restore_best_weights) {
             return EarlyStopping({.monitor = std::move(monitor),
                                   .patience = patience,
                                   .min_delta = min_delta,
                                   .mode = std::move(mode),
                                   .restore_best_weights = restore_best_weights});
           }),
           py::arg("monitor") = early.monitor, py::arg("min_delta") = early.min_delta,
           py::arg("patience") = early.patience, py::arg("mode") = early.mode,
           py::arg("restore_best_weights") = early.restore_best_weights)
      .def_property_readonly("stopped_epoch", &EarlyStopping::stopped_epoch)
      .def_property_readonly("best_epoch", &EarlyStopping::best_epoch)
      .def_property_readonly("best", &EarlyStopping::best);

  py::class_<ModelCheckpoint, Callback>(m, "ModelCheckpoint")
      .def(py::init([](std::string filepath, std::string monitor, bool save_best_only, std::string mode) {
             return ModelCheckpoint({.path = std::move(filepath),
                                     .monitor = std::move(monitor),
                                     .save_best_only = save_best_only,
                                     .mode = std::move(mode)});
           }),
           py::arg("filepath"), py::arg("monitor") = checkpoint.monitor,
           py::arg("save_best_only") = checkpoint.save_best_only, py::arg("mode") = checkpoint.mode)
      .def_property_readonly("saves", &ModelCheckpoint::saves);

  py::class_<CSVLogger, Callback>(m, "CSVLogger")
      .def(py::init<std::string, bool>(), py::arg("filename"), py::arg("append") = false);

  py::class_<TensorBoard, Callback>(m, "TensorBoard")
      .def(py::init([](std::filesystem::path log_dir, int histogram_freq, py::object update_freq,
                       bool write_grads) {
             // Keras's update_freq: "epoch" (the default), or a number of batches.
             int every = 0;
             if (py::isinstance<py::str>(update_freq)) {
               const auto s = update_freq.cast<std::string>();
               require(
                   s == "epoch",
                   "TensorBoard: update_freq must be \"epoch\" or a number of batches, got \"" + s + "\"");
             } else {
               every = update_freq.cast<int>();
             }
             return TensorBoard(TensorBoardOptions{.log_dir = std::move(log_dir),
                                                   .histogram_freq = histogram_freq,
                                                   .update_freq = every,
                                                   .write_gradients = write_grads});
           }),
           py::arg("log_dir") = "logs", py::arg("histogram_freq") = board.histogram_freq,
           py::arg("update_freq") = "epoch", py::arg("write_grads") = board.write_gradients)
      .def_property_readonly("train_file", &TensorBoard::train_file)
      .def_property_readonly("validation_file", &TensorBoard::validation_file);

  py::class_<ReduceLROnPlateau, Callback>(m, "ReduceLROnPlateau")
      .def(py::init([](std::string monitor, double factor, int patience, double min_delta, int cooldown,
                       double min_lr) {
             return ReduceLROnPlateau({.monitor = std::move(monitor),
                                       .factor = factor,
                                       .patience = patience,
                                       .min_delta = min_delta,
                                       .min_lr = min_lr,
                                       .cooldown = cooldown});
           }),
           py::arg("monitor") = plateau.monitor, py::arg("factor") = plateau.factor,
           py::arg("patience") = plateau.patience, py::arg("min_delta") = plateau.min_delta,
           py::arg("cooldown") = plateau.cooldown, py::arg("min_lr") = plateau.min_lr);

  py::class_<ConvergenceStop, Callback>(m, "ConvergenceStop")
      .def(py::init([](std::string monitor, double tolerance, int patience) {
             return ConvergenceStop(
                 {.monitor = std::move(monitor), .tolerance = tolerance, .patience = patience});
           }),
           py::arg("monitor") = convergence.monitor, py::arg("tolerance") = convergence.tolerance,
           py::arg("patience") = convergence.patience)
      .def_property_readonly("stopped_epoch", &ConvergenceStop::stopped_epoch);
}

}  // namespace fathom::python
