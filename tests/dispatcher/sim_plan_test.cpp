// Planning simulation batches: chunk boundaries against a step-by-step walk, the automatic
// tile and chunk choices against their stated bounds, run folder names and output paths that
// cannot leave their folder.
#include "dispatcher/sim_plan.h"

#include <gtest/gtest.h>

#include "dispatcher/client.h"

namespace tf {
namespace {

std::string batch(const std::string& grid, long long steps, long long snapshot_interval,
                  const std::string& model = "d2q9") {
  const std::string snapshots =
      snapshot_interval > 0 ? "snapshot_interval = " + std::to_string(snapshot_interval) + "\n" : "";
  return "[simulation]\nname = \"t\"\nmodel = \"" + model + "\"\ngrid = " + grid +
         "\nsteps = " + std::to_string(steps) + "\n" + snapshots + "[parameters]\n" +
         (model == "heat" ? "diffusivity = 0.2\n" : "tau = 0.8\n");
}

// Chunk ends found by walking one step at a time: a chunk ends after K steps, at a snapshot
// step, or at the last step, whichever comes first.
std::vector<uint64_t> walked_chunk_ends(uint64_t steps, uint64_t k, uint64_t interval) {
  std::vector<uint64_t> ends;
  uint64_t since = 0;
  for (uint64_t step = 1; step <= steps; ++step) {
    ++since;
    if (since == k || step == steps || (interval > 0 && step % interval == 0)) {
      ends.push_back(step);
      since = 0;
    }
  }
  return ends;
}

TEST(SimPlan, ChunksEndAtKAtSnapshotsAndAtTheLastStep) {
  for (uint32_t k : {1u, 3u, 7u, 10u, 64u}) {
    for (long long interval : {0ll, 5ll, 10ll, 21ll}) {
      for (long long steps : {1ll, 20ll, 100ll, 101ll}) {
        Result<SimJobPlan> plan = plan_sim_job(batch("[20, 10]", steps, interval), "b.toml", 8, k);
        ASSERT_TRUE(plan.is_ok()) << plan.message();
        std::vector<uint64_t> ends;
        for (uint64_t step = 0; step < static_cast<uint64_t>(steps); step = plan->chunk_end(step)) {
          ends.push_back(plan->chunk_end(step));
        }
        const std::vector<uint64_t> walked = walked_chunk_ends(static_cast<uint64_t>(steps), k,
                                                               static_cast<uint64_t>(interval));
        EXPECT_EQ(ends, walked) << "K " << k << " interval " << interval << " steps " << steps;
        EXPECT_EQ(plan->units_per_run, walked.size() * plan->tiles.size());
        for (uint64_t end : walked) {
          const bool snapshot = end == static_cast<uint64_t>(steps) ||
                                (interval > 0 && end % static_cast<uint64_t>(interval) == 0);
          EXPECT_EQ(plan->is_snapshot(end), snapshot) << end;
        }
      }
    }
  }
}

TEST(SimPlan, SmallDomainsAreOneTileWithLongChunks) {
  Result<SimJobPlan> plan = plan_sim_job(batch("[129, 129]", 150000, 10000), "b.toml", 0, 0);
  ASSERT_TRUE(plan.is_ok()) << plan.message();
  ASSERT_EQ(plan->tiles.size(), 1u);
  EXPECT_EQ(plan->tiles[0].size, (sim::Extent{129, 129, 1}));
  // About kTargetUnitUpdates cell updates per unit.
  const double updates = 129.0 * 129.0 * plan->chunk_steps;
  EXPECT_GT(updates, 0.5 * static_cast<double>(kTargetUnitUpdates));
  EXPECT_LE(updates, static_cast<double>(kTargetUnitUpdates));
}

TEST(SimPlan, LargeDomainsSplitEvenlyWithGhostsAQuarterOfATileAtMost) {
  Result<SimJobPlan> plan = plan_sim_job(batch("[2050, 1000]", 1000, 0), "b.toml", 0, 0);
  ASSERT_TRUE(plan.is_ok()) << plan.message();
  EXPECT_GT(plan->tiles.size(), 1u);
  long long covered = 0;
  int min_side = 1 << 30;
  for (const sim::Box& box : plan->tiles) {
    EXPECT_LE(box.size.nx, kTileSide2d);
    EXPECT_LE(box.size.ny, kTileSide2d);
    // No slivers: 2050 = 8 x 228 + 226 and 1000 = 3 x 250 + 250, not 8 x 256 + 2.
    EXPECT_GE(box.size.nx, 226);
    EXPECT_EQ(box.size.ny, 250);
    min_side = std::min({min_side, box.size.nx, box.size.ny});
    covered += box.size.cell_count();
  }
  EXPECT_EQ(covered, 2050ll * 1000ll);
  EXPECT_LE(static_cast<int>(plan->chunk_steps) * 4, min_side + 3);  // ghost (K * 1) <= side / 4
}

TEST(SimPlan, RefusalsNameTheProblem) {
  Result<SimJobPlan> bad = plan_sim_job("[simulation]\nmodel = \"d2q9\"\ngrid = [10, 10]\nsteps = -1\n",
                                        "cavity.toml", 0, 0);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("cavity.toml"), std::string::npos) << bad.message();
  EXPECT_NE(bad.message().find("steps"), std::string::npos) << bad.message();
  Result<SimJobPlan> too_many = plan_sim_job(batch("[4000, 4000]", 100000000, 0), "b.toml", 16, 1);
  ASSERT_FALSE(too_many.is_ok());
  EXPECT_NE(too_many.message().find("--chunk-steps"), std::string::npos) << too_many.message();
  EXPECT_FALSE(plan_sim_job(std::string(kMaxBatchTextBytes + 1, '#'), "b.toml", 0, 0).is_ok());
}

TEST(SimPlan, RunFolderNamesStayInsideTheOutputFolder) {
  EXPECT_EQ(run_folder_name("re=1000"), "re=1000");
  EXPECT_EQ(run_folder_name("f=0.037,k=0.06"), "f=0.037,k=0.06");
  EXPECT_EQ(run_folder_name("../etc/passwd"), ".._etc_passwd");
  EXPECT_EQ(run_folder_name(".."), "_..");
  EXPECT_EQ(run_folder_name("."), "_.");
  EXPECT_EQ(run_folder_name(""), "run");
  EXPECT_EQ(run_folder_name("a b\\c"), "a_b_c");
}

TEST(OutputPath, PlainRelativeNamesOnly) {
  const std::filesystem::path dir = "/out";
  EXPECT_EQ(output_path(dir, "frame_0001.exr").value(), "/out/frame_0001.exr");
  EXPECT_EQ(output_path(dir, "re=100/step_000000010/ux.npy").value(),
            "/out/re=100/step_000000010/ux.npy");
  for (const char* name : {"", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "a/", "a\\b",
                           ".."}) {
    EXPECT_FALSE(output_path(dir, name).is_ok()) << name;
  }
  EXPECT_FALSE(output_path(dir, std::string("a\0b", 3)).is_ok());
}

}  // namespace
}  // namespace tf
