// Protocol versions: the previous release's schema (previous_protocol.capnp, verbatim) writes
// messages that today's codec reads, and reads what today's codec writes for it; the version
// rules of versions.h; and a live dispatcher answering peers of the previous release in their
// version, refusing peers it shares no version with (a refusal naming both ranges, never
// silence), and a worker that is refused stopping with that message.
#include <capnp/message.h>
#include <capnp/serialize.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "dispatcher/server.h"
#include "formats/protocol/codec.h"
#include "formats/protocol/transport.h"
#include "formats/protocol/versions.h"
#include "previous_protocol.capnp.h"
#include "tests/integration/synthetic_executor.h"
#include "tests/support/temp_dir.h"
#include "worker/worker.h"

namespace tf {
namespace {

using proto::ProtocolRange;

constexpr proto::RoleSet kAnyRole = proto::roles(proto::Role::kWorker, proto::Role::kClient) |
                                    proto::roles(proto::Role::kDispatcher);

std::vector<uint8_t> bytes_of(capnp::MallocMessageBuilder& builder) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(builder);
  auto bytes = words.asBytes();
  return {bytes.begin(), bytes.end()};
}

// Today's encoding of `envelope`, as words for a reader of the previous release's schema.
std::vector<capnp::word> words_of(const proto::Envelope& envelope) {
  const std::vector<uint8_t> bytes = proto::encode_message(envelope);
  std::vector<capnp::word> words((bytes.size() + 7) / 8);
  std::memcpy(words.data(), bytes.data(), bytes.size());
  return words;
}

TEST(ProtocolVersions, PeersTalkTheHighestVersionBothSpeak) {
  EXPECT_EQ(proto::common_version({1, 2}, {1, 1}), 1u);
  EXPECT_EQ(proto::common_version({1, 2}, {2, 3}), 2u);
  EXPECT_EQ(proto::common_version({1, 2}, {1, 5}), 2u);
  EXPECT_FALSE(proto::common_version({1, 2}, {0, 0}).has_value());
  EXPECT_FALSE(proto::common_version({1, 2}, {3, 4}).has_value());
  EXPECT_EQ(proto::kDispatcherProtocols.max, proto::kProtocolVersion);
  EXPECT_EQ(proto::kDispatcherProtocols.min + 1, proto::kProtocolVersion)
      << "a dispatcher serves exactly this release and the previous one";
  const std::string old_peer = proto::version_refusal({1, 2}, {0, 0});
  EXPECT_NE(old_peer.find("1-2"), std::string::npos) << old_peer;
  EXPECT_NE(old_peer.find("speaks 0"), std::string::npos) << old_peer;
  EXPECT_NE(old_peer.find("upgrade this worker"), std::string::npos) << old_peer;
  const std::string new_peer = proto::version_refusal({1, 2}, {3, 4});
  EXPECT_NE(new_peer.find("3-4"), std::string::npos) << new_peer;
  EXPECT_NE(new_peer.find("upgrade the dispatcher"), std::string::npos) << new_peer;
}

// The previous release's version, as its peers send it (they speak their own release only).
constexpr uint32_t kPrevious = proto::kOldestServedProtocolVersion;

TEST(ProtocolVersions, TodaysCodecReadsThePreviousReleasesMessages) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire_previous::Envelope>();
  root.setProtocolVersion(kPrevious);
  root.setProtocolMin(kPrevious);
  auto hello = root.getBody().initWorkerHello();
  hello.setWorkerName("old-box");
  hello.setOwner("owner-key");
  auto devices = hello.initDevices(1);
  devices[0].setBackend("cuda");
  devices[0].setIndex(3);
  devices[0].setName("A100");
  devices[0].setMemoryBytes(40ull << 30);
  devices[0].setKernelVersion("render-7");
  devices[0].setSlots(4);
  auto held = hello.initHeldLeases(2);
  held.set(0, 11);
  held.set(1, 12);
  Result<proto::Envelope> got = proto::decode_message(bytes_of(builder), kAnyRole);
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(proto::range_of(got.value()), (ProtocolRange{kPrevious, kPrevious}));
  const auto* h = std::get_if<proto::WorkerHello>(&got->body);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->worker_name, "old-box");
  EXPECT_EQ(h->owner, "owner-key");
  ASSERT_EQ(h->devices.size(), 1u);
  EXPECT_EQ(h->devices[0].backend, "cuda");
  EXPECT_EQ(h->devices[0].index, 3);
  EXPECT_EQ(h->devices[0].memory_bytes, 40ull << 30);
  EXPECT_EQ(h->devices[0].kernel_version, "render-7");
  EXPECT_EQ(h->devices[0].slots, 4u);
  EXPECT_EQ(h->held_leases, (std::vector<uint64_t>{11, 12}));
  EXPECT_FALSE(h->tree_hashes) << "that release does not hash results by tree";

  capnp::MallocMessageBuilder back_builder;
  auto back = back_builder.initRoot<wire_previous::Envelope>();
  back.setProtocolVersion(kPrevious);
  back.setProtocolMin(kPrevious);
  auto submit = back.getBody().initSubmitJob();
  submit.setName("old client");
  submit.initBundle(32);  // a BLAKE2b-256 hash's length
  submit.setSpp(64);
  submit.setTileSize(32);
  got = proto::decode_message(bytes_of(back_builder), kAnyRole);
  ASSERT_TRUE(got.is_ok()) << got.message();
  const auto* job = std::get_if<proto::SubmitJob>(&got->body);
  ASSERT_NE(job, nullptr);
  EXPECT_EQ(job->name, "old client");
  EXPECT_EQ(job->spp, 64u);
  EXPECT_EQ(job->tile_size, 32u);
  // Fields the previous release did not have read as their defaults: a fixed-spp job.
  EXPECT_EQ(job->noise_target, 0.0);
  EXPECT_EQ(job->max_spp, 0u);
  EXPECT_EQ(job->deadline_seconds, 0u);
}

