#include "kernels/cuda/cuda_backend.h"

#include <cuda_runtime.h>

#include <array>
#include <string>

#include "kernels/render/render_pixel.h"

namespace tf {
namespace {

// One work item per pixel of the tile; the launch geometry does not affect the result.
__global__ void render_tile_kernel(tf_scene_view scene, tf_u32 frame, tf_u32 x0, tf_u32 y0, tf_u32 width,
                                   tf_u32 height, tf_u32 s0, tf_u32 s1, float* rgb_out, tf_u32* rays_out) {
  tf_u32 x = blockIdx.x * blockDim.x + threadIdx.x;
  tf_u32 y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= width || y >= height) return;
  tf_render_tile_pixel(&scene, frame, x0, y0, width, x, y, s0, s1, rgb_out, rays_out);
}

Error cuda_error(const std::string& what, cudaError_t code) {
  return Error{what + " failed: " + cudaGetErrorName(code) + " (" + cudaGetErrorString(code) + ")"};
}

// Owns one device allocation. Move-only.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer&& other) noexcept : ptr_(other.ptr_) { other.ptr_ = nullptr; }
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept {
    if (this != &other) {
      release();
      ptr_ = other.ptr_;
      other.ptr_ = nullptr;
    }
    return *this;
  }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { release(); }

  // A buffer of `bytes` bytes (at least 16, so empty arrays still get a valid pointer), holding
  // a copy of `data` when it is not null.
  static Result<DeviceBuffer> create(const void* data, size_t bytes) {
    DeviceBuffer b;
    size_t size = bytes < 16 ? 16 : bytes;
    cudaError_t err = cudaMalloc(&b.ptr_, size);
    if (err != cudaSuccess) return cuda_error("cudaMalloc of " + std::to_string(size) + " bytes", err);
    err = data != nullptr && bytes > 0 ? cudaMemcpy(b.ptr_, data, bytes, cudaMemcpyHostToDevice)
                                       : cudaMemset(b.ptr_, 0, size);
    if (err != cudaSuccess) return cuda_error("copying " + std::to_string(bytes) + " bytes to the device", err);
    return std::move(b);  // C++17: a by-value converting constructor would otherwise copy
  }

  template <class T>
  T* as() const {
    return static_cast<T*>(ptr_);
  }

 private:
  void release() {
    if (ptr_ != nullptr) cudaFree(ptr_);
    ptr_ = nullptr;
  }
  void* ptr_ = nullptr;
};

template <class T>
Result<DeviceBuffer> upload_vector(const std::vector<T>& v) {
  return DeviceBuffer::create(v.data(), v.size() * sizeof(T));
}

DeviceInfo describe(int ordinal, const cudaDeviceProp& prop) {
  DeviceInfo info;
  info.backend = "cuda";
  info.index = ordinal;
  info.name = prop.name;
  info.memory_bytes = prop.totalGlobalMem;
  info.compute_units = static_cast<uint32_t>(prop.multiProcessorCount);
  return info;
}

