#include "worker/backend_executor.h"

#include <algorithm>

#include "formats/scene/load.h"
#include "kernels/sim/sim_opencl.h"
#if TILEFARM_SIM_CUDA
#include "kernels/sim/sim_cuda.h"
#endif

namespace tf {
namespace {

// Steps `state` with `stepper` (SimOpenCl or SimCuda), opening it on device `index` first.
template <class Stepper>
Status step_on(std::unique_ptr<Stepper>& stepper, int index, sim::TileState& state, int steps) {
  if (!stepper) {
    Result<std::unique_ptr<Stepper>> opened = Stepper::open(index);
    if (!opened) return Error{opened.message()};
    stepper = std::move(opened.value());
  }
  return stepper->run_steps(state, steps);
}

class BackendExecutor : public UnitExecutor {
 public:
  explicit BackendExecutor(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}
  const DeviceInfo& device() const override { return backend_->device(); }
  std::string kernel_version() const override { return backend_->kernel_version(); }

  Status load_scene(const std::filesystem::path& scene_file, bool lenient) override {
    if (scene_file == loaded_ && lenient == loaded_lenient_) return Status::ok();
    loaded_.clear();
    Result<LoadedScene> scene = load_scene_file(scene_file, {lenient});
    if (!scene) return scene.status();
    if (Status s = backend_->load_scene(scene->kernel); !s) return s;
    loaded_ = scene_file;
    loaded_lenient_ = lenient;
    return Status::ok();
  }

  Status render(const RenderUnit& unit, TileResult* out) override {
    return backend_->render(unit, out);
  }

  // Each device steps with its own backend's simulation kernels, opened on the first unit;
  // the bytes are the same on every backend.
  Status simulate(sim::TileState& state, int steps) override {
    if (device().backend == "opencl") return step_on(opencl_sim_, device().index, state, steps);
#if TILEFARM_SIM_CUDA
    if (device().backend == "cuda") return step_on(cuda_sim_, device().index, state, steps);
#endif
    return sim::run_steps_cpu(state, steps);
  }

 private:
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<sim::SimOpenCl> opencl_sim_;
#if TILEFARM_SIM_CUDA
  std::unique_ptr<sim::SimCuda> cuda_sim_;
#endif
  std::filesystem::path loaded_;
  bool loaded_lenient_ = false;
};

}  // namespace

Result<std::unique_ptr<UnitExecutor>> make_backend_executor(const std::string& backend,
                                                            int index) {
  Result<std::unique_ptr<Backend>> opened = make_backend(backend, index);
  if (!opened) return Error{opened.message()};
  return std::unique_ptr<UnitExecutor>(new BackendExecutor(std::move(opened.value())));
}

Result<std::vector<std::unique_ptr<UnitExecutor>>> make_executors(
    const std::string& backend, const std::vector<int>& device_indices) {
  if (backend != "auto" && backend != "cpu" && backend != "opencl" && backend != "cuda") {
    return Error{"unknown backend '" + backend + "' (expected cpu, opencl, cuda or auto)"};
  }
  std::vector<DeviceInfo> devices = list_devices(backend == "auto" ? "" : backend);
  if (backend == "auto") {
    // Auto takes the devices off the host's cores; only where there is none, the CPU backend.
    const bool off_host = std::any_of(devices.begin(), devices.end(),
                                      [](const DeviceInfo& d) { return !d.on_host_cpu; });
    std::erase_if(devices, [&](const DeviceInfo& d) {
      return off_host ? d.on_host_cpu : d.backend != "cpu";
    });
  }
  if (devices.empty()) return Error{"no " + backend + " device found (see `tilefarm devices`)"};
  std::vector<DeviceInfo> chosen;
  if (device_indices.empty()) {
    chosen = devices;
  } else {
    for (int i : device_indices) {
      if (i < 0 || static_cast<size_t>(i) >= devices.size()) {
        return Error{"device " + std::to_string(i) + " does not exist (" +
                     std::to_string(devices.size()) + " " + backend + " devices)"};
      }
      chosen.push_back(devices[static_cast<size_t>(i)]);
    }
  }
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  for (const DeviceInfo& d : chosen) {
    Result<std::unique_ptr<UnitExecutor>> e = make_backend_executor(d.backend, d.index);
    if (!e) return Error{e.message()};
    executors.push_back(std::move(e.value()));
  }
  return executors;
}

}  // namespace tf
