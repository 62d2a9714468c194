// DispatcherCore driven directly with a fake clock: the job lifecycle, idempotent result
// intake, lease expiry, worker death, restart from the store, failures and cancellation.
#include <gtest/gtest.h>

#include <cstring>

#include "dispatcher/dispatcher_core.h"
#include "formats/bundle/bundle.h"
#include "formats/image/image_io.h"
#include "formats/protocol/result_hash.h"
#include "tests/dispatcher/synthetic_render.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

using proto::Envelope;
using testing::TempDir;

constexpr uint64_t kSeed = 42;
constexpr int64_t kStart = 1'000'000;

class CoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.state_dir = dir_.path() / "state";
    config_.lease_seconds = 60;
    reopen(kStart);
  }

  void reopen(int64_t now) {
    core_.reset();
    Result<std::unique_ptr<DispatcherCore>> core = DispatcherCore::open(config_, now);
    ASSERT_TRUE(core.is_ok()) << core.message();
    core_ = std::move(core.value());
  }

  // Sends one message and commits, like one server loop iteration; returns what went out.
  std::vector<Outgoing> send(const std::string& peer, proto::Body body, int64_t now) {
    std::vector<Outgoing> out;
    Status s = core_->handle(peer, Envelope{7, std::move(body)}, now, &out);
    EXPECT_TRUE(s.is_ok()) << s.message();
    s = core_->tick(now, &out);
    EXPECT_TRUE(s.is_ok()) << s.message();
    EXPECT_TRUE(core_->commit().is_ok());
    return out;
  }

  std::vector<Outgoing> tick(int64_t now) {
    std::vector<Outgoing> out;
    EXPECT_TRUE(core_->tick(now, &out).is_ok());
    EXPECT_TRUE(core_->commit().is_ok());
    return out;
  }

  // Uploads a one-file bundle and submits frames 1..frames of 20x12 at 6 spp, 8px tiles,
  // 4 samples per unit (3x2 tiles x 2 ranges = 12 units per frame).
  uint64_t submit(uint32_t frames, int32_t priority = 0) {
    const std::string scene = "# scene " + std::to_string(priority);
    const std::vector<uint8_t> scene_bytes(scene.begin(), scene.end());
    BundleManifest manifest{"scene.pbrt", {{"scene.pbrt", blake2b_256(scene_bytes), scene_bytes.size()}}};
    const std::string text = serialize_bundle_manifest(manifest);
    send("client", proto::BlobUpload{blake2b_256(scene_bytes), scene_bytes}, kStart);
    send("client", proto::BlobUpload{bundle_id(manifest), {text.begin(), text.end()}}, kStart);
    proto::SubmitJob job{"test", bundle_id(manifest), {}, 8, 6, 4, priority};
    for (uint32_t f = 1; f <= frames; ++f) job.frames.push_back({f, "scene.pbrt", 20, 12});
    std::vector<Outgoing> out = send("client", job, kStart);
    EXPECT_EQ(out.size(), 1u);
    const auto* reply = std::get_if<proto::SubmitReply>(&out.at(0).envelope.body);
    EXPECT_NE(reply, nullptr) << proto::kind_name(out.at(0).envelope.body);
    return reply ? reply->job_id : 0;
  }

  static std::vector<proto::RenderUnitSpec> grants(const std::vector<Outgoing>& out,
                                                   const std::string& peer) {
    std::vector<proto::RenderUnitSpec> units;
    for (const Outgoing& o : out) {
      if (o.peer != peer) continue;
      if (const auto* g = std::get_if<proto::LeaseGrant>(&o.envelope.body)) {
        units.insert(units.end(), g->units.begin(), g->units.end());
      }
    }
    return units;
  }

  static proto::UnitResult result_for(const proto::RenderUnitSpec& spec) {
    TileResult t = testing::synthetic_tile(kSeed, {spec.frame, spec.x0, spec.y0, spec.x1, spec.y1, spec.s0, spec.s1});
    proto::UnitResult r{spec.lease_id, spec.unit_id, "synthetic", t.width, t.height, t.rgb, t.rays, {}};
    r.result_hash = proto::result_hash(r.rgb, r.rays);
    return r;
  }

  proto::JobStatus status(uint64_t job) { return core_->job_statuses(job).at(0); }

  // Completes every unit handed to `peer`, including those granted as results come in.
  void work_until_idle(const std::string& peer, std::vector<proto::RenderUnitSpec> pending, int64_t now) {
    while (!pending.empty()) {
      proto::RenderUnitSpec spec = pending.back();
      pending.pop_back();
      for (const auto& more : grants(send(peer, result_for(spec), now), peer)) pending.push_back(more);
    }
  }

  void expect_frame_matches_synthetic(uint64_t job, uint32_t frame) {
    std::vector<Outgoing> out = send("client", proto::OutputsRequest{job}, kStart);
    const auto& files = std::get<proto::OutputsReply>(out.at(0).envelope.body).files;
    const std::string name = frame_output_name(frame, "exr");
    for (const proto::OutputFile& f : files) {
      if (f.name != name) continue;
      Result<ImageRGB> image = read_image(core_->store().blobs().path_of(f.hash));
      ASSERT_TRUE(image.is_ok()) << image.message();
      const std::vector<float> expected = testing::synthetic_frame(kSeed, frame, 20, 12, 6, 4);
      ASSERT_EQ(image->rgb.size(), expected.size());
      EXPECT_EQ(std::memcmp(image->rgb.data(), expected.data(), expected.size() * 4), 0);
      return;
    }
    ADD_FAILURE() << "no output " << name;
  }

  TempDir dir_;
  DispatcherConfig config_;
  std::unique_ptr<DispatcherCore> core_;
};

