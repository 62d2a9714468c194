// What NVIDIA's management library says about this machine's GPUs: temperature, board power
// and the processes computing on them. libnvidia-ml.so.1 is loaded with dlopen at run time
// (it comes with the driver), so the build does not depend on it; where it is absent, open()
// says why and the checks that need it are skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kernels/status.h"

namespace tf {

struct GpuReading {
  std::string name;              // "NVIDIA H200"
  std::optional<double> temp_c;  // nullopt: this GPU does not report it
  std::optional<double> power_w;
  // Processes computing on the GPU (CUDA, OpenCL), by PID in the reporting namespace.
  // Graphics processes (a desktop's compositor) are not listed. nullopt: not reported.
  std::optional<std::vector<uint32_t>> compute_pids;
  uint32_t unlisted_processes = 0;  // too many to list (more than 64): all count as others'
};

class NvmlProbe {
 public:
  // Loads and initializes NVML; an error says why it is not available.
  static Result<std::unique_ptr<NvmlProbe>> open();
  ~NvmlProbe();
  NvmlProbe(const NvmlProbe&) = delete;
  NvmlProbe& operator=(const NvmlProbe&) = delete;

  // One reading per GPU, in NVML's order; an error when NVML fails as a whole.
  Result<std::vector<GpuReading>> read();

 private:
  struct Api;
  explicit NvmlProbe(std::unique_ptr<Api> api);
  std::unique_ptr<Api> api_;
};

}  // namespace tf
