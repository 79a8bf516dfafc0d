// fathom._fathom.Model: Sequential for Python. Training, evaluation and prediction run with the
// GIL released, on the caller's arrays in place; the Python half (python/fathom/models.py) gives
// it Keras's shape and converts arrays and labels.
#include <pybind11/stl.h>

#include <algorithm>
#include <optional>

#include "../../src/data/class_labels.hpp"  // the extension is part of fathom's own build
#include "bindings.hpp"
#include "fathom/core/error.hpp"
#include "fathom/data/scaling.hpp"
#include "fathom/deploy/c_source.hpp"
#include "fathom/deploy/onnx.hpp"
#include "fathom/io/model_file.hpp"
#include "fathom/nn/dense.hpp"
#include "fathom/train/callbacks.hpp"
#include "fathom/train/communicator.hpp"
#include "fathom/train/sequential.hpp"
#include "fathom/train/summary.hpp"
#include "python_callbacks.hpp"

namespace fathom::python {
namespace {

py::dict history_dict(const History& history) {
  py::dict d;
  for (const auto& [key, values] : history.values) d[py::str(key)] = py::cast(values);
  return d;
}

struct FitArgs {
  int epochs;
  Index batch_size;
  bool shuffle;
  double validation_split;
  py::object validation_x, validation_y;
  py::list callbacks;
  int initial_epoch;
  int verbose;
  Communicator* communicator;
};

py::dict fit(Sequential& model, const py::array& x, const py::array& y, const FitArgs& a) {
  const ConstMatrixView xv = samples_view(x, "x"), yv = samples_view(y, "y");
  // Validation data is read once per epoch; it is copied into fathom's own matrices.
  std::optional<Matrix> val_x, val_y;
  if (!a.validation_x.is_none()) {
    val_x = Matrix(samples_view(a.validation_x, "validation x"));
    val_y = Matrix(samples_view(a.validation_y, "validation y"));
  }
  // The callbacks: the caller's in order (C++ ones as they are, Python ones behind an adapter),
  // the progress lines, then Ctrl-C, so that every callback has seen a step before it stops.
  InterruptCheck interrupt;
  std::vector<std::unique_ptr<Callback>> adapters;
  FitOptions options{.epochs = a.epochs,
                     .batch_size = a.batch_size,
                     .shuffle = a.shuffle,
                     .validation_split = a.validation_split,
                     .validation_x = val_x ? &*val_x : nullptr,
                     .validation_y = val_y ? &*val_y : nullptr,
                     .callbacks = {},
                     .initial_epoch = a.initial_epoch,
                     .communicator = a.communicator};
  for (const py::handle cb : a.callbacks) {
    if (py::isinstance<Callback>(cb)) {
      options.callbacks.push_back(cb.cast<Callback*>());
    } else {
      adapters.push_back(std::make_unique<PythonCallback>(py::reinterpret_borrow<py::object>(cb), a.verbose));
      options.callbacks.push_back(adapters.back().get());
    }
  }
  PythonStdout out;
  std::ostream stream(&out);
  std::optional<ProgressLogger> progress;
  if (a.verbose > 0) {
    progress.emplace(stream, ProgressLoggerOptions{.live_bar = a.verbose == 1 && out.isatty()});
    options.callbacks.push_back(&*progress);
  }
  options.callbacks.push_back(&interrupt);
  History history;
  try {
    py::gil_scoped_release release;
    history = fathom::fit(model, xv, yv, options);
  } catch (...) {
    if (progress) progress->on_train_end(model);  // clears a live bar, so the traceback starts a line
    stream.flush();
    throw;
  }
  stream.flush();
  return history_dict(history);
}

py::dict evaluate(const Sequential& model, const py::array& x, const py::array& y,
                  std::optional<Index> batch_size) {
  const ConstMatrixView xv = samples_view(x, "x"), yv = samples_view(y, "y");
  Logs logs;
  {
    py::gil_scoped_release release;
    logs = fathom::evaluate(model, xv, yv, batch_size.value_or(kInferenceBatch));
  }
  return to_dict(logs);
}

py::array predict(const Sequential& model, const py::array& x, std::optional<Index> batch_size) {
  const ConstMatrixView xv = samples_view(x, "x");
  Matrix out;
  {
    py::gil_scoped_release release;
    out = model.predict(xv, batch_size.value_or(kInferenceBatch));
  }
  return to_samples_array(std::move(out));
}

// The parameter tensors in Keras's shapes: a kernel W (units × inputs, column-major) is numpy's
// (inputs, units) in C order, the same bytes; a bias (a Dense layer's b) is 1-D.
struct WeightShape {
  const Parameters::Entry* entry;
  bool bias;
  std::vector<py::ssize_t> shape() const {
    if (bias) return {entry->ref.rows};
    return {entry->ref.cols, entry->ref.rows};
  }
  std::string text() const {
    const auto dims = shape();
    return dims.size() == 1 ? "(" + std::to_string(dims[0]) + ",)"
                            : "(" + std::to_string(dims[0]) + ", " + std::to_string(dims[1]) + ")";
  }
};

std::vector<WeightShape> weight_shapes(const Sequential& model, const char* what) {
  require(model.compiled(), std::string(what) + ": compile the model first (compiling draws the weights)");
  std::vector<std::size_t> bias_offsets;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    if (const auto* dense = dynamic_cast<const Dense*>(&model.layer(i)); dense && dense->use_bias())
      bias_offsets.push_back(dense->b_ref().offset);
  }
  std::vector<WeightShape> shapes;
  for (const auto& entry : model.parameters().entries()) {
    const bool bias =
        std::find(bias_offsets.begin(), bias_offsets.end(), entry.ref.offset) != bias_offsets.end();
    shapes.push_back({&entry, bias});
  }
  return shapes;
}

py::list get_weights(Sequential& model) {
  py::list out;
  for (const WeightShape& w : weight_shapes(model, "get_weights")) {
    const MatrixView values = model.parameters().value(w.entry->ref);
    py::array_t<Scalar> a(w.shape());
    std::copy(values.data(), values.data() + values.size(), a.mutable_data());
    out.append(a);
  }
  return out;
}

// Every array is checked (shape, numbers, finite) and converted before any weight changes.
void set_weights(Sequential& model, const std::vector<py::object>& weights) {
  const auto shapes = weight_shapes(model, "set_weights");
  require(weights.size() == shapes.size(), "set_weights: the model has " + std::to_string(shapes.size()) +
                                               " weight arrays, got " + std::to_string(weights.size()));
  std::vector<py::array_t<Scalar, py::array::c_style>> arrays;
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    const std::string& name = shapes[i].entry->name;
    const py::array given = py::array::ensure(weights[i]);
    const char kind = given ? given.dtype().kind() : 'O';
    require<DataError>(kind == 'f' || kind == 'i' || kind == 'u' || kind == 'b',
                       "set_weights: " + name + " must be an array of numbers, got dtype kind '" +
                           std::string(1, kind) + "'");
    const auto dims = shapes[i].shape();
    const bool fits =
        given.ndim() == py::ssize_t(dims.size()) && std::equal(dims.begin(), dims.end(), given.shape());
    if (!fits) {
      std::string got;
      for (py::ssize_t d = 0; d < given.ndim(); ++d) got += (d ? ", " : "") + std::to_string(given.shape(d));
      throw ShapeError("set_weights: " + name + " must have shape " + shapes[i].text() + ", got (" + got +
                       ")");
    }
    auto a = py::array_t<Scalar, py::array::c_style | py::array::forcecast>::ensure(given);
    require<DataError>(ConstMatrixView(a.data(), 1, a.size()).allFinite(),
                       "set_weights: " + name + " holds NaN or Inf");
    arrays.push_back(std::move(a));
  }
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    MatrixView w = model.parameters().value(shapes[i].entry->ref);
    std::copy(arrays[i].data(), arrays[i].data() + w.size(), w.data());
  }
}

