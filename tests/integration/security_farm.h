// A farm over CurveZMQ on 127.0.0.1 (ephemeral port) for security tests and benchmarks: a
// dispatcher with its own keypair and access lists on a thread, workers (synthetic executor)
// with keys of their own on threads, and clients built with any keypair.
#pragma once

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dispatcher/client.h"
#include "dispatcher/server.h"
#include "formats/protocol/curve_keys.h"
#include "tests/integration/synthetic_executor.h"
#include "worker/worker.h"

namespace tf::testing {

inline proto::CurveKeypair fresh_keys() { return proto::generate_keypair().value(); }

class SecureFarm {
 public:
  static constexpr int64_t kHeartbeatMs = 200;

  // Starts the dispatcher (state under `dir`; showing itself on `board` when given; it and its
  // workers heartbeat every `heartbeat_ms`: tests use a short interval to see deaths fast);
  // `sizing` sizes its leases and says whether it recalls them; nullptr and `*error` set when
  // it cannot.
  static std::unique_ptr<SecureFarm> start(const std::filesystem::path& dir, AccessPolicy access,
                                           std::string* error,
                                           std::function<void(const std::string&)> log = {},
                                           std::shared_ptr<FarmBoard> board = nullptr,
                                           int64_t heartbeat_ms = kHeartbeatMs,
                                           const LeaseSizing& sizing = {}) {
    std::unique_ptr<SecureFarm> farm(new SecureFarm());
    farm->dir_ = dir;
    farm->heartbeat_ms_ = heartbeat_ms;
    farm->server_keys_ = fresh_keys();
    DispatcherServerOptions options;
    options.endpoint = "tcp://127.0.0.1:0";
    options.core.state_dir = dir / "state";
    options.core.heartbeat_interval_ms = heartbeat_ms;
    options.core.lease_sizing = sizing;
    options.core.board = std::move(board);
    options.security.keypair = farm->server_keys_;
    options.security.access = std::move(access);
    options.log = log ? std::move(log) : [](const std::string&) {};
    Result<std::unique_ptr<DispatcherServer>> server =
        DispatcherServer::start(farm->context_, std::move(options));
    if (!server) {
      *error = server.message();
      return nullptr;
    }
    farm->server_ = std::move(server.value());
    farm->server_thread_ = std::thread([s = farm->server_.get()] {
      if (Status st = s->run(); !st) std::fprintf(stderr, "dispatcher stopped: %s\n", st.message().c_str());
    });
    return farm;
  }

  ~SecureFarm() {
    for (auto& worker : workers_) worker->request_stop();
    for (std::thread& t : worker_threads_) t.join();
    server_->request_stop();
    server_thread_.join();
  }

  const std::string& endpoint() const { return server_->endpoint(); }
  const proto::CurveKeypair& server_keys() const { return server_keys_; }
  DispatcherServer& server() { return *server_; }
  // CPU seconds the dispatcher loop's thread has used so far (benchmarks).
  double server_cpu_seconds() {
    clockid_t clock = 0;
    timespec used{};
    if (pthread_getcpuclockid(server_thread_.native_handle(), &clock) != 0 ||
        clock_gettime(clock, &used) != 0) {
      return 0;
    }
    return static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) * 1e-9;
  }

  // Units the workers' devices have completed so far (every replica counts): the results they
  // computed, whatever replication the dispatcher chose per unit (benchmarks).
  uint64_t units_completed() const {
    uint64_t n = 0;
    for (const auto& worker : workers_) n += worker->units_completed();
    return n;
  }

  // Transport options of a peer holding `keys` that trusts `server_key`.
  static proto::TransportOptions peer_transport(const proto::CurveKeypair& keys,
                                                const std::string& server_key) {
    proto::TransportOptions transport;
    transport.curve = proto::CurveOptions{keys.public_key, keys.secret_key, server_key, ""};
    return transport;
  }

  // A client holding `keys`; `patience` bounds every request, a minute bounds wait().
  std::unique_ptr<DispatcherClient> client(const proto::CurveKeypair& keys,
                                           std::chrono::milliseconds patience = std::chrono::seconds(20)) {
    ClientOptions options;
    options.reply_timeout = std::min(patience, std::chrono::milliseconds(2000));
    options.patience = patience;
    options.wait_timeout = std::chrono::seconds(60);
    options.transport = peer_transport(keys, server_keys_.public_key);
    return std::make_unique<DispatcherClient>(client_context_, endpoint(), std::move(options));
  }

  // Starts a worker holding `keys` with one synthetic device taking `unit_time` per unit.
  Worker& add_worker(const proto::CurveKeypair& keys,
                     std::chrono::microseconds unit_time = std::chrono::microseconds(0)) {
    WorkerOptions options;
    options.dispatcher_endpoint = endpoint();
    options.name = "worker-" + std::to_string(workers_.size());
    options.cache_dir = dir_ / ("cache-" + std::to_string(workers_.size()));
    options.heartbeat_interval_ms = heartbeat_ms_;
    options.reconnect_initial_ms = 100;
    options.reconnect_max_ms = 400;
    options.transport = peer_transport(keys, server_keys_.public_key);
    options.log = [](const std::string&) {};
    std::vector<std::unique_ptr<UnitExecutor>> executors;
    executors.push_back(std::make_unique<SyntheticExecutor>(unit_time));
    workers_.push_back(Worker::create(worker_context_, std::move(options), std::move(executors)).value());
    Worker* worker = workers_.back().get();
    worker_threads_.emplace_back([worker] { (void)worker->run(); });
    return *worker;
  }

 private:
  SecureFarm() = default;

  std::filesystem::path dir_;
  int64_t heartbeat_ms_ = kHeartbeatMs;
  zmq::context_t context_;         // the dispatcher's (and its ZAP handler's)
  zmq::context_t worker_context_;  // peers live in other contexts, as on other machines
  zmq::context_t client_context_;
  proto::CurveKeypair server_keys_;
  std::unique_ptr<DispatcherServer> server_;
  std::thread server_thread_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> worker_threads_;
};

// Calls `done` every 20 ms until it returns true or `limit` passes; returns its last answer.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace tf::testing
