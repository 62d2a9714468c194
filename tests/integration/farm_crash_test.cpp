// Multi-process farms over ipc: a worker or the dispatcher is killed with SIGKILL mid-job,
// and the job still finishes with the exact bytes of the independently computed image.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <thread>

#include "dispatcher/store.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/farm_process.h"
#include "tests/support/sim_truth.h"

namespace tf::testing {
namespace {

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
  ChildProcess dispatcher = dispatcher_node(endpoint, dir.path() / "state");
  ChildProcess doomed = worker_node(endpoint, dir.path() / "cache-a", 40);
  ASSERT_TRUE(dispatcher.started() && doomed.started());
  zmq::context_t context;
  DispatcherClient client(context, endpoint, patient());
  Result<uint64_t> job = submit_synthetic(client, scene, 1);
  ASSERT_TRUE(job.is_ok()) << job.message();
  wait_for_units(client, job.value(), 4);
  doomed.stop(SIGKILL);  // holds leased units that now never report
  ChildProcess survivor = worker_node(endpoint, dir.path() / "cache-b", 5);
  const proto::JobStatus done = wait_done(client, job.value());
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  EXPECT_EQ(done.units_done, done.units_total);
  expect_synthetic_outputs(client, job.value(), 1, scene.seed, dir.path() / "out");
}

TEST(FarmCrash, DispatcherKilledMidJobAndRestartedFinishesWithTheSameBytes) {
  TempDir dir;
  const std::string endpoint = "ipc://" + (dir.path() / "dispatcher.sock").string();
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  ChildProcess first = dispatcher_node(endpoint, dir.path() / "state");
  ChildProcess worker = worker_node(endpoint, dir.path() / "cache", 40);
  ASSERT_TRUE(first.started() && worker.started());
  zmq::context_t context;
  DispatcherClient client(context, endpoint, patient());
  Result<uint64_t> job = submit_synthetic(client, scene, 2);
  ASSERT_TRUE(job.is_ok()) << job.message();
  wait_for_units(client, job.value(), 6);
  first.stop(SIGKILL);
  ChildProcess second = dispatcher_node(endpoint, dir.path() / "state");
  const proto::JobStatus done = wait_done(client, job.value());  // rides out the restart
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  EXPECT_EQ(done.units_done, done.units_total);
  expect_synthetic_outputs(client, job.value(), 2, scene.seed, dir.path() / "out");
}

// Frames are planned as their job's queue needs them (dispatcher/frame_planning.cpp): killed
// while some frames of a job have no units yet, the restarted dispatcher plans them and the job
// finishes with the same bytes and its whole total.
TEST(FarmCrash, DispatcherKilledBeforeAJobsLastFramesArePlannedFinishesWithTheSameBytes) {
  TempDir dir;
  const std::string endpoint = "ipc://" + (dir.path() / "dispatcher.sock").string();
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  ChildProcess first = dispatcher_node(endpoint, dir.path() / "state", 1);
  ChildProcess worker = worker_node(endpoint, dir.path() / "cache", 10);
  ASSERT_TRUE(first.started() && worker.started());
  zmq::context_t context;
  ClientOptions options = patient();
  options.wait_timeout = std::chrono::seconds(60);  // a frame never planned: a failure, not a hang
  DispatcherClient client(context, endpoint, options);
  constexpr uint32_t kFrames = 4;
  Result<uint64_t> job = submit_synthetic(client, scene, kFrames);
  ASSERT_TRUE(job.is_ok()) << job.message();
  wait_for_units(client, job.value(), 6);
  first.stop(SIGKILL);
  {
    Result<std::unique_ptr<Store>> store = Store::open(dir.path() / "state");
    ASSERT_TRUE(store.is_ok()) << store.message();
    Result<StoreSnapshot> snap = store.value()->load();
    ASSERT_TRUE(snap.is_ok()) << snap.message();
    std::set<uint32_t> planned;
    for (const UnitRow& u : snap->units) planned.insert(u.frame);
    ASSERT_LT(planned.size(), kFrames) << "every frame was planned before the kill";
  }
  ChildProcess second = dispatcher_node(endpoint, dir.path() / "state", 1);
  const proto::JobStatus done = wait_done(client, job.value());
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  EXPECT_EQ(done.units_total,
            kFrames * (kWidth / kTile) * (kHeight / kTile) * (kSpp / kSamplesPerUnit));
  EXPECT_EQ(done.units_done, done.units_total);
  expect_synthetic_outputs(client, job.value(), kFrames, scene.seed, dir.path() / "out");
}

TEST(FarmCrash, AStoppedWorkerHandsItsUnitsBack) {
  TempDir dir;
  const std::string endpoint = "ipc://" + (dir.path() / "dispatcher.sock").string();
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  ChildProcess dispatcher = dispatcher_node(endpoint, dir.path() / "state");
  ChildProcess leaving = worker_node(endpoint, dir.path() / "cache-a", 40);
  zmq::context_t context;
  DispatcherClient client(context, endpoint, patient());
  Result<uint64_t> job = submit_synthetic(client, scene, 1);
  ASSERT_TRUE(job.is_ok()) << job.message();
  wait_for_units(client, job.value(), 2);
  // A clean exit: the worker hands back its units instead of letting them lapse.
  const int status = leaving.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "wait status " << status;
  ChildProcess next = worker_node(endpoint, dir.path() / "cache-b", 0);
  const proto::JobStatus done = wait_done(client, job.value());
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  expect_synthetic_outputs(client, job.value(), 1, scene.seed, dir.path() / "out");
}

// A simulation run verified by hash between its snapshots: the dispatcher is killed while the
// run is past its stored state (its head held by the worker only), and the restarted dispatcher
// resumes it there; the snapshots equal the run advanced in one piece by the CPU stepper.
TEST(FarmCrash, DispatcherKilledMidSimulationRunResumesItWithTheSameFields) {
  const std::string batch =
      "[simulation]\nname = \"channel\"\nmodel = \"d2q9\"\ncollision = \"trt\"\n"
      "grid = [256, 256]\nsteps = 8000\nsnapshot_interval = 4000\n[parameters]\ntau = 0.8\n"
      "force_x = 0.00001\n[boundaries]\nleft = \"periodic\"\nright = \"periodic\"\n"
      "bottom = \"wall\"\ntop = \"wall\"\n";
  TempDir dir;
  const std::string endpoint = "ipc://" + (dir.path() / "dispatcher.sock").string();
  ChildProcess first = dispatcher_node(endpoint, dir.path() / "state");
  ChildProcess worker = sim_worker_node(endpoint, dir.path() / "cache");
  ASSERT_TRUE(first.started() && worker.started());
  zmq::context_t context;
  DispatcherClient client(context, endpoint, patient());
  proto::SubmitJob job;
  job.sim_batch = batch;
  job.sim_source = "channel.toml";
  job.sim_chunk_steps = 100;  // 80 whole-domain chunks; by hash but every 16th and snapshots
  job.replication = 1;
  job.quorum = 1;
  Result<uint64_t> id = client.submit(job);
  ASSERT_TRUE(id.is_ok()) << id.message();
  wait_for_units(client, id.value(), 6);
  first.stop(SIGKILL);
  ChildProcess second = dispatcher_node(endpoint, dir.path() / "state");
  const proto::JobStatus done = wait_done(client, id.value());
  EXPECT_EQ(done.state, proto::JobState::kDone) << done.message;
  EXPECT_EQ(done.units_done, done.units_total);
  const std::filesystem::path out = dir.path() / "out";
  ASSERT_TRUE(client.download_outputs(id.value(), out).is_ok());
  expect_downloaded_fields_match_truth(out, batch, {4000, 8000});
}

}  // namespace
}  // namespace tf::testing
