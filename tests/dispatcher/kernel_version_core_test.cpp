// Kernel versions in a mixed-version farm (dispatcher/kernel_versions.h, DispatcherCore): the
// version order, frames pinned to one version, refused results of another, pins across a
// restart, re-pinning a frame whose version left before it started, and migration 14.
#include <map>
#include <set>

#include "dispatcher/kernel_versions.h"
#include "tests/dispatcher/core_fixture.h"
#include "tests/dispatcher/store_engines.h"

namespace tf {
namespace {

using testing::CoreTest;
using testing::kStart;

TEST(KernelVersionOrder, TrailingIntegersCompareNumericallyElseByBytes) {
  EXPECT_TRUE(kernel_version_older("render-9", "render-10"));
  EXPECT_FALSE(kernel_version_older("render-10", "render-9"));
  EXPECT_FALSE(kernel_version_older("render-2", "render-2"));
  EXPECT_TRUE(kernel_version_older("alpha", "beta"));     // no integer: bytes
  EXPECT_TRUE(kernel_version_older("render-1x", "render-1y"));
  EXPECT_TRUE(kernel_version_older("a-3", "b-3"));        // equal integers: bytes
  EXPECT_EQ(kernel_version_number("tf-d2q9-3"), 3u);
  EXPECT_EQ(kernel_version_number("render-"), std::nullopt);
  EXPECT_EQ(kernel_version_number("gray-scott"), std::nullopt);
  EXPECT_EQ(kernel_version_number("render"), std::nullopt);
  EXPECT_EQ(newest_kernel_version(std::vector<std::string>{"render-2", "render-10", "render-9"}),
            "render-10");
  EXPECT_EQ(newest_kernel_version(std::set<std::string>{}), "");
}

// A worker whose one device runs `versions`, preferring the newest.
proto::WorkerHello hello_running(uint32_t slots, std::vector<std::string> versions,
                                 std::vector<uint64_t> held_leases = {}) {
  proto::WorkerHello h = testing::hello(slots, std::move(held_leases));
  h.devices.at(0).kernel_version = newest_kernel_version(versions);
  h.devices.at(0).kernel_versions = std::move(versions);
  return h;
}

class KernelVersionTest : public CoreTest {
 protected:
  // The result of `spec` as a worker of kernel `version` reports it.
  static proto::UnitResult result_of(const proto::RenderUnitSpec& spec,
                                     const std::string& version) {
    proto::UnitResult r = result_for(spec);
    r.kernel_version = version;
    return r;
  }

  StoreSnapshot snapshot() {
    Result<StoreSnapshot> snap = core_->store().load();
    EXPECT_TRUE(snap.is_ok()) << snap.message();
    return snap.is_ok() ? std::move(snap.value()) : StoreSnapshot{};
  }
  std::map<uint32_t, std::string> pins(uint64_t job) {
    std::map<uint32_t, std::string> out;
    for (const FrameRow& f : snapshot().frames) {
      if (f.job_id == job) out[f.frame] = f.kernel_version;
    }
    return out;
  }

