// `mpirun -np N fathom train ...`: data-parallel training over MPI (docs/scaling.md). The CLI
// starts MPI only when an MPI launcher started it; rank 0 alone prints and writes files, and
// an error on any rank ends the whole job (MPI_Abort) instead of leaving the others waiting.
#pragma once

#include <ostream>
#include <streambuf>

#include "fathom/train/communicator.hpp"

namespace fathom::cli {

// The rank the launcher gave this process (its environment), 0 when there is none; known
// before MPI starts, so that only rank 0 prints a usage error every rank would print alike.
int launcher_rank();
// Under an MPI launcher with more than one process: starts MPI (once) and returns the world's
// communicator. nullptr for a process on its own. Throws UsageError under a launcher when this
// fathom was built without MPI.
Communicator* mpi_world();
// At the end of the command: MPI_Finalize after success; after a failure (`code` ≠ 0) in a job
// of several processes, MPI_Abort(code), which ends the others too.
void end_mpi(int code);

// Silences a stream for its lifetime (the warnings of ranks other than 0, which rank 0 prints).
class QuietStream {
 public:
  explicit QuietStream(std::ostream& stream) : stream_(stream), saved_(stream.rdbuf(&null_)) {}
  ~QuietStream() { stream_.rdbuf(saved_); }
  QuietStream(const QuietStream&) = delete;
  QuietStream& operator=(const QuietStream&) = delete;

 private:
  struct Null : std::streambuf {
    int overflow(int c) override { return c == traits_type::eof() ? 0 : c; }
  };
  std::ostream& stream_;
  Null null_;
  std::streambuf* saved_;
};

}  // namespace fathom::cli
