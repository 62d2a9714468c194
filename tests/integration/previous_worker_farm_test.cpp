// A worker of the previous release (protocol version 4) beside today's at the end of a queue.
// Version 4 has no LeaseRecall: the dispatcher recalls the last units of the worker that would
// finish last for a worker that ran dry (DispatcherCore::recall_for_dry_workers) whatever its
// release, but the server never sends a recall to a peer that speaks version 4 (it could not
// read it); that worker keeps its leases, and their results are accepted.
//
// The old worker is a raw DEALER that speaks version 4 and computes the synthetic tiles
// itself: at today's worker's pace at first (both are measured and share the queue), then not
// at all while today's worker empties the queue and runs dry, then all it holds.
#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <thread>

#include "formats/protocol/codec.h"
#include "formats/protocol/result_hash.h"
#include "formats/protocol/transport.h"
#include "formats/protocol/versions.h"
#include "tests/dispatcher/synthetic_render.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/thread_farm.h"

namespace tf::testing {
namespace {

// The release before recalls.
constexpr uint32_t kOldVersion = proto::kLeaseRecallVersion - 1;
constexpr uint32_t kFrames = 20;
constexpr auto kNewUnitTime = std::chrono::milliseconds(2);

// The old release's worker, driven by the test thread.
class OldWorker {
 public:
  OldWorker(zmq::context_t& context, const std::string& endpoint, uint64_t seed)
      : socket_(context, zmq::socket_type::dealer), seed_(seed) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::routing_id, "old-worker");
    socket_.connect(endpoint);
    proto::WorkerHello hello;
    hello.worker_name = "old-worker";
    hello.devices.push_back({"cpu", 0, "old", 0, 1, "synthetic-1", 2, {"synthetic-1"}});
    send(hello);
  }

  // Takes what the dispatcher sent within `wait`; returns `results` of the held units (oldest
  // first) and a heartbeat.
  void step(std::chrono::milliseconds wait, size_t results) {
    zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, wait) > 0) {
      for (;;) {
        Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(socket_, false);
        if (!raw || !raw.value()) break;
        Result<proto::Envelope> message =
            proto::decode_message(raw.value()->payload(), proto::roles(proto::Role::kDispatcher));
        if (!message) continue;
        EXPECT_EQ(message->protocol_version, kOldVersion) << "answered in its version";
        if (std::holds_alternative<proto::LeaseRecall>(message->body)) ++recalls_received;
        if (const auto* grant = std::get_if<proto::LeaseGrant>(&message->body)) {
          held.insert(held.end(), grant->units.begin(), grant->units.end());
        }
      }
    }
    for (size_t i = 0; i < results && !held.empty(); ++i) {
      const proto::RenderUnitSpec spec = held.front();
      held.pop_front();
      const TileResult t =
          synthetic_tile(seed_, {spec.frame, spec.x0, spec.y0, spec.x1, spec.y1, spec.s0, spec.s1});
      proto::UnitResult r{spec.lease_id, spec.unit_id, "synthetic-1", t.width, t.height,
                          spec.upload_bytes ? t.rgb : std::vector<float>{}, t.rays, {}};
      r.result_hash = proto::result_hash(t.rgb, t.rays);
      send(r);
      ++results_sent;
    }
    send(proto::WorkerHeartbeat{});
  }

  std::deque<proto::RenderUnitSpec> held;
  size_t results_sent = 0;
  size_t recalls_received = 0;

 private:
  void send(proto::Body body) {
    proto::Envelope envelope{0, std::move(body)};
    envelope.protocol_version = kOldVersion;
    envelope.protocol_min = kOldVersion;
    EXPECT_TRUE(proto::send_envelope(socket_, std::nullopt, envelope));
  }

  zmq::socket_t socket_;
  uint64_t seed_;
};

uint64_t units_done(DispatcherClient& client, uint64_t job) {
  Result<std::vector<proto::JobStatus>> s = client.status(job);
  return s.is_ok() && s->size() == 1 ? s->front().units_done : 0;
}

TEST(PreviousReleaseWorker, KeepsItsLeasesAtTheEndOfAQueueAndTheJobFinishes) {
  TempDir dir;
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  ThreadFarm farm(dir.path());
  ASSERT_TRUE(farm.start_dispatcher().is_ok());
  zmq::context_t context;
  OldWorker old(context, farm.endpoint(), scene.seed);
  farm.add_worker("new-worker", std::make_unique<SyntheticExecutor>(kNewUnitTime));
  std::unique_ptr<DispatcherClient> client = farm.client();
  Result<uint64_t> job = submit_synthetic(*client, scene, kFrames);
  ASSERT_TRUE(job.is_ok()) << job.message();
  const uint64_t units_total =
      uint64_t{kFrames} * (kWidth / kTile) * (kHeight / kTile) * (kSpp / kSamplesPerUnit);

  // Both are measured on their first units, at the same pace; then today's worker empties the
  // queue while the old one holds its units.
  while (old.results_sent < 200) {
    std::this_thread::sleep_for(kNewUnitTime);
    old.step(std::chrono::milliseconds(0), 1);
  }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (units_done(*client, job.value()) + old.held.size() < units_total &&
         std::chrono::steady_clock::now() < give_up) {
    old.step(std::chrono::milliseconds(50), 0);
  }
  ASSERT_GT(old.held.size(), 20u) << "the old worker should hold units at the queue's end";
  // Today's worker waits, dry, for a second: the dispatcher would recall for it.
  for (int i = 0; i < 20; ++i) old.step(std::chrono::milliseconds(50), 0);
  const uint64_t done_while_held = units_done(*client, job.value());
  EXPECT_EQ(done_while_held + old.held.size(), units_total) << "its units stayed its";
  // Then it returns everything it holds, and the job finishes.
  while (!old.held.empty()) old.step(std::chrono::milliseconds(1), 16);
  ASSERT_TRUE(wait_until(
      [&] {
        old.step(std::chrono::milliseconds(20), 0);
        Result<std::vector<proto::JobStatus>> s = client->status(job.value());
        return s.is_ok() && s->size() == 1 && s->front().state == proto::JobState::kDone;
      },
      std::chrono::seconds(30)));
  expect_synthetic_outputs(*client, job.value(), kFrames, scene.seed, dir.path() / "out");
  client.reset();
  const DispatcherStats stats = farm.stop_dispatcher();
  EXPECT_GT(stats.leases_recalled, 0u) << "no recall was made: the test shows nothing";
  EXPECT_EQ(old.recalls_received, 0u) << "a version-4 worker was sent a recall";
  EXPECT_EQ(stats.results_duplicate, 0u);
}

}  // namespace
}  // namespace tf::testing
