// A farm of threads for integration tests: one dispatcher and named workers, each on its own
// thread, over ipc without CURVE (a worker's routing id, its name, is its key). The dispatcher
// can be stopped as SIGTERM stops it and started again on the same state and endpoint; a
// worker can be stopped (a drain, when its options ask for one) and replaced under its name.
//
// Thread safety: one test thread drives a ThreadFarm.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "dispatcher/client.h"
#include "dispatcher/server.h"
#include "worker/worker.h"

namespace tf::testing {

class ThreadFarm {
 public:
  static constexpr int64_t kHeartbeatMs = 200;

  explicit ThreadFarm(std::filesystem::path dir)
      : dir_(std::move(dir)), endpoint_("ipc://" + (dir_ / "dispatcher.sock").string()) {}
  ~ThreadFarm() { stop(); }

  // Starts the dispatcher on the farm's state; `configure` adjusts its options.
  Status start_dispatcher(const std::function<void(DispatcherServerOptions&)>& configure = {}) {
    DispatcherServerOptions options;
    options.endpoint = endpoint_;
    options.core.state_dir = state();
    options.core.heartbeat_interval_ms = kHeartbeatMs;
    options.log = [](const std::string&) {};
    if (configure) configure(options);
    Result<std::unique_ptr<DispatcherServer>> server = DispatcherServer::start(context_, options);
    if (!server) return Error{server.message()};
    server_ = std::move(server.value());
    server_thread_ = std::thread([s = server_.get()] { (void)s->run(); });
    return Status::ok();
  }
  // What SIGTERM does to `tilefarm dispatcher`: its loop commits and returns. Returns the
  // stopped dispatcher's counters (read once its thread has ended).
  DispatcherStats stop_dispatcher() {
    if (!server_) return {};
    server_->request_stop();
    server_thread_.join();
    const DispatcherStats stats = server_->stats();
    server_.reset();
    return stats;
  }

  // Starts worker `name` on `executor`; `configure` adjusts its options. A worker of that name
  // that ran before is stopped and replaced.
  Worker* add_worker(const std::string& name, std::unique_ptr<UnitExecutor> executor,
                     const std::function<void(WorkerOptions&)>& configure = {}) {
    stop_worker(name);
    WorkerOptions options;
    options.dispatcher_endpoint = endpoint_;
    options.name = name;
    options.transport.routing_id = name;
    options.cache_dir = dir_ / ("cache-" + name);
    options.heartbeat_interval_ms = kHeartbeatMs;
    options.log = [](const std::string&) {};
    if (configure) configure(options);
    std::vector<std::unique_ptr<UnitExecutor>> executors;
    executors.push_back(std::move(executor));
    Result<std::unique_ptr<Worker>> worker =
        Worker::create(context_, std::move(options), std::move(executors));
    EXPECT_TRUE(worker.is_ok()) << worker.message();
    if (!worker) return nullptr;
    Node& node = workers_[name];
    node.worker = std::move(worker.value());
    node.thread = std::thread([w = node.worker.get()] { (void)w->run(); });
    return node.worker.get();
  }
  // Asks worker `name` to stop, as SIGTERM would, and waits until its run() returned (after
  // its drain, if it drains). The Worker object stays readable until it is replaced.
  void stop_worker(const std::string& name) {
    auto it = workers_.find(name);
    if (it == workers_.end() || !it->second.thread.joinable()) return;
    it->second.worker->request_stop();
    it->second.thread.join();
  }

  std::unique_ptr<DispatcherClient> client(
      std::chrono::milliseconds wait_timeout = std::chrono::seconds(60)) {
    ClientOptions options;
    options.reply_timeout = std::chrono::seconds(2);
    options.patience = std::chrono::seconds(20);
    options.wait_timeout = wait_timeout;
    return std::make_unique<DispatcherClient>(context_, endpoint_, std::move(options));
  }

  // Stops every worker, then the dispatcher.
  void stop() {
    for (auto& [name, node] : workers_) {
      if (node.thread.joinable()) node.worker->request_stop();
    }
    for (auto& [name, node] : workers_) {
      if (node.thread.joinable()) node.thread.join();
    }
    stop_dispatcher();
  }

  std::filesystem::path state() const { return dir_ / "state"; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  struct Node {
    std::unique_ptr<Worker> worker;
    std::thread thread;
  };

  std::filesystem::path dir_;
  std::string endpoint_;
  zmq::context_t context_;
  std::unique_ptr<DispatcherServer> server_;
  std::thread server_thread_;
  std::map<std::string, Node> workers_;
};

// Polls `done` every 10 ms until it holds (true) or `limit` passes (false).
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace tf::testing
