#include "kernels/cpu/cpu_backend.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "kernels/cpu/host_scene.h"
#include "kernels/render/render_pixel.h"

namespace tf {
namespace {

unsigned hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "CPU";
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(unsigned thread_count)
      : info_(cpu_device_info()), threads_(thread_count == 0 ? hardware_threads() : thread_count) {}

  const DeviceInfo& device() const override { return info_; }

  Status load_scene(const KernelScene& scene) override {
    if (scene.header.node_count != scene.nodes.size() ||
        scene.header.triangle_count != scene.triangles.size() ||
        scene.header.sphere_count != scene.spheres.size() ||
        scene.header.light_count != scene.lights.size() || scene.distribution.empty()) {
      return Error{"cpu backend: the scene is not finalized (call finalize_kernel_scene first)"};
    }
    scene_ = std::make_unique<HostScene>(scene);
    return Status::ok();
  }

  Status render(const RenderUnit& unit, TileResult* out) override {
    if (!scene_) return Error{"cpu backend: render called before load_scene"};
    const tf_camera& film = scene_->scene().camera;
    const tf_scene_view* view = &scene_->view();
    if (unit.x0 >= unit.x1 || unit.y0 >= unit.y1 || unit.x1 > film.width ||
        unit.y1 > film.height || unit.s0 > unit.s1) {
      return Error{"cpu backend: render unit [" + std::to_string(unit.x0) + "," + std::to_string(unit.x1) +
                   ")x[" + std::to_string(unit.y0) + "," + std::to_string(unit.y1) +
                   ") is empty or outside the " + std::to_string(film.width) + "x" +
                   std::to_string(film.height) + " film"};
    }
    const uint32_t w = unit.width();
    const uint32_t h = unit.height();
    out->width = w;
    out->height = h;
    out->rgb.assign(static_cast<size_t>(w) * h * 3, 0.0f);
    std::vector<uint64_t> row_rays(h, 0);
    std::atomic<uint32_t> next_row{0};
    auto worker = [&] {
      for (uint32_t r = next_row.fetch_add(1); r < h; r = next_row.fetch_add(1)) {
        uint64_t rays = 0;
        for (uint32_t x = 0; x < w; ++x) {
          uint32_t pixel_rays = 0;
          float* rgb = &out->rgb[(static_cast<size_t>(r) * w + x) * 3];
          tf_render_pixel(view, unit.frame, unit.x0 + x, unit.y0 + r, unit.s0, unit.s1, rgb, &pixel_rays);
          rays += pixel_rays;
        }
        row_rays[r] = rays;
      }
    };
    unsigned n = std::min<unsigned>(threads_, h);
    std::vector<std::thread> pool;
    pool.reserve(n > 0 ? n - 1 : 0);
    for (unsigned i = 1; i < n; ++i) pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool) t.join();
    out->rays = 0;
    for (uint64_t r : row_rays) out->rays += r;
    return Status::ok();
  }

  std::string kernel_version() const override { return TF_RENDER_KERNEL_VERSION; }

 private:
  DeviceInfo info_;
  unsigned threads_;
  std::unique_ptr<HostScene> scene_;
};

}  // namespace

DeviceInfo cpu_device_info() {
  DeviceInfo info;
  info.backend = "cpu";
  info.index = 0;
  info.compute_units = hardware_threads();
  info.on_host_cpu = true;
  info.name = cpu_model_name() + " (" + std::to_string(info.compute_units) + " threads)";
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) info.memory_bytes = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size);
  return info;
}

std::unique_ptr<Backend> make_cpu_backend() { return make_cpu_backend(0); }

std::unique_ptr<Backend> make_cpu_backend(unsigned thread_count) {
  return std::make_unique<CpuBackend>(thread_count);
}

}  // namespace tf
