// The one interface every compute backend (CPU, OpenCL, CUDA) implements.
//
// Contract: for the same loaded scene and the same RenderUnit, every backend and every device
// returns bitwise identical TileResult bytes (DESIGN.md, determinism contract). A result depends
// on the unit alone, never on tile size, launch geometry or thread count.
//
// Thread safety: one Backend instance is used by one thread at a time; create one per device.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/render/kernel_scene.h"
#include "kernels/status.h"

namespace tf {

// A render work unit: the tile [x0, x1) x [y0, y1) of `frame`, samples [s0, s1) per pixel.
struct RenderUnit {
  uint32_t frame = 0;
  uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  uint32_t s0 = 0, s1 = 0;
  uint32_t width() const { return x1 - x0; }
  uint32_t height() const { return y1 - y0; }
};

// Per-pixel *sums* of radiance over the unit's sample range, row-major from (x0, y0), RGB
// interleaved (width * height * 3 floats), plus the number of rays traced (part of the result,
// hashed with it, and the basis of the dispatcher's cost estimate).
struct TileResult {
  uint32_t width = 0, height = 0;
  std::vector<float> rgb;
  uint64_t rays = 0;
};

struct DeviceInfo {
  std::string backend;        // "cpu", "opencl", "cuda"
  int index = 0;              // index within its backend, as accepted by make_backend
  std::string name;           // e.g. "AMD EPYC 7B13 (16 threads)", "NVIDIA H100 80GB HBM3"
  uint64_t memory_bytes = 0;  // global memory usable by kernels
  uint32_t compute_units = 0;
  // Runs on the host's own cores: the CPU backend, or an OpenCL CPU device such as PoCL (which
  // shares those cores with the CPU backend and is slower on them).
  bool on_host_cpu = false;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const DeviceInfo& device() const = 0;
  // Copies the scene to the device. Replaces any scene loaded before.
  virtual Status load_scene(const KernelScene& scene) = 0;
  // Precondition: a scene is loaded and the unit lies inside its film. On error `out` is
  // left unspecified.
  virtual Status render(const RenderUnit& unit, TileResult* out) = 0;
  // Kernel version string: part of a unit's identity (results compare only within a version).
  virtual std::string kernel_version() const = 0;
};

// Every usable device of every compiled-in backend, or of `backend` alone ("cpu", "opencl",
// "cuda") when one is named: naming it spares starting the others (the OpenCL loader starts
// every installed platform, PoCL's about 0.1 s). Backends that find no device (no OpenCL
// platform, no CUDA driver) contribute nothing; that is not an error.
std::vector<DeviceInfo> list_devices(std::string_view backend = {});

// Opens `backend` ("cpu", "opencl", "cuda") device `index`.
Result<std::unique_ptr<Backend>> make_backend(const std::string& backend, int index = 0);

}  // namespace tf
