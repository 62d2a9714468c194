// The CPU backend: runs the render kernel (kernels/render/render_pixel.h) on host threads.
//
// Each pixel is computed independently by the same kernel text as the GPU backends, so the
// bytes of a TileResult depend neither on the thread count nor on how a frame is split into
// tiles. Thread safety: as every Backend, one instance serves one thread at a time.
#pragma once

#include <memory>

#include "kernels/backend.h"

namespace tf {

// The host CPU as a device: name from /proc/cpuinfo plus the thread count, memory_bytes the
// physical memory, compute_units the hardware threads.
DeviceInfo cpu_device_info();

// A backend using every hardware thread.
std::unique_ptr<Backend> make_cpu_backend();

// A backend using `thread_count` threads (0: every hardware thread). Results are identical
// for every thread count; tests use this to check that.
std::unique_ptr<Backend> make_cpu_backend(unsigned thread_count);

}  // namespace tf
