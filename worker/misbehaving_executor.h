// A testing aid: a worker that cheats or fails in one of the ways the dispatcher's verification
// must catch (`tilefarm worker --misbehave MODE`; DESIGN.md "Verification, reputation,
// credit"). Never used by an honest worker.
//
// MisbehavingExecutor decorates the real UnitExecutor (executor.h):
//   wrong - renders honestly, then perturbs a few pixel sums (seeded, so two wrong workers
//           never agree by accident);
//   lazy  - renders only the first half of the unit's samples (s1' = s0 + max(1, (s1-s0)/2))
//           and rescales the sums and the ray count by (s1-s0)/(s1'-s0): the image looks
//           plausible, but its hash is not the honest one;
//   copy  - returns another unit's result bytes for every unit: it renders a unit's
//           neighbour in sample order (s1 .. s1 + (s1 - s0)), same size, keeps it and hands it
//           out for every later unit, except for the neighbour itself (those bytes would be
//           honest), which gets its own neighbour's bytes instead;
//   slow  - renders honestly but returns only after `slow_delay` (meant to pass the lease
//           deadline, default 11 minutes against the dispatcher's 10-minute lease);
//   garbage - renders honestly; the worker then sends undecodable frames instead of the
//           results (WorkerOptions::garbage_result_bytes, see send_garbage_frame);
//   collude - renders honestly, then perturbs a few pixel sums seeded by the unit alone, so
//           that every colluder returns the same wrong result for the same unit (keys that
//           one cheater runs, or cheaters that agree among themselves).
// Simulation units: wrong perturbs a few field values, collude the same seeded by the unit's
// input (its steps, size and leading values), lazy advances half the steps (at least one),
// slow and garbage behave as above, copy simulates honestly.
//
// MisbehaviorOptions::honest_units makes the executor honest for its first units (render and
// simulate calls, counted across every executor that shares `units_seen`): a cheater that
// builds reputation first.
//
// Thread safety: like any UnitExecutor, one instance per device thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "worker/executor.h"

namespace tf {

enum class Misbehavior { kWrong, kLazy, kCopy, kSlow, kGarbage, kCollude };

// "wrong", "lazy", "copy", "slow", "garbage", "collude"; anything else is an error listing
// them.
Result<Misbehavior> parse_misbehavior(const std::string& name);

struct MisbehaviorOptions {
  Misbehavior mode = Misbehavior::kWrong;
  uint64_t seed = std::random_device{}();
  std::chrono::milliseconds slow_delay = std::chrono::minutes(11);
  uint64_t honest_units = 0;  // honest for this many units first
  // Units seen so far; executors of one worker share it (made per executor when null).
  std::shared_ptr<std::atomic<uint64_t>> units_seen = nullptr;
  // The seam for `slow`: tests pass a recorder instead of really waiting.
  std::function<void(std::chrono::milliseconds)> sleep = [](std::chrono::milliseconds d) {
    std::this_thread::sleep_for(d);
  };
};

class MisbehavingExecutor : public UnitExecutor {
 public:
  MisbehavingExecutor(std::unique_ptr<UnitExecutor> inner, MisbehaviorOptions options);
  const DeviceInfo& device() const override { return inner_->device(); }
  std::string kernel_version() const override { return inner_->kernel_version(); }
  Status load_scene(const std::filesystem::path& scene_file, bool lenient) override {
    return inner_->load_scene(scene_file, lenient);
  }
  Status render(const RenderUnit& unit, TileResult* out) override;
  Status simulate(sim::TileState& state, int steps) override;

 private:
  Status render_lazily(const RenderUnit& unit, TileResult* out);
  // Whether this unit is still in the honest phase (counts it).
  bool honest_now();
  static void perturb(std::vector<float>& values, std::mt19937_64& rng);

  std::unique_ptr<UnitExecutor> inner_;
  MisbehaviorOptions options_;
  std::mt19937_64 rng_;
  // `copy`: the result handed out again, and the unit it really belongs to.
  std::optional<TileResult> copied_;
  RenderUnit copied_from_{};
};

// Sends `size` random bytes (never a decodable message) as one frame on `socket`, without
// blocking. The `garbage` mode's replacement for every result.
void send_garbage_frame(zmq::socket_t& socket, size_t size);

}  // namespace tf
