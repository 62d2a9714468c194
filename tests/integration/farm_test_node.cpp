// A farm process for crash tests, killed with SIGKILL by the tests:
//   farm_test_node dispatcher ENDPOINT STATE_DIR [PLAN_AHEAD_UNITS]
//   farm_test_node worker ENDPOINT CACHE_DIR DELAY_MS
//   farm_test_node sim-worker ENDPOINT CACHE_DIR
// The worker renders with the synthetic executor (no scene renderer needed); the sim-worker
// steps simulation units on the CPU backend.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dispatcher/server.h"
#include "tests/integration/synthetic_executor.h"
#include "worker/backend_executor.h"
#include "worker/worker.h"

namespace {

tf::DispatcherServer* g_server = nullptr;
tf::Worker* g_worker = nullptr;

void on_signal(int) {
  if (g_server) g_server->request_stop();
  if (g_worker) g_worker->request_stop();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  zmq::context_t context;
  if (mode == "dispatcher" && (argc == 4 || argc == 5)) {
    tf::DispatcherServerOptions options;
    options.endpoint = argv[2];
    options.core.state_dir = argv[3];
    if (argc == 5) options.core.plan_ahead_units = std::strtoull(argv[4], nullptr, 10);
    auto server = tf::DispatcherServer::start(context, options);
    if (!server) {
      std::fprintf(stderr, "%s\n", server.message().c_str());
      return 2;
    }
    g_server = server.value().get();
    return server.value()->run().is_ok() ? 0 : 1;
  }
  const bool sim_worker = mode == "sim-worker" && argc == 4;
  if ((mode == "worker" && argc == 5) || sim_worker) {
    tf::WorkerOptions options;
    options.dispatcher_endpoint = argv[2];
    options.cache_dir = argv[3];
    std::vector<std::unique_ptr<tf::UnitExecutor>> executors;
    if (sim_worker) {
      auto cpu = tf::make_backend_executor("cpu", 0);
      if (!cpu) {
        std::fprintf(stderr, "%s\n", cpu.message().c_str());
        return 2;
      }
      executors.push_back(std::move(cpu.value()));
    } else {
      executors.push_back(std::make_unique<tf::testing::SyntheticExecutor>(
          std::chrono::milliseconds(std::atoi(argv[4]))));
    }
    auto worker = tf::Worker::create(context, options, std::move(executors));
    if (!worker) {
      std::fprintf(stderr, "%s\n", worker.message().c_str());
      return 2;
    }
    g_worker = worker.value().get();
    return worker.value()->run().is_ok() ? 0 : 1;
  }
  std::fprintf(stderr,
               "usage: farm_test_node dispatcher ENDPOINT STATE\n"
               "       farm_test_node worker ENDPOINT CACHE DELAY_MS\n"
               "       farm_test_node sim-worker ENDPOINT CACHE\n");
  return 2;
}
