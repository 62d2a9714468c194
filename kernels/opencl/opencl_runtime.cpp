#include "kernels/opencl/opencl_runtime.h"

#include <cstdint>

namespace tf::ocl {
namespace {

Error cl_error(const std::string& what, cl_int code) { return Error{what + " failed: " + error_name(code)}; }

// A string-valued device or platform property; empty on error.
template <class Object, class Param, class Getter>
std::string info_string(Getter getter, Object object, Param param) {
  size_t size = 0;
  if (getter(object, param, 0, nullptr, &size) != CL_SUCCESS || size == 0) return {};
  std::string value(size, '\0');
  if (getter(object, param, size, value.data(), nullptr) != CL_SUCCESS) return {};
  while (!value.empty() && value.back() == '\0') value.pop_back();
  return value;
}

template <class T>
T device_value(cl_device_id device, cl_device_info param) {
  T value{};
  if (clGetDeviceInfo(device, param, sizeof value, &value, nullptr) != CL_SUCCESS) return T{};
  return value;
}

}  // namespace

std::string error_name(cl_int code) {
  const char* name = nullptr;
  switch (code) {
#define TF_CL_ERROR(e) \
  case e:              \
    name = #e;         \
    break;
    TF_CL_ERROR(CL_DEVICE_NOT_FOUND)
    TF_CL_ERROR(CL_DEVICE_NOT_AVAILABLE)
    TF_CL_ERROR(CL_COMPILER_NOT_AVAILABLE)
    TF_CL_ERROR(CL_MEM_OBJECT_ALLOCATION_FAILURE)
    TF_CL_ERROR(CL_OUT_OF_RESOURCES)
    TF_CL_ERROR(CL_OUT_OF_HOST_MEMORY)
    TF_CL_ERROR(CL_BUILD_PROGRAM_FAILURE)
    TF_CL_ERROR(CL_INVALID_VALUE)
    TF_CL_ERROR(CL_INVALID_DEVICE)
    TF_CL_ERROR(CL_INVALID_BINARY)
    TF_CL_ERROR(CL_INVALID_BUILD_OPTIONS)
    TF_CL_ERROR(CL_INVALID_PROGRAM)
    TF_CL_ERROR(CL_INVALID_PROGRAM_EXECUTABLE)
    TF_CL_ERROR(CL_INVALID_KERNEL_NAME)
    TF_CL_ERROR(CL_INVALID_KERNEL)
    TF_CL_ERROR(CL_INVALID_ARG_INDEX)
    TF_CL_ERROR(CL_INVALID_ARG_VALUE)
    TF_CL_ERROR(CL_INVALID_ARG_SIZE)
    TF_CL_ERROR(CL_INVALID_KERNEL_ARGS)
    TF_CL_ERROR(CL_INVALID_WORK_DIMENSION)
    TF_CL_ERROR(CL_INVALID_WORK_GROUP_SIZE)
    TF_CL_ERROR(CL_INVALID_GLOBAL_WORK_SIZE)
    TF_CL_ERROR(CL_INVALID_BUFFER_SIZE)
    TF_CL_ERROR(CL_INVALID_MEM_OBJECT)
    TF_CL_ERROR(CL_INVALID_COMMAND_QUEUE)
    TF_CL_ERROR(CL_INVALID_CONTEXT)
    TF_CL_ERROR(CL_INVALID_PLATFORM)
#undef TF_CL_ERROR
    default:
      break;
  }
  std::string text = name != nullptr ? std::string(name) : std::string("OpenCL error");
  return text + " (" + std::to_string(code) + ")";
}

std::vector<DeviceEntry> enumerate_devices() {
  std::vector<DeviceEntry> entries;
  cl_uint platform_count = 0;
  // No ICD loader configuration or no platform: CL_PLATFORM_NOT_FOUND_KHR. Not an error.
  if (clGetPlatformIDs(0, nullptr, &platform_count) != CL_SUCCESS || platform_count == 0) return entries;
  std::vector<cl_platform_id> platforms(platform_count);
  if (clGetPlatformIDs(platform_count, platforms.data(), nullptr) != CL_SUCCESS) return entries;
  for (cl_platform_id platform : platforms) {
    cl_uint device_count = 0;
    if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, nullptr, &device_count) != CL_SUCCESS) continue;
    std::vector<cl_device_id> devices(device_count);
    if (device_count == 0 ||
        clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, device_count, devices.data(), nullptr) != CL_SUCCESS) {
      continue;
    }
    std::string platform_name = info_string(clGetPlatformInfo, platform, CL_PLATFORM_NAME);
    std::string platform_version = info_string(clGetPlatformInfo, platform, CL_PLATFORM_VERSION);
    for (cl_device_id device : devices) {
      DeviceEntry e;
      e.platform = platform;
      e.device = device;
      e.info.backend = "opencl";
      e.info.index = static_cast<int>(entries.size());
      e.info.name = info_string(clGetDeviceInfo, device, CL_DEVICE_NAME);
      e.info.memory_bytes = device_value<cl_ulong>(device, CL_DEVICE_GLOBAL_MEM_SIZE);
      e.info.compute_units = device_value<cl_uint>(device, CL_DEVICE_MAX_COMPUTE_UNITS);
      e.info.on_host_cpu = (device_value<cl_device_type>(device, CL_DEVICE_TYPE) &
                            CL_DEVICE_TYPE_CPU) != 0;
      e.identity = platform_name + " | " + platform_version + " | " + e.info.name + " | " +
                   info_string(clGetDeviceInfo, device, CL_DEVICE_VERSION) + " | " +
                   info_string(clGetDeviceInfo, device, CL_DRIVER_VERSION);
      entries.push_back(std::move(e));
    }
  }
  return entries;
}

