// The embedded farm behind `tilefarm render`: a dispatcher and local workers in one process,
// talking over inproc ZeroMQ exactly as a networked farm does over tcp.
//
// Lifetime: start() binds the dispatcher and starts one thread for it and one per worker;
// the destructor stops the workers (they hand back unfinished units), then the dispatcher,
// and joins every thread. A temporary state folder is removed at destruction.
//
// Thread safety: client() and the destructor from the thread that called start().
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "dispatcher/client.h"
#include "dispatcher/server.h"
#include "kernels/status.h"
#include "worker/executor.h"
#include "worker/worker.h"

namespace tf {

struct EmbeddedFarmOptions {
  std::filesystem::path state_dir;  // empty: a temporary folder, removed afterwards
  std::string store_url;  // empty: SQLite in state_dir; else PostgreSQL (DispatcherConfig)
  uint32_t units_per_device = 2;
  int64_t heartbeat_interval_ms = 1000;
  // Where the dispatcher shows the farm to a dashboard (farm_board.h); null: nowhere.
  std::shared_ptr<FarmBoard> board;
};

class EmbeddedFarm {
 public:
  // One worker per executor.
  static Result<std::unique_ptr<EmbeddedFarm>> start(
      EmbeddedFarmOptions options, std::vector<std::unique_ptr<UnitExecutor>> executors);
  ~EmbeddedFarm();

  DispatcherClient& client() { return *client_; }
  const std::string& endpoint() const { return endpoint_; }
  // The dispatcher's blobs (a handle usable from any thread), for a dashboard.
  BlobStore blobs() const { return server_->blobs(); }

 private:
  EmbeddedFarm() = default;

  zmq::context_t context_;
  std::filesystem::path temp_dir_;  // removed at destruction when not empty
  std::unique_ptr<DispatcherServer> server_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::thread server_thread_;
  std::unique_ptr<DispatcherClient> client_;
  std::string endpoint_;
};

}  // namespace tf
