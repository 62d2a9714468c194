#include "worker/nvml_probe.h"

#include <dlfcn.h>

namespace tf {

namespace {

// The few declarations of nvml.h this file uses (the ABI of libnvidia-ml.so.1).
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr nvmlReturn_t kNvmlInsufficientSize = 7;
constexpr int kNvmlTemperatureGpu = 0;
constexpr unsigned kNvmlNameLength = 96;
// nvmlProcessInfo_t of the _v2 and _v3 process queries.
struct NvmlProcessInfo {
  unsigned int pid;
  unsigned long long used_gpu_memory;
  unsigned int gpu_instance_id;
  unsigned int compute_instance_id;
};

}  // namespace

struct NvmlProbe::Api {
  void* library = nullptr;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  nvmlReturn_t (*device_count)(unsigned int*) = nullptr;
  nvmlReturn_t (*device_by_index)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*device_name)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned int*) = nullptr;
  nvmlReturn_t (*power_usage)(nvmlDevice_t, unsigned int*) = nullptr;
  nvmlReturn_t (*compute_processes)(nvmlDevice_t, unsigned int*, NvmlProcessInfo*) = nullptr;
  bool initialized = false;

  ~Api() {
    if (initialized && shutdown != nullptr) shutdown();
    if (library != nullptr) ::dlclose(library);
  }
  template <class F>
  bool bind(F*& fn, const char* name) {
    fn = reinterpret_cast<F*>(::dlsym(library, name));
    return fn != nullptr;
  }
  template <class F>
  void bind_first(F*& fn, std::initializer_list<const char*> names) {
    for (const char* name : names) {
      if (bind(fn, name)) return;
    }
  }
};

Result<std::unique_ptr<NvmlProbe>> NvmlProbe::open() {
  auto api = std::make_unique<Api>();
  api->library = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (api->library == nullptr) {
    return Error{
        "libnvidia-ml.so.1 (NVIDIA's management library, part of the driver) is not "
        "installed"};
  }
  api->bind_first(api->init, {"nvmlInit_v2", "nvmlInit"});
  api->bind(api->shutdown, "nvmlShutdown");
  api->bind_first(api->device_count, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"});
  api->bind_first(api->device_by_index,
                  {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"});
  api->bind(api->device_name, "nvmlDeviceGetName");
  api->bind(api->temperature, "nvmlDeviceGetTemperature");
  api->bind(api->power_usage, "nvmlDeviceGetPowerUsage");
  api->bind_first(api->compute_processes, {"nvmlDeviceGetComputeRunningProcesses_v3",
                                           "nvmlDeviceGetComputeRunningProcesses_v2"});
  if (api->init == nullptr || api->shutdown == nullptr || api->device_count == nullptr ||
      api->device_by_index == nullptr) {
    return Error{"libnvidia-ml.so.1 lacks nvmlInit or the device queries (a driver too old?)"};
  }
  if (nvmlReturn_t r = api->init(); r != kNvmlSuccess) {
    return Error{"NVML did not initialize (error " + std::to_string(r) +
                 "; is the NVIDIA driver loaded?)"};
  }
  api->initialized = true;
  return std::unique_ptr<NvmlProbe>(new NvmlProbe(std::move(api)));
}

NvmlProbe::NvmlProbe(std::unique_ptr<Api> api) : api_(std::move(api)) {}
NvmlProbe::~NvmlProbe() = default;

Result<std::vector<GpuReading>> NvmlProbe::read() {
  unsigned int count = 0;
  if (nvmlReturn_t r = api_->device_count(&count); r != kNvmlSuccess) {
    return Error{"NVML cannot count the GPUs (error " + std::to_string(r) + ")"};
  }
  std::vector<GpuReading> readings;
  for (unsigned int i = 0; i < count; ++i) {
    nvmlDevice_t device = nullptr;
    if (api_->device_by_index(i, &device) != kNvmlSuccess) continue;
    GpuReading reading;
    char name[kNvmlNameLength] = {};
    if (api_->device_name != nullptr &&
        api_->device_name(device, name, sizeof name) == kNvmlSuccess) {
      reading.name = name;
    } else {
      reading.name = "GPU " + std::to_string(i);
    }
    unsigned int value = 0;
    if (api_->temperature != nullptr &&
        api_->temperature(device, kNvmlTemperatureGpu, &value) == kNvmlSuccess) {
      reading.temp_c = value;
    }
    if (api_->power_usage != nullptr && api_->power_usage(device, &value) == kNvmlSuccess) {
      reading.power_w = value / 1000.0;  // milliwatts
    }
    if (api_->compute_processes != nullptr) {
      NvmlProcessInfo infos[64] = {};
      unsigned int n = 64;
      const nvmlReturn_t r = api_->compute_processes(device, &n, infos);
      if (r == kNvmlSuccess) {
        std::vector<uint32_t> pids;
        for (unsigned int p = 0; p < n && p < 64; ++p) pids.push_back(infos[p].pid);
        reading.compute_pids = std::move(pids);
      } else if (r == kNvmlInsufficientSize) {
        reading.compute_pids.emplace();
        reading.unlisted_processes = n > 64 ? n : 65;
      }
    }
    readings.push_back(std::move(reading));
  }
  return readings;
}

}  // namespace tf
