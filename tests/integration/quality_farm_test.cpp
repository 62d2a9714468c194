// Rendering to quality on a farm of threads: three workers, every unit replicated on two of
// them, the dispatcher stopped and started again on its state while tiles are still refining.
// The frame's bytes equal those of a farm that was never interrupted (results arrive in other
// orders on every run), every round is planned once, and every accepted replica is credited
// once in a ledger that verifies.
#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <utility>

#include "dispatcher/store.h"
#include "dispatcher/trust_queries.h"
#include "tests/dispatcher/half_noisy_render.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/ledger_checks.h"
#include "tests/integration/thread_farm.h"
#include "worker/worker.h"

namespace tf::testing {
namespace {

constexpr uint32_t kFrameWidth = 32, kFrameHeight = 16, kMinSpp = 8;
constexpr auto kUnitTime = std::chrono::milliseconds(3);

class HalfNoisyExecutor : public SyntheticExecutor {
 public:
  using SyntheticExecutor::SyntheticExecutor;
  Status render(const RenderUnit& unit, TileResult* out) override {
    Status s = SyntheticExecutor::render(unit, out);  // shape, rays and the unit's time
    out->rgb = half_noisy_sums(kFrameWidth, unit.x0, unit.y0, unit.x1, unit.y1, unit.s0, unit.s1);
    return s;
  }
};

struct FarmRun {
  Hash256 exr, png;
  proto::JobStatus status;
};

Result<proto::JobStatus> status_of(DispatcherClient& client, uint64_t job) {
  Result<std::vector<proto::JobStatus>> s = client.status(job);
  if (!s) return Error{s.message()};
  if (s->size() != 1) return Error{"no status of job " + std::to_string(job)};
  return s->front();
}

// Renders the half-noisy frame to quality on a fresh farm in `dir`; with `restart`, the
// dispatcher restarts once some tiles converged and others are still refining.
void run_farm(const std::filesystem::path& dir, bool restart, FarmRun* run) {
  const SyntheticScene scene = write_synthetic_scene(dir / "scene");
  ThreadFarm farm(dir);
  const auto configure = [](DispatcherServerOptions& o) { o.core.lease_sizing.target_ms = 20; };
  ASSERT_TRUE(farm.start_dispatcher(configure).is_ok());
  for (const char* name : {"gpu-a", "gpu-b", "gpu-c"}) {
    farm.add_worker(name, std::make_unique<HalfNoisyExecutor>(kUnitTime));
  }
  std::unique_ptr<DispatcherClient> client = farm.client();
  Result<Hash256> bundle = client->upload_bundle(scene.manifest, scene.dir);
  ASSERT_TRUE(bundle.is_ok()) << bundle.message();
  proto::SubmitJob submit{
      "quality", bundle.value(), {{1, "scene.pbrt", kFrameWidth, kFrameHeight}}, 8, 4, 16, 0, 2, 2};
  submit.noise_target = 0.05;
  submit.min_spp = kMinSpp;
  submit.max_spp = 1024;
  Result<uint64_t> job = client->submit(submit);
  ASSERT_TRUE(job.is_ok()) << job.message();

  if (restart) {
    ASSERT_TRUE(wait_until(
        [&] {
          Result<proto::JobStatus> s = status_of(*client, job.value());
          return s && s->tiles_converged > 0 && s->tiles_refining > 0 && s->spp_max > kMinSpp;
        },
        std::chrono::seconds(30)))
        << "no tile was refined";
    client.reset();
    farm.stop_dispatcher();
    ASSERT_TRUE(farm.start_dispatcher(configure).is_ok());
    client = farm.client();
  }
  Result<proto::JobStatus> done =
      client->wait(job.value(), std::chrono::milliseconds(20), [](const proto::JobStatus&) {});
  ASSERT_TRUE(done.is_ok()) << done.message();
  ASSERT_EQ(done->state, proto::JobState::kDone) << done->message;
  run->status = done.value();
  Result<proto::OutputsReply> outputs = client->outputs(job.value());
  ASSERT_TRUE(outputs.is_ok()) << outputs.message();
  for (const proto::OutputFile& f : outputs->files) {
    (f.name.ends_with(".exr") ? run->exr : run->png) = f.hash;
  }
  client.reset();
  farm.stop();

  Result<ReadOnlyStore> store = open_store_read_only(farm.state(), "");
  ASSERT_TRUE(store.is_ok()) << store.message();
  expect_one_entry_per_agreeing_replica(*store->db);
  expect_ledger_verifies(*store->db, farm.state());
  // Each tile's units cover [0, its spp) once: no round was planned twice.
  Result<SqlStatement> units = store->db->prepare("SELECT x0, y0, s0, s1 FROM units ORDER BY id");
  ASSERT_TRUE(units.is_ok()) << units.message();
  std::map<std::pair<int64_t, int64_t>, std::map<int64_t, int64_t>> ranges;  // tile: s0 -> s1
  for (;;) {
    Result<bool> row = units->step();
    ASSERT_TRUE(row.is_ok()) << row.message();
    if (!row.value()) break;
    const bool added = ranges[{units->column_int(0), units->column_int(1)}]
                           .emplace(units->column_int(2), units->column_int(3))
                           .second;
    EXPECT_TRUE(added) << "a round planned twice";
  }
  for (const auto& [tile, r] : ranges) {
    int64_t next = 0;
    for (const auto& [s0, s1] : r) {
      EXPECT_EQ(s0, next) << "tile " << tile.first << "," << tile.second;
      next = s1;
    }
  }
}

TEST(QualityFarm, ARestartMidRefinementGivesTheBytesOfAnUninterruptedFarm) {
  TempDir dir;
  FarmRun interrupted, uninterrupted;
  run_farm(dir.path() / "interrupted", true, &interrupted);
  run_farm(dir.path() / "uninterrupted", false, &uninterrupted);
  EXPECT_EQ(interrupted.exr, uninterrupted.exr);
  EXPECT_EQ(interrupted.png, uninterrupted.png);
  for (const FarmRun* run : {&interrupted, &uninterrupted}) {
    EXPECT_EQ(run->status.tiles_converged, 8u);
    EXPECT_EQ(run->status.spp_min, kMinSpp) << "the clean half stops at --min-spp";
    EXPECT_GT(run->status.spp_max, kMinSpp) << "the noisy half gets more";
  }
}

}  // namespace
}  // namespace tf::testing
