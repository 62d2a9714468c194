// Active/standby dispatchers on one PostgreSQL database (dispatcher/leadership.h): real
// `tilefarm dispatcher --store` processes over ipc, workers and a client given both endpoints.
// The active dispatcher is killed with SIGKILL at seeded moments, again and again (each time
// a fresh standby takes the dead one's place); the standby takes over, the client's wait rides
// through, the frames equal the independently computed image, the simulation's snapshots equal
// the CPU stepper run in one piece, each agreeing replica is credited exactly once and the
// ledger verifies. A leader paused with SIGSTOP past its lease writes nothing when resumed; a
// database restart stops the active dispatcher and the standby rides it out.
#include <gtest/gtest.h>

#include <csignal>
#include <random>
#include <thread>

#include "dispatcher/postgres_db.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/farm_process.h"
#include "tests/integration/ledger_checks.h"
#include "tests/support/postgres_server.h"
#include "tests/support/sim_truth.h"

namespace tf::testing {
namespace {

constexpr const char* kLeaseSeconds = "2";

// Two dispatcher slots (a, b) on one database, each with its own state folder and endpoint.
class DispatcherPair {
 public:
  explicit DispatcherPair(const std::filesystem::path& dir) : dir_(dir) {
    Result<std::unique_ptr<PostgresServer>> server = PostgresServer::start();
    EXPECT_TRUE(server.is_ok()) << server.message();
    if (!server) return;
    server_ = std::move(server.value());
    Result<std::string> url = server_->create_database();
    EXPECT_TRUE(url.is_ok()) << url.message();
    if (url) url_ = url.value();
  }
  bool ready() const { return !url_.empty(); }
  PostgresServer& server() { return *server_; }
  const std::string& url() const { return url_; }
  std::string endpoint(int slot) const {
    return "ipc://" + (dir_ / (std::string("d") + "ab"[slot] + ".sock")).string();
  }
  std::string endpoints() const { return endpoint(0) + "," + endpoint(1); }
  std::filesystem::path state(int slot) const {
    return dir_ / (std::string("state-") + "ab"[slot]);
  }

  // Starts a dispatcher in `slot`. Slot b gets slot a's ledger key, as an operator copies it.
  ChildProcess dispatcher(int slot) const {
    if (slot == 1) {
      std::filesystem::create_directories(state(1));
      std::filesystem::copy_file(state(0) / "ledger.key", state(1) / "ledger.key",
                                 std::filesystem::copy_options::overwrite_existing);
    }
    return ChildProcess({TILEFARM_EXE, "dispatcher", "--listen", endpoint(slot), "--state",
                         state(slot).string(), "--store", url_, "--leader-lease", kLeaseSeconds});
  }

  // Sessions of dispatchers on the database (two per dispatcher: store and blobs), or -1.
  int64_t dispatcher_connections() const {
    Result<std::unique_ptr<SqlDb>> db = open_postgres(url_);
    if (!db) return -1;
    auto counts = keyed_counts(*db.value(),
                               "SELECT 'n', COUNT(*) FROM pg_stat_activity"
                               " WHERE application_name = 'tilefarm-dispatcher'"
                               " AND pid <> pg_backend_pid()");
    return counts.count("n") ? counts.at("n") : -1;
  }

  // The leadership's epoch, or -1 when it cannot be read.
  int64_t epoch() const {
    Result<std::unique_ptr<SqlDb>> db = open_postgres(url_);
    if (!db) return -1;
    auto counts = keyed_counts(*db.value(), "SELECT 'epoch', epoch FROM leadership");
    return counts.count("epoch") ? counts.at("epoch") : -1;
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<PostgresServer> server_;
  std::string url_;
};

ClientOptions riding_through() {
  ClientOptions options;
  options.reply_timeout = std::chrono::seconds(1);
  options.patience = std::chrono::seconds(60);
  options.wait_timeout = std::chrono::seconds(150);
  return options;
}

// Waits until the leadership's epoch passes `epoch` (a standby took over), up to 30 s.
int64_t wait_for_takeover(const DispatcherPair& farm, int64_t epoch) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    const int64_t now = farm.epoch();
    if (now > epoch) return now;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "no standby took over from epoch " << epoch;
  return epoch;
}

// Waits until slot a's dispatcher leads and has written its ledger key.
void wait_for_first_leader(const DispatcherPair& farm, DispatcherClient& client) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < give_up) {
    if (std::filesystem::exists(farm.state(0) / "ledger.key") && client.status(0).is_ok()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "the first dispatcher did not start";
}

const std::string kBatch =
    "[simulation]\nname = \"channel\"\nmodel = \"d2q9\"\ncollision = \"trt\"\n"
    "grid = [256, 256]\nsteps = 8000\nsnapshot_interval = 4000\n[parameters]\ntau = 0.8\n"
    "force_x = 0.00001\n[boundaries]\nleft = \"periodic\"\nright = \"periodic\"\n"
    "bottom = \"wall\"\ntop = \"wall\"\n";

// A pair on a fresh database, the synthetic scene, and a client given both endpoints.
class FailoverFarm : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(farm.ready()); }
  TempDir dir;
  DispatcherPair farm{dir.path()};
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  zmq::context_t context;
  DispatcherClient client{context, farm.endpoints(), riding_through()};

