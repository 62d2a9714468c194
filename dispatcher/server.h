// The dispatcher process's loop: one ROUTER socket (tcp, ipc or inproc) for workers and
// clients, feeding DispatcherCore.
//
// Each iteration: wait for messages (at most a quarter heartbeat), handle every message
// waiting (up to a batch limit), tick (leases, liveness, heartbeats, dispatch), commit the
// iteration's one transaction, then send what the iteration produced. Malformed and
// out-of-role messages are logged and dropped.
//
// Thread safety: run() owns the socket; request_stop() may be called from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <zmq.hpp>

#include "dispatcher/dispatcher_core.h"
#include "formats/protocol/transport.h"
#include "kernels/status.h"

namespace tf {

struct DispatcherServerOptions {
  std::string endpoint;  // e.g. "tcp://0.0.0.0:7600", "ipc:///tmp/x", "inproc://farm"
  DispatcherConfig core;
  proto::TransportOptions transport;
  size_t max_messages_per_iteration = 1000;
  // Receives one line per rejected message or notable event; default: stderr.
  std::function<void(const std::string&)> log;
};

class DispatcherServer {
 public:
  // Opens the store and binds. `context` must outlive the server. Errors name the endpoint
  // or the state folder.
  static Result<std::unique_ptr<DispatcherServer>> start(zmq::context_t& context,
                                                         DispatcherServerOptions options);

  // Runs until request_stop(). Returns an error only when the store fails (the process
  // should exit; a restart resumes from the last commit).
  Status run();
  void request_stop() { stop_ = true; }
  // The endpoint actually bound (resolves tcp port 0 / wildcard).
  const std::string& endpoint() const { return endpoint_; }
  const DispatcherStats& stats() const { return core_->stats(); }

 private:
  DispatcherServer(DispatcherServerOptions options, zmq::socket_t socket,
                   std::unique_ptr<DispatcherCore> core);

  DispatcherServerOptions options_;
  zmq::socket_t socket_;
  std::unique_ptr<DispatcherCore> core_;
  std::string endpoint_;
  std::atomic<bool> stop_{false};
};

}  // namespace tf
