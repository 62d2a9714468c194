// The OpenCL backend: the shared render kernel text, embedded at build time
// (render_kernel.cl), compiled at run time once per device and cached on disk
// (ProgramCache::default_directory(): $XDG_CACHE_HOME/tilefarm/opencl or
// ~/.cache/tilefarm/opencl; a missing or damaged entry only costs a recompile).
//
// Thread safety: opencl_devices() and make_opencl_backend() may be called from any thread;
// each backend is used by one thread at a time (kernels/backend.h).
#pragma once

#include <memory>
#include <vector>

#include "kernels/backend.h"

namespace tf {

// Every OpenCL device (index = the index make_opencl_backend takes). Empty, not an error,
// when there is no ICD loader configuration, no platform or no device.
std::vector<DeviceInfo> opencl_devices();

// Opens OpenCL device `index` and builds the render kernel for it; the caller owns the
// backend. Errors: no such device, the device cannot honour the determinism contract
// (correctly rounded divide/sqrt and denormals are required), or the kernel does not compile
// (the message holds the build log).
Result<std::unique_ptr<Backend>> make_opencl_backend(int index);

}  // namespace tf
