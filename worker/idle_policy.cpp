#include "worker/idle_policy.h"

#include <cmath>

#include "worker/idle_window.h"
#include "worker/machine_idle.h"
#include "worker/nvml_probe.h"

namespace tf {

IdleVerdict AllOfSource::check() {
  std::string reasons;
  for (const std::unique_ptr<IdleSource>& part : parts_) {
    IdleVerdict v = part->check();
    if (!v.may_work) return v;
    reasons += (reasons.empty() ? "" : "; ") + v.reason;
  }
  return {true, reasons};
}

Result<std::unique_ptr<IdleSource>> make_idle_source(const IdlePolicyOptions& options) {
  const auto bad = [](double v) { return !std::isfinite(v) || v < 0; };
  if (bad(options.idle_minutes))
    return Error{"--idle-minutes must be a number of minutes, 0 or more"};
  if (bad(options.max_other_load) || options.max_other_load > 1) {
    return Error{"--max-other-load must be a fraction of the CPUs from 0 to 1 (0.25: a quarter)"};
  }
  if (bad(options.max_gpu_temp_c)) return Error{"--max-gpu-temp must be degrees Celsius above 0"};
  if (bad(options.max_power_w)) return Error{"--max-power must be watts above 0"};
  const auto note = options.log ? options.log : [](const std::string&) {};

  std::vector<std::unique_ptr<IdleSource>> parts;
  const bool gpu_limits = options.max_gpu_temp_c > 0 || options.max_power_w > 0;
  std::shared_ptr<NvmlProbe> nvml;
  if (options.when == "idle" || gpu_limits) {
    Result<std::unique_ptr<NvmlProbe>> opened = NvmlProbe::open();
    if (opened) {
      nvml = std::move(opened.value());
    } else {
      note("NVML is not available: " + opened.message());
    }
  }
  if (options.when == "always") {
    parts.push_back(std::make_unique<AlwaysSource>());
  } else if (options.when == "idle") {
    parts.push_back(std::make_unique<IdleMachineSource>(
        options.idle_minutes, options.max_other_load, system_readings(nvml), note));
  } else if (options.when.find(':') != std::string::npos) {
    Result<TimeWindow> window = parse_time_window(options.when);
    if (!window) return Error{"--when: " + window.message()};
    parts.push_back(std::make_unique<WindowSource>(window.value()));
  } else {
    return Error{"--when \"" + options.when +
                 "\" is not a policy: use always, idle, or a daily window of local time such as "
                 "22:00-06:00"};
  }
  if (gpu_limits) {
    parts.push_back(std::make_unique<GpuLimitSource>(options.max_gpu_temp_c, options.max_power_w,
                                                     system_readings(nvml), note));
  }
  if (parts.size() == 1) return std::move(parts.front());
  return std::unique_ptr<IdleSource>(std::make_unique<AllOfSource>(std::move(parts)));
}

}  // namespace tf