proto::WorkerHello hello(uint32_t slots, std::vector<uint64_t> held_leases = {}) {
  return {"test-worker", {{"cpu", 0, "test", 0, 1, "synthetic", slots}}, std::move(held_leases)};
}

TEST_F(CoreTest, RendersAJobToImagesEqualToTheIndependentSum) {
  const uint64_t job = submit(2);
  EXPECT_EQ(status(job).units_total, 24u);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(3), kStart), "w1");
  ASSERT_EQ(leased.size(), 3u) << "a worker gets as many units as it has slots";
  work_until_idle("w1", leased, kStart);
  const proto::JobStatus s = status(job);
  EXPECT_EQ(s.state, proto::JobState::kDone) << s.message;
  EXPECT_EQ(s.units_done, 24u);
  EXPECT_EQ(s.frames_done, 2u);
  expect_frame_matches_synthetic(job, 1);
  expect_frame_matches_synthetic(job, 2);
}

TEST_F(CoreTest, DuplicateAndLateResultsNeverCountTwice) {
  config_.lease_seconds = 2;  // shorter than liveness: a lease lapses while w1 stays alive
  reopen(kStart);
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> first = grants(send("w1", hello(1), kStart), "w1");
  ASSERT_EQ(first.size(), 1u);
  // The result frees w1's slot: the next unit comes with the answer.
  std::vector<proto::RenderUnitSpec> slow = grants(send("w1", result_for(first[0]), kStart), "w1");
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_TRUE(grants(send("w1", result_for(first[0]), kStart), "w1").empty());  // duplicate
  EXPECT_EQ(status(job).units_done, 1u);
  EXPECT_EQ(core_->stats().results_duplicate, 1u);

  // The lapsed unit goes out again first, under a new lease id; the late result of the lapsed
  // lease still counts (once), and the result of the new lease is then a duplicate.
  const int64_t later = kStart + 2001;
  std::vector<proto::RenderUnitSpec> retry = grants(send("w1", proto::WorkerHeartbeat{}, later), "w1");
  EXPECT_EQ(core_->stats().leases_lapsed, 1u);
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].unit_id, slow[0].unit_id);
  EXPECT_NE(retry[0].lease_id, slow[0].lease_id);
  send("w1", result_for(slow[0]), later);
  EXPECT_EQ(status(job).units_done, 2u);
  send("w1", result_for(retry[0]), later);
  EXPECT_EQ(status(job).units_done, 2u);
  EXPECT_EQ(core_->stats().results_duplicate, 2u);
}