Result<std::unique_ptr<DeviceSession>> DeviceSession::open(int index) {
  std::vector<DeviceEntry> entries = enumerate_devices();
  if (index < 0 || static_cast<size_t>(index) >= entries.size()) {
    return Error{"no OpenCL device " + std::to_string(index) + " (found " + std::to_string(entries.size()) +
                 "; `clinfo -l` lists them)"};
  }
  DeviceEntry entry = std::move(entries[static_cast<size_t>(index)]);
  // Bitwise agreement with the other backends needs correctly rounded divide/sqrt (requested
  // by -cl-fp32-correctly-rounded-divide-sqrt) and denormals (no flush to zero).
  auto fp = device_value<cl_device_fp_config>(entry.device, CL_DEVICE_SINGLE_FP_CONFIG);
  if ((fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) == 0 || (fp & CL_FP_DENORM) == 0) {
    return Error{"OpenCL device '" + entry.info.name +
                 "' lacks correctly rounded float divide/sqrt or denormals, so its results would not "
                 "match other devices bit for bit; use another device"};
  }
  std::unique_ptr<DeviceSession> session(new DeviceSession(std::move(entry)));
  cl_int err = CL_SUCCESS;
  cl_context_properties properties[] = {CL_CONTEXT_PLATFORM,
                                        reinterpret_cast<cl_context_properties>(session->entry_.platform), 0};
  session->context_ = ContextHandle(clCreateContext(properties, 1, &session->entry_.device, nullptr, nullptr, &err));
  if (err != CL_SUCCESS) return cl_error("clCreateContext on '" + session->entry_.info.name + "'", err);
  session->queue_ = QueueHandle(clCreateCommandQueue(session->context_.get(), session->entry_.device, 0, &err));
  if (err != CL_SUCCESS) return cl_error("clCreateCommandQueue on '" + session->entry_.info.name + "'", err);
  return session;
}

std::string DeviceSession::build_log(cl_program program) const {
  size_t size = 0;
  if (clGetProgramBuildInfo(program, entry_.device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size) != CL_SUCCESS) return {};
  std::string log(size, '\0');
  if (clGetProgramBuildInfo(program, entry_.device, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr) != CL_SUCCESS) {
    return {};
  }
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  return log;
}

Result<ProgramHandle> DeviceSession::build_from_binary(const std::vector<unsigned char>& binary) {
  const unsigned char* data = binary.data();
  size_t size = binary.size();
  cl_int binary_status = CL_SUCCESS;
  cl_int err = CL_SUCCESS;
  ProgramHandle program(
      clCreateProgramWithBinary(context_.get(), 1, &entry_.device, &size, &data, &binary_status, &err));
  if (err != CL_SUCCESS || binary_status != CL_SUCCESS) return cl_error("clCreateProgramWithBinary", err);
  err = clBuildProgram(program.get(), 1, &entry_.device, kBuildOptions, nullptr, nullptr);
  if (err != CL_SUCCESS) return cl_error("clBuildProgram from a cached binary", err);
  return program;
}

