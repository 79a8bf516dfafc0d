// fathom::distributed: data-parallel training over MPI (docs/scaling.md), the way Horovod runs
// the big frameworks. Every process of `mpirun -np N` runs the same program; each gives fit()
// the communicator, and fit splits every batch across them and sums their gradients with
// MPI_Allreduce:
//
//   fathom::distributed::Environment mpi;              // MPI_Init ... MPI_Finalize
//   fathom::distributed::MpiCommunicator world;        // MPI_COMM_WORLD
//   FitOptions options{.epochs = 10, .communicator = &world};
//   model.fit(x, y, options);                          // the same x, y and model on every rank
//   if (world.rank() == 0) save_model(model, "model.fathom");
//
// Built when CMake finds MPI (FATHOM_MPI, on by default); without it available() is false and
// the constructors below throw.
#pragma once

#include <memory>

#include "fathom/train/communicator.hpp"

namespace fathom::distributed {

// Whether this fathom was built with MPI.
bool available();
// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun with PMI): one of
// their environment variables is set. Without one, MPI_Init would start a job of one process.
bool launched();

// MPI for the lifetime of the object: MPI_Init_thread (MPI_THREAD_FUNNELED: fathom's worker
// threads never call MPI) unless MPI is initialized already, and MPI_Finalize at the end if it
// initialized it. One per process, created before any communicator.
class Environment {
 public:
  Environment();
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

 private:
  [[maybe_unused]] bool finalize_ = false;  // (read only where fathom is built with MPI)
};

// A duplicate of MPI_COMM_WORLD (so fathom's messages never meet the program's own), whose
// sums are MPI_Allreduce's. MPI's default error handler stays: an MPI error, or a process of the
// job that dies, ends the job (mpirun stops the others) rather than leaving them waiting.
class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator();
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void allreduce_sum(std::span<float> values) override;
  void allreduce_sum(std::span<double> values) override;
  void broadcast(std::span<std::byte> bytes, int root) override;
  // Waits for every process.
  void barrier();

 private:
  struct Handle;
  std::unique_ptr<Handle> comm_;
  int rank_ = 0, size_ = 1;
};

// Ends every process of the job with `code` (MPI_Abort): for an error one process cannot
// recover from while the others may be waiting for it. Returns only if MPI is not running.
void abort(int code);

}  // namespace fathom::distributed
