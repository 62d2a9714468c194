// tilefarm worker --drain-timeout as a user meets it: documented in --help, a negative value
// refused with exit 2 naming the flag, and a draining worker with nothing to finish exits 0 on
// SIGTERM at once (the drain itself is tested on the wire in tests/worker/worker_drain_test.cpp
// and on a farm in tests/integration/drain_farm_test.cpp).
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "tests/support/child_process.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

using testing::ChildProcess;
using testing::ProcessRun;
using testing::TempDir;

// Runs tilefarm with `args`; the output holds stdout and stderr together.
ProcessRun run(const std::string& args) {
  return testing::run_process(std::string(TILEFARM_EXE) + " " + args + " 2>&1");
}

TEST(WorkerDrainCli, HelpDocumentsTheDrainTimeoutAndItsDefault) {
  const ProcessRun r = run("worker --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const size_t at = r.output.find("--drain-timeout");
  ASSERT_NE(at, std::string::npos) << r.output;
  EXPECT_NE(r.output.find("0 (default): no drain", at), std::string::npos) << r.output;
}

TEST(WorkerDrainCli, ANegativeDrainTimeoutExitsWithTwoAndNamesTheFlag) {
  TempDir dir;
  const ProcessRun r =
      run("worker --dispatcher ipc://" + (dir.path() / "none.sock").string() +
          " --backend cpu --cache " + (dir.path() / "cache").string() + " --drain-timeout -5");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("drain-timeout"), std::string::npos) << r.output;
}

TEST(WorkerDrainCli, ADrainingWorkerWithNothingToFinishExitsZeroOnSigtermAtOnce) {
  TempDir dir;
  // No dispatcher listens: the worker holds no unit, so its 60 s drain has nothing to wait for.
  ChildProcess worker({TILEFARM_EXE, "worker", "--dispatcher",
                       "ipc://" + (dir.path() / "none.sock").string(), "--backend", "cpu",
                       "--cache", (dir.path() / "cache").string(), "--drain-timeout", "60"});
  ASSERT_TRUE(worker.started());
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(worker.wait_exit(std::chrono::milliseconds(10)), -1) << "it accepted the flag and runs";
  const auto stopped = std::chrono::steady_clock::now();
  worker.signal(SIGTERM);
  EXPECT_EQ(worker.wait_exit(std::chrono::seconds(10)), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - stopped, std::chrono::seconds(5));
}

}  // namespace
}  // namespace tf
