// What a worker's device thread runs units on. The production implementation wraps a
// kernels/ Backend (backend_executor.h); tests substitute their own to exercise the worker and
// the farm without a renderer.
//
// Thread safety: one UnitExecutor is used by one device thread.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "kernels/backend.h"
#include "kernels/sim/sim_host.h"
#include "kernels/status.h"

namespace tf {

class UnitExecutor {
 public:
  virtual ~UnitExecutor() = default;
  virtual const DeviceInfo& device() const = 0;
  virtual std::string kernel_version() const = 0;
  // Makes `scene_file` (inside a materialised bundle) the scene that render() uses, loaded
  // leniently when asked (formats/scene/load.h). Loading the file already loaded the same way
  // is cheap. On error the previous scene is unspecified.
  virtual Status load_scene(const std::filesystem::path& scene_file, bool lenient) = 0;
  // Renders one unit of the loaded scene. On error `out` is unspecified.
  virtual Status render(const RenderUnit& unit, TileResult* out) = 0;
  // Advances a simulation unit's input state (formats/sim/sim_unit.h) `steps` steps on this
  // device, with the contract of sim::run_steps_cpu. Devices without simulation kernels say
  // so (the default).
  virtual Status simulate(sim::TileState& state, int steps) {
    (void)state;
    (void)steps;
    return Error{"the " + device().backend + " device " + device().name +
                 " does not run simulation units"};
  }
};

}  // namespace tf
