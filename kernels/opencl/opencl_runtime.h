// A thin, error-checked layer over the OpenCL 1.2 C API: device discovery through the ICD
// loader, one context and in-order queue per device, program builds with the fixed
// determinism options and the on-disk binary cache, buffers and 2D launches.
//
// Every call that can fail returns tf::Status / tf::Result with the OpenCL error name and what
// was being done. Nothing here throws.
//
// Thread safety: enumerate_devices() may be called from any thread. A DeviceSession and the
// objects it created are used by one thread at a time.
#pragma once

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kernels/backend.h"
#include "kernels/opencl/program_cache.h"
#include "kernels/status.h"

namespace tf::ocl {

// Owns one reference to an OpenCL object and releases it on destruction. Move-only.
template <class T, cl_int (*Release)(T)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T object) : object_(object) {}
  Handle(Handle&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      object_ = std::exchange(other.object_, nullptr);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  T get() const { return object_; }

 private:
  void reset() {
    if (object_ != nullptr) Release(object_);
    object_ = nullptr;
  }
  T object_ = nullptr;
};

using ContextHandle = Handle<cl_context, clReleaseContext>;
using QueueHandle = Handle<cl_command_queue, clReleaseCommandQueue>;
using ProgramHandle = Handle<cl_program, clReleaseProgram>;
using KernelHandle = Handle<cl_kernel, clReleaseKernel>;
using BufferHandle = Handle<cl_mem, clReleaseMemObject>;

// "CL_OUT_OF_RESOURCES (-5)"; unknown codes print as "OpenCL error -N".
std::string error_name(cl_int code);

// Build options of every program (DESIGN.md determinism contract). Never add
// -cl-fast-relaxed-math, -cl-mad-enable or -cl-denorms-are-zero.
inline constexpr const char* kBuildOptions = "-cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt";

// One device reachable through the ICD loader.
struct DeviceEntry {
  cl_platform_id platform = nullptr;
  cl_device_id device = nullptr;
  DeviceInfo info;       // backend "opencl"; index = position in enumerate_devices()
  std::string identity;  // platform, device and driver names and versions (cache key part)
};

// Every device of every platform, platforms in ICD order, devices in platform order. No ICD,
// no platform or any OpenCL error gives an empty list, never an error: the absence of OpenCL
// is a normal outcome.
std::vector<DeviceEntry> enumerate_devices();

// A context and an in-order queue on one device.
class DeviceSession {
 public:
  // Opens device `index` of enumerate_devices(). Fails when the index is out of range, when
  // the device cannot honour the determinism contract (no correctly rounded divide/sqrt, no
  // denormals), or when the context or queue cannot be created.
  static Result<std::unique_ptr<DeviceSession>> open(int index);

  const DeviceInfo& info() const { return entry_.info; }

  // Builds `source` with kBuildOptions. With a cache, a valid cached binary is used instead of
  // compiling, and a fresh binary is stored (store failures are ignored: the cache is only an
  // optimisation). A compile failure's message holds the build log.
  Result<ProgramHandle> build_program(std::string_view source, const ProgramCache* cache);

  Result<KernelHandle> create_kernel(const ProgramHandle& program, const char* name);

  // A read-only device buffer holding a copy of `bytes` bytes at `data`. For bytes == 0 a
  // small zeroed buffer is returned instead, so kernels always get a valid pointer.
  Result<BufferHandle> upload(const void* data, size_t bytes);

  // A device buffer of `bytes` bytes (at least 1) that kernels write.
  Result<BufferHandle> allocate(size_t bytes);

  // Blocking copy of `bytes` bytes from the start of `buffer` to `out` (unspecified on error).
  Status read(const BufferHandle& buffer, void* out, size_t bytes);

  // Runs `kernel` over at least the global range width x height (rounded up to whole work
  // groups: kernels must ignore ids outside their range and must not depend on the group
  // shape) and waits for it to finish.
  Status run_2d(const KernelHandle& kernel, size_t width, size_t height);

 private:
  explicit DeviceSession(DeviceEntry entry) : entry_(std::move(entry)) {}
  Result<ProgramHandle> build_from_binary(const std::vector<unsigned char>& binary);
  std::string build_log(cl_program program) const;

  DeviceEntry entry_;
  ContextHandle context_;
  QueueHandle queue_;
};

// Kernel arguments. Errors name the argument index.
Status set_buffer_arg(const KernelHandle& kernel, cl_uint index, const BufferHandle& buffer);
Status set_u32_arg(const KernelHandle& kernel, cl_uint index, cl_uint value);

}  // namespace tf::ocl
