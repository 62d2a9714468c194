// Simulation batches on a farm of real CPU workers, one of them cheating: with replication 2
// the snapshots still equal each run advanced in one piece by the CPU stepper, byte for byte;
// and on one worker whose device is off the host's cores, which computes chunks ahead.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "cli/embedded_farm.h"
#include "tests/support/counting_executor.h"
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

// Runs the batch in tiles of `tile` (0: whole domains) and chunks of `chunk_steps` on
// `executors`, one worker each, with `replication`, and compares every snapshot with the run
// advanced in one piece.
void expect_exact_runs(std::vector<std::unique_ptr<UnitExecutor>> executors, uint32_t tile,
                       uint32_t chunk_steps, uint32_t replication) {
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
  job.replication = replication;
  job.quorum = replication;
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

// Three CPU workers, the third cheating, for replication 2.
std::vector<std::unique_ptr<UnitExecutor>> honest_and_cheating() {
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  for (int i = 0; i < 3; ++i) {
    Result<std::unique_ptr<UnitExecutor>> e = make_backend_executor("cpu", 0);
    EXPECT_TRUE(e.is_ok()) << e.message();
    if (e) executors.push_back(std::move(e.value()));
  }
  if (executors.size() == 3) {
    executors[2] = std::make_unique<MisbehavingExecutor>(
        std::move(executors[2]), MisbehaviorOptions{.mode = Misbehavior::kWrong, .seed = 5});
  }
  return executors;
}

TEST(SimFarm, ReplicatedUnitsOnHonestAndCheatingWorkersGiveTheExactRuns) {
  expect_exact_runs(honest_and_cheating(), 12, 5, 2);  // 3 x 2 tiles with a periodic x axis
}

// Whole domains in chunks of 2 steps: the chunks between snapshots are verified by hash alone
// and start from the head their honest workers hold; the cheater's disagreements send a third
// replica, which replays from the stored state.
TEST(SimFarm, RunsVerifiedByHashBetweenSnapshotsAreExactDespiteACheater) {
  expect_exact_runs(honest_and_cheating(), 0, 2, 2);
}

// The CPU backend reporting its device off the host's cores, as a GPU's (CountingExecutor): its
// hashes run beside its stepping and, with nothing else to do, it computes two chunks of a run
// ahead (worker/sim_execution.h, compute_ahead). One such worker, whole domains in chunks of 5
// steps: the chunks end at steps 5, 10, 12 (a snapshot), 17, 22 and 24, and each grant says
// the lengths of the chunks after it (SimUnitSpec::next_steps, after_next_steps), so the chunks
// computed ahead are exactly the run's: the runs are those advanced in one piece, and the
// device steps each run's 24 steps once (a second chunk ahead guessed as long as the first
// would step 10-15 and past 24).
TEST(SimFarm, ChunksComputedAheadOffTheHostsCoresGiveTheExactRuns) {
  Result<std::unique_ptr<UnitExecutor>> cpu = make_backend_executor("cpu", 0);
  ASSERT_TRUE(cpu.is_ok()) << cpu.message();
  auto off_host = std::make_unique<CountingExecutor>(std::move(cpu.value()), false);
  const std::shared_ptr<const SimCounts> counts = off_host->counts();
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::move(off_host));
  expect_exact_runs(std::move(executors), 0, 5, 1);
  EXPECT_EQ(counts->steps.load(), 2u * 24u) << "steps beyond the runs' own: chunks past an end or "
                                               "of a wrong length were computed ahead";
}

}  // namespace
}  // namespace tf::testing
