// A farm process for crash tests, killed with SIGKILL by the tests:
//   farm_test_node dispatcher ENDPOINT STATE_DIR
//   farm_test_node worker ENDPOINT CACHE_DIR DELAY_MS
// The worker renders with the synthetic executor (no scene renderer needed).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "dispatcher/server.h"
#include "tests/integration/synthetic_executor.h"
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
  if (mode == "dispatcher" && argc == 4) {
    tf::DispatcherServerOptions options;
    options.endpoint = argv[2];
    options.core.state_dir = argv[3];
    auto server = tf::DispatcherServer::start(context, options);
    if (!server) {
      std::fprintf(stderr, "%s\n", server.message().c_str());
      return 2;
    }
    g_server = server.value().get();
    return server.value()->run().is_ok() ? 0 : 1;
  }
  if (mode == "worker" && argc == 5) {
    tf::WorkerOptions options;
    options.dispatcher_endpoint = argv[2];
    options.cache_dir = argv[3];
    std::vector<std::unique_ptr<tf::UnitExecutor>> executors;
    executors.push_back(std::make_unique<tf::testing::SyntheticExecutor>(
        std::chrono::milliseconds(std::atoi(argv[4]))));
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
               "       farm_test_node worker ENDPOINT CACHE DELAY_MS\n");
  return 2;
}
