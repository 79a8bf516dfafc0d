// What fit() needs from Python while it runs with the GIL released: each takes the GIL only for
// the moment it calls into Python.
#pragma once

#include <chrono>
#include <streambuf>
#include <string>

#include "bindings.hpp"
#include "fathom/train/callbacks.hpp"

namespace fathom::python {

// Ctrl-C during fit: at most every 50 ms, between steps, asks Python whether a signal arrived
// (PyErr_CheckSignals runs the handler: KeyboardInterrupt by default) and throws its exception
// then. The step has finished, so the model keeps the weights of the last step that ran.
class InterruptCheck final : public Callback {
 public:
  void on_train_batch_end(Sequential& model, const BatchLogs& logs) override;
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;

 private:
  void check();
  std::chrono::steady_clock::time_point next_{};
};

// A Python callback object (fathom.Callback or anything with its methods): each hook calls the
// method of the same name with Keras's arguments, e.g. on_epoch_end(epoch, logs). The
// per-step hook is called only when the object's class defines its own on_train_batch_end, so
// that a callback without one costs training nothing per step.
class PythonCallback final : public Callback {
 public:
  // verbose: fit's, passed on in params as Keras does.
  PythonCallback(py::object callback, int verbose);
  ~PythonCallback() override;
  // params: {"epochs", "batch_size", "samples", "steps", "verbose"}, to set_params(params).
  void set_params(const FitParams& params) override;
  void on_train_begin(Sequential& model) override;
  void on_epoch_begin(Sequential& model, int epoch) override;
  void on_train_batch_end(Sequential& model, const BatchLogs& logs) override;
  void on_epoch_end(Sequential& model, int epoch, const Logs& logs) override;
  void on_train_end(Sequential& model) override;

 private:
  py::object callback_;
  int verbose_;
  bool batches_ = false;
};

// A stream buffer that writes to Python's sys.stdout (so that progress lines reach a notebook
// and interleave with Python's own prints), taking the GIL at each flush.
class PythonStdout final : public std::streambuf {
 public:
  bool isatty() const;

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* s, std::streamsize n) override;
  int sync() override;

 private:
  std::string buffer_;
};

}  // namespace fathom::python