  // Every peer works off what it holds, reporting the version it runs for the frame (the
  // frame's pin when the peer runs it, else its own newest), until nothing is leased.
  void work(std::map<std::string, std::vector<proto::RenderUnitSpec>> pending,
            const std::map<std::string, std::vector<std::string>>& runs, int64_t now) {
    for (bool any = true; any;) {
      any = false;
      for (auto& [peer, specs] : pending) {
        if (specs.empty()) continue;
        any = true;
        const proto::RenderUnitSpec spec = specs.back();
        specs.pop_back();
        const std::string pin = pins(spec.job_id).at(spec.frame);
        const std::vector<std::string>& mine = runs.at(peer);
        const std::string version =
            std::find(mine.begin(), mine.end(), pin) != mine.end() ? pin
                                                                   : newest_kernel_version(mine);
        // send() ticks too: the grants of every peer come back.
        const std::vector<Outgoing> out = send(peer, result_of(spec, version), now);
        for (const auto& [p, _] : runs) {
          for (const auto& more : grants(out, p)) pending[p].push_back(more);
        }
      }
    }
  }
};

TEST_F(KernelVersionTest, WorkersOfDifferentVersionsNeverShareAFramesUnits) {
  const uint64_t job = submit(3);
  const std::map<std::string, std::vector<std::string>> runs{{"old", {"render-1"}},
                                                              {"new", {"render-2"}}};
  std::map<std::string, std::vector<proto::RenderUnitSpec>> pending;
  // Each takes 4 units at a time, so the two interleave over the job's 36 units.
  pending["old"] = grants(send("old", hello_running(4, runs.at("old")), kStart), "old");
  pending["new"] = grants(send("new", hello_running(4, runs.at("new")), kStart), "new");
  ASSERT_FALSE(pending["old"].empty());
  ASSERT_FALSE(pending["new"].empty());
  work(pending, runs, kStart + 1);

  EXPECT_EQ(status(job).state, proto::JobState::kDone) << status(job).message;
  EXPECT_EQ(core_->stats().results_rejected, 0u);
  const std::map<uint32_t, std::string> pinned = pins(job);
  std::set<std::string> versions_used;
  const StoreSnapshot snap = snapshot();
  std::map<uint64_t, uint32_t> frame_of;
  for (const UnitRow& u : snap.units) frame_of[u.id] = u.frame;
  std::map<uint32_t, std::set<std::string>> keys_by_frame;
  for (const ReplicaRow& r : snap.replicas) keys_by_frame[frame_of.at(r.unit_id)].insert(r.worker_key);
  for (uint32_t f = 1; f <= 3; ++f) {
    const std::string& pin = pinned.at(f);
    ASSERT_TRUE(pin == "render-1" || pin == "render-2") << "frame " << f << ": " << pin;
    versions_used.insert(pin);
    const std::string only = key_of(pin == "render-1" ? "old" : "new");
    EXPECT_EQ(keys_by_frame[f], std::set<std::string>{only}) << "frame " << f;
  }
  EXPECT_EQ(versions_used.size(), 2u) << "both versions rendered frames";
  // The outputs listing names each frame's version.
  std::vector<Outgoing> out = send("client", proto::OutputsRequest{job}, kStart + 2);
  const auto& files = std::get<proto::OutputsReply>(out.at(0).envelope.body).files;
  ASSERT_EQ(files.size(), 6u);
  for (const proto::OutputFile& file : files) {
    const uint32_t frame = static_cast<uint32_t>(std::stoul(file.name.substr(6, 4)));
    EXPECT_EQ(file.kernel_version, pinned.at(frame)) << file.name;
  }
}

TEST_F(KernelVersionTest, AResultClaimingAnotherVersionIsRefused) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> held =
      grants(send("w", hello_running(2, {"render-1"}), kStart), "w");
  ASSERT_EQ(pins(job).at(1), "render-1");
  ASSERT_FALSE(held.empty());
  send("w", result_of(held.at(0), "render-2"), kStart + 1);
  EXPECT_EQ(core_->stats().results_rejected, 1u);
  EXPECT_EQ(core_->stats().results_accepted + status(job).units_done, 0u);
  EXPECT_EQ(core_->worker_record(key_of("w"))->malformed, 1u);
  bool failed = false;
  for (const ReplicaRow& r : snapshot().replicas) {
    if (r.lease_id == held.at(0).lease_id) failed = r.state == ReplicaState::kFailed;
  }
  EXPECT_TRUE(failed) << "the refused result's replica failed";
  // The same result of the pinned version counts (the unit went out again).
  send("w", result_of(held.at(1), "render-1"), kStart + 2);
  EXPECT_EQ(status(job).units_done, 1u);
}

TEST_F(KernelVersionTest, AWorkerRunningBothVersionsTakesUnitsOfEitherFrame) {
  const uint64_t job = submit(3);
  grants(send("old", hello_running(4, {"render-1"}), kStart), "old");
  grants(send("new", hello_running(4, {"render-2"}), kStart), "new");
  std::map<uint32_t, std::string> pinned = pins(job);
  ASSERT_EQ(pinned.at(1), "render-1");
  ASSERT_EQ(pinned.at(2), "render-2");
  ASSERT_EQ(pinned.at(3), "");
  std::vector<proto::RenderUnitSpec> both =
      grants(send("both", hello_running(64, {"render-1", "render-2"}), kStart), "both");
  std::set<uint32_t> frames;
  for (const proto::RenderUnitSpec& s : both) frames.insert(s.frame);
  EXPECT_EQ(frames, (std::set<uint32_t>{1, 2, 3}));
  pinned = pins(job);
  EXPECT_EQ(pinned.at(3), "render-2") << "an unpinned frame takes the newest version";
  for (const proto::RenderUnitSpec& s : both) send("both", result_of(s, pinned.at(s.frame)), kStart + 1);
  EXPECT_EQ(core_->stats().results_rejected, 0u);
  EXPECT_EQ(status(job).units_done, both.size());
}

TEST_F(KernelVersionTest, PinsSurviveARestart) {
  const uint64_t job = submit(2);
  std::vector<proto::RenderUnitSpec> held =
      grants(send("old", hello_running(12, {"render-1"}), kStart), "old");
  ASSERT_EQ(held.size(), 12u);
  reopen(kStart + 2);
  EXPECT_EQ(pins(job).at(1), "render-1");
  // A new worker gets none of frame 1's units; a result of another version for it is refused.
  std::vector<proto::RenderUnitSpec> fresh =
      grants(send("new", hello_running(64, {"render-2"}), kStart + 3), "new");
  ASSERT_FALSE(fresh.empty());
  for (const proto::RenderUnitSpec& s : fresh) EXPECT_EQ(s.frame, 2u);
  EXPECT_EQ(pins(job).at(2), "render-2");
  std::vector<uint64_t> held_ids;
  for (const proto::RenderUnitSpec& s : held) held_ids.push_back(s.lease_id);
  send("old", hello_running(12, {"render-1"}, held_ids), kStart + 4);
  send("old", result_of(held.at(0), "render-2"), kStart + 5);
  EXPECT_EQ(core_->stats().results_rejected, 1u);
  send("old", result_of(held.at(1), "render-1"), kStart + 6);
  EXPECT_EQ(status(job).units_done, 1u);
}

TEST_F(KernelVersionTest, AFrameIsPinnedAnewWhenItsVersionLeftBeforeItStarted) {
  const uint64_t job = submit(1);
  ASSERT_FALSE(grants(send("old", hello_running(4, {"render-1"}), kStart), "old").empty());
  ASSERT_EQ(pins(job).at(1), "render-1");
  proto::UnitReturn leaving;
  leaving.leaving = true;
  send("old", leaving, kStart + 1);
  EXPECT_EQ(status(job).message, "waiting for a worker: none is connected");
  std::vector<proto::RenderUnitSpec> taken =
      grants(send("new", hello_running(64, {"render-2"}), kStart + 2), "new");
  EXPECT_EQ(taken.size(), 12u);
  EXPECT_EQ(pins(job).at(1), "render-2");
  for (const proto::RenderUnitSpec& s : taken) send("new", result_of(s, "render-2"), kStart + 3);
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
}

TEST_F(KernelVersionTest, AStartedFrameWaitsForItsVersionAndSaysSo) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> held =
      grants(send("old", hello_running(4, {"render-1"}), kStart), "old");
  ASSERT_FALSE(held.empty());
  send("old", result_of(held.at(0), "render-1"), kStart + 1);  // one unit accepted
  proto::UnitReturn leaving;
  leaving.leaving = true;
  send("old", leaving, kStart + 2);
  EXPECT_TRUE(grants(send("new", hello_running(64, {"render-2"}), kStart + 3), "new").empty());
  EXPECT_EQ(pins(job).at(1), "render-1");
  EXPECT_EQ(status(job).message, "frame 1 is pinned to kernel render-1, which no connected worker runs");
  // The old version comes back: the frame goes on.
  EXPECT_FALSE(grants(send("back", hello_running(4, {"render-1"}), kStart + 4), "back").empty());
  EXPECT_EQ(status(job).message, "");
}