// Device arrays of a loaded scene (the order of load_scene's uploads).
constexpr size_t kSceneBuffers = 13;

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(DeviceInfo info) : info_(std::move(info)) {}

  const DeviceInfo& device() const override { return info_; }
  std::string kernel_version() const override { return TF_RENDER_KERNEL_VERSION; }

  Status load_scene(const KernelScene& scene) override {
    loaded_ = false;
    if (cudaError_t err = cudaSetDevice(info_.index); err != cudaSuccess) return cuda_error("cudaSetDevice", err);
    std::array<Result<DeviceBuffer>, kSceneBuffers> uploads = {
        upload_vector(scene.vertices),  upload_vector(scene.triangles), upload_vector(scene.spheres),
        upload_vector(scene.nodes),     upload_vector(scene.prim_index), upload_vector(scene.materials),
        upload_vector(scene.textures),  upload_vector(scene.texels),    upload_vector(scene.lights),
        upload_vector(scene.distribution), upload_vector(scene.leaf_triangles), upload_vector(scene.media),
        upload_vector(scene.densities)};
    for (size_t i = 0; i < uploads.size(); ++i) {
      if (!uploads[i]) return Error{"uploading the scene to '" + info_.name + "': " + uploads[i].message()};
      buffers_[i] = std::move(uploads[i].value());
    }
    view_.header = scene.header;
    view_.camera = scene.camera;
    view_.vertices = buffers_[0].as<const tf_vertex>();
    view_.triangles = buffers_[1].as<const tf_triangle>();
    view_.spheres = buffers_[2].as<const tf_sphere>();
    view_.nodes = buffers_[3].as<const tf_bvh_node>();
    view_.prim_index = buffers_[4].as<const tf_u32>();
    view_.materials = buffers_[5].as<const tf_material>();
    view_.textures = buffers_[6].as<const tf_texture>();
    view_.texels = buffers_[7].as<const float>();
    view_.lights = buffers_[8].as<const tf_light>();
    view_.distribution = buffers_[9].as<const float>();
    view_.leaf_triangles = buffers_[10].as<const tf_leaf_triangle>();
    view_.media = buffers_[11].as<const tf_medium>();
    view_.densities = buffers_[12].as<const float>();
    loaded_ = true;
    return Status::ok();
  }

  Status render(const RenderUnit& unit, TileResult* out) override {
    if (!loaded_) return Error{"render called before load_scene"};
    if (unit.x0 >= unit.x1 || unit.y0 >= unit.y1 || unit.x1 > view_.camera.width ||
        unit.y1 > view_.camera.height || unit.s0 > unit.s1) {
      return Error{"render unit [" + std::to_string(unit.x0) + ", " + std::to_string(unit.x1) + ") x [" +
                   std::to_string(unit.y0) + ", " + std::to_string(unit.y1) + "), samples [" +
                   std::to_string(unit.s0) + ", " + std::to_string(unit.s1) + ") is empty or outside the " +
                   std::to_string(view_.camera.width) + "x" + std::to_string(view_.camera.height) + " film"};
    }
    if (cudaError_t err = cudaSetDevice(info_.index); err != cudaSuccess) return cuda_error("cudaSetDevice", err);
    const size_t pixels = static_cast<size_t>(unit.width()) * unit.height();
    Result<DeviceBuffer> rgb = DeviceBuffer::create(nullptr, pixels * 3 * sizeof(float));
    if (!rgb) return rgb.status();
    Result<DeviceBuffer> rays = DeviceBuffer::create(nullptr, pixels * sizeof(tf_u32));
    if (!rays) return rays.status();
    const dim3 block(8, 8);
    const dim3 grid((unit.width() + block.x - 1) / block.x, (unit.height() + block.y - 1) / block.y);
    render_tile_kernel<<<grid, block>>>(view_, unit.frame, unit.x0, unit.y0, unit.width(), unit.height(), unit.s0,
                                        unit.s1, rgb.value().as<float>(), rays.value().as<tf_u32>());
    if (cudaError_t err = cudaGetLastError(); err != cudaSuccess) return cuda_error("launching the render kernel", err);
    if (cudaError_t err = cudaDeviceSynchronize(); err != cudaSuccess) {
      return cuda_error("running the render kernel", err);
    }
    out->width = unit.width();
    out->height = unit.height();
    out->rgb.resize(pixels * 3);
    std::vector<tf_u32> pixel_rays(pixels);
    cudaError_t err = cudaMemcpy(out->rgb.data(), rgb.value().as<float>(), out->rgb.size() * sizeof(float),
                                 cudaMemcpyDeviceToHost);
    if (err == cudaSuccess) {
      err = cudaMemcpy(pixel_rays.data(), rays.value().as<tf_u32>(), pixel_rays.size() * sizeof(tf_u32),
                       cudaMemcpyDeviceToHost);
    }
    if (err != cudaSuccess) return cuda_error("copying the tile from the device", err);
    out->rays = 0;
    for (tf_u32 r : pixel_rays) out->rays += r;
    return Status::ok();
  }

 private:
  DeviceInfo info_;
  std::array<DeviceBuffer, kSceneBuffers> buffers_;
  tf_scene_view view_{};
  bool loaded_ = false;
};

// The device count, or the reason there is none usable.
Result<int> device_count() {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return cuda_error("cudaGetDeviceCount", err);
  }
  return count;
}

}  // namespace

std::vector<DeviceInfo> cuda_devices() {
  std::vector<DeviceInfo> infos;
  Result<int> count = device_count();
  if (!count) return infos;  // no driver, insufficient driver, no device: no CUDA devices
  for (int i = 0; i < count.value(); ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) == cudaSuccess) infos.push_back(describe(i, prop));
  }
  return infos;
}

Result<std::unique_ptr<Backend>> make_cuda_backend(int index) {
  Result<int> count = device_count();
  if (!count) return Error{"no usable CUDA device: " + count.message()};
  if (index < 0 || index >= count.value()) {
    return Error{"no CUDA device " + std::to_string(index) + " (found " + std::to_string(count.value()) + ")"};
  }
  cudaDeviceProp prop{};
  if (cudaError_t err = cudaGetDeviceProperties(&prop, index); err != cudaSuccess) {
    return cuda_error("cudaGetDeviceProperties", err);
  }
  return std::unique_ptr<Backend>(new CudaBackend(describe(index, prop)));
}

}  // namespace tf
