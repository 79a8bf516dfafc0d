// Data-parallel fit over MPI (fathom::distributed::MpiCommunicator), run by ctest under
// `mpirun -np 2` and `-np 3`: every rank trains each acceptance case (data_parallel_cases.hpp)
// alone and with the whole job, and the job's result must be one process's, bit-identical on
// every rank and from run to run.
#include <gtest/gtest.h>

#include "../data_parallel_cases.hpp"
#include "fathom/distributed/mpi.hpp"

namespace fathom::testing {
namespace {

distributed::MpiCommunicator* world = nullptr;

// rank 0's weights, on every rank.
std::vector<Scalar> rank0(std::vector<Scalar> weights) {
  world->broadcast(std::as_writable_bytes(std::span(weights)), 0);
  return weights;
}

class MpiFit : public ::testing::TestWithParam<ParallelCase> {};

TEST_P(MpiFit, TrainsAsOneProcessOnEveryRank) {
  const ParallelCase& c = GetParam();
  ASSERT_GT(world->size(), 1) << "run under mpirun -np 2 or more";
  const ParallelRun one = train_case(c, nullptr);
  const ParallelRun job = train_case(c, world);
  expect_close(job, one, c.tolerance,
               "rank " + std::to_string(world->rank()) + " of " + std::to_string(world->size()));
  EXPECT_TRUE(same_bits(job.weights, rank0(job.weights)))
      << "rank " << world->rank() << " drifted from rank 0";
  EXPECT_TRUE(same_bits(train_case(c, world).weights, job.weights)) << "a second run differs";
}

INSTANTIATE_TEST_SUITE_P(Cases, MpiFit, ::testing::ValuesIn(parallel_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace fathom::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  fathom::distributed::Environment mpi;
  fathom::distributed::MpiCommunicator world;
  fathom::testing::world = &world;
  // Rank 0 prints the progress; every rank still prints its failures.
  if (world.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  const int failed = RUN_ALL_TESTS();
  // Every rank's verdict, so that the job fails when any rank did.
  double failures = failed != 0 ? 1 : 0;
  world.allreduce_sum(std::span<double>(&failures, 1));
  if (world.rank() == 0 && failures > 0) std::cerr << failures << " rank(s) failed\n";
  return failures > 0 ? 1 : 0;
}
