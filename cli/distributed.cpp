// The CLI's MPI job (distributed.hpp).
#include "distributed.hpp"

#include <cstdlib>
#include <memory>
#include <string>

#include "common.hpp"
#include "fathom/core/threads.hpp"
#include "fathom/distributed/mpi.hpp"

namespace fathom::cli {

namespace {

int env_int(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr) return fallback;
  char* end = nullptr;
  const long n = std::strtol(value, &end, 10);
  return end != value && n >= 0 && n < (1L << 30) ? static_cast<int>(n) : fallback;
}

int launcher_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (const int n = env_int(name, -1); n >= 0) return n;
  return 1;
}

struct Job {
  std::unique_ptr<distributed::Environment> environment;
  std::unique_ptr<distributed::MpiCommunicator> world;
};

Job& job() {
  static Job j;
  return j;
}

}  // namespace

int launcher_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"})
    if (const int r = env_int(name, -1); r >= 0) return r;
  return 0;
}

Communicator* mpi_world() {
  if (!distributed::launched()) return nullptr;
  Job& j = job();
  if (!j.world) {
    if (!distributed::available()) {
      if (launcher_size() <= 1) return nullptr;
      throw UsageError("started by mpirun with " + std::to_string(launcher_size()) +
                       " processes, but this fathom was built without MPI (install libopenmpi-dev and "
                       "build with -DFATHOM_MPI=ON)");
    }
    // The job's size from MPI itself: not every launcher says it in the environment.
    j.environment = std::make_unique<distributed::Environment>();
    j.world = std::make_unique<distributed::MpiCommunicator>();
    // The cores of this machine shared among its processes, unless --threads or OMP_NUM_THREADS
    // says otherwise (mpirun may not bind the processes to cores).
    if (j.world->size() > 1 && std::getenv("OMP_NUM_THREADS") == nullptr) {
      int local = 1;
      for (const char* name : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS"})
        if (const int n = env_int(name, -1); n >= 1) local = n;
      set_num_threads(std::max(1, num_threads() / local));
    }
  }
  return j.world->size() > 1 ? j.world.get() : nullptr;
}

void end_mpi(int code) {
  Job& j = job();
  if (!j.world) return;
  if (code != 0 && j.world->size() > 1) distributed::abort(code);
  j.world.reset();
  j.environment.reset();
}

}  // namespace fathom::cli
