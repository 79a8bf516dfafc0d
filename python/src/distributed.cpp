// fathom._fathom's MPI job (python/fathom/distributed.py, docs/scaling.md): the world
// communicator that Sequential.fit takes, over fathom::distributed's Environment.
#include <memory>

#include "bindings.hpp"
#include "fathom/distributed/mpi.hpp"

namespace fathom::python {

namespace {

// MPI for the interpreter's lifetime: started by the first world(), finalized at exit.
struct Job {
  std::unique_ptr<distributed::Environment> environment;
  std::unique_ptr<distributed::MpiCommunicator> world;
};

Job& job() {
  static Job* j = new Job;  // never destroyed by C++: finalize() ends it, before the interpreter goes
  return *j;
}

distributed::MpiCommunicator& world() {
  Job& j = job();
  if (!j.world) {
    j.environment = std::make_unique<distributed::Environment>();
    j.world = std::make_unique<distributed::MpiCommunicator>();
  }
  return *j.world;
}

}  // namespace

void bind_distributed(py::module_& m) {
  py::module_ d = m.def_submodule("distributed", "MPI: data-parallel training (fathom.distributed)");
  d.def("available", &distributed::available);
  d.def("launched", &distributed::launched);
  py::class_<Communicator>(d, "Communicator")
      .def_property_readonly("rank", &Communicator::rank)
      .def_property_readonly("size", &Communicator::size);
  py::class_<distributed::MpiCommunicator, Communicator>(d, "MpiCommunicator")
      .def("barrier", [](distributed::MpiCommunicator& c) {
        py::gil_scoped_release release;
        c.barrier();
      });
  d.def("world", &world, py::return_value_policy::reference);
  // MPI_Finalize at exit. The communicator object stays (Python may still hold it); an MPI call
  // through it after this is MPI's error, which ends the process.
  d.def("finalize", [] { job().environment.reset(); });
  d.def("abort", &distributed::abort, py::arg("code"));
}

}  // namespace fathom::python
