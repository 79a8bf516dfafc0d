// fathom's exceptions as Python's, with the same messages (docs/python.md, "Errors"):
//   InvalidArgument, ShapeError, DataError → ValueError     FileError → OSError
//   DivergedError → fathom.DivergedError (an ArithmeticError)   any other fathom::Error → RuntimeError
#include "bindings.hpp"
#include "fathom/core/error.hpp"

namespace fathom::python {

void bind_errors(py::module_& m) {
  // Created once and kept for the life of the interpreter (pybind11's own exceptions do the same).
  static py::exception<DivergedError> diverged(m, "DivergedError", PyExc_ArithmeticError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const FileError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const DivergedError& e) {
      diverged(e.what());
    } catch (const InvalidArgument& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const ShapeError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const DataError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });
}

}  // namespace fathom::python
