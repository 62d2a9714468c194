#include "worker/machine_idle.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <thread>

#include "worker/cpu_load.h"
#include "worker/logind_input.h"

namespace tf {

namespace {

std::string duration_text(double seconds) {
  if (std::isinf(seconds)) return "a long time";
  if (seconds < 120) return std::to_string(static_cast<long long>(seconds)) + " s";
  return std::to_string(static_cast<long long>(seconds / 60)) + " min";
}

std::string percent(double fraction) {
  return std::to_string(static_cast<long long>(std::lround(fraction * 100))) + "%";
}

std::string number(double v) { return std::to_string(static_cast<long long>(std::lround(v))); }

}  // namespace

MachineReadings system_readings(std::shared_ptr<NvmlProbe> nvml) {
  MachineReadings r;
  r.seconds_since_input = [] { return query_seconds_since_input(); };
  auto meter = std::make_shared<CpuLoadMeter>();
  r.other_load = [meter](std::string* problem) {
    std::optional<double> load = meter->sample(problem);
    if (!load && (problem == nullptr || problem->empty())) {
      // The first sample (or one right after another): measure over a short stretch now.
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      load = meter->sample(problem);
    }
    return load;
  };
  if (nvml) r.gpus = [nvml] { return nvml->read(); };
  r.is_other_process = [](uint32_t pid) {
    if (pid == static_cast<uint32_t>(::getpid())) return false;
    std::error_code ec;
    return std::filesystem::exists("/proc/" + std::to_string(pid), ec);
  };
  return r;
}

IdleMachineSource::IdleMachineSource(double idle_minutes, double max_other_load,
                                     MachineReadings readings,
                                     std::function<void(const std::string&)> note)
    : idle_seconds_(idle_minutes * 60),
      max_other_load_(max_other_load),
      readings_(std::move(readings)),
      note_(note ? std::move(note) : [](const std::string&) {}) {
  if (!readings_.gpus) {
    note_("other processes' use of the GPU is not checked (no NVML)");
    said_no_gpu_processes_ = true;
  }
}

IdleVerdict IdleMachineSource::check() {
  std::string input_text = "no user session";
  if (readings_.seconds_since_input) {
    Result<std::optional<double>> since = readings_.seconds_since_input();
    if (!since) {
      if (!said_no_logind_) {
        note_("logind cannot be asked (" + since.message() +
              "): user input is not checked, the machine counts as unattended");
        said_no_logind_ = true;
      }
      input_text = "user input not checked";
    } else if (since.value()) {
      const double seconds = *since.value();
      if (seconds < idle_seconds_) return {false, "user input " + duration_text(seconds) + " ago"};
      input_text = "no user input for " + duration_text(seconds);
    }
  }
  std::string load_text = "CPU load not checked";
  if (readings_.other_load) {
    std::string problem;
    const std::optional<double> load = readings_.other_load(&problem);
    if (load) {
      if (*load > max_other_load_) {
        return {false, "other processes use " + percent(*load) + " of the CPUs (at most " +
                           percent(max_other_load_) + " allowed)"};
      }
      load_text = "other CPU load " + percent(*load);
    } else if (!problem.empty() && !said_no_load_) {
      note_("the CPU load cannot be read (" + problem + "): it is not checked");
      said_no_load_ = true;
    }
  }
  if (readings_.gpus) {
    Result<std::vector<GpuReading>> gpus = readings_.gpus();
    if (gpus) {
      for (const GpuReading& gpu : gpus.value()) {
        if (!gpu.compute_pids) {
          if (!said_no_gpu_processes_) {
            note_(gpu.name +
                  " does not list its processes: other processes' GPU use is not checked");
            said_no_gpu_processes_ = true;
          }
          continue;
        }
        if (gpu.unlisted_processes > 0) {
          return {false,
                  std::to_string(gpu.unlisted_processes) + " processes compute on " + gpu.name};
        }
        for (uint32_t pid : *gpu.compute_pids) {
          if (readings_.is_other_process && readings_.is_other_process(pid)) {
            return {false, "process " + std::to_string(pid) + " computes on " + gpu.name};
          }
        }
      }
    }
  }
  return {true, "idle: " + input_text + ", " + load_text};
}

GpuLimitSource::GpuLimitSource(double max_temp_c, double max_power_w, MachineReadings readings,
                               std::function<void(const std::string&)> note)
    : max_temp_c_(max_temp_c),
      max_power_w_(max_power_w),
      readings_(std::move(readings)),
      note_(note ? std::move(note) : [](const std::string&) {}) {
  if (!readings_.gpus) {
    if (max_temp_c_ > 0) note_("--max-gpu-temp cannot be enforced (no NVML)");
    if (max_power_w_ > 0) note_("--max-power cannot be enforced (no NVML)");
    said_no_temp_ = said_no_power_ = true;
  }
}

IdleVerdict GpuLimitSource::check() {
  if (!readings_.gpus || (max_temp_c_ <= 0 && max_power_w_ <= 0)) return {true, "no GPU limits"};
  Result<std::vector<GpuReading>> gpus = readings_.gpus();
  if (!gpus) {
    if (!said_failed_) {
      note_("NVML failed (" + gpus.message() + "): the GPU limits are not enforced now");
      said_failed_ = true;
    }
    return {true, "GPU limits not readable"};
  }
  std::string text = "GPUs within limits";
  for (const GpuReading& gpu : gpus.value()) {
    if (max_temp_c_ > 0) {
      if (!gpu.temp_c) {
        if (!said_no_temp_)
          note_("--max-gpu-temp cannot be enforced: " + gpu.name + " reports no temperature");
        said_no_temp_ = true;
      } else if (*gpu.temp_c > max_temp_c_) {
        return {false, gpu.name + " at " + number(*gpu.temp_c) + " C (at most " +
                           number(max_temp_c_) + " C allowed)"};
      }
    }
    if (max_power_w_ > 0) {
      if (!gpu.power_w) {
        if (!said_no_power_)
          note_("--max-power cannot be enforced: " + gpu.name + " reports no power draw");
        said_no_power_ = true;
      } else if (*gpu.power_w > max_power_w_) {
        return {false, gpu.name + " draws " + number(*gpu.power_w) + " W (at most " +
                           number(max_power_w_) + " W allowed)"};
      }
    }
  }
  return {true, text};
}

}  // namespace tf
