// The tilefarm subcommands. Each returns the process exit code: 0 success, 1 the job failed,
// 2 bad usage or bad input (the message names the problem). Messages go to stderr; results
// (paths, ids, JSON) to stdout.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/job_submission.h"

namespace tf::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitJobFailed = 1;
inline constexpr int kExitBadInput = 2;

struct RenderArgs {
  std::string scene;
  std::string output;  // OUT.exr; empty: out/<scene name>.exr
  std::optional<uint32_t> spp;
  uint32_t tile = 32;
  std::optional<uint32_t> samples_per_unit;
  std::string backend = "auto";
  int workers = 0;  // 0: one per device
  std::optional<uint32_t> frame;
  std::string state_dir;
};
int render(const RenderArgs& args);
int devices(bool json);
int info(const std::string& scene, bool json);

int dispatcher(const std::string& listen, const std::string& state_dir);

struct WorkerArgs {
  std::string dispatcher;
  std::string backend = "auto";
  std::vector<int> devices;
  std::string cache_dir;
  uint32_t units_per_device = 2;
};
int worker(const WorkerArgs& args);

struct SubmitArgs {
  JobRequest request;
  std::string dispatcher;
  std::string output_dir;
  bool wait = false;
};
int submit(const SubmitArgs& args);

struct StatusArgs {
  std::string dispatcher;
  std::optional<uint64_t> job;  // empty: every job
  bool json = false;
  // Watch: poll every `interval_seconds` and print the jobs again whenever they change, until
  // none of them is queued or running; 0 when every one is done, 1 when any failed or was
  // cancelled. Each poll rides out a dispatcher restart (DispatcherClient retries).
  bool watch = false;
  double interval_seconds = 1.0;
};
int status(const StatusArgs& args);
int cancel(const std::string& dispatcher, uint64_t job);
int outputs(const std::string& dispatcher, uint64_t job, const std::string& dir);

}  // namespace tf::cli
