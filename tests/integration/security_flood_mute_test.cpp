// Flood resistance over real CurveZMQ on 127.0.0.1 (dispatcher/server.h, default FloodLimits:
// more than 50 rejected messages in 10 s mute a key for 60 s): a flooding key is muted, its
// later valid requests go unanswered on its open connection and on new ones, the mute is
// logged once, honest work finishes, and the key's rejections reach the store as one count.
// Every wait is bounded.
#include <gtest/gtest.h>

#include <mutex>

#include "dispatcher/trust_queries.h"
#include "tests/integration/farm_fixture.h"
#include "tests/integration/security_farm.h"
#include "tests/integration/security_hostile_peer.h"

namespace tf::testing {
namespace {

constexpr std::chrono::milliseconds kUnanswered{1500};  // how long an unanswered request waits

TEST(SecurityFlood, AFloodingKeyIsMutedWhileHonestWorkFinishes) {
  TempDir dir;
  const proto::CurveKeypair alice = fresh_keys(), mallory = fresh_keys();
  AccessPolicy access;
  access.client_allow = {alice.public_key, mallory.public_key};  // mallory's requests count
  std::mutex log_mutex;  // the server and its ZAP handler log from two threads
  uint64_t mute_lines = 0;
  const std::string mute_line = "muted key " + mallory.public_key;
  std::string error;
  auto farm = SecureFarm::start(dir.path(), access, &error, [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mutex);
    if (line.find(mute_line) != std::string::npos) ++mute_lines;
  });
  ASSERT_NE(farm, nullptr) << error;

  // Mallory's key is answered before it floods, on a connection that stays open.
  auto mallory_client = farm->client(mallory, kUnanswered);
  ASSERT_TRUE(mallory_client->status(0).is_ok()) << "the key was not answered before its flood";
  {
    zmq::context_t attacker_context;
    HostilePeer hostile(attacker_context, farm->endpoint(),
                        SecureFarm::peer_transport(mallory, farm->server_keys().public_key));
    ASSERT_TRUE(eventually([&] { return farm->server().security_stats().keys_muted >= 1; }))
        << "the flooding key was not muted";
    Result<std::vector<proto::JobStatus>> on_open = mallory_client->status(0);
    EXPECT_FALSE(on_open.is_ok()) << "a muted key's request was answered on its open connection";
    const uint64_t refused_before = farm->server().security_stats().handshakes_refused;
    EXPECT_FALSE(farm->client(mallory, kUnanswered)->status(0).is_ok())
        << "a muted key's request was answered on a new connection";
    EXPECT_GT(farm->server().security_stats().handshakes_refused, refused_before);

    const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
    auto client = farm->client(alice);
    Result<uint64_t> job = submit_synthetic(*client, scene, 2);
    ASSERT_TRUE(job.is_ok()) << job.message();
    farm->add_worker(fresh_keys());
    farm->add_worker(fresh_keys());
    Result<proto::JobStatus> done = client->wait(job.value(), std::chrono::milliseconds(50), nullptr);
    ASSERT_TRUE(done.is_ok()) << done.message();
    EXPECT_EQ(done->state, proto::JobState::kDone) << done->message;
    expect_synthetic_outputs(*client, job.value(), 2, scene.seed, dir.path() / "out");
  }
  const SecurityStats stats = farm->server().security_stats();
  EXPECT_EQ(stats.keys_muted, 1u);
  EXPECT_GT(stats.messages_muted, 0u);
  {
    std::lock_guard<std::mutex> lock(log_mutex);
    EXPECT_EQ(mute_lines, 1u) << "a mute is logged once";
  }
  mallory_client.reset();  // its socket lives in the farm's client context
  farm.reset();            // the dispatcher reports its open rejection windows as it stops

  // The store holds one count for the flood: the 51 rejections up to the mute (50 allowed,
  // the 51st mutes), not one event per message; dropped messages are not reported.
  auto db = open_state_read_only(dir.path() / "state");
  ASSERT_TRUE(db.is_ok()) << db.message();
  Result<std::vector<proto::WorkerTrustRow>> rows = query_workers(*db.value());
  ASSERT_TRUE(rows.is_ok()) << rows.message();
  uint64_t mallory_rows = 0;
  for (const proto::WorkerTrustRow& row : rows.value()) {
    if (row.key == mallory.public_key) {
      ++mallory_rows;
      EXPECT_EQ(row.malformed, 51u);
      EXPECT_TRUE(row.quarantined);
    } else {
      EXPECT_EQ(row.malformed, 0u) << "honest key " << row.key;
    }
  }
  EXPECT_EQ(mallory_rows, 1u);
}

}  // namespace
}  // namespace tf::testing
