// The MPI communicator (fathom/distributed/mpi.hpp). Compiled into every build; the MPI calls
// only when CMake found MPI (FATHOM_HAS_MPI), else the functions say MPI is missing.
#include "fathom/distributed/mpi.hpp"

#include <climits>
#include <cstdlib>
#include <string>

#include "fathom/core/error.hpp"

#ifdef FATHOM_HAS_MPI
#include <mpi.h>
#endif

namespace fathom::distributed {

bool launched() {
  // Open MPI's mpirun, MPICH/Hydra's and Slurm's PMI, and PMIx launchers.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

#ifdef FATHOM_HAS_MPI

bool available() { return true; }

namespace {

void check(int status, const char* call) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  throw Error(std::string(call) + " failed: " + std::string(text, std::size_t(length)));
}

// MPI counts are ints: longer spans go in slices.
template <class T, class Call>
void in_slices(std::span<T> values, Call call) {
  constexpr std::size_t kMax = INT_MAX / 2;
  for (std::size_t first = 0; first < values.size(); first += kMax) {
    const std::size_t count = std::min(kMax, values.size() - first);
    call(values.data() + first, static_cast<int>(count));
  }
}

}  // namespace

struct MpiCommunicator::Handle {
  MPI_Comm comm = MPI_COMM_NULL;
};

Environment::Environment() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return;
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  finalize_ = true;
}

Environment::~Environment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalize_ && !finalized) MPI_Finalize();
}

MpiCommunicator::MpiCommunicator() : comm_(std::make_unique<Handle>()) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  require(initialized != 0,
          "MpiCommunicator: MPI is not initialized (create a fathom::distributed::Environment first)");
  check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_->comm), "MPI_Comm_dup");
  MPI_Comm_rank(comm_->comm, &rank_);
  MPI_Comm_size(comm_->comm, &size_);
}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_->comm != MPI_COMM_NULL) MPI_Comm_free(&comm_->comm);
}

void MpiCommunicator::allreduce_sum(std::span<float> values) {
  in_slices(values, [&](float* data, int count) {
    check(MPI_Allreduce(MPI_IN_PLACE, data, count, MPI_FLOAT, MPI_SUM, comm_->comm), "MPI_Allreduce");
  });
}

void MpiCommunicator::allreduce_sum(std::span<double> values) {
  in_slices(values, [&](double* data, int count) {
    check(MPI_Allreduce(MPI_IN_PLACE, data, count, MPI_DOUBLE, MPI_SUM, comm_->comm), "MPI_Allreduce");
  });
}

void MpiCommunicator::broadcast(std::span<std::byte> bytes, int root) {
  in_slices(bytes, [&](std::byte* data, int count) {
    check(MPI_Bcast(data, count, MPI_BYTE, root, comm_->comm), "MPI_Bcast");
  });
}

void MpiCommunicator::barrier() { check(MPI_Barrier(comm_->comm), "MPI_Barrier"); }

void abort(int code) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
}

#else  // built without MPI

bool available() { return false; }

namespace {
[[noreturn]] void missing() {
  throw Error("this fathom was built without MPI (install libopenmpi-dev and build with -DFATHOM_MPI=ON)");
}
}  // namespace

struct MpiCommunicator::Handle {};
Environment::Environment() { missing(); }
Environment::~Environment() = default;
MpiCommunicator::MpiCommunicator() { missing(); }
MpiCommunicator::~MpiCommunicator() = default;
void MpiCommunicator::allreduce_sum(std::span<float>) { missing(); }
void MpiCommunicator::allreduce_sum(std::span<double>) { missing(); }
void MpiCommunicator::broadcast(std::span<std::byte>, int) { missing(); }
void MpiCommunicator::barrier() { missing(); }
void abort(int) {}

#endif

}  // namespace fathom::distributed