TEST_F(CoreTest, ResultsWithABadHashOrSizeAreRejectedAndTheUnitRequeued) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(1), kStart), "w1");
  proto::UnitResult bad = result_for(leased[0]);
  bad.rgb[0] += 1.0f;  // no longer matches its hash
  std::vector<proto::RenderUnitSpec> again = grants(send("w1", bad, kStart), "w1");
  EXPECT_EQ(core_->stats().results_rejected, 1u);
  EXPECT_EQ(status(job).units_done, 0u);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].unit_id, leased[0].unit_id) << "a rejected unit goes out again first";
}

TEST_F(CoreTest, ASilentWorkerIsDeclaredDeadAndItsUnitsGoElsewhere) {
  submit(1);
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(2), kStart), "w1");
  ASSERT_EQ(held.size(), 2u);
  grants(send("w2", hello(2), kStart), "w2");
  const int64_t later = kStart + config_.heartbeat_interval_ms * config_.liveness + 1;
  send("w2", proto::WorkerHeartbeat{}, later);  // w2 lives, w1 is silent
  EXPECT_EQ(core_->stats().leases_lapsed, 2u);
  // w2 got w1's units as soon as its own slots free up.
  std::vector<proto::RenderUnitSpec> w2_more = grants(send("w2", proto::WorkerHeartbeat{}, later), "w2");
  (void)w2_more;
  std::vector<Outgoing> out = send("w1", proto::WorkerHeartbeat{}, later);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<proto::HelloRequired>(out[0].envelope.body))
      << "a worker declared dead must introduce itself again";
}

TEST_F(CoreTest, ALeavingWorkersReturnedUnitsGoOutAgainAtOnce) {
  submit(1);
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(2), kStart), "w1");
  ASSERT_EQ(held.size(), 2u);
  send("w1", proto::UnitReturn{{held[0].lease_id, held[1].lease_id}, true}, kStart);
  std::vector<proto::RenderUnitSpec> taken = grants(send("w2", hello(2), kStart), "w2");
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].unit_id, held[1].unit_id);  // returned units first (most recent first)
  EXPECT_EQ(taken[1].unit_id, held[0].unit_id);
  EXPECT_EQ(core_->stats().leases_lapsed, 0u) << "returned, not lapsed";
  bool asked_for_hello = false;
  for (const Outgoing& o : send("w1", proto::WorkerHeartbeat{}, kStart)) {
    asked_for_hello |= o.peer == "w1" && std::holds_alternative<proto::HelloRequired>(o.envelope.body);
  }
  EXPECT_TRUE(asked_for_hello) << "a worker that left is forgotten";
}

TEST_F(CoreTest, RestartFromTheStoreFinishesWithTheSameBytes) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(4), kStart), "w1");
  ASSERT_EQ(leased.size(), 4u);
  std::vector<proto::RenderUnitSpec> fifth = grants(send("w1", result_for(leased[0]), kStart), "w1");
  ASSERT_EQ(fifth.size(), 1u);
  reopen(kStart + 10);  // as after kill -9: in-memory state gone
  EXPECT_EQ(status(job).units_done, 1u);
  // The restarted dispatcher does not know w1 until it says hello again; a result from it
  // still counts.
  std::vector<Outgoing> out = send("w1", result_for(leased[1]), kStart + 20);
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(std::holds_alternative<proto::HelloRequired>(out.back().envelope.body));
  EXPECT_EQ(status(job).units_done, 2u);
  std::vector<proto::RenderUnitSpec> more = grants(
      send("w1", hello(4, {leased[2].lease_id, leased[3].lease_id, fifth[0].lease_id}), kStart + 20),
      "w1");
  // w1 still holds leased[2..3] and the fifth (restored from the store): one slot is free.
  EXPECT_EQ(more.size(), 1u);
  more.push_back(leased[2]);
  more.push_back(leased[3]);
  more.push_back(fifth[0]);
  work_until_idle("w1", more, kStart + 30);
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
  expect_frame_matches_synthetic(job, 1);
}

