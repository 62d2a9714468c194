// The dispatcher's security layer over real CurveZMQ on 127.0.0.1: keys decide who connects
// (ZAP) and what each key may send (roles); peers without the right keys get nothing; hostile
// input does not stop honest work. Every wait is bounded.
#include <gtest/gtest.h>

#include <mutex>
#include <optional>

#include "tests/integration/farm_fixture.h"
#include "tests/integration/security_farm.h"
#include "tests/integration/security_hostile_peer.h"

namespace tf::testing {
namespace {

std::unique_ptr<SecureFarm> start_farm(const TempDir& dir, AccessPolicy access) {
  std::string error;
  std::unique_ptr<SecureFarm> farm = SecureFarm::start(dir.path(), std::move(access), &error);
  EXPECT_NE(farm, nullptr) << error;
  return farm;
}

// Only `client` may act as a client; worker enrollment stays open.
AccessPolicy allowing_client(const proto::CurveKeypair& client) {
  AccessPolicy access;
  access.client_allow = {client.public_key};
  return access;
}

// A bare DEALER socket connected to the farm with `transport`, for speaking to the dispatcher
// below the client library.
zmq::socket_t raw_dealer(zmq::context_t& context, const SecureFarm& farm,
                         const proto::TransportOptions& transport) {
  zmq::socket_t socket(context, zmq::socket_type::dealer);
  proto::configure_socket(socket, transport);
  socket.connect(farm.endpoint());
  return socket;
}

// Adds two honest workers and checks that `job` then finishes.
void expect_done_with_two_honest_workers(SecureFarm& farm, DispatcherClient& client, uint64_t job) {
  farm.add_worker(fresh_keys());
  farm.add_worker(fresh_keys());
  Result<proto::JobStatus> done = client.wait(job, std::chrono::milliseconds(50), nullptr);
  ASSERT_TRUE(done.is_ok()) << done.message();
  EXPECT_EQ(done->state, proto::JobState::kDone) << done->message;
}

// The first message that arrives on `socket` within `limit`, decoded as from the dispatcher.
std::optional<proto::Envelope> receive_within(zmq::socket_t& socket, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    zmq::pollitem_t item{static_cast<void*>(socket), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(50));
    Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(socket, false);
    if (!raw || !raw.value()) continue;
    Result<proto::Envelope> envelope =
        proto::decode_message(raw.value()->payload(), proto::roles(proto::Role::kDispatcher));
    if (envelope) return envelope.value();
  }
  return std::nullopt;
}

TEST(SecurityFarm, UnknownClientKeyCannotSubmit) {
  TempDir dir;
  const proto::CurveKeypair alice = fresh_keys(), stranger = fresh_keys();
  auto farm = start_farm(dir, allowing_client(alice));
  ASSERT_NE(farm, nullptr);
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");

  auto intruder = farm->client(stranger);
  Result<uint64_t> refused = submit_synthetic(*intruder, scene, 1);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("client allow list"), std::string::npos) << refused.message();
  proto::SubmitJob direct{"sneaky", Hash256{}, {{1, "scene.pbrt", kWidth, kHeight}}, kTile, kSpp, kSamplesPerUnit, 0};
  EXPECT_FALSE(intruder->submit(direct).is_ok());
  EXPECT_FALSE(intruder->status(0).is_ok());

  auto owner = farm->client(alice);
  Result<std::vector<proto::JobStatus>> jobs = owner->status(0);
  ASSERT_TRUE(jobs.is_ok()) << jobs.message();
  EXPECT_TRUE(jobs->empty()) << "a refused submission left a job behind";
  ASSERT_TRUE(submit_synthetic(*owner, scene, 1).is_ok());  // the allowed key can
  EXPECT_EQ(owner->status(0).value().size(), 1u);
  EXPECT_GE(farm->server().security_stats().messages_rejected, 3u);
}

TEST(SecurityFarm, RolesHoldForEveryMessage) {
  TempDir dir;
  const proto::CurveKeypair alice = fresh_keys(), worker = fresh_keys();
  auto farm = start_farm(dir, allowing_client(alice));
  ASSERT_NE(farm, nullptr);
  // A worker key (open enrollment) cannot read outputs or list jobs.
  auto as_worker = farm->client(worker);
  Result<proto::OutputsReply> outputs = as_worker->outputs(1);
  ASSERT_FALSE(outputs.is_ok());
  EXPECT_NE(outputs.message().find("client allow list"), std::string::npos) << outputs.message();
  EXPECT_FALSE(as_worker->fetch_output(Hash256{}).is_ok());
  // A client key cannot act as a worker: its hello is answered with a refusal, never a grant.
  zmq::context_t context;
  zmq::socket_t socket = raw_dealer(
      context, *farm, SecureFarm::peer_transport(alice, farm->server_keys().public_key));
  proto::WorkerHello hello;
  hello.worker_name = "impostor";
  proto::send_envelope(socket, std::nullopt, {7, hello});
  std::optional<proto::Envelope> reply = receive_within(socket, std::chrono::seconds(10));
  ASSERT_TRUE(reply.has_value());
  const auto* error = std::get_if<proto::ErrorReply>(&reply->body);
  ASSERT_NE(error, nullptr) << proto::kind_name(reply->body);
  EXPECT_NE(error->message.find("not enrolled as a worker"), std::string::npos) << error->message;
  EXPECT_EQ(farm->server().security_stats().messages_handled, 0u);
}

