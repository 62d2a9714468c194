#include "kernels/opencl/opencl_backend.h"

#include <array>
#include <optional>
#include <string_view>

#include "kernels/opencl/opencl_runtime.h"
#include "kernels/opencl/program_cache.h"
#include "kernels/render/render_pixel.h"

namespace tf {

std::string_view render_kernel_opencl_source();  // generated from render_kernel.cl

namespace {

// Buffer arguments of tf_render_tile, in order, before the scalar arguments.
enum SceneBuffer { kHeader, kCamera, kVertices, kTriangles, kSpheres, kNodes, kPrimIndex, kLeafTriangles,
                   kMaterials, kTextures, kTexels, kLights, kDistribution, kMedia, kDensities,
                   kSceneBufferCount };

template <class T>
Result<ocl::BufferHandle> upload_vector(ocl::DeviceSession* session, const std::vector<T>& v) {
  return session->upload(v.data(), v.size() * sizeof(T));
}

class OpenClBackend final : public Backend {
 public:
  OpenClBackend(std::unique_ptr<ocl::DeviceSession> session, ocl::ProgramHandle program, ocl::KernelHandle kernel)
      : session_(std::move(session)), program_(std::move(program)), kernel_(std::move(kernel)) {}

  const DeviceInfo& device() const override { return session_->info(); }
  std::string kernel_version() const override { return TF_RENDER_KERNEL_VERSION; }

  Status load_scene(const KernelScene& scene) override {
    scene_loaded_ = false;
    std::array<Result<ocl::BufferHandle>, kSceneBufferCount> uploads = {
        session_->upload(&scene.header, sizeof scene.header),
        session_->upload(&scene.camera, sizeof scene.camera),
        upload_vector(session_.get(), scene.vertices),
        upload_vector(session_.get(), scene.triangles),
        upload_vector(session_.get(), scene.spheres),
        upload_vector(session_.get(), scene.nodes),
        upload_vector(session_.get(), scene.prim_index),
        upload_vector(session_.get(), scene.leaf_triangles),
        upload_vector(session_.get(), scene.materials),
        upload_vector(session_.get(), scene.textures),
        upload_vector(session_.get(), scene.texels),
        upload_vector(session_.get(), scene.lights),
        upload_vector(session_.get(), scene.distribution),
        upload_vector(session_.get(), scene.media),
        upload_vector(session_.get(), scene.densities),
    };
    for (size_t i = 0; i < uploads.size(); ++i) {
      if (!uploads[i]) return Error{"uploading the scene to '" + device().name + "': " + uploads[i].message()};
      scene_buffers_[i] = std::move(uploads[i].value());
    }
    film_width_ = scene.camera.width;
    film_height_ = scene.camera.height;
    scene_loaded_ = true;
    return Status::ok();
  }

  Status render(const RenderUnit& unit, TileResult* out) override {
    if (!scene_loaded_) return Error{"render called before load_scene"};
    if (unit.x0 >= unit.x1 || unit.y0 >= unit.y1 || unit.x1 > film_width_ || unit.y1 > film_height_ ||
        unit.s0 > unit.s1) {
      return Error{"render unit [" + std::to_string(unit.x0) + ", " + std::to_string(unit.x1) + ") x [" +
                   std::to_string(unit.y0) + ", " + std::to_string(unit.y1) + "), samples [" +
                   std::to_string(unit.s0) + ", " + std::to_string(unit.s1) + ") is empty or outside the " +
                   std::to_string(film_width_) + "x" + std::to_string(film_height_) + " film"};
    }
    const size_t pixels = static_cast<size_t>(unit.width()) * unit.height();
    Result<ocl::BufferHandle> rgb = session_->allocate(pixels * 3 * sizeof(float));
    if (!rgb) return rgb.status();
    Result<ocl::BufferHandle> rays = session_->allocate(pixels * sizeof(cl_uint));
    if (!rays) return rays.status();

    cl_uint arg = 0;
    for (const ocl::BufferHandle& buffer : scene_buffers_) {
      if (Status s = ocl::set_buffer_arg(kernel_, arg++, buffer); !s) return s;
    }
    for (cl_uint value : {unit.frame, unit.x0, unit.y0, unit.width(), unit.height(), unit.s0, unit.s1}) {
      if (Status s = ocl::set_u32_arg(kernel_, arg++, value); !s) return s;
    }
    if (Status s = ocl::set_buffer_arg(kernel_, arg++, rgb.value()); !s) return s;
    if (Status s = ocl::set_buffer_arg(kernel_, arg++, rays.value()); !s) return s;
    if (Status s = session_->run_2d(kernel_, unit.width(), unit.height()); !s) return s;

    out->width = unit.width();
    out->height = unit.height();
    out->rgb.resize(pixels * 3);
    if (Status s = session_->read(rgb.value(), out->rgb.data(), out->rgb.size() * sizeof(float)); !s) return s;
    std::vector<cl_uint> pixel_rays(pixels);
    if (Status s = session_->read(rays.value(), pixel_rays.data(), pixel_rays.size() * sizeof(cl_uint)); !s) {
      return s;
    }
    out->rays = 0;
    for (cl_uint r : pixel_rays) out->rays += r;
    return Status::ok();
  }

 private:
  std::unique_ptr<ocl::DeviceSession> session_;
  ocl::ProgramHandle program_;
  ocl::KernelHandle kernel_;
  std::array<ocl::BufferHandle, kSceneBufferCount> scene_buffers_;
  uint32_t film_width_ = 0, film_height_ = 0;
  bool scene_loaded_ = false;
};

}  // namespace

std::vector<DeviceInfo> opencl_devices() {
  std::vector<DeviceInfo> infos;
  for (ocl::DeviceEntry& entry : ocl::enumerate_devices()) infos.push_back(std::move(entry.info));
  return infos;
}

Result<std::unique_ptr<Backend>> make_opencl_backend(int index) {
  Result<std::unique_ptr<ocl::DeviceSession>> session = ocl::DeviceSession::open(index);
  if (!session) return Error{session.message()};
  std::optional<ocl::ProgramCache> cache;
  if (auto dir = ocl::ProgramCache::default_directory()) cache.emplace(*dir);
  Result<ocl::ProgramHandle> program =
      session.value()->build_program(render_kernel_opencl_source(), cache ? &*cache : nullptr);
  if (!program) return Error{program.message()};
  Result<ocl::KernelHandle> kernel = session.value()->create_kernel(program.value(), "tf_render_tile");
  if (!kernel) return Error{kernel.message()};
  return std::unique_ptr<Backend>(
      new OpenClBackend(std::move(session.value()), std::move(program.value()), std::move(kernel.value())));
}

}  // namespace tf
