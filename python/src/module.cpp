// fathom._fathom: the extension module's entry point (bindings.hpp).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "fathom/core/threads.hpp"

namespace fathom::python {

ConstMatrixView samples_view(const py::array& a, const char* name) {
  const bool ok =
      a.ndim() == 2 && a.dtype().is(py::dtype::of<float>()) && (a.flags() & py::array::c_style) != 0;
  if (!ok) {
    throw py::type_error(std::string(name) + " must be a 2-D C-contiguous float32 array here (" +
                         "fathom's Python functions convert to it before calling the extension)");
  }
  return ConstMatrixView(static_cast<const Scalar*>(a.data()), a.shape(1), a.shape(0));
}

py::array to_samples_array(Matrix&& m) {
  auto* owned = new Matrix(std::move(m));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<Matrix*>(p); });
  const auto outputs = static_cast<py::ssize_t>(owned->rows());
  const auto n = static_cast<py::ssize_t>(owned->cols());
  return py::array_t<Scalar>({n, outputs},
                             {outputs * py::ssize_t(sizeof(Scalar)), py::ssize_t(sizeof(Scalar))},
                             owned->data(), free_when_done);
}

py::dict to_dict(const Logs& logs) {
  py::dict d;
  for (const auto& [key, value] : logs) d[py::str(key)] = value;
  return d;
}

}  // namespace fathom::python

PYBIND11_MODULE(_fathom, m) {
  namespace py = pybind11;
  m.doc() = "fathom's compiled core; use the fathom package (import fathom) rather than this module";
  m.attr("__version__") = FATHOM_VERSION;
  m.def("set_num_threads", &fathom::set_num_threads, py::arg("threads"),
        "Number of threads fathom may use (default: OMP_NUM_THREADS, else the machine's cores).");
  m.def("num_threads", &fathom::num_threads);
  fathom::python::bind_errors(m);
  fathom::python::bind_model(m);
  fathom::python::bind_callbacks(m);
  fathom::python::bind_distributed(m);
}