TEST(SecurityFarm, PlainTcpToACurveEndpointGetsNothing) {
  TempDir dir;
  auto farm = start_farm(dir, AccessPolicy{});
  ASSERT_NE(farm, nullptr);
  zmq::context_t context;
  zmq::socket_t socket = raw_dealer(context, *farm, proto::TransportOptions{});
  for (uint64_t id = 1; id <= 5; ++id) proto::send_envelope(socket, std::nullopt, {id, proto::StatusRequest{0}});
  EXPECT_FALSE(receive_within(socket, std::chrono::milliseconds(1500)).has_value());
  const SecurityStats stats = farm->server().security_stats();
  EXPECT_EQ(stats.messages_handled, 0u) << "the dispatcher saw a plain message";
  EXPECT_EQ(stats.messages_rejected, 0u) << "the dispatcher saw a plain message";
}

TEST(SecurityFarm, WrongServerKeyTimesOutWithAClearError) {
  TempDir dir;
  const proto::CurveKeypair alice = fresh_keys();
  auto farm = start_farm(dir, allowing_client(alice));
  ASSERT_NE(farm, nullptr);
  zmq::context_t context;
  ClientOptions options;
  options.reply_timeout = std::chrono::milliseconds(500);
  options.patience = std::chrono::milliseconds(1500);
  options.transport = SecureFarm::peer_transport(alice, fresh_keys().public_key);  // not the server's
  DispatcherClient client(context, farm->endpoint(), options);
  Result<std::vector<proto::JobStatus>> jobs = client.status(0);
  ASSERT_FALSE(jobs.is_ok());
  EXPECT_NE(jobs.message().find("--server-key"), std::string::npos) << jobs.message();
  EXPECT_EQ(farm->server().security_stats().messages_handled, 0u);
}

TEST(SecurityFarm, BannedWorkerIsRefusedAtTheHandshake) {
  TempDir dir;
  const proto::CurveKeypair alice = fresh_keys(), banned = fresh_keys();
  AccessPolicy access = allowing_client(alice);
  access.banned = {banned.public_key};
  auto farm = start_farm(dir, access);
  ASSERT_NE(farm, nullptr);
  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  auto client = farm->client(alice);
  Result<uint64_t> job = submit_synthetic(*client, scene, 1);
  ASSERT_TRUE(job.is_ok()) << job.message();

  Worker& outcast = farm->add_worker(banned);
  ASSERT_TRUE(eventually([&] { return farm->server().security_stats().handshakes_refused >= 2; }))
      << "the banned worker's handshakes were not refused (it retries with backoff)";
  EXPECT_EQ(farm->server().stats().leases_granted, 0u) << "a banned worker got a grant";
  ASSERT_NO_FATAL_FAILURE(expect_done_with_two_honest_workers(*farm, *client, job.value()));
  EXPECT_EQ(outcast.units_completed(), 0u);
  expect_synthetic_outputs(*client, job.value(), 1, scene.seed, dir.path() / "out");
}

TEST(SecurityFarm, HostileFloodDoesNotStopHonestWorkers) {
  TempDir dir;
  const proto::CurveKeypair alice = fresh_keys(), attacker_keys = fresh_keys();
  const AccessPolicy access = allowing_client(alice);
  std::mutex log_mutex;  // the server and its ZAP handler log from two threads
  uint64_t attacker_lines = 0;
  std::string error;
  auto farm = SecureFarm::start(dir.path(), access, &error, [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mutex);
    if (line.find(attacker_keys.public_key) != std::string::npos) ++attacker_lines;
  });
  ASSERT_NE(farm, nullptr) << error;
  const auto start = std::chrono::steady_clock::now();
  zmq::context_t attacker_context;
  proto::TransportOptions attacker = SecureFarm::peer_transport(attacker_keys, farm->server_keys().public_key);
  attacker.reconnect_ivl_ms = attacker.reconnect_ivl_max_ms = 10;  // back at once when dropped
  HostilePeer hostile(attacker_context, farm->endpoint(), attacker);
  ASSERT_TRUE(eventually([&] { return farm->server().security_stats().messages_rejected > 100; }))
      << "the attack did not land";

  const SyntheticScene scene = write_synthetic_scene(dir.path() / "scene");
  auto client = farm->client(alice);
  const uint64_t rejected_before_job = farm->server().security_stats().messages_rejected;
  Result<uint64_t> job = submit_synthetic(*client, scene, 4);
  ASSERT_TRUE(job.is_ok()) << job.message();
  ASSERT_NO_FATAL_FAILURE(expect_done_with_two_honest_workers(*farm, *client, job.value()));
  const uint64_t rejected = farm->server().security_stats().messages_rejected;
  EXPECT_GT(rejected, rejected_before_job) << "the attack stopped before the job ran";
  expect_synthetic_outputs(*client, job.value(), 4, scene.seed, dir.path() / "out");
  // Rejections are logged at most 5 lines per key every 10 s window (PeerLogLimiter).
  const auto windows = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count() / 10 + 1;
  std::lock_guard<std::mutex> lock(log_mutex);
  EXPECT_LE(attacker_lines, 5u * static_cast<uint64_t>(windows)) << rejected << " rejections";
  EXPECT_GE(attacker_lines, 1u);
}

}  // namespace
}  // namespace tf::testing
