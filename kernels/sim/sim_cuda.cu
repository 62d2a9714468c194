#include "kernels/sim/sim_cuda.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "kernels/sim/d2q9.h"
#include "kernels/sim/d3q19.h"
#include "kernels/sim/scalar_fields.h"
#include "kernels/sim/sim_launch_plan.h"

namespace tf::sim {
namespace {

constexpr int kThreadsPerBlock = 256;

// The box of cells one launch covers (a LaunchBox in device-friendly form).
struct LaunchExtent {
  int x0, y0, z0;
  int nx, ny, nz;
};

// Cell (x, y, z) of this thread: thread i of the launch takes cell i of the box, x fastest.
// False for the threads past the end of the box (the last block is partly empty).
__device__ bool cell_of(const LaunchExtent& e, int* x, int* y, int* z) {
  const long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i >= static_cast<long long>(e.nx) * e.ny * e.nz) return false;
  const long long row = i / e.nx;
  *x = e.x0 + static_cast<int>(i - row * e.nx);
  *y = e.y0 + static_cast<int>(row % e.ny);
  *z = e.z0 + static_cast<int>(row / e.ny);
  return true;
}

// kInterior = 1: every cell of the box has all its neighbours inside the state's box (the
// interior launch of sim_launch_plan.h), so the update skips the wrap and edge logic; the
// interior kernel comes with the forcing terms (kForced = 1) and without (tf_lbm_forced(p) = 0).
template <int kInterior, int kForced>
__global__ void d2q9_kernel(tf_sim_grid g, tf_lbm_params p, const float* __restrict__ src,
                            float* __restrict__ dst, const unsigned char* __restrict__ types,
                            LaunchExtent e) {
  int x, y, z;
  if (!cell_of(e, &x, &y, &z)) return;
  if (kInterior) {
    tf_d2q9_update(g, p, src, dst, types, x, y, 1, kForced);
  } else {
    tf_d2q9_update_cell(g, p, src, dst, types, x, y);
  }
}

template <int kInterior, int kForced>
__global__ void d3q19_kernel(tf_sim_grid g, tf_lbm_params p, const float* __restrict__ src,
                             float* __restrict__ dst, const unsigned char* __restrict__ types,
                             LaunchExtent e) {
  int x, y, z;
  if (!cell_of(e, &x, &y, &z)) return;
  if (kInterior) {
    tf_d3q19_update(g, p, src, dst, types, x, y, z, 1, kForced);
  } else {
    tf_d3q19_update_cell(g, p, src, dst, types, x, y, z);
  }
}

__global__ void gray_scott_kernel(tf_sim_grid g, tf_gray_scott_params p, const float* src,
                                  float* dst, const unsigned char* types, LaunchExtent e) {
  int x, y, z;
  if (cell_of(e, &x, &y, &z)) tf_gray_scott_update_cell(g, p, src, dst, types, x, y);
}

__global__ void heat_kernel(tf_sim_grid g, tf_heat_params p, const float* src, float* dst,
                            const unsigned char* types, LaunchExtent e) {
  int x, y, z;
  if (cell_of(e, &x, &y, &z)) tf_heat_update_cell(g, p, src, dst, types, x, y);
}

Error cuda_error(const std::string& doing, cudaError_t code) {
  return Error{"CUDA: " + doing + " failed: " + cudaGetErrorName(code) + " (" +
               cudaGetErrorString(code) + ")"};
}

// One device allocation that grows on demand (contents undefined after growing). Move-only.
class DeviceArray {
 public:
  DeviceArray() = default;
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() { release(); }

  Status reserve(size_t bytes) {
    if (ptr_ != nullptr && capacity_ >= bytes) return Status::ok();
    release();  // first: old and new need not fit side by side
    if (cudaError_t err = cudaMalloc(&ptr_, bytes); err != cudaSuccess) {
      ptr_ = nullptr;
      return cuda_error("cudaMalloc of " + std::to_string(bytes) + " bytes", err);
    }
    capacity_ = bytes;
    return Status::ok();
  }

  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  void release() {
    if (ptr_ != nullptr) cudaFree(ptr_);
    ptr_ = nullptr;
    capacity_ = 0;
  }
  void* ptr_ = nullptr;
  size_t capacity_ = 0;
};

// The device count, or the reason there is no usable device.
Result<int> device_count() {
  int count = 0;
  if (cudaError_t err = cudaGetDeviceCount(&count); err != cudaSuccess) {
    cudaGetLastError();  // clear the error so that later calls start clean
    return cuda_error("cudaGetDeviceCount", err);
  }
  return count;
}

// Launches the kernel of `state`'s model over `launch` (src -> dst).
void launch_step(const TileState& state, const tf_sim_grid& g, const LaunchBox& launch,
                 const float* src, float* dst, const unsigned char* types) {
  const LaunchExtent e{launch.offset[0], launch.offset[1], launch.offset[2],
                       launch.size[0],   launch.size[1],   launch.size[2]};
  const auto blocks =
      static_cast<unsigned>((launch.cell_count() + kThreadsPerBlock - 1) / kThreadsPerBlock);
  const bool forced = tf_lbm_forced(state.lbm);
  switch (state.model) {
    case Model::d2q9:
      if (launch.interior && forced) {
        d2q9_kernel<1, 1><<<blocks, kThreadsPerBlock>>>(g, state.lbm, src, dst, types, e);
      } else if (launch.interior) {
        d2q9_kernel<1, 0><<<blocks, kThreadsPerBlock>>>(g, state.lbm, src, dst, types, e);
      } else {
        d2q9_kernel<0, 0><<<blocks, kThreadsPerBlock>>>(g, state.lbm, src, dst, types, e);
      }
      break;
    case Model::d3q19:
      if (launch.interior && forced) {
        d3q19_kernel<1, 1><<<blocks, kThreadsPerBlock>>>(g, state.lbm, src, dst, types, e);
      } else if (launch.interior) {
        d3q19_kernel<1, 0><<<blocks, kThreadsPerBlock>>>(g, state.lbm, src, dst, types, e);
      } else {
        d3q19_kernel<0, 0><<<blocks, kThreadsPerBlock>>>(g, state.lbm, src, dst, types, e);
      }
      break;
    case Model::gray_scott:
      gray_scott_kernel<<<blocks, kThreadsPerBlock>>>(g, state.gray_scott, src, dst, types, e);
      break;
    case Model::heat:
      heat_kernel<<<blocks, kThreadsPerBlock>>>(g, state.heat, src, dst, types, e);
      break;
  }
}

}  // namespace