class KernelVersionStoreTest : public ::testing::TestWithParam<SqlEngine> {};

TEST_P(KernelVersionStoreTest, Migration14PinsFramesOfASchema13StoreToNothingYet) {
  const testing::StoreLocation location(GetParam());
  uint64_t job_id = 0;
  {
    std::unique_ptr<Store> v13 = location.open(13);
    ASSERT_NE(v13, nullptr);
    EXPECT_EQ(v13->schema_version().value(), 13);
    ASSERT_TRUE(v13->begin().is_ok());
    Result<uint64_t> id = testing::insert_first_schema_job(*v13, "old");
    ASSERT_TRUE(id.is_ok()) << id.message();
    job_id = id.value();
    ASSERT_TRUE(v13->insert_frame({job_id, 3, "scene.pbrt", 4, 4, {}, {}, {}}).is_ok());
    ASSERT_TRUE(v13->commit().is_ok());
  }
  std::unique_ptr<Store> latest = location.open();
  ASSERT_NE(latest, nullptr);
  EXPECT_EQ(latest->schema_version().value(), Store::latest_schema_version());
  Result<StoreSnapshot> snap = latest->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  ASSERT_EQ(snap->frames.size(), 1u);
  EXPECT_EQ(snap->frames.at(0).kernel_version, "");
  ASSERT_TRUE(latest->begin().is_ok());
  ASSERT_TRUE(latest->set_frame_kernel_version(job_id, 3, "render-2").is_ok());
  ASSERT_TRUE(latest->commit().is_ok());
  latest.reset();
  snap = location.open()->load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  EXPECT_EQ(snap->frames.at(0).kernel_version, "render-2");
}

INSTANTIATE_TEST_SUITE_P(Engines, KernelVersionStoreTest, testing::kBothEngines,
                         testing::engine_name);

}  // namespace
}  // namespace tf
