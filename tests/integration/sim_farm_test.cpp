// Simulation batches on a farm of real CPU workers, one of them cheating: with replication 2
// the snapshots still equal each run advanced in one piece by the CPU stepper, byte for byte.
#include <gtest/gtest.h>

#include <cstring>

#include "cli/embedded_farm.h"
#include "tests/support/sim_truth.h"
#include "tests/support/temp_dir.h"
#include "worker/backend_executor.h"
#include "worker/misbehaving_executor.h"

namespace tf::testing {
namespace {

constexpr const char* kBatch = R"([simulation]
name = "channel"
model = "d2q9"
collision = "trt"
grid = [30, 16]
steps = 24
snapshot_interval = 12

[parameters]
tau = [0.7, 0.9]
force_x = 0.00001

[boundaries]
left = "periodic"
right = "periodic"
bottom = "wall"
top = "wall"

[initial]
noise = 0.01
seed = 3
)";

// Runs the batch in tiles of `tile` (0: whole domains) and chunks of `chunk_steps` on three
// CPU workers, one of them cheating, with replication 2, and compares every snapshot with the
// run advanced in one piece.
void expect_exact_runs(uint32_t tile, uint32_t chunk_steps) {
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  for (int i = 0; i < 3; ++i) {
    Result<std::unique_ptr<UnitExecutor>> e = make_backend_executor("cpu", 0);
    ASSERT_TRUE(e.is_ok()) << e.message();
    executors.push_back(std::move(e.value()));
  }
  executors[2] = std::make_unique<MisbehavingExecutor>(
      std::move(executors[2]), MisbehaviorOptions{.mode = Misbehavior::kWrong, .seed = 5});
  TempDir dir;
  EmbeddedFarmOptions options;
  options.state_dir = dir.path() / "state";
  options.units_per_device = 1;
  Result<std::unique_ptr<EmbeddedFarm>> farm = EmbeddedFarm::start(options, std::move(executors));
  ASSERT_TRUE(farm.is_ok()) << farm.message();
  DispatcherClient& client = farm.value()->client();
  proto::SubmitJob job;
  job.sim_batch = kBatch;
  job.sim_source = "channel.toml";
  job.sim_tile = tile;
  job.sim_chunk_steps = chunk_steps;
  job.replication = 2;
  job.quorum = 2;
  Result<uint64_t> id = client.submit(job);
  ASSERT_TRUE(id.is_ok()) << id.message();
  Result<proto::JobStatus> done = client.wait(id.value(), std::chrono::milliseconds(20), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  ASSERT_EQ(done->state, proto::JobState::kDone) << done->message;
  EXPECT_TRUE(done->simulation);
  EXPECT_EQ(done->frames_done, 2u);
  const std::filesystem::path out = dir.path() / "out";
  ASSERT_TRUE(client.download_outputs(id.value(), out).is_ok());

  expect_downloaded_fields_match_truth(out, kBatch, {12, 24});
}

TEST(SimFarm, ReplicatedUnitsOnHonestAndCheatingWorkersGiveTheExactRuns) {
  expect_exact_runs(12, 5);  // 3 x 2 tiles with a periodic x axis
}

// Whole domains in chunks of 2 steps: the chunks between snapshots are verified by hash alone
// and start from the head their honest workers hold; the cheater's disagreements send a third
// replica, which replays from the stored state.
TEST(SimFarm, RunsVerifiedByHashBetweenSnapshotsAreExactDespiteACheater) {
  expect_exact_runs(0, 2);
}

}  // namespace
}  // namespace tf::testing
