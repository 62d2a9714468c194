// An executor that forwards everything to another and counts the simulation it runs (calls
// and steps), its device placed on or off the host's cores as a test needs: the CPU backend
// standing in for a device off them (a GPU) drives the worker's paths for such devices. The
// counts are shared, so they can be read after a worker that owns the executor is gone.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "worker/executor.h"

namespace tf::testing {

struct SimCounts {
  std::atomic<int> calls{0};        // simulate() calls
  std::atomic<uint64_t> steps{0};   // steps they were asked for
};

class CountingExecutor : public UnitExecutor {
 public:
  // Borrows `inner`, which must outlive it.
  explicit CountingExecutor(UnitExecutor& inner, bool on_host_cpu = true)
      : inner_(inner), device_(inner.device()) {
    device_.on_host_cpu = on_host_cpu;
  }
  // Owns `inner`.
  CountingExecutor(std::unique_ptr<UnitExecutor> inner, bool on_host_cpu)
      : CountingExecutor(*inner, on_host_cpu) {
    owned_ = std::move(inner);
  }

  const DeviceInfo& device() const override { return device_; }
  std::string kernel_version() const override { return inner_.kernel_version(); }
  Status load_scene(const std::filesystem::path& file, bool lenient) override {
    return inner_.load_scene(file, lenient);
  }
  Status render(const RenderUnit& unit, TileResult* out) override {
    return inner_.render(unit, out);
  }
  Status simulate(sim::TileState& state, int steps) override {
    ++counts_->calls;
    counts_->steps += static_cast<uint64_t>(steps);
    return inner_.simulate(state, steps);
  }

  int calls() const { return counts_->calls; }
  std::shared_ptr<const SimCounts> counts() const { return counts_; }

 private:
  std::unique_ptr<UnitExecutor> owned_;
  UnitExecutor& inner_;
  DeviceInfo device_;
  std::shared_ptr<SimCounts> counts_ = std::make_shared<SimCounts>();
};

}  // namespace tf::testing
