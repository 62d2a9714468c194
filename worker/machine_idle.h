// The `idle` policy (idle_policy.h) and the GPU limits: what "the machine is idle" means.
//
// IdleMachineSource may work when all of these hold:
// - no user input for `idle_minutes` (logind_input.h); where logind cannot be asked, this is
//   taken as satisfied, and said once in the log;
// - the other processes' CPU load (cpu_load.h) is at most `max_other_load`;
// - no other process computes on a GPU (NVML, nvml_probe.h; skipped, and said once, where NVML
//   is absent). Processes this worker cannot see (another PID namespace) are not counted.
// GpuLimitSource may work while every GPU is at most `max_gpu_temp_c` and draws at most
// `max_power_w` (0: no limit); a limit NVML cannot read is said once and not enforced.
//
// Readings come through MachineReadings, so that tests inject them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kernels/status.h"
#include "worker/idle_policy.h"
#include "worker/nvml_probe.h"

namespace tf {

struct MachineReadings {
  // Seconds since the last user input; nullopt: no user session. An error: logind cannot be
  // asked here.
  std::function<Result<std::optional<double>>()> seconds_since_input;
  // The other processes' CPU load since the previous call, [0, 1]; nullopt: unknown (an error
  // in the string when there is one).
  std::function<std::optional<double>(std::string*)> other_load;
  // Every GPU's reading; empty function: NVML is absent.
  std::function<Result<std::vector<GpuReading>>()> gpus;
  // Whether a PID NVML reports is another process this worker can see (not itself).
  std::function<bool(uint32_t)> is_other_process;
};

// The readings of this machine: loginctl, /proc, and NVML when `nvml` is set (shared with
// GpuLimitSource).
MachineReadings system_readings(std::shared_ptr<NvmlProbe> nvml);

class IdleMachineSource : public IdleSource {
 public:
  IdleMachineSource(double idle_minutes, double max_other_load, MachineReadings readings,
                    std::function<void(const std::string&)> note);
  IdleVerdict check() override;

 private:
  double idle_seconds_;
  double max_other_load_;
  MachineReadings readings_;
  std::function<void(const std::string&)> note_;
  bool said_no_logind_ = false, said_no_load_ = false, said_no_gpu_processes_ = false;
};

class GpuLimitSource : public IdleSource {
 public:
  // 0 for a limit: not enforced. `readings.gpus` empty: neither can be (said once, here).
  GpuLimitSource(double max_temp_c, double max_power_w, MachineReadings readings,
                 std::function<void(const std::string&)> note);
  IdleVerdict check() override;

 private:
  double max_temp_c_, max_power_w_;
  MachineReadings readings_;
  std::function<void(const std::string&)> note_;
  bool said_no_temp_ = false, said_no_power_ = false, said_failed_ = false;
};

}  // namespace tf
