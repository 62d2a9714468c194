// The worker's session against a scripted dispatcher (a bare ROUTER socket): rules of
// worker/worker.h that a restart of the dispatcher depends on.
#include "worker/worker.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/synthetic_executor.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

// The next message from the worker other than a heartbeat, within `limit`; nullopt on timeout.
std::optional<proto::Envelope> next_from_worker(zmq::socket_t& router, std::string* peer,
                                                std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    zmq::pollitem_t item{static_cast<void*>(router), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(50));
    Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(router, true);
    if (!raw || !raw.value()) continue;
    Result<proto::Envelope> envelope =
        proto::decode_message(raw.value()->payload(), proto::roles(proto::Role::kWorker));
    if (!envelope || std::holds_alternative<proto::WorkerHeartbeat>(envelope->body)) continue;
    *peer = raw.value()->peer;
    return envelope.value();
  }
  return std::nullopt;
}

TEST(WorkerSession, AskedToSayHelloAgainItAlsoRepeatsItsPendingAssetRequests) {
  testing::TempDir dir;
  zmq::context_t context;
  zmq::socket_t router(context, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind("inproc://worker-session-test");
  WorkerOptions options;
  options.dispatcher_endpoint = "inproc://worker-session-test";
  options.cache_dir = dir.path() / "cache";
  options.heartbeat_interval_ms = 1000;  // liveness 3 s: no reconnect during the test
  // Longer than the test's exchange (so a repeat cannot come from the timeout), short enough
  // that stopping, which waits for the device thread's fetch, is quick.
  options.blob_fetch_timeout_ms = 3000;
  options.log = [](const std::string&) {};
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::make_unique<testing::SyntheticExecutor>());
  std::unique_ptr<Worker> worker = Worker::create(context, options, std::move(executors)).value();
  std::thread running([&] { (void)worker->run(); });

  std::string peer;
  std::optional<proto::Envelope> hello = next_from_worker(router, &peer, std::chrono::seconds(5));
  ASSERT_TRUE(hello && std::holds_alternative<proto::WorkerHello>(hello->body));
  // A unit whose bundle the worker must fetch; the request is read and never answered, as by
  // a dispatcher killed right after reading it.
  const Hash256 bundle = blake2b_256(std::string_view("a bundle the worker does not hold"));
  proto::LeaseGrant grant;
  grant.units.push_back({7, 1, 1, bundle, "scene.pbrt", 1, 0, 0, 8, 8, 0, 1, 0, 600, true, false});
  ASSERT_TRUE(proto::send_envelope(router, peer, {0, grant}));
  std::optional<proto::Envelope> request = next_from_worker(router, &peer, std::chrono::seconds(5));
  ASSERT_TRUE(request && std::holds_alternative<proto::BlobRequest>(request->body));
  EXPECT_EQ(std::get<proto::BlobRequest>(request->body).hash, bundle);
  // The restarted dispatcher does not know the worker: it asks for a hello.
  ASSERT_TRUE(proto::send_envelope(router, peer, {0, proto::HelloRequired{}}));
  std::optional<proto::Envelope> again = next_from_worker(router, &peer, std::chrono::seconds(2));
  ASSERT_TRUE(again && std::holds_alternative<proto::WorkerHello>(again->body));
  const std::vector<uint64_t>& held = std::get<proto::WorkerHello>(again->body).held_leases;
  EXPECT_EQ(held, std::vector<uint64_t>{7}) << "the unit waiting for its bundle is still held";
  std::optional<proto::Envelope> repeated = next_from_worker(router, &peer, std::chrono::seconds(2));
  ASSERT_TRUE(repeated && std::holds_alternative<proto::BlobRequest>(repeated->body))
      << "the request that died with the old dispatcher is asked again";
  EXPECT_EQ(std::get<proto::BlobRequest>(repeated->body).hash, bundle);

  worker->request_stop();
  running.join();
}

}  // namespace
}  // namespace tf