  // Slot a's dispatcher, once it leads, then slot b's, once it waits as the standby (both of
  // its connections open, its start-up checks done).
  std::vector<ChildProcess> start_dispatchers() {
    std::vector<ChildProcess> dispatchers;
    dispatchers.push_back(farm.dispatcher(0));
    wait_for_first_leader(farm, client);
    dispatchers.push_back(farm.dispatcher(1));
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (farm.dispatcher_connections() < 4 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(farm.dispatcher_connections(), 4) << "the standby did not connect";
    std::this_thread::sleep_for(std::chrono::seconds(1));  // its key checks, then the wait
    return dispatchers;
  }
  // Synthetic workers given both endpoints, each unit taking `delay_ms`.
  std::vector<ChildProcess> start_workers(int count, int delay_ms) {
    std::vector<ChildProcess> workers;
    for (int i = 0; i < count; ++i) {
      workers.push_back(
          worker_node(farm.endpoints(), dir.path() / ("cache-" + std::to_string(i)), delay_ms));
    }
    return workers;
  }
  // A `frames`-frame synthetic job (one replica per unit) once `units` of it are done; its id,
  // or 0 after a reported failure.
  uint64_t job_under_way(uint32_t frames, uint64_t units) {
    Result<uint64_t> job = submit_synthetic(client, scene, frames);
    EXPECT_TRUE(job.is_ok()) << job.message();
    if (!job) return 0;
    wait_for_units(client, job.value(), units, std::chrono::seconds(60));
    return job.value();
  }
};

// Kills the active dispatcher (slot `active`) once `job` has `units` units done and a seeded
// pause passed, waits for the standby's takeover and starts a new standby in the dead one's
// slot. Returns the new epoch; `active` becomes the other slot.
int64_t kill_active(DispatcherPair& farm, std::vector<ChildProcess>& dispatchers, int& active,
                    int64_t epoch, DispatcherClient& client, uint64_t job, uint64_t units,
                    std::mt19937& rng) {
  wait_for_units(client, job, units, std::chrono::seconds(60));
  std::this_thread::sleep_for(
      std::chrono::milliseconds(std::uniform_int_distribution(200, 1200)(rng)));
  dispatchers[active].stop(SIGKILL);
  epoch = wait_for_takeover(farm, epoch);
  dispatchers[active] = farm.dispatcher(active);
  active = 1 - active;
  return epoch;
}

TEST_F(FailoverFarm, KilledActiveDispatchersHandOverAndEveryOutputIsExact) {
  std::vector<ChildProcess> dispatchers = start_dispatchers();
  std::mt19937 rng(20261203);
  int active = 0;
  int64_t epoch = farm.epoch();

  // A replicated multi-frame render on 4 synthetic workers, two kills.
  std::vector<ChildProcess> workers = start_workers(4, 15);
  constexpr uint32_t kFrames = 12;
  Result<uint64_t> render = submit_replicated(client, scene, kFrames);
  ASSERT_TRUE(render.is_ok()) << render.message();
  for (uint64_t units : {8, 40}) {
    epoch = kill_active(farm, dispatchers, active, epoch, client, render.value(), units, rng);
  }
  Result<proto::JobStatus> done =
      client.wait(render.value(), std::chrono::milliseconds(100), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  EXPECT_EQ(done->state, proto::JobState::kDone) << done->message;
  expect_synthetic_outputs(client, render.value(), kFrames, scene.seed, dir.path() / "out");
  for (ChildProcess& w : workers) w.stop(SIGTERM);

  // A simulation batch on a CPU worker, one kill while its run is past its stored state.
  ChildProcess sim_worker = sim_worker_node(farm.endpoints(), dir.path() / "cache-sim");
  proto::SubmitJob sim;
  sim.sim_batch = kBatch;
  sim.sim_source = "channel.toml";
  sim.sim_chunk_steps = 100;
  sim.replication = 1;
  sim.quorum = 1;
  Result<uint64_t> batch = client.submit(sim);
  ASSERT_TRUE(batch.is_ok()) << batch.message();
  epoch = kill_active(farm, dispatchers, active, epoch, client, batch.value(), 6, rng);
  EXPECT_EQ(epoch, 4) << "one epoch per leader: the first and three takeovers";
  Result<proto::JobStatus> sim_done =
      client.wait(batch.value(), std::chrono::milliseconds(100), nullptr);
  ASSERT_TRUE(sim_done.is_ok()) << sim_done.message();
  EXPECT_EQ(sim_done->state, proto::JobState::kDone) << sim_done->message;
  ASSERT_TRUE(client.download_outputs(batch.value(), dir.path() / "sim").is_ok());
  expect_downloaded_fields_match_truth(dir.path() / "sim", kBatch, {4000, 8000});

  sim_worker.stop(SIGTERM);
  for (ChildProcess& d : dispatchers) d.stop(SIGTERM);
  Result<std::unique_ptr<SqlDb>> db = open_postgres(farm.url());
  ASSERT_TRUE(db.is_ok()) << db.message();
  expect_one_entry_per_agreeing_replica(*db.value());
  expect_ledger_verifies(*db.value(), farm.state(0));
}

// Everything a dispatcher writes besides content-addressed blobs, as counts and sums.
std::map<std::string, int64_t> written_state(const DispatcherPair& farm) {
  Result<std::unique_ptr<SqlDb>> db = open_postgres(farm.url());
  EXPECT_TRUE(db.is_ok()) << db.message();
  if (!db) return {};
  return keyed_counts(
      *db.value(),
      "SELECT 'units done', COUNT(result) FROM units UNION ALL"
      " SELECT 'attempts', COALESCE(SUM(attempts), 0) FROM units UNION ALL"
      " SELECT 'leases', COUNT(*) + COALESCE(SUM(lease_id), 0) FROM replicas"
      " WHERE state = 'leased' UNION ALL"
      " SELECT 'replicas', COUNT(*) FROM replicas UNION ALL"
      " SELECT 'ledger', COUNT(*) FROM ledger UNION ALL"
      " SELECT 'frames done', COUNT(exr) FROM frames UNION ALL"
      " SELECT 'job states', COALESCE(SUM(state), 0) FROM jobs UNION ALL"
      " SELECT 'workers', COALESCE(SUM(valid + timed_out + errors), 0) FROM workers UNION ALL"
      " SELECT 'results', COUNT(*) FROM results UNION ALL"
      " SELECT 'epoch', epoch FROM leadership");
}

TEST_F(FailoverFarm, APausedLeaderResumedAfterTheTakeoverWritesNothing) {
  std::vector<ChildProcess> dispatchers = start_dispatchers();
  ChildProcess& first = dispatchers[0];
  ChildProcess& second = dispatchers[1];
  std::vector<ChildProcess> workers = start_workers(3, 30);
  const uint64_t job = job_under_way(10, 10);
  ASSERT_NE(job, 0u);

  first.signal(SIGSTOP);  // partitioned: alive, holding its connections, silent
  const int64_t epoch = wait_for_takeover(farm, 1);
  Result<std::vector<proto::JobStatus>> before = client.status(job);
  ASSERT_TRUE(before.is_ok()) << before.message();
  wait_for_units(client, job, before->front().units_done + 5,
                 std::chrono::seconds(60));  // the new leader works

  second.signal(SIGSTOP);  // nothing else writes while the old leader runs again
  const std::map<std::string, int64_t> frozen = written_state(farm);
  first.signal(SIGCONT);
  const int status = first.wait_exit(std::chrono::seconds(15));
  EXPECT_NE(status, -1) << "the deposed leader went on running";
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "it must stop with an error";
  EXPECT_EQ(written_state(farm), frozen) << "the deposed leader wrote to the farm's state";
  EXPECT_EQ(farm.epoch(), epoch);
  second.signal(SIGCONT);

  Result<proto::JobStatus> done = client.wait(job, std::chrono::milliseconds(100), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  EXPECT_EQ(done->state, proto::JobState::kDone) << done->message;
  expect_synthetic_outputs(client, job, 10, scene.seed, dir.path() / "out");
  for (ChildProcess& w : workers) w.stop(SIGTERM);
  second.stop(SIGTERM);
  Result<std::unique_ptr<SqlDb>> db = open_postgres(farm.url());
  ASSERT_TRUE(db.is_ok()) << db.message();
  expect_one_entry_per_agreeing_replica(*db.value());
  expect_ledger_verifies(*db.value(), farm.state(0));
}

// The database itself goes away and comes back: the active dispatcher stops with an error that
// names the database (its next transaction fails; it cannot know what committed), the standby
// waits the outage out and takes over, and the job finishes exactly.
TEST_F(FailoverFarm, ADatabaseRestartStopsTheActiveDispatcherAndTheStandbyTakesOver) {
  std::vector<ChildProcess> dispatchers = start_dispatchers();
  ChildProcess& first = dispatchers[0];
  std::vector<ChildProcess> workers = start_workers(2, 20);
  const uint64_t job = job_under_way(6, 5);
  ASSERT_NE(job, 0u);
  ASSERT_TRUE(farm.server().stop_immediately().is_ok());
  const int status = first.wait_exit(std::chrono::seconds(15));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1)
      << "the active dispatcher must stop with an error, status " << status;
  std::this_thread::sleep_for(std::chrono::seconds(2));  // the standby meets the outage
  ASSERT_TRUE(farm.server().start_again().is_ok());
  EXPECT_EQ(wait_for_takeover(farm, 1), 2);
  Result<proto::JobStatus> done = client.wait(job, std::chrono::milliseconds(100), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  EXPECT_EQ(done->state, proto::JobState::kDone) << done->message;
  expect_synthetic_outputs(client, job, 6, scene.seed, dir.path() / "out");
}

}  // namespace
}  // namespace tf::testing
