// tf::list_devices() and tf::make_backend() over the backends compiled into this build.
// Which ones those are is decided by kernels/CMakeLists.txt (TILEFARM_BACKEND_* definitions).
#include <exception>
#include <string>
#include <vector>

#include "kernels/backend.h"

#if TILEFARM_BACKEND_CPU
#include "kernels/cpu/cpu_backend.h"
#endif
#if TILEFARM_BACKEND_OPENCL
#include "kernels/opencl/opencl_backend.h"
#endif
#if TILEFARM_BACKEND_CUDA
#include "kernels/cuda/cuda_backend.h"
#endif

namespace tf {
namespace {

const char* compiled_backends() {
  return ""
#if TILEFARM_BACKEND_CPU
         " cpu"
#endif
#if TILEFARM_BACKEND_OPENCL
         " opencl"
#endif
#if TILEFARM_BACKEND_CUDA
         " cuda"
#endif
      ;
}

void append(std::vector<DeviceInfo>* all, std::vector<DeviceInfo> more) {
  for (DeviceInfo& d : more) all->push_back(std::move(d));
}

Result<std::unique_ptr<Backend>> open_backend(const std::string& backend, int index) {
#if TILEFARM_BACKEND_CPU
  if (backend == "cpu") {
    if (index != 0) return Error{"the cpu backend has one device, index 0 (asked for " + std::to_string(index) + ")"};
    return make_cpu_backend();
  }
#endif
#if TILEFARM_BACKEND_OPENCL
  if (backend == "opencl") return make_opencl_backend(index);
#endif
#if TILEFARM_BACKEND_CUDA
  if (backend == "cuda") return make_cuda_backend(index);
#endif
  if (backend == "cpu" || backend == "opencl" || backend == "cuda") {
    return Error{"the " + backend + " backend is not compiled into this build (compiled in:" +
                 std::string(compiled_backends()) + ")"};
  }
  return Error{"unknown backend '" + backend + "' (compiled in:" + std::string(compiled_backends()) + ")"};
}

}  // namespace

std::vector<DeviceInfo> list_devices(std::string_view backend) {
  const auto wanted = [&](std::string_view name) { return backend.empty() || backend == name; };
  std::vector<DeviceInfo> all;
#if TILEFARM_BACKEND_CPU
  if (wanted("cpu")) all.push_back(cpu_device_info());
#endif
#if TILEFARM_BACKEND_OPENCL
  if (wanted("opencl")) append(&all, opencl_devices());
#endif
#if TILEFARM_BACKEND_CUDA
  if (wanted("cuda")) append(&all, cuda_devices());
#endif
  (void)wanted;  // no backend compiled in
  return all;
}

Result<std::unique_ptr<Backend>> make_backend(const std::string& backend, int index) {
  try {
    return open_backend(backend, index);
  } catch (const std::exception& e) {  // e.g. std::bad_alloc or thread creation in a backend
    return Error{"opening the " + backend + " backend failed: " + e.what()};
  }
}

}  // namespace tf