// Class names a model file can carry and the command can read back: distinct, and one per
// output (two for a single 0/1 output; a multi-label model names each output).
void check_class_names(const Sequential& model, const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      require(names[i] != names[j], "class_names: \"" + names[i] + "\" is given twice");
    }
  }
  if (names.empty() || model.layer_count() == 0) return;
  const auto outputs = static_cast<std::size_t>(model.output_dim());
  require(names.size() == outputs || (outputs == 1 && names.size() == 2),
          "class_names: " + std::to_string(names.size()) + " names for a model with " +
              std::to_string(outputs) +
              (outputs == 1 ? " output (give 2: the classes 0 and 1)" : " outputs (give one per output)"));
}

py::list layers(const Sequential& model) {
  py::list out;
  for (std::size_t i = 0; i < model.layer_count(); ++i) {
    const Layer& layer = model.layer(i);
    out.append(py::make_tuple(layer.type(), layer.config_json()));
  }
  return out;
}

}  // namespace

void bind_model(py::module_& m) {
  py::class_<Sequential>(m, "Model")
      .def(py::init<Index, std::uint64_t>(), py::arg("input_dim"), py::arg("seed") = 0)
      .def(
          "add_layer",
          [](Sequential& model, const std::string& type, const std::string& config) {
            model.add_layer(make_layer(type, config));
          },
          py::arg("type"), py::arg("config_json"))
      .def(
          "compile",
          [](Sequential& model, const std::string& loss, const std::string& optimizer,
             const std::string& config, std::vector<std::string> metrics) {
            model.compile({.loss = Loss(loss),
                           .optimizer = make_optimizer(optimizer, config),
                           .metrics = std::move(metrics)});
          },
          py::arg("loss"), py::arg("optimizer"), py::arg("optimizer_config_json"), py::arg("metrics"))
      .def(
          "fit",
          [](Sequential& model, const py::array& x, const py::array& y, int epochs, Index batch_size,
             bool shuffle, double validation_split, py::object validation_x, py::object validation_y,
             py::list callbacks, int initial_epoch, int verbose, Communicator* communicator) {
            return fit(
                model, x, y,
                FitArgs{epochs, batch_size, shuffle, validation_split, std::move(validation_x),
                        std::move(validation_y), std::move(callbacks), initial_epoch, verbose, communicator});
          },
          py::arg("x"), py::arg("y"), py::arg("epochs"), py::arg("batch_size"), py::arg("shuffle"),
          py::arg("validation_split"), py::arg("validation_x"), py::arg("validation_y"), py::arg("callbacks"),
          py::arg("initial_epoch"), py::arg("verbose"), py::arg("communicator") = nullptr)
      .def("evaluate", &evaluate, py::arg("x"), py::arg("y"), py::arg("batch_size") = py::none())
      .def("predict", &predict, py::arg("x"), py::arg("batch_size") = py::none())
      .def("get_weights", &get_weights)
      .def("set_weights", &set_weights, py::arg("weights"))
      .def("weight_names",
           [](const Sequential& model) {
             std::vector<std::string> names;
             for (const auto& entry : model.parameters().entries()) names.push_back(entry.name);
             return names;
           })
      .def("layers", &layers)
      .def("summary", [](const Sequential& model) { return summary(model); })
      .def(
          "save", [](const Sequential& model, const std::string& path) { save_model(model, path); },
          py::arg("path"))
      .def("to_bytes", [](const Sequential& model) { return py::bytes(model_bytes(model)); })
      .def(
          "export_onnx",
          [](const Sequential& model, const std::string& path, int opset, std::optional<bool> class_output) {
            OnnxExportOptions options;
            options.opset = opset;
            options.class_output = class_output;
            export_onnx(model, path, options);
          },
          py::arg("path"), py::arg("opset"), py::arg("class_output"))
      .def(
          "export_c",
          [](const Sequential& model, const std::string& path, const std::string& header,
             const std::string& prefix, const std::string& quantize, std::optional<bool> class_function) {
            require(quantize == "none" || quantize == "int8",
                    "quantize must be None or \"int8\", not \"" + quantize + "\"");
            CExportOptions options;
            options.prefix = prefix;
            options.quantize = quantize == "int8" ? CQuantization::Int8 : CQuantization::None;
            options.class_function = class_function;
            export_c(model, path, header, options);
          },
          py::arg("path"), py::arg("header"), py::arg("prefix"), py::arg("quantize"),
          py::arg("class_function"))
      .def(
          "predict_int8",
          [](const Sequential& model, const py::array& x) {
            const ConstMatrixView xv = samples_view(x, "x");
            Matrix out;
            {
              py::gil_scoped_release release;
              out = predict_int8(model, xv);
            }
            return to_samples_array(std::move(out));
          },
          py::arg("x"))
      .def_static(
          "load", [](const std::string& path) { return load_model(path); }, py::arg("path"))
      .def_static(
          "from_bytes", [](const py::bytes& b) { return model_from_bytes(std::string_view(b)); },
          py::arg("data"))
      .def("copy", [](const Sequential& model) { return Sequential(model); })
      .def_property_readonly("input_dim", &Sequential::input_dim)
      .def_property_readonly("output_dim", &Sequential::output_dim)
      .def_property_readonly("compiled", &Sequential::compiled)
      .def_property_readonly("loss", [](const Sequential& model) { return model.loss().name(); })
      .def_property_readonly("metrics", &Sequential::metric_names)
      .def_property_readonly("optimizer_name",
                             [](const Sequential& model) { return model.optimizer().name(); })
      .def_property_readonly("optimizer_config_json",
                             [](const Sequential& model) { return model.optimizer().config_json(); })
      .def_property_readonly("iterations",
                             [](const Sequential& model) { return model.optimizer().iterations(); })
      .def_property_readonly("evaluations",
                             [](const Sequential& model) { return model.optimizer().evaluations(); })
      .def_property_readonly("converged",
                             [](const Sequential& model) { return model.optimizer().converged(); })
      .def_property(
          "learning_rate", [](const Sequential& model) { return model.optimizer().learning_rate(); },
          [](Sequential& model, Scalar lr) { model.optimizer().set_learning_rate(lr); })
      .def_readwrite("stop_training", &Sequential::stop_training)
      .def_property_readonly("history", [](const Sequential& model) { return history_dict(model.history); })
      .def_property(
          "class_names", [](const Sequential& model) { return model.info.class_names; },
          [](Sequential& model, std::vector<std::string> v) {
            check_class_names(model, v);
            model.info.class_names = std::move(v);
          })
      .def_property(
          "feature_names", [](const Sequential& model) { return model.info.feature_names; },
          [](Sequential& model, std::vector<std::string> v) { model.info.feature_names = std::move(v); })
      .def_property(
          "target_names", [](const Sequential& model) { return model.info.target_names; },
          [](Sequential& model, std::vector<std::string> v) { model.info.target_names = std::move(v); })
      .def_property(
          "task", [](const Sequential& model) { return model.info.task; },
          [](Sequential& model, std::string task) {
            require(task.empty() || task == "classify" || task == "multilabel" || task == "regress",
                    "task must be \"classify\", \"multilabel\", \"regress\" or \"\", got \"" + task + "\"");
            model.info.task = std::move(task);
          });

  m.def(
      "normalization_fit",
      [](const py::array& x, const std::string& method) {
        const InputScaling s = InputScaling::fit(Matrix(samples_view(x, "x")), method);
        return py::make_tuple(std::vector<Scalar>(s.offset.begin(), s.offset.end()),
                              std::vector<Scalar>(s.scale.begin(), s.scale.end()));
      },
      py::arg("x"), py::arg("method"));
  // The order `fathom train` gives the classes it finds: by value when every label is a number,
  // else as text (data/class_labels).
  m.def(
      "class_order",
      [](const std::vector<std::string>& labels) {
        data_detail::ClassLabels classes({});
        for (const auto& label : labels) classes.find_or_add(label);
        classes.finish(true);
        return classes.names();
      },
      py::arg("labels"));
  m.def("loss_names", &loss_names);
  m.def("optimizer_names", &optimizer_names);
}

}  // namespace fathom::python
