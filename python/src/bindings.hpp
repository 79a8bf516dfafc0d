// The compiled half of fathom's Python package (fathom._fathom): thin pybind11 bindings over the
// C++ API, which the pure-Python half (python/fathom/*.py) wraps in Keras's and scikit-learn's
// shapes. Arrays arrive here already as numpy's C-ordered float32 (samples × features), which
// is fathom's column-major features × samples layout read in place: no copy is made here.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "fathom/core/matrix.hpp"
#include "fathom/train/history.hpp"

namespace fathom::python {

namespace py = pybind11;

// A 2-D C-contiguous float32 array (samples × features) as fathom's features × samples view of
// the same memory. Throws TypeError for anything else (the Python half converts first).
ConstMatrixView samples_view(const py::array& a, const char* name);

// A fathom matrix (outputs × n, column-major) as a numpy array (n, outputs) that takes over its
// memory: no copy.
py::array to_samples_array(Matrix&& m);

// An epoch's logs as a dict {"loss": ..., ...}.
py::dict to_dict(const Logs& logs);

void bind_errors(py::module_& m);
void bind_model(py::module_& m);
void bind_callbacks(py::module_& m);
void bind_distributed(py::module_& m);

}  // namespace fathom::python
