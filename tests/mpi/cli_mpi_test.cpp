// `mpirun -np N fathom train` end to end (docs/scaling.md): the same model as one process's
// for N = 2 and 3, bit for bit from run to run; rank 0 alone prints and writes; a model saved by
// one job resumes in a job of another size; and an error or a killed rank ends the whole job
// within seconds.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "../cli_run.hpp"
#include "fathom/fathom.hpp"

namespace fathom_cli_test {
namespace {

using fathom::Scalar;

std::vector<Scalar> weights_of(const fs::path& model_file) {
  const fathom::Sequential model = fathom::load_model(model_file.string());
  const auto w = model.parameters().values();
  return {w.begin(), w.end()};
}

double largest_relative_difference(const std::vector<Scalar>& a, const std::vector<Scalar>& b) {
  double worst = a.size() == b.size() ? 0 : 1e300;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
    worst = std::max(worst, std::abs(double(a[i]) - b[i]) / std::max(std::abs(double(b[i])), 0.01));
  return worst;
}

class MpiTrain : public CliFixture {
 protected:
  // `mpirun -np N fathom ARGS` in the test's folder.
  CliResult mpirun(int n, const std::string& args) const {
    std::string command = "timeout 120 ";
    command.append(FATHOM_MPIRUN)
        .append(" --oversubscribe --allow-run-as-root -np ")
        .append(std::to_string(n));
    command.append(" ").append(quoted(FATHOM_CLI_PATH)).append(" ").append(args);
    return run_shell(command);
  }
};

TEST_F(MpiTrain, TrainsTheModelOneProcessTrains) {
  const std::string train = "train --epochs 1 --batch-size 16 --seed 3 --save ";
  const CliResult one = run(train + "one.fathom");
  ASSERT_EQ(one.code, 0) << describe(one);
  for (int n : {2, 3}) {
    const std::string name = "job" + std::to_string(n) + ".fathom";
    const CliResult job = mpirun(n, train + name);
    ASSERT_EQ(job.code, 0) << describe(job);
    EXPECT_LE(largest_relative_difference(weights_of(path(name)), weights_of(path("one.fathom"))), 1e-5) << n;
    // Rank 0 alone prints: one line per epoch, once.
    EXPECT_NE(job.err.find("data-parallel over " + std::to_string(n) + " processes"), std::string::npos)
        << job.err;
    std::size_t epoch_lines = 0;
    for (const auto& line : lines_of(job.err)) epoch_lines += line.rfind("epoch 1/1", 0) == 0;
    EXPECT_EQ(epoch_lines, 1u) << job.err;
    std::size_t summaries = 0;
    for (const auto& line : lines_of(job.err)) summaries += line.rfind("training on ", 0) == 0;
    EXPECT_EQ(summaries, 1u) << job.err;
  }
  // The same job size again: the same bits.
  ASSERT_EQ(mpirun(2, train + "again.fathom").code, 0);
  EXPECT_EQ(weights_of(path("again.fathom")), weights_of(path("job2.fathom")));
}

TEST_F(MpiTrain, ResumesWithAnotherNumberOfProcesses) {
  const std::string data = "--data " + quoted(source_file("data/iris.csv")) + " --target species ";
  ASSERT_EQ(run("train " + data + "--epochs 4 --seed 5 --quiet --save one.fathom").code, 0);
  const CliResult first = mpirun(2, "train " + data + "--epochs 2 --seed 5 --quiet --checkpoint ckpt.fathom");
  ASSERT_EQ(first.code, 0) << describe(first);
  const CliResult rest =
      mpirun(3, "train " + data + "--epochs 4 --quiet --resume ckpt.fathom --save resumed.fathom");
  ASSERT_EQ(rest.code, 0) << describe(rest);
  EXPECT_LE(largest_relative_difference(weights_of(path("resumed.fathom")), weights_of(path("one.fathom"))),
            1e-5);
}

TEST_F(MpiTrain, AnErrorEndsTheJobWithItsMessageOnce) {
  // A usage error: every rank would say the same, rank 0 says it.
  const CliResult usage = mpirun(2, "train --epochs 1 --batch-size banana");
  EXPECT_NE(usage.code, 0);
  std::size_t said = 0;
  for (const auto& line : lines_of(usage.err)) said += line.find("--batch-size") != std::string::npos;
  EXPECT_EQ(said, 1u) << usage.err;
  // A file that is not there: the job ends with its exit code (no rank waits for the others).
  const CliResult missing = mpirun(2, "train --data no-such.csv --target y --epochs 1");
  EXPECT_EQ(missing.code, 3) << describe(missing);
  EXPECT_NE(missing.err.find("no-such.csv: cannot open"), std::string::npos) << missing.err;
  // What cannot run data-parallel is refused before any data is read.
  const CliResult lm = mpirun(2, "train --optimizer lm --epochs 1");
  EXPECT_EQ(lm.code, 2) << describe(lm);
  EXPECT_NE(lm.err.find("does not train data-parallel"), std::string::npos) << lm.err;
}

// kill -9 on rank 1 mid-training: mpirun ends rank 0 too, which would otherwise wait in its next
// allreduce for ever, and reports it; within seconds, not when a scheduler's time limit comes.
TEST_F(MpiTrain, AKilledRankEndsTheJobWithinSeconds) {
  const std::string job =
      std::string(FATHOM_MPIRUN) +
      " --oversubscribe --allow-run-as-root -np 2 sh -c 'echo $$ > pid.$OMPI_COMM_WORLD_RANK; exec \"" +
      FATHOM_CLI_PATH + "\" train --epochs 100000000 --quiet'";
  const std::string command = "cd '" + dir_.string() + "' && (timeout 120 " + job +
                              " >job.out 2>job.err </dev/null; echo $? >job.code) >/dev/null 2>&1 &";
  ASSERT_EQ(std::system(command.c_str()), 0);
  auto wait_for = [&](const std::string& name, double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      if (fs::exists(path(name)) && fs::file_size(path(name)) > 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  ASSERT_TRUE(wait_for("pid.0", 60) && wait_for("pid.1", 60)) << "the job did not start";
  std::this_thread::sleep_for(std::chrono::seconds(2));  // training, inside its allreduces
  ASSERT_FALSE(fs::exists(path("job.code")))
      << "the job ended before the kill: " << read_text(path("job.err"));
  const pid_t rank1 = std::stoi(read_text(path("pid.1")));
  const auto killed = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(rank1, SIGKILL), 0);
  ASSERT_TRUE(wait_for("job.code", 100)) << "the job did not end after rank 1 was killed";
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  EXPECT_LT(seconds, 10) << "rank 0 outlived rank 1 by " << seconds << " s";
  const int code = std::stoi(read_text(path("job.code")));
  EXPECT_NE(code, 0);
  EXPECT_NE(code, 124) << "ended by timeout, not by mpirun";
  const std::string err = read_text(path("job.err"));
  EXPECT_NE(err.find("signal 9"), std::string::npos) << err;
  // Rank 0's process is gone too (or a zombie, until someone reaps it).
  const std::string rank0 =
      "/proc/" + read_text(path("pid.0")).substr(0, read_text(path("pid.0")).find('\n'));
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    const std::string stat = read_text(rank0 + "/stat");
    gone = stat.empty() || stat.find(") Z") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(gone) << "rank 0 still runs";
}

}  // namespace
}  // namespace fathom_cli_test
