// A UnitExecutor for farm tests and benchmarks: "renders" tests/dispatcher/synthetic_render.h
// values, seeded by the hash of the scene file's bytes, optionally taking a fixed time per unit
// (it sleeps until that long after the unit started, compute included), so that tests can
// kill processes mid-job and benchmarks can stand in for devices of a known speed.
#pragma once

#include <sys/prctl.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "formats/hash/hash.h"
#include "tests/dispatcher/synthetic_render.h"
#include "worker/executor.h"

namespace tf::testing {

// The seed a scene file's bytes stand for.
inline uint64_t synthetic_seed(std::string_view scene_text) {
  const Hash256 h = blake2b_256(scene_text);
  uint64_t seed = 0;
  for (int i = 0; i < 8; ++i) seed = (seed << 8) | h.bytes[static_cast<size_t>(i)];
  return seed;
}

class SyntheticExecutor : public UnitExecutor {
 public:
  explicit SyntheticExecutor(std::chrono::microseconds time_per_unit = std::chrono::microseconds(0))
      : time_per_unit_(time_per_unit) {
    device_.backend = "synthetic";
    device_.name = "synthetic test device";
  }
  const DeviceInfo& device() const override { return device_; }
  // A sleep overshoots by 60-300 us on a VM (timer slack, wake-up latency), as much as a fast
  // device's whole unit: a short wait (under 5 ms) sleeps with a 1 us timer slack to shortly
  // before its end and yields for the last stretch (other threads still run), so the unit time
  // holds. A longer wait only sleeps: its overshoot costs a few percent at most, while hundreds
  // of workers yielding would take the cores that real devices, which wait without the CPU,
  // leave to the farm.
  static void wait_until(std::chrono::steady_clock::time_point until) {
    constexpr auto kYieldStretch = std::chrono::microseconds(100);
    constexpr auto kPreciseBelow = std::chrono::milliseconds(5);
    thread_local const bool precise_timers = ::prctl(PR_SET_TIMERSLACK, 1000UL) == 0;
    (void)precise_timers;
    const auto now = std::chrono::steady_clock::now();
    if (until - now >= kPreciseBelow) {
      std::this_thread::sleep_until(until);
      return;
    }
    if (now + kYieldStretch < until) std::this_thread::sleep_until(until - kYieldStretch);
    while (std::chrono::steady_clock::now() < until) std::this_thread::yield();
  }
  std::string kernel_version() const override { return "synthetic-1"; }
  Status load_scene(const std::filesystem::path& scene_file, bool /*lenient*/) override {
    if (scene_file == loaded_) return Status::ok();  // bundle folders are content-addressed
    std::ifstream in(scene_file, std::ios::binary | std::ios::ate);
    if (!in) return Error{"cannot read " + scene_file.string()};
    std::string text(static_cast<size_t>(in.tellg()), '\0');
    in.seekg(0);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    seed_ = synthetic_seed(text);
    loaded_ = scene_file;
    return Status::ok();
  }
  Status render(const RenderUnit& unit, TileResult* out) override {
    const auto until = std::chrono::steady_clock::now() + time_per_unit_;
    *out = synthetic_tile(seed_, unit);
    wait_until(until);
    return Status::ok();
  }
  // Simulation units at `updates_per_s` cell updates per second (0: it runs none), standing in
  // for a stepper of known speed: each call adds 1 to the first value of the state, so that
  // successive chunks differ, and takes cells x steps / rate.
  void set_sim_rate(double updates_per_s) { sim_rate_ = updates_per_s; }
  Status simulate(sim::TileState& state, int steps) override {
    if (sim_rate_ <= 0 || state.fields.empty()) return UnitExecutor::simulate(state, steps);
    const double seconds = static_cast<double>(state.size.cell_count()) * steps / sim_rate_;
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(seconds));
    state.fields[0] += 1.0f;
    wait_until(until);
    return Status::ok();
  }

 private:
  DeviceInfo device_;
  std::chrono::microseconds time_per_unit_;
  double sim_rate_ = 0;
  uint64_t seed_ = 0;
  std::filesystem::path loaded_;
};

}  // namespace tf::testing
