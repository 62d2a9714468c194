// The dispatcher process's loop: one ROUTER socket (tcp, ipc or inproc) for workers and
// clients, feeding DispatcherCore.
//
// Each iteration: wait for messages or finished background work (at most a quarter
// heartbeat), handle every message waiting (up to a batch limit), tick (leases, liveness,
// heartbeats, dispatch, frames encoded in the background), commit the iteration's one
// transaction, then send what the iteration produced.
//
// Security (zap_policy.h, zap_handler.h): a tcp:// endpoint runs CurveZMQ with the
// dispatcher's keypair and a ZAP handler that decides every handshake by key, unless
// `security.insecure` (plain tcp, logged loudly at start). On CurveZMQ every message is
// checked against its sender's role: a client-kind message from a key that is not a client,
// or a worker-kind message from a key that is not a worker, gets an ErrorReply and never
// reaches DispatcherCore. inproc:// and ipc:// endpoints are plain and unchecked (local).
// Every rejected message (wrong frame count, undecodable, out of role) is logged with the
// sender's key, at most a few lines per key and window (PeerLogLimiter), counted, and
// reported to DispatcherCore::record_malformed (the key's reputation) once per key and window
// (count and first reason), so that a flood cannot grow the store.
// Flood resistance (zap_flood_guard.h, DispatcherServerOptions::flood): a key with more than
// `max_rejections` rejected messages in a window is muted for `mute_ms`: its messages are then
// dropped before decoding (counted, not logged, not reported) and the ZAP handler refuses its
// new handshakes. Each mute is logged once, with the key.
//
// Thread safety: run() owns the socket; request_stop() may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include <zmq.hpp>

#include "dispatcher/dispatcher_core.h"
#include "dispatcher/zap_flood_guard.h"
#include "dispatcher/zap_handler.h"
#include "dispatcher/zap_policy.h"
#include "formats/protocol/curve_keys.h"
#include "formats/protocol/transport.h"
#include "formats/protocol/versions.h"
#include "kernels/status.h"

namespace tf {

// Log lines about one peer key, rate-limited so that a flood cannot fill a disk: at most
// `per_key` lines per key and `total` lines in all per window; at the end of a window that
// dropped lines, one summary line says how many.
//
// Thread safety: log() may be called from any thread (the ZAP handler's and the server's).
class PeerLogLimiter {
 public:
  PeerLogLimiter(std::function<void(const std::string&)> sink, int per_key = 5, int total = 200,
                 int64_t window_ms = 10000);
  void log(const std::string& key, const std::string& line, int64_t now_ms);

 private:
  void roll_window(int64_t now_ms);

  std::function<void(const std::string&)> sink_;
  const int per_key_, total_;
  const int64_t window_ms_;
  std::mutex mutex_;
  int64_t window_start_ms_ = 0;
  int written_ = 0;
  uint64_t dropped_ = 0;
  std::map<std::string, int> per_key_count_;
};

struct DispatcherSecurity {
  // Plain tcp (no encryption, no authentication): local experiments only.
  bool insecure = false;
  // The dispatcher's keypair; required for a tcp:// endpoint unless insecure.
  std::optional<proto::CurveKeypair> keypair;
  AccessPolicy access;
};

// What the security layer turned away (tests, benchmarks, logs).
struct SecurityStats {
  uint64_t messages_handled = 0;   // passed every check and went to DispatcherCore
  uint64_t messages_rejected = 0;  // wrong frame count, undecodable, out of role, or muted
  uint64_t messages_muted = 0;     // of those, dropped unread because their key was muted
  uint64_t keys_muted = 0;         // mutes so far (a key muted twice counts twice)
  uint64_t handshakes_refused = 0; // by the ZAP handler
};

struct DispatcherServerOptions {
  std::string endpoint;  // e.g. "tcp://0.0.0.0:7600", "ipc:///tmp/x", "inproc://farm"
  DispatcherConfig core;
  proto::TransportOptions transport;
  DispatcherSecurity security;
  size_t max_messages_per_iteration = 1000;
  // With core.board set: how often the loop publishes the farm's view (farm_board.h).
  int64_t view_interval_ms = 500;
  FloodLimits flood;
  // Receives one line per rejected message or notable event; default: stderr.
  std::function<void(const std::string&)> log;
};

class DispatcherServer {
 public:
  // Opens the store, starts the ZAP handler (CurveZMQ endpoints) and binds. `context` must
  // outlive the server and, on CurveZMQ, hold no other ZAP handler. Errors name the endpoint
  // or the state folder, or say which key is missing.
  static Result<std::unique_ptr<DispatcherServer>> start(zmq::context_t& context,
                                                         DispatcherServerOptions options);

