// Multi-process farms over ipc: a worker or the dispatcher is killed with SIGKILL mid-job,
// and the job still finishes with the exact bytes of the independently computed image.
#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <thread>

#include "tests/integration/farm_fixture.h"

extern char** environ;

namespace tf::testing {
namespace {

class Process {
 public:
  explicit Process(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~Process() { stop(SIGTERM); }
  bool started() const { return pid_ > 0; }
  // Sends `signal`, waits for the exit and returns the wait status.
  int stop(int signal) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

Process dispatcher_node(const std::string& endpoint, const std::filesystem::path& state) {
  return Process({FARM_TEST_NODE, "dispatcher", endpoint, state.string()});
}

Process worker_node(const std::string& endpoint, const std::filesystem::path& cache, int delay_ms) {
  return Process({FARM_TEST_NODE, "worker", endpoint, cache.string(), std::to_string(delay_ms)});
}

// Polls until at least `units` units of `job` are done (or 30 s pass).
void wait_for_progress(DispatcherClient& client, uint64_t job, uint64_t units) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    Result<std::vector<proto::JobStatus>> s = client.status(job);
    if (s.is_ok() && s->size() == 1 && s->front().units_done >= units) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "job " << job << " made no progress";
}

proto::JobStatus wait_done(DispatcherClient& client, uint64_t job) {
  Result<proto::JobStatus> s = client.wait(job, std::chrono::milliseconds(100), nullptr);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return s.is_ok() ? s.value() : proto::JobStatus{};
}

ClientOptions patient() {
  ClientOptions options;
  options.reply_timeout = std::chrono::milliseconds(1000);
  options.patience = std::chrono::seconds(30);
  return options;
}

TEST(FarmCrash, WorkerKilledMidJobItsUnitsAreReleasedAndTheBytesAreTheSame) {
  TempDir dir;
  const std::string endpoint = "ipc://" + (dir.path() / "dispatcher.sock").string();
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  Process dispatcher = dispatcher_node(endpoint, dir.path() / "state");
  Process doomed = worker_node(endpoint, dir.path() / "cache-a", 40);
  ASSERT_TRUE(dispatcher.started() && doomed.started());
  zmq::context_t context;
  DispatcherClient client(context, endpoint, patient());
  Result<uint64_t> job = submit_synthetic(client, scene, 1);
  ASSERT_TRUE(job.is_ok()) << job.message();
  wait_for_progress(client, job.value(), 4);
  doomed.stop(SIGKILL);  // holds leased units that now never report
  Process survivor = worker_node(endpoint, dir.path() / "cache-b", 5);
  const proto::JobStatus done = wait_done(client, job.value());
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  EXPECT_EQ(done.units_done, done.units_total);
  expect_synthetic_outputs(client, job.value(), 1, scene.seed, dir.path() / "out");
}

TEST(FarmCrash, DispatcherKilledMidJobAndRestartedFinishesWithTheSameBytes) {
  TempDir dir;
  const std::string endpoint = "ipc://" + (dir.path() / "dispatcher.sock").string();
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  Process first = dispatcher_node(endpoint, dir.path() / "state");
  Process worker = worker_node(endpoint, dir.path() / "cache", 40);
  ASSERT_TRUE(first.started() && worker.started());
  zmq::context_t context;
  DispatcherClient client(context, endpoint, patient());
  Result<uint64_t> job = submit_synthetic(client, scene, 2);
  ASSERT_TRUE(job.is_ok()) << job.message();
  wait_for_progress(client, job.value(), 6);
  first.stop(SIGKILL);
  Process second = dispatcher_node(endpoint, dir.path() / "state");
  const proto::JobStatus done = wait_done(client, job.value());  // rides out the restart
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  EXPECT_EQ(done.units_done, done.units_total);
  expect_synthetic_outputs(client, job.value(), 2, scene.seed, dir.path() / "out");
}

TEST(FarmCrash, AStoppedWorkerHandsItsUnitsBack) {
  TempDir dir;
  const std::string endpoint = "ipc://" + (dir.path() / "dispatcher.sock").string();
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  Process dispatcher = dispatcher_node(endpoint, dir.path() / "state");
  Process leaving = worker_node(endpoint, dir.path() / "cache-a", 40);
  zmq::context_t context;
  DispatcherClient client(context, endpoint, patient());
  Result<uint64_t> job = submit_synthetic(client, scene, 1);
  ASSERT_TRUE(job.is_ok()) << job.message();
  wait_for_progress(client, job.value(), 2);
  // A clean exit: the worker hands back its units instead of letting them lapse.
  const int status = leaving.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  Process next = worker_node(endpoint, dir.path() / "cache-b", 0);
  const proto::JobStatus done = wait_done(client, job.value());
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  expect_synthetic_outputs(client, job.value(), 1, scene.seed, dir.path() / "out");
}

}  // namespace
}  // namespace tf::testing
