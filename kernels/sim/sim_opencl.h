// OpenCL stepper for the simulation kernels: the same cell updates as run_steps_cpu (the
// kernel headers, embedded at build time with opencl/sim_kernels.cl), run one work-item per
// cell, lattice Boltzmann steps as an interior and a boundary-layer launch
// (sim_launch_plan.h). Results are byte-identical to run_steps_cpu under the determinism
// contract. Device buffers are kept between calls and reused while states fit in them.
//
// Thread-safety: one SimOpenCl is used by one thread at a time; distinct instances are
// independent.
#pragma once

#include <memory>
#include <string>

#include "kernels/sim/sim_host.h"
#include "kernels/status.h"

namespace tf::sim {

class SimOpenCl {
 public:
  // Opens OpenCL device `device_index` (platforms in ICD order, devices in platform order) and
  // builds the simulation program with -cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt.
  // Error (with the OpenCL error name, or the build log) when there is no such device, the
  // device lacks correctly rounded divide/sqrt, or the build fails. "No OpenCL device" is a
  // normal outcome for callers to handle.
  static Result<std::unique_ptr<SimOpenCl>> open(int device_index = 0);
  ~SimOpenCl();
  SimOpenCl(const SimOpenCl&) = delete;
  SimOpenCl& operator=(const SimOpenCl&) = delete;

  // "<platform> / <device>".
  const std::string& device_name() const;

  // Same contract as run_steps_cpu: advances `state` `steps` steps; on error the state is
  // left untouched.
  Status run_steps(TileState& state, int steps);

 private:
  struct Impl;
  explicit SimOpenCl(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tf::sim