struct SimCuda::Impl {
  int device = 0;
  std::string name;
  DeviceArray fields[2];
  DeviceArray types;
};

SimCuda::SimCuda(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SimCuda::~SimCuda() = default;

const std::string& SimCuda::device_name() const { return impl_->name; }

Result<std::unique_ptr<SimCuda>> SimCuda::open(int device_index) {
  Result<int> count = device_count();
  if (!count) return Error{"no usable CUDA device: " + count.message()};
  if (device_index < 0 || device_index >= count.value()) {
    return Error{"no CUDA device with index " + std::to_string(device_index) + " (found " +
                 std::to_string(count.value()) + ")"};
  }
  cudaDeviceProp prop{};
  if (cudaError_t err = cudaGetDeviceProperties(&prop, device_index); err != cudaSuccess) {
    return cuda_error("cudaGetDeviceProperties", err);
  }
  auto impl = std::make_unique<Impl>();
  impl->device = device_index;
  impl->name = prop.name;
  return std::unique_ptr<SimCuda>(new SimCuda(std::move(impl)));
}

Status SimCuda::run_steps(TileState& state, int steps) {
  if (Status st = validate(state); !st) return st;
  if (steps < 0) return Error{"step count must not be negative, got " + std::to_string(steps)};
  if (steps == 0) return Status::ok();
  Impl& d = *impl_;
  if (cudaError_t err = cudaSetDevice(d.device); err != cudaSuccess) {
    return cuda_error("cudaSetDevice", err);
  }
  const size_t field_bytes = state.fields.size() * sizeof(float);
  for (DeviceArray& buffer : d.fields) {
    if (Status st = buffer.reserve(field_bytes); !st) return st;
  }
  if (Status st = d.types.reserve(state.cell_types.size()); !st) return st;
  cudaError_t err = cudaMemcpy(d.fields[0].as<void>(), state.fields.data(), field_bytes,
                               cudaMemcpyHostToDevice);
  if (err == cudaSuccess) {
    err = cudaMemcpy(d.types.as<void>(), state.cell_types.data(), state.cell_types.size(),
                     cudaMemcpyHostToDevice);
  }
  if (err != cudaSuccess) return cuda_error("copying the state to the device", err);

  // All launches go into the default stream in order: a step starts when the previous one
  // has finished, with no host round trip in between.
  const tf_sim_grid g = kernel_grid(state);
  const std::vector<LaunchBox> launches = step_launches(state);
  for (int step = 0; step < steps; ++step) {
    const float* src = d.fields[step & 1].as<const float>();
    float* dst = d.fields[(step + 1) & 1].as<float>();
    for (const LaunchBox& launch : launches) {
      launch_step(state, g, launch, src, dst, d.types.as<const unsigned char>());
    }
    if (err = cudaGetLastError(); err != cudaSuccess) return cuda_error("launching a step", err);
  }
  // Copied into a fresh array first: on error the state stays untouched.
  std::vector<float> result(state.fields.size());
  err = cudaMemcpy(result.data(), d.fields[steps & 1].as<const float>(), field_bytes,
                   cudaMemcpyDeviceToHost);
  if (err != cudaSuccess) return cuda_error("running the steps", err);
  state.fields = std::move(result);
  return Status::ok();
}

Result<double> SimCuda::copy_bandwidth(std::size_t bytes) {
  if (cudaError_t err = cudaSetDevice(impl_->device); err != cudaSuccess) {
    return cuda_error("cudaSetDevice", err);
  }
  DeviceArray from, to;
  if (Status st = from.reserve(bytes); !st) return Error{st.message()};
  if (Status st = to.reserve(bytes); !st) return Error{st.message()};
  cudaEvent_t start = nullptr, stop = nullptr;
  cudaError_t err = cudaEventCreate(&start);
  if (err == cudaSuccess) err = cudaEventCreate(&stop);
  double best = 0.0;
  for (int pass = 0; pass < 5 && err == cudaSuccess; ++pass) {
    cudaEventRecord(start);
    err = cudaMemcpy(to.as<void>(), from.as<const void>(), bytes, cudaMemcpyDeviceToDevice);
    cudaEventRecord(stop);
    float ms = 0.0f;
    if (err == cudaSuccess) err = cudaEventSynchronize(stop);
    if (err == cudaSuccess) err = cudaEventElapsedTime(&ms, start, stop);
    if (err == cudaSuccess && ms > 0.0f) {
      best = std::max(best, 2.0 * static_cast<double>(bytes) / (static_cast<double>(ms) * 1e-3));
    }
  }
  if (start != nullptr) cudaEventDestroy(start);
  if (stop != nullptr) cudaEventDestroy(stop);
  if (err != cudaSuccess) return cuda_error("timing a device copy", err);
  return best;
}

}  // namespace tf::sim