  ~DispatcherServer();
  DispatcherServer(const DispatcherServer&) = delete;
  DispatcherServer& operator=(const DispatcherServer&) = delete;

  // Runs until request_stop(). Returns an error only when the store fails (the process
  // should exit; a restart resumes from the last commit).
  Status run();
  // Wakes the loop, which returns after the iteration it is in (an atomic store and an
  // eventfd write: safe from a signal handler). Without the wake-up the loop saw it at its
  // next poll timeout, a quarter of a heartbeat later: every `tilefarm sim` and `tilefarm
  // render` spent that (250 ms) shutting its embedded farm down.
  void request_stop();
  // The endpoint actually bound (resolves tcp port 0 / wildcard).
  const std::string& endpoint() const { return endpoint_; }
  const DispatcherStats& stats() const { return core_->stats(); }
  // The store's blobs (a handle, usable from any thread): finished frames, snapshots.
  BlobStore blobs() const { return core_->store().blobs(); }
  // Safe from any thread.
  SecurityStats security_stats() const;

 private:
  DispatcherServer(DispatcherServerOptions options, std::unique_ptr<DispatcherCore> core);
  // One loop iteration's time: the wall clock (DispatcherCore, logs) and the monotonic clock
  // (flood windows and mutes).
  struct Clocks {
    int64_t wall_ms, steady_ms;
  };
  // Checks one received message; returns the envelope to hand to DispatcherCore, or nullopt
  // when it was rejected (logged, counted, answered when the sender may be told) or its key
  // is muted (counted only).
  std::optional<proto::Envelope> admit(const proto::RawMessage& raw, const Clocks& now,
                                       std::vector<Outgoing>* out);
  void reject(const proto::RawMessage& raw, const std::string& reason, const Clocks& now);
  void mute(const std::string& key, int64_t steady_ms);
  // Hands DispatcherCore the rejection windows that ended by `steady_ms`.
  void report_rejections(int64_t steady_ms);
  // Publishes the farm's view on core.board when one is due.
  void publish_view(int64_t steady_ms);
  // Whether the envelope's sender speaks a protocol version this dispatcher serves
  // (versions.h); remembers an older one for the replies; refuses the sender otherwise.
  bool agree_version(const proto::RawMessage& raw, const proto::Envelope& envelope,
                     const Clocks& now);
  // Sends in the version the peer talks.
  void send(Outgoing& outgoing);

  DispatcherServerOptions options_;
  std::shared_ptr<const AccessPolicy> access_;
  std::shared_ptr<PeerLogLimiter> peer_log_;
  std::shared_ptr<MutedKeys> muted_;  // shared with the ZAP handler
  RejectionTally rejections_;
  std::unique_ptr<ZapHandler> zap_;  // before socket_: the handler outlives the socket
  std::optional<zmq::socket_t> socket_;
  std::unique_ptr<DispatcherCore> core_;
  std::string endpoint_;
  int64_t last_view_ms_ = std::numeric_limits<int64_t>::min() / 2;  // never published yet
  // Routing ids of peers of an older protocol version, and the version they talk; a peer not
  // here talks kProtocolVersion. Bounded: emptied past kMaxOlderPeers (refilled as they talk).
  static constexpr size_t kMaxOlderPeers = 1 << 16;
  std::unordered_map<std::string, uint32_t> peer_versions_;
  std::atomic<bool> stop_{false};
  int stop_fd_ = -1;  // eventfd: request_stop() wakes run()'s poll
  std::atomic<uint64_t> handled_{0}, rejected_{0}, muted_messages_{0}, mutes_{0};
};

}  // namespace tf