TEST(ProtocolVersions, ThePreviousReleaseReadsWhatTodaysCodecWritesForIt) {
  proto::LeaseGrant grant;
  proto::RenderUnitSpec spec;
  spec.lease_id = 5;
  spec.unit_id = 6;
  spec.job_id = 7;
  spec.scene_path = "shot/scene.pbrt";
  spec.frame = 12;
  spec.x1 = spec.y1 = 32;
  spec.s0 = 64;
  spec.s1 = 128;
  spec.upload_bytes = true;
  grant.units.push_back(spec);
  proto::Envelope envelope{0, grant};
  envelope.protocol_version = kPrevious;  // as the dispatcher answers the previous release
  envelope.protocol_min = proto::kDispatcherProtocols.min;
  const std::vector<capnp::word> words = words_of(envelope);
  capnp::FlatArrayMessageReader reader(kj::ArrayPtr<const capnp::word>(words.data(), words.size()));
  auto root = reader.getRoot<wire_previous::Envelope>();
  EXPECT_EQ(root.getProtocolVersion(), kPrevious);
  EXPECT_EQ(root.getProtocolMin(), kPrevious);
  ASSERT_TRUE(root.getBody().isLeaseGrant());
  auto units = root.getBody().getLeaseGrant().getUnits();
  ASSERT_EQ(units.size(), 1u);
  EXPECT_EQ(units[0].getLeaseId(), 5u);
  EXPECT_EQ(units[0].getJobId(), 7u);
  EXPECT_EQ(std::string(units[0].getScenePath().cStr()), "shot/scene.pbrt");
  EXPECT_EQ(units[0].getFrame(), 12u);
  EXPECT_EQ(units[0].getX1(), 32u);
  EXPECT_EQ(units[0].getS0(), 64u);
  EXPECT_EQ(units[0].getS1(), 128u);
  EXPECT_TRUE(units[0].getUploadBytes());
}

// statusRequest was a JobRef and is now a StatusRequest (a JobRef with a wait): each release
// reads the other's, the earlier one's as a request without a wait.
TEST(ProtocolVersions, StatusRequestsCrossReleasesWithTheirJob) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire_previous::Envelope>();
  root.setProtocolVersion(kPrevious);
  root.setProtocolMin(kPrevious);
  root.getBody().initStatusRequest().setJobId(9);
  Result<proto::Envelope> got = proto::decode_message(bytes_of(builder), kAnyRole);
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(std::get<proto::StatusRequest>(got->body), (proto::StatusRequest{9, 0}));

  proto::Envelope envelope{3, proto::StatusRequest{11, 700}};
  const std::vector<capnp::word> words = words_of(envelope);
  capnp::FlatArrayMessageReader reader(kj::ArrayPtr<const capnp::word>(words.data(), words.size()));
  auto previous = reader.getRoot<wire_previous::Envelope>();
  ASSERT_TRUE(previous.getBody().isStatusRequest());
  EXPECT_EQ(previous.getBody().getStatusRequest().getJobId(), 11u);
}

// A dispatcher on inproc and a raw DEALER that speaks whatever version a test gives it.
class VersionedPeers : public ::testing::Test {
 protected:
  void SetUp() override {
    DispatcherServerOptions options;
    options.endpoint = "inproc://versions-" + proto::random_routing_id("");
    options.core.state_dir = dir_.path() / "state";
    options.core.heartbeat_interval_ms = 100;
    options.log = [](const std::string&) {};
    Result<std::unique_ptr<DispatcherServer>> server = DispatcherServer::start(context_, options);
    ASSERT_TRUE(server.is_ok()) << server.message();
    server_ = std::move(server.value());
    thread_ = std::thread([this] { (void)server_->run(); });
  }
  void TearDown() override {
    server_->request_stop();
    thread_.join();
  }

