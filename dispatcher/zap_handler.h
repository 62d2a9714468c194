// The dispatcher's ZAP handler (ZeroMQ RFC 27): decides every CurveZMQ handshake on the
// dispatcher's ROUTER by the client's public key (zap_policy.h), and names the peer: the ZAP
// reply's User-Id is the key in Z85, which then rides on every message from that connection
// (proto::RawMessage::peer_key).
//
// It answers on inproc://zeromq.zap.01 in the given context, on its own thread, so that
// handshakes never wait for the dispatcher's loop. Only one handler can exist per context.
// A request for another domain or another mechanism than CURVE is refused (status 400), and
// so is a key muted for flooding (zap_flood_guard.h) until its cool-down ends.
//
// Thread safety: start() and the destructor from one thread; the counters from any thread.
// `on_refusal` is called on the handler's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "dispatcher/zap_flood_guard.h"
#include "dispatcher/zap_policy.h"
#include "kernels/status.h"

namespace tf {

inline constexpr char kZapEndpoint[] = "inproc://zeromq.zap.01";

class ZapHandler {
 public:
  // key: the peer's public key (Z85) or a description when it had none; reason: why.
  using RefusalFn = std::function<void(const std::string& key, const std::string& reason)>;

  // Binds the ZAP endpoint (an error when another handler holds it) and starts the thread.
  // `context` must outlive the handler; `muted` may be null (no key is ever muted).
  static Result<std::unique_ptr<ZapHandler>> start(zmq::context_t& context, std::string domain,
                                                   std::shared_ptr<const AccessPolicy> policy,
                                                   std::shared_ptr<const MutedKeys> muted,
                                                   RefusalFn on_refusal);
  // Stops the thread (within one poll interval) and unbinds.
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  uint64_t handshakes_accepted() const { return accepted_; }
  uint64_t handshakes_refused() const { return refused_; }

 private:
  ZapHandler(zmq::socket_t socket, std::string domain, std::shared_ptr<const AccessPolicy> policy,
             std::shared_ptr<const MutedKeys> muted, RefusalFn on_refusal);
  void loop();
  void answer_one();

  zmq::socket_t socket_;
  std::string domain_;
  std::shared_ptr<const AccessPolicy> policy_;
  std::shared_ptr<const MutedKeys> muted_;
  RefusalFn on_refusal_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> accepted_{0}, refused_{0};
  std::thread thread_;
};

}  // namespace tf