Result<ProgramHandle> DeviceSession::build_program(std::string_view source, const ProgramCache* cache) {
  std::string key;
  if (cache != nullptr) {
    key = entry_.identity + "\n" + kBuildOptions + "\n" + std::string(source);
    if (auto binary = cache->load(key)) {
      Result<ProgramHandle> cached = build_from_binary(*binary);
      if (cached) return cached;  // otherwise the entry is unusable: compile from source
    }
  }
  const char* text = source.data();
  size_t length = source.size();
  cl_int err = CL_SUCCESS;
  ProgramHandle program(clCreateProgramWithSource(context_.get(), 1, &text, &length, &err));
  if (err != CL_SUCCESS) return cl_error("clCreateProgramWithSource", err);
  err = clBuildProgram(program.get(), 1, &entry_.device, kBuildOptions, nullptr, nullptr);
  if (err != CL_SUCCESS) {
    return Error{"building the OpenCL program for '" + entry_.info.name + "' failed: " + error_name(err) +
                 "\nbuild log:\n" + build_log(program.get())};
  }
  if (cache != nullptr) {
    size_t size = 0;
    if (clGetProgramInfo(program.get(), CL_PROGRAM_BINARY_SIZES, sizeof size, &size, nullptr) == CL_SUCCESS &&
        size > 0) {
      std::vector<unsigned char> binary(size);
      unsigned char* data = binary.data();
      if (clGetProgramInfo(program.get(), CL_PROGRAM_BINARIES, sizeof data, &data, nullptr) == CL_SUCCESS) {
        (void)cache->store(key, binary);  // best effort: a failed store only costs a recompile
      }
    }
  }
  return program;
}

Result<KernelHandle> DeviceSession::create_kernel(const ProgramHandle& program, const char* name) {
  cl_int err = CL_SUCCESS;
  KernelHandle kernel(clCreateKernel(program.get(), name, &err));
  if (err != CL_SUCCESS) return cl_error(std::string("clCreateKernel(") + name + ")", err);
  return kernel;
}

Result<BufferHandle> DeviceSession::upload(const void* data, size_t bytes) {
  static const unsigned char kZeros[16] = {};
  if (bytes == 0) {
    data = kZeros;
    bytes = sizeof kZeros;
  }
  cl_int err = CL_SUCCESS;
  BufferHandle buffer(clCreateBuffer(context_.get(), CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR, bytes,
                                     const_cast<void*>(data), &err));
  if (err != CL_SUCCESS) return cl_error("clCreateBuffer of " + std::to_string(bytes) + " bytes", err);
  return buffer;
}

Result<BufferHandle> DeviceSession::allocate(size_t bytes) {
  cl_int err = CL_SUCCESS;
  BufferHandle buffer(clCreateBuffer(context_.get(), CL_MEM_WRITE_ONLY, bytes == 0 ? 1 : bytes, nullptr, &err));
  if (err != CL_SUCCESS) return cl_error("clCreateBuffer of " + std::to_string(bytes) + " bytes", err);
  return buffer;
}

Status DeviceSession::read(const BufferHandle& buffer, void* out, size_t bytes) {
  if (bytes == 0) return Status::ok();
  cl_int err = clEnqueueReadBuffer(queue_.get(), buffer.get(), CL_TRUE, 0, bytes, out, 0, nullptr, nullptr);
  if (err != CL_SUCCESS) return cl_error("clEnqueueReadBuffer", err);
  return Status::ok();
}

Status DeviceSession::run_2d(const KernelHandle& kernel, size_t width, size_t height) {
  if (width == 0 || height == 0) return Status::ok();
  // One fixed work-group shape (8x8 where the kernel allows 64 work items, else 1x1), with the
  // global range rounded up to it: kernels bound-check their ids. A fixed shape matters for
  // PoCL, which compiles a work-group function per distinct local size at first launch.
  size_t max_group = 0;
  cl_int err = clGetKernelWorkGroupInfo(kernel.get(), entry_.device, CL_KERNEL_WORK_GROUP_SIZE, sizeof max_group,
                                        &max_group, nullptr);
  if (err != CL_SUCCESS) return cl_error("clGetKernelWorkGroupInfo", err);
  const size_t side = max_group >= 64 ? 8 : 1;
  const size_t local[2] = {side, side};
  const size_t global[2] = {(width + side - 1) / side * side, (height + side - 1) / side * side};
  err = clEnqueueNDRangeKernel(queue_.get(), kernel.get(), 2, nullptr, global, local, 0, nullptr, nullptr);
  if (err != CL_SUCCESS) return cl_error("clEnqueueNDRangeKernel", err);
  err = clFinish(queue_.get());
  if (err != CL_SUCCESS) return cl_error("clFinish", err);
  return Status::ok();
}

Status set_buffer_arg(const KernelHandle& kernel, cl_uint index, const BufferHandle& buffer) {
  cl_mem mem = buffer.get();
  cl_int err = clSetKernelArg(kernel.get(), index, sizeof mem, &mem);
  if (err != CL_SUCCESS) return cl_error("clSetKernelArg(buffer argument " + std::to_string(index) + ")", err);
  return Status::ok();
}

Status set_u32_arg(const KernelHandle& kernel, cl_uint index, cl_uint value) {
  cl_int err = clSetKernelArg(kernel.get(), index, sizeof value, &value);
  if (err != CL_SUCCESS) return cl_error("clSetKernelArg(integer argument " + std::to_string(index) + ")", err);
  return Status::ok();
}

}  // namespace tf::ocl
