// A ROUTER socket that plays the dispatcher for worker session tests: it serves one bundle's
// blobs, counts heartbeats and hands every other message of the worker to the test.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "formats/bundle/bundle.h"
#include "formats/hash/hash.h"
#include "formats/protocol/codec.h"
#include "formats/protocol/transport.h"
#include "worker/worker.h"

namespace tf::testing {

// Options of a worker of a ScriptedDispatcher at `endpoint`: its cache at `cache_dir`,
// heartbeats every 100 ms, a liveness that never runs out in a test (a scripted dispatcher
// sends no heartbeats) and no log.
inline WorkerOptions scripted_worker_options(const std::string& endpoint,
                                             const std::filesystem::path& cache_dir) {
  WorkerOptions options;
  options.dispatcher_endpoint = endpoint;
  options.cache_dir = cache_dir;
  options.heartbeat_interval_ms = 100;
  options.liveness = 100;
  options.log = [](const std::string&) {};
  return options;
}

// A ROUTER that plays the dispatcher: serves one bundle's blobs (when `serve_blobs`), counts
// heartbeats, and hands every other message to the test.
class ScriptedDispatcher {
 public:
  ScriptedDispatcher(zmq::context_t& context, const std::string& endpoint)
      : router_(context, zmq::socket_type::router) {
    router_.set(zmq::sockopt::linger, 0);
    router_.bind(endpoint);
    const std::string scene = "# a scene\n";
    manifest_ = {"scene.pbrt",
                 {{"scene.pbrt", blake2b_256(std::string_view(scene)), scene.size()}}};
    const std::string text = serialize_bundle_manifest(manifest_);
    blobs_[bundle_id(manifest_)] = {text.begin(), text.end()};
    blobs_[manifest_.entries[0].hash] = {scene.begin(), scene.end()};
  }
  Hash256 bundle() const { return bundle_id(manifest_); }
  std::atomic<bool> serve_blobs{true};
  uint64_t heartbeats = 0;
  std::string peer;

  // The next message other than a heartbeat or a blob request that was served.
  std::optional<proto::Body> next(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      zmq::pollitem_t item{static_cast<void*>(router_), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::chrono::milliseconds(20));
      Result<std::optional<proto::RawMessage>> raw = proto::receive_raw(router_, true);
      if (!raw || !raw.value()) continue;
      Result<proto::Envelope> envelope =
          proto::decode_message(raw.value()->payload(), proto::roles(proto::Role::kWorker));
      if (!envelope) continue;
      peer = raw.value()->peer;
      if (std::holds_alternative<proto::WorkerHeartbeat>(envelope->body)) {
        ++heartbeats;
        continue;
      }
      if (const auto* request = std::get_if<proto::BlobRequest>(&envelope->body);
          request && serve_blobs) {
        auto blob = blobs_.find(request->hash);
        send(proto::BlobReply{request->hash, blob != blobs_.end(),
                              blob != blobs_.end() ? blob->second : std::vector<uint8_t>{}});
        continue;
      }
      return envelope->body;
    }
    return std::nullopt;
  }
  // The protocol version it answers in (an older release's dispatcher: a lower one).
  uint32_t version = proto::kProtocolVersion;
  void send(proto::Body body) {
    proto::Envelope envelope{0, std::move(body)};
    envelope.protocol_version = envelope.protocol_min = version;
    ASSERT_TRUE(proto::send_envelope(router_, peer, envelope));
  }
  // Waits for the worker's hello, then grants it `leases`; false when no hello came.
  [[nodiscard]] bool grant_after_hello(std::vector<uint64_t> leases) {
    std::optional<proto::Body> hello = next(std::chrono::seconds(5));
    if (!hello || !std::holds_alternative<proto::WorkerHello>(*hello)) return false;
    send(grant(std::move(leases)));
    return true;
  }
  proto::LeaseGrant grant(std::vector<uint64_t> leases) const {
    proto::LeaseGrant g;
    for (uint64_t id : leases) {
      g.units.push_back(
          {id, id, 1, bundle(), "scene.pbrt", 1, 0, 0, 8, 8, 0, 1, 0, 600, true, false});
    }
    return g;
  }

 private:
  zmq::socket_t router_;
  BundleManifest manifest_;
  std::map<Hash256, std::vector<uint8_t>> blobs_;
};

}  // namespace tf::testing