TEST_F(CoreTest, LeasesAWorkerNoLongerHoldsGoOutAgainWhenItSaysHello) {
  // After a dispatcher restart or a lost connection, a grant or a result may be lost in
  // flight: the worker's hello lists what it still holds, and the rest must not wait for
  // the lease deadline.
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(2), kStart), "w1");
  ASSERT_EQ(leased.size(), 2u);
  reopen(kStart + 10);
  std::vector<proto::RenderUnitSpec> again =
      grants(send("w1", hello(2, {leased[1].lease_id}), kStart + 20), "w1");
  ASSERT_EQ(again.size(), 1u) << "one slot was free: the lost lease's unit";
  EXPECT_EQ(again[0].unit_id, leased[0].unit_id);
  EXPECT_NE(again[0].lease_id, leased[0].lease_id);
  again.push_back(leased[1]);
  work_until_idle("w1", again, kStart + 30);
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
  expect_frame_matches_synthetic(job, 1);
}

TEST_F(CoreTest, RepeatedFailuresFailTheJobWithTheReason) {
  config_.max_attempts = 2;
  reopen(kStart);
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(1), kStart), "w1");
  std::vector<proto::RenderUnitSpec> again =
      grants(send("w1", proto::UnitFailure{leased[0].lease_id, leased[0].unit_id, "out of memory"}, kStart), "w1");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].unit_id, leased[0].unit_id);
  send("w1", proto::UnitFailure{again[0].lease_id, again[0].unit_id, "out of memory"}, kStart);
  const proto::JobStatus s = status(job);
  EXPECT_EQ(s.state, proto::JobState::kFailed);
  EXPECT_NE(s.message.find("out of memory"), std::string::npos) << s.message;
}

TEST_F(CoreTest, CancelStopsDispatchAndDropsLateResults) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(1), kStart), "w1");
  std::vector<Outgoing> out = send("client", proto::CancelRequest{job}, kStart);
  EXPECT_TRUE(std::holds_alternative<proto::Ack>(out.at(0).envelope.body));
  EXPECT_TRUE(grants(send("w1", result_for(leased[0]), kStart), "w1").empty());
  EXPECT_EQ(status(job).state, proto::JobState::kCancelled);
  EXPECT_EQ(status(job).units_done, 0u);
  out = send("client", proto::CancelRequest{job}, kStart);
  EXPECT_TRUE(std::holds_alternative<proto::ErrorReply>(out.at(0).envelope.body));
}

TEST_F(CoreTest, RefusesJobsWhoseBundleWasNotUploaded) {
  proto::SubmitJob job{"x", blake2b_256(std::string_view("missing")), {{1, "s.pbrt", 8, 8}}, 8, 1, 1, 0};
  std::vector<Outgoing> out = send("client", job, kStart);
  const auto* error = std::get_if<proto::ErrorReply>(&out.at(0).envelope.body);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(error->message.find("not uploaded"), std::string::npos) << error->message;
  EXPECT_TRUE(core_->job_statuses(0).empty());
}

TEST_F(CoreTest, HigherPriorityJobsGoFirst) {
  const uint64_t low = submit(1, 0);
  const uint64_t high = submit(1, 5);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(3), kStart), "w1");
  ASSERT_EQ(leased.size(), 3u);
  for (const auto& u : leased) EXPECT_EQ(u.job_id, high);
  (void)low;
}

}  // namespace
}  // namespace tf
