// The collective operations of data-parallel training (docs/scaling.md). fit() given a
// Communicator (FitOptions::communicator) runs on every process of its group at once: each
// process computes its share of every batch, and the gradients, losses and metric totals are
// summed through these calls, so that every process applies the same update and holds the
// same weights. fathom::distributed::MpiCommunicator (fathom/distributed/mpi.hpp) is the MPI
// one; a test may implement its own.
#pragma once

#include <cstddef>
#include <span>

namespace fathom {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;  // this process, in [0, size())
  virtual int size() const = 0;  // the processes of the group
  // Element-wise sums over every process, in place: every process holds the sums afterwards.
  // Every process calls with the same length; the order of the additions is fixed for a given
  // group size, so a run repeats bit for bit.
  virtual void allreduce_sum(std::span<float> values) = 0;
  virtual void allreduce_sum(std::span<double> values) = 0;
  // root's bytes, copied into every other process's `bytes` (of the same length).
  virtual void broadcast(std::span<std::byte> bytes, int root) = 0;
};

}  // namespace fathom
