#include "kernels/sim/sim_opencl.h"

#include <string_view>
#include <utility>
#include <vector>

#include "kernels/opencl/opencl_runtime.h"
#include "kernels/sim/lbm_common.h"
#include "kernels/sim/sim_launch_plan.h"

namespace tf {
std::string_view sim_kernels_opencl_source();  // generated from opencl/sim_kernels.cl
}

namespace tf::sim {
namespace {

using ocl::BufferHandle;
using ocl::ContextHandle;
using ocl::KernelHandle;
using ocl::ProgramHandle;
using ocl::QueueHandle;

Error cl_error(const char* doing, cl_int code) {
  return Error{std::string("OpenCL: ") + doing + " failed with " + ocl::error_name(code)};
}

std::string device_string(cl_device_id d, cl_device_info what) {
  size_t size = 0;
  if (clGetDeviceInfo(d, what, 0, nullptr, &size) != CL_SUCCESS || size == 0) return {};
  std::string s(size, '\0');
  clGetDeviceInfo(d, what, size, s.data(), nullptr);
  s.resize(size - 1);
  return s;
}

// The kernels of a model's launches (sim_launch_plan.h).
enum class Variant { general, interior, interior_unforced };

// The kernel of a model for one variant (interior variants: lattice Boltzmann models only).
const char* kernel_name(Model model, Variant v) {
  switch (model) {
    case Model::d2q9:
      return v == Variant::general    ? "tf_sim_d2q9_step"
             : v == Variant::interior ? "tf_sim_d2q9_interior"
                                      : "tf_sim_d2q9_interior_unforced";
    case Model::d3q19:
      return v == Variant::general    ? "tf_sim_d3q19_step"
             : v == Variant::interior ? "tf_sim_d3q19_interior"
                                      : "tf_sim_d3q19_interior_unforced";
    case Model::gray_scott:
      return "tf_sim_gray_scott_step";
    case Model::heat:
      return "tf_sim_heat_step";
  }
  return "";
}

constexpr Model kModels[] = {Model::d2q9, Model::d3q19, Model::gray_scott, Model::heat};

}  // namespace

struct SimOpenCl::Impl {
  std::string name;
  cl_device_id device = nullptr;
  ContextHandle context;
  QueueHandle queue;
  ProgramHandle program;
  // Kernels indexed by Variant, then by Model (interior variants: empty for scalar models).
  std::vector<KernelHandle> kernels[3];
  // Device buffers kept between calls (allocating and first touching them per call cost
  // more than the steps of a small unit): two field buffers and the cell types.
  BufferHandle fields[2];
  BufferHandle types;
  size_t field_capacity[2] = {0, 0};  // bytes
  size_t types_capacity = 0;

