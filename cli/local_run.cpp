#include "cli/local_run.h"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>

#include "cli/log_output.h"
#include "worker/backend_executor.h"

namespace tf::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void on_interrupt(int) { g_interrupted = true; }

}  // namespace

void reuse_freed_memory() {
#ifdef __GLIBC__
  mallopt(M_MMAP_THRESHOLD, 256 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

int fail(const std::string& message, int code) {
  write_log(LogLevel::kError, message);
  return code;
}

bool interrupted() { return g_interrupted; }

Result<proto::JobStatus> follow_job(DispatcherClient& client, uint64_t job,
                                    ProgressReporter& progress) {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // Each status request waits on the farm for the job's end (DispatcherClient::wait), so the
  // end is seen as soon as it is committed; the interval paces the progress line and how soon
  // an interrupt cancels the job.
  return client.wait(job, std::chrono::milliseconds(100), [&](const proto::JobStatus& status) {
    if (g_interrupted) (void)client.cancel(job);
    progress.update(status);
  });
}

Result<std::unique_ptr<EmbeddedFarm>> start_local_farm(const std::string& backend, int workers,
                                                       const std::string& state_dir) {
  Result<std::vector<std::unique_ptr<UnitExecutor>>> executors = local_executors(backend, workers);
  if (!executors) return Error{executors.message()};
  EmbeddedFarmOptions options;
  options.state_dir = state_dir;
  return EmbeddedFarm::start(options, std::move(executors.value()));
}

Result<std::vector<std::unique_ptr<UnitExecutor>>> local_executors(const std::string& backend,
                                                                  int workers) {
  Result<std::vector<std::unique_ptr<UnitExecutor>>> all = make_executors(backend);
  if (!all || workers <= 0 || static_cast<size_t>(workers) == all->size()) return all;
  // More (or fewer) workers than devices: open the devices round-robin.
  std::vector<DeviceInfo> devices;
  for (const auto& e : all.value()) devices.push_back(e->device());
  std::vector<std::unique_ptr<UnitExecutor>> chosen;
  for (int i = 0; i < workers; ++i) {
    const DeviceInfo& d = devices[static_cast<size_t>(i) % devices.size()];
    Result<std::unique_ptr<UnitExecutor>> e = make_backend_executor(d.backend, d.index);
    if (!e) return Error{e.message()};
    chosen.push_back(std::move(e.value()));
  }
  return chosen;
}

}  // namespace tf::cli