  // Sends a hello in `range` from a new DEALER; returns the first message back (decoded with
  // every role accepted), or an error when none came within 3 s.
  Result<proto::Envelope> hello_from(ProtocolRange range) {
    zmq::socket_t dealer(context_, zmq::socket_type::dealer);
    dealer.set(zmq::sockopt::linger, 0);
    dealer.connect(server_->endpoint());
    proto::WorkerHello hello;
    hello.worker_name = "peer";
    hello.devices.push_back({"cpu", 0, "test", 0, 1, "render-1", 1, {}});
    proto::Envelope envelope{0, hello};
    envelope.protocol_version = range.max;
    envelope.protocol_min = range.min;
    proto::send_envelope(dealer, std::nullopt, envelope);
    zmq::pollitem_t item{static_cast<void*>(dealer), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(3000)) == 0) return Error{"no answer"};
    Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(dealer, false);
    if (!raw || !raw.value()) return Error{"nothing received"};
    return proto::decode_message(raw.value()->payload(), kAnyRole);
  }

  testing::TempDir dir_;
  zmq::context_t context_;
  std::unique_ptr<DispatcherServer> server_;
  std::thread thread_;
};

TEST_F(VersionedPeers, APeerOfThePreviousReleaseIsAnsweredInItsVersion) {
  Result<proto::Envelope> answer = hello_from({kPrevious, kPrevious});
  ASSERT_TRUE(answer.is_ok()) << answer.message();
  EXPECT_FALSE(std::holds_alternative<proto::ErrorReply>(answer->body))
      << std::get<proto::ErrorReply>(answer->body).message;
  EXPECT_EQ(answer->protocol_version, kPrevious) << "answered in the version it speaks";
  Result<proto::Envelope> current = hello_from({proto::kProtocolVersion, proto::kProtocolVersion});
  ASSERT_TRUE(current.is_ok()) << current.message();
  EXPECT_EQ(current->protocol_version, proto::kProtocolVersion);
  EXPECT_EQ(proto::range_of(current.value()), proto::kDispatcherProtocols);
}

TEST_F(VersionedPeers, PeersOutsideTheRangeAreRefusedByName) {
  // A release before ranges (protocolMin absent: 0 on the wire), the release before the
  // previous one, and a future one.
  for (const ProtocolRange peer :
       {ProtocolRange{0, 0}, ProtocolRange{kPrevious - 1, kPrevious - 1},
        ProtocolRange{proto::kProtocolVersion + 4, proto::kProtocolVersion + 6}}) {
    Result<proto::Envelope> answer = hello_from(peer);
    ASSERT_TRUE(answer.is_ok()) << answer.message();
    const auto* error = std::get_if<proto::ErrorReply>(&answer->body);
    ASSERT_NE(error, nullptr) << proto::kind_name(answer->body);
    EXPECT_EQ(error->code, proto::ErrorCode::kUnsupportedVersion);
    EXPECT_NE(error->message.find(proto::range_text(proto::kDispatcherProtocols)),
              std::string::npos)
        << error->message;
    EXPECT_NE(error->message.find(proto::range_text(peer)), std::string::npos) << error->message;
    EXPECT_EQ(answer->protocol_version, peer.max) << "headed so that the peer can read it";
  }
  EXPECT_EQ(server_->stats().messages_malformed, 0u) << "an old peer is not a malformed one";
}

TEST(ProtocolVersionsWorker, ARefusedWorkerStopsWithTheDispatchersMessage) {
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  const std::string endpoint = "inproc://refusing-" + proto::random_routing_id("");
  router.bind(endpoint);
  testing::TempDir dir;
  WorkerOptions options;
  options.dispatcher_endpoint = endpoint;
  options.name = "refused";
  options.cache_dir = dir.path() / "cache";
  options.log = [](const std::string&) {};
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::make_unique<testing::SyntheticExecutor>());
  Result<std::unique_ptr<Worker>> worker = Worker::create(context, options, std::move(executors));
  ASSERT_TRUE(worker.is_ok()) << worker.message();
  Status result;
  std::thread run([&] { result = worker.value()->run(); });
  // The refusing dispatcher: answers the hello with the refusal.
  zmq::pollitem_t item{static_cast<void*>(router), 0, ZMQ_POLLIN, 0};
  ASSERT_EQ(zmq::poll(&item, 1, std::chrono::milliseconds(5000)), 1);
  Result<std::optional<proto::RawMessage>> hello = proto::receive_raw(router, true);
  ASSERT_TRUE(hello.is_ok() && hello.value());
  const std::string refusal =
      proto::version_refusal({proto::kProtocolVersion + 1, proto::kProtocolVersion + 2},
                             {proto::kProtocolVersion, proto::kProtocolVersion});
  proto::send_envelope(router, hello.value()->peer,
                       {0, proto::ErrorReply{proto::ErrorCode::kUnsupportedVersion, refusal}});
  const auto start = std::chrono::steady_clock::now();
  run.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.message().find(refusal), std::string::npos) << result.message();
}

}  // namespace
}  // namespace tf
