// A DispatcherCore driven directly with a fake clock, as one server loop would: the shared
// fixture of the dispatcher core and verification tests. Peers are routing ids; each peer's
// transport-vouched key is key_of(peer).
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "dispatcher/dispatcher_core.h"
#include "formats/bundle/bundle.h"
#include "formats/image/image_io.h"
#include "formats/protocol/result_hash.h"
#include "formats/sim/initial_state.h"
#include "tests/dispatcher/synthetic_render.h"
#include "tests/support/temp_dir.h"

namespace tf::testing {


using proto::Envelope;

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

  // The transport-vouched key of a peer: "key-" + routing id, so that tests can tell them apart.
  static std::string key_of(const std::string& peer) { return "key-" + peer; }

  // Sends one message and commits, like one server loop iteration; returns what went out.
  std::vector<Outgoing> send(const std::string& peer, proto::Body body, int64_t now) {
    return send_as(peer, key_of(peer), std::move(body), now);
  }
  // The same, from a peer the transport vouched for as `key`.
  std::vector<Outgoing> send_as(const std::string& peer, const std::string& key, proto::Body body,
                                int64_t now) {
    std::vector<Outgoing> out;
    Status s = core_->handle(peer, key, Envelope{7, std::move(body)}, now, &out);
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

  // Uploads a bundle of one file, scene.pbrt holding `scene`; returns the bundle's id.
  Hash256 upload_bundle(const std::string& scene) {
    const std::vector<uint8_t> scene_bytes(scene.begin(), scene.end());
    BundleManifest manifest{"scene.pbrt", {{"scene.pbrt", blake2b_256(scene_bytes), scene_bytes.size()}}};
    const std::string text = serialize_bundle_manifest(manifest);
    send("client", proto::BlobUpload{blake2b_256(scene_bytes), scene_bytes}, kStart);
    send("client", proto::BlobUpload{bundle_id(manifest), {text.begin(), text.end()}}, kStart);
    return bundle_id(manifest);
  }

  // Uploads a one-file bundle and returns a job of frames 1..frames of 20x12 at 6 spp, 8px
  // tiles, 4 samples per unit (3x2 tiles x 2 ranges = 12 units per frame), with the given
  // verification settings (default: one replica, as a single trusted worker would).
  proto::SubmitJob job_of(uint32_t frames, int32_t priority = 0, uint32_t replication = 1,
                          uint32_t quorum = 1, uint32_t max_replicas = 0) {
    proto::SubmitJob job{"test", upload_bundle("# scene " + std::to_string(priority)), {}, 8, 6,
                         4, priority, replication, quorum, max_replicas};
    for (uint32_t f = 1; f <= frames; ++f) job.frames.push_back({f, "scene.pbrt", 20, 12});
    return job;
  }

  // Submits job_of(...) as the peer `client` (whose key, key_of(client), the job is shared
  // under), with no worker connected to take grants yet; returns its id.
  uint64_t submit(uint32_t frames, int32_t priority = 0, uint32_t replication = 1,
                  uint32_t quorum = 1, uint32_t max_replicas = 0,
                  const std::string& client = "client") {
    std::vector<Outgoing> out =
        send(client, job_of(frames, priority, replication, quorum, max_replicas), kStart);
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
    TileResult t = synthetic_tile(kSeed, {spec.frame, spec.x0, spec.y0, spec.x1, spec.y1, spec.s0, spec.s1});
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
      const std::filesystem::path copy = core_->store().blobs().temp_dir() / name;
      ASSERT_TRUE(core_->store().blobs().copy_to_file(f.hash, copy).is_ok());
      Result<ImageRGB> image = read_image(copy);
      ASSERT_TRUE(image.is_ok()) << image.message();
      const std::vector<float> expected = synthetic_frame(kSeed, frame, 20, 12, 6, 4);
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

// The hello of a worker of this release.
inline proto::WorkerHello hello(uint32_t slots, std::vector<uint64_t> held_leases = {},
                                std::string owner = {}) {
  return {"test-worker", {{"cpu", 0, "test", 0, 1, "synthetic", slots, {}}}, std::move(held_leases),
          std::move(owner), /*tree_hashes=*/true, sim::kInitialStateRecipe};
}

}  // namespace tf::testing

