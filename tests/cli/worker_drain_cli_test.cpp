// tilefarm worker --drain-timeout as a user meets it: documented in --help, a negative value
// refused with exit 2 naming the flag, and a draining worker with nothing to finish exits 0 on
// SIGTERM at once (the drain itself is tested on the wire in tests/worker/worker_drain_test.cpp
// and on a farm in tests/integration/drain_farm_test.cpp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

using testing::ProcessRun;
using testing::TempDir;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

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
  // SIGTERM goes out once its session has logged (its stop handler is installed by then).
  const std::filesystem::path log = dir.path() / "worker.log";
  const std::filesystem::path script = dir.path() / "worker.sh";
  std::ofstream(script) << "\"" << TILEFARM_EXE << "\" worker --backend cpu --dispatcher ipc://"
                        << (dir.path() / "none.sock").string() << " --cache "
                        << (dir.path() / "cache").string() << " --drain-timeout 60 2>'"
                        << log.string() << "' &\npid=$!\nfor i in $(seq 300); do\n"
                        << "  grep -q 'no word from the dispatcher' '" << log.string()
                        << "' && break\n  sleep 0.1\ndone\n"
                        << "date +%s.%N\nkill -TERM $pid\nwait $pid\necho exit=$?\ndate +%s.%N\n";
  const ProcessRun r = testing::run_process("sh '" + script.string() + "'");
  std::istringstream out(r.output);
  double signalled = 0, exited = 0;
  std::string status;
  out >> signalled >> status >> exited;
  const std::string text = read_text(log);
  EXPECT_EQ(status, "exit=0") << r.output << text;
  EXPECT_LT(exited - signalled, 5.0) << "it waited for nothing";
  EXPECT_NE(text.find("draining: 0 running units, up to 60 s"), std::string::npos) << text;
}

}  // namespace
}  // namespace tf