  // Makes `buffer` hold at least `bytes` bytes (contents undefined).
  Status reserve(BufferHandle& buffer, size_t& capacity, size_t bytes, cl_mem_flags flags) {
    if (capacity >= bytes && buffer.get() != nullptr) return Status::ok();
    cl_int err = CL_SUCCESS;
    buffer = BufferHandle();  // release first: old and new need not fit side by side
    capacity = 0;
    buffer = BufferHandle(clCreateBuffer(context.get(), flags, bytes, nullptr, &err));
    if (err != CL_SUCCESS) return cl_error("clCreateBuffer", err);
    capacity = bytes;
    return Status::ok();
  }
};

SimOpenCl::SimOpenCl(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimOpenCl::~SimOpenCl() = default;

const std::string& SimOpenCl::device_name() const { return impl_->name; }

Result<std::unique_ptr<SimOpenCl>> SimOpenCl::open(int device_index) {
  const std::vector<ocl::DeviceEntry> devices = ocl::enumerate_devices();
  if (device_index < 0 || device_index >= static_cast<int>(devices.size())) {
    return Error{"no OpenCL device with index " + std::to_string(device_index) + " (found " +
                 std::to_string(devices.size()) + ")"};
  }
  auto impl = std::make_unique<Impl>();
  impl->device = devices[static_cast<std::size_t>(device_index)].device;
  impl->name = device_string(impl->device, CL_DEVICE_VENDOR) + " / " +
               device_string(impl->device, CL_DEVICE_NAME);
  cl_device_fp_config fp = 0;
  clGetDeviceInfo(impl->device, CL_DEVICE_SINGLE_FP_CONFIG, sizeof fp, &fp, nullptr);
  if ((fp & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) == 0 || (fp & CL_FP_DENORM) == 0) {
    return Error{"OpenCL device " + impl->name +
                 " lacks correctly rounded divide/sqrt or denormals: results would differ"};
  }
  cl_int err = CL_SUCCESS;
  impl->context =
      ContextHandle(clCreateContext(nullptr, 1, &impl->device, nullptr, nullptr, &err));
  if (err != CL_SUCCESS) return cl_error("clCreateContext", err);
  impl->queue = QueueHandle(clCreateCommandQueue(impl->context.get(), impl->device, 0, &err));
  if (err != CL_SUCCESS) return cl_error("clCreateCommandQueue", err);
  const std::string_view text = sim_kernels_opencl_source();
  const char* source = text.data();
  const size_t length = text.size();
  impl->program =
      ProgramHandle(clCreateProgramWithSource(impl->context.get(), 1, &source, &length, &err));
  if (err != CL_SUCCESS) return cl_error("clCreateProgramWithSource", err);
  err = clBuildProgram(impl->program.get(), 1, &impl->device, ocl::kBuildOptions, nullptr,
                       nullptr);
  if (err != CL_SUCCESS) {
    size_t size = 0;
    clGetProgramBuildInfo(impl->program.get(), impl->device, CL_PROGRAM_BUILD_LOG, 0, nullptr,
                          &size);
    std::string log(size, '\0');
    clGetProgramBuildInfo(impl->program.get(), impl->device, CL_PROGRAM_BUILD_LOG, size, log.data(),
                          nullptr);
    return Error{"OpenCL: building the simulation kernels failed (" + ocl::error_name(err) +
                 "):\n" + log};
  }
  for (Variant v : {Variant::general, Variant::interior, Variant::interior_unforced}) {
    for (Model m : kModels) {
      const bool exists = v == Variant::general || m == Model::d2q9 || m == Model::d3q19;
      impl->kernels[static_cast<int>(v)].emplace_back(
          exists ? clCreateKernel(impl->program.get(), kernel_name(m, v), &err) : nullptr);
      if (err != CL_SUCCESS) return cl_error("clCreateKernel", err);
    }
  }
  return std::unique_ptr<SimOpenCl>(new SimOpenCl(std::move(impl)));
}

Status SimOpenCl::run_steps(TileState& state, int steps) {
  if (Status st = validate(state); !st) return st;
  if (steps < 0) return Error{"step count must not be negative, got " + std::to_string(steps)};
  if (steps == 0) return Status::ok();
  cl_int err = CL_SUCCESS;
  Impl& d = *impl_;
  const size_t field_bytes = state.fields.size() * sizeof(float);
  for (int i = 0; i < 2; ++i) {
    Status st = d.reserve(d.fields[i], d.field_capacity[i], field_bytes, CL_MEM_READ_WRITE);
    if (!st) return st;
  }
  if (Status st = d.reserve(d.types, d.types_capacity, state.cell_types.size(), CL_MEM_READ_ONLY);
      !st) {
    return st;
  }
  // Blocking writes: the host arrays may change as soon as an error return hands them back.
  err = clEnqueueWriteBuffer(d.queue.get(), d.fields[0].get(), CL_TRUE, 0, field_bytes,
                             state.fields.data(), 0, nullptr, nullptr);
  if (err == CL_SUCCESS) {
    err = clEnqueueWriteBuffer(d.queue.get(), d.types.get(), CL_TRUE, 0, state.cell_types.size(),
                               state.cell_types.data(), 0, nullptr, nullptr);
  }
  if (err != CL_SUCCESS) return cl_error("clEnqueueWriteBuffer", err);
  BufferHandle (&buffers)[2] = d.fields;
  const BufferHandle& types = d.types;

  const tf_sim_grid g = kernel_grid(state);
  const auto model_index = static_cast<std::size_t>(state.model);
  const Variant interior =
      tf_lbm_forced(state.lbm) ? Variant::interior : Variant::interior_unforced;
  cl_kernel kernels[2] = {impl_->kernels[static_cast<int>(Variant::general)][model_index].get(),
                          impl_->kernels[static_cast<int>(interior)][model_index].get()};
  cl_mem types_mem = types.get();
  for (cl_kernel kernel : kernels) {
    if (kernel == nullptr) continue;
    err = clSetKernelArg(kernel, 0, sizeof g, &g);
    switch (state.model) {
      case Model::d2q9:
      case Model::d3q19:
        err |= clSetKernelArg(kernel, 1, sizeof state.lbm, &state.lbm);
        break;
      case Model::gray_scott:
        err |= clSetKernelArg(kernel, 1, sizeof state.gray_scott, &state.gray_scott);
        break;
      case Model::heat:
        err |= clSetKernelArg(kernel, 1, sizeof state.heat, &state.heat);
        break;
    }
    err |= clSetKernelArg(kernel, 4, sizeof types_mem, &types_mem);
    if (err != CL_SUCCESS) return cl_error("clSetKernelArg", err);
  }
  // All launches of a step go into one in-order queue: a step starts when the previous one
  // has finished, with no host round trip in between.
  const std::vector<LaunchBox> launches = step_launches(state);
  for (int step = 0; step < steps; ++step) {
    cl_mem src = buffers[step & 1].get();
    cl_mem dst = buffers[(step + 1) & 1].get();
    for (const LaunchBox& launch : launches) {
      cl_kernel kernel = kernels[launch.interior ? 1 : 0];
      err = clSetKernelArg(kernel, 2, sizeof src, &src);
      err |= clSetKernelArg(kernel, 3, sizeof dst, &dst);
      if (err != CL_SUCCESS) return cl_error("clSetKernelArg", err);
      const size_t offset[3] = {static_cast<size_t>(launch.offset[0]),
                                static_cast<size_t>(launch.offset[1]),
                                static_cast<size_t>(launch.offset[2])};
      const size_t global[3] = {static_cast<size_t>(launch.size[0]),
                                static_cast<size_t>(launch.size[1]),
                                static_cast<size_t>(launch.size[2])};
      err = clEnqueueNDRangeKernel(impl_->queue.get(), kernel, 3, offset, global, nullptr, 0,
                                   nullptr, nullptr);
      if (err != CL_SUCCESS) return cl_error("clEnqueueNDRangeKernel", err);
    }
  }
  std::vector<float> result(state.fields.size());
  err = clEnqueueReadBuffer(impl_->queue.get(), buffers[steps & 1].get(), CL_TRUE, 0, field_bytes,
                            result.data(), 0, nullptr, nullptr);
  if (err != CL_SUCCESS) return cl_error("clEnqueueReadBuffer", err);
  state.fields = std::move(result);
  return Status::ok();
}

}  // namespace tf::sim
