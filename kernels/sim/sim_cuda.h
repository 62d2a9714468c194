// CUDA stepper for the simulation kernels: the same cell updates as run_steps_cpu (the kernel
// headers compiled by nvcc with -fmad=false -prec-div=true -prec-sqrt=true -ftz=false, from
// tilefarm_kernel_flags), one thread per cell, lattice Boltzmann steps as an interior and a
// boundary-layer launch (sim_launch_plan.h). Results are byte-identical to run_steps_cpu
// under the determinism contract.
//
// Compiled only when CMake found nvcc (target tilefarm_sim_cuda, TILEFARM_HAVE_CUDA). This
// header needs no CUDA headers, so plain C++ code can use it. A machine without a GPU, without
// a driver, or with a driver older than the runtime has no CUDA device: open() returns an
// error saying which, never crashes.
//
// Thread-safety: one SimCuda is used by one thread at a time; it selects its device
// (cudaSetDevice) at the start of every call, so instances of different devices may share a
// thread. Device buffers are kept between calls and reused while states fit in them.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "kernels/sim/sim_host.h"
#include "kernels/status.h"

namespace tf::sim {

class SimCuda {
 public:
  // Opens CUDA device `device_index` (a CUDA device ordinal). Error when there is no usable
  // CUDA device (the message carries the runtime's reason, e.g. "CUDA driver version is
  // insufficient for CUDA runtime version") or no device with that index.
  static Result<std::unique_ptr<SimCuda>> open(int device_index = 0);
  ~SimCuda();
  SimCuda(const SimCuda&) = delete;
  SimCuda& operator=(const SimCuda&) = delete;

  // The device's name, e.g. "NVIDIA H100 80GB HBM3".
  const std::string& device_name() const;

  // Same contract as run_steps_cpu: advances `state` `steps` steps; on error the state is
  // left untouched.
  Status run_steps(TileState& state, int steps);

  // The device's memory roofline for benchmarks: bytes read plus bytes written per second by
  // a device-to-device copy of `bytes` bytes, best of a few passes.
  Result<double> copy_bandwidth(std::size_t bytes);

 private:
  struct Impl;
  explicit SimCuda(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tf::sim
