#include "cli/embedded_farm.h"

#include <cstdio>
#include <cstdlib>

namespace tf {

Result<std::unique_ptr<EmbeddedFarm>> EmbeddedFarm::start(
    EmbeddedFarmOptions options, std::vector<std::unique_ptr<UnitExecutor>> executors) {
  std::unique_ptr<EmbeddedFarm> farm(new EmbeddedFarm());
  if (options.state_dir.empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "tilefarm-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return Error{"cannot create a temporary state folder"};
    farm->temp_dir_ = pattern;
    options.state_dir = farm->temp_dir_ / "dispatcher";
  }
  farm->endpoint_ = "inproc://" + proto::random_routing_id("tilefarm-embedded-");

  DispatcherServerOptions server_options;
  server_options.endpoint = farm->endpoint_;
  server_options.core.state_dir = options.state_dir;
  server_options.core.store_url = options.store_url;
  server_options.core.heartbeat_interval_ms = options.heartbeat_interval_ms;
  server_options.core.board = options.board;
  Result<std::unique_ptr<DispatcherServer>> server =
      DispatcherServer::start(farm->context_, std::move(server_options));
  if (!server) return Error{server.message()};
  farm->server_ = std::move(server.value());
  farm->server_thread_ = std::thread([server = farm->server_.get()] {
    if (Status s = server->run(); !s) std::fprintf(stderr, "dispatcher stopped: %s\n", s.message().c_str());
  });

  const std::filesystem::path cache_root =
      (farm->temp_dir_.empty() ? options.state_dir : farm->temp_dir_) / "worker-cache";
  for (size_t i = 0; i < executors.size(); ++i) {
    WorkerOptions worker_options;
    worker_options.dispatcher_endpoint = farm->endpoint_;
    worker_options.name = "local-" + std::to_string(i);
    worker_options.cache_dir = cache_root / std::to_string(i);
    worker_options.units_per_device = options.units_per_device;
    worker_options.heartbeat_interval_ms = options.heartbeat_interval_ms;
    std::vector<std::unique_ptr<UnitExecutor>> one;
    one.push_back(std::move(executors[i]));
    Result<std::unique_ptr<Worker>> worker =
        Worker::create(farm->context_, std::move(worker_options), std::move(one));
    if (!worker) return Error{worker.message()};
    farm->workers_.push_back(std::move(worker.value()));
  }
  for (auto& worker : farm->workers_) {
    farm->threads_.emplace_back([w = worker.get()] {
      if (Status s = w->run(); !s) std::fprintf(stderr, "worker stopped: %s\n", s.message().c_str());
    });
  }
  farm->client_ = std::make_unique<DispatcherClient>(farm->context_, farm->endpoint_);
  return farm;
}

EmbeddedFarm::~EmbeddedFarm() {
  client_.reset();
  for (auto& worker : workers_) worker->request_stop();
  for (std::thread& t : threads_) t.join();
  if (server_) server_->request_stop();
  if (server_thread_.joinable()) server_thread_.join();
  server_.reset();
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
  }
}

}  // namespace tf
