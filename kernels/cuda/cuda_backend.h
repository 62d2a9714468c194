// The CUDA backend: the shared render kernel text compiled by nvcc with the determinism flags
// of tilefarm_kernel_flags (-fmad=false -prec-div=true -prec-sqrt=true -ftz=false).
//
// Compiled only when CMake found nvcc (TILEFARM_HAVE_CUDA). At run time a machine without a
// GPU, without a driver, or with a driver older than the runtime has no CUDA devices; that is
// a normal outcome, never an error or a crash.
//
// Thread safety: cuda_devices() and make_cuda_backend() may be called from any thread; each
// backend is used by one thread at a time (kernels/backend.h) and selects its device
// (cudaSetDevice) at the start of every call, so backends of different devices may share a
// thread.
#pragma once

#include <memory>
#include <vector>

#include "kernels/backend.h"

namespace tf {

// Every CUDA device (index = CUDA device ordinal, as make_cuda_backend takes). Empty when
// cudaGetDeviceCount reports no device, an insufficient driver or any other error.
std::vector<DeviceInfo> cuda_devices();

// Opens CUDA device `index`; the caller owns the backend. Errors: no such device (the message
// says why none is usable, e.g. "CUDA driver version is insufficient for CUDA runtime
// version").
Result<std::unique_ptr<Backend>> make_cuda_backend(int index);

}  // namespace tf
