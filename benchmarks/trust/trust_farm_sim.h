// A simulated farm around a real DispatcherCore: workers are plain objects that answer every
// grant at once with a synthetic result (no rendering), on a fake clock, one "round" at a time
// (every worker answers what it holds, then the dispatcher ticks and commits, as one server
// loop iteration would). Used by the trust benchmark to measure the verification policy.
//
// Honest workers return, for a unit, bytes that depend only on the unit's region and sample
// range, so honest replicas agree. A dishonest worker adds a worker-specific offset to one
// value, so its hash never matches an honest one nor another cheater's.
//
// Thread safety: one TrustFarmSim per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/dispatcher_core.h"

namespace tf::bench {

struct SimJob {
  uint32_t frames = 1;
  uint32_t width = 32, height = 32, tile = 8, spp = 4, samples_per_unit = 1;
  uint32_t replication = 2, quorum = 2;
  uint64_t units() const;
};

class TrustFarmSim {
 public:
  // Decides, when a grant reaches worker `index`, whether it will cheat on that unit (default:
  // never). Deciding at grant time lets a cheater act on what it knew when the unit came.
  using CheatPolicy = std::function<bool(size_t worker, const proto::RenderUnitSpec& unit)>;

  // Opens a DispatcherCore in `state_dir` with `config` (state_dir is overwritten) and says
  // hello for `workers` workers with `slots` each. Errors name the failed step.
  static Result<std::unique_ptr<TrustFarmSim>> start(DispatcherConfig config,
                                                     const std::filesystem::path& state_dir,
                                                     size_t workers, uint32_t slots);

  // Submits `job` and runs rounds until it is done (or failed, or `max_rounds` pass).
  // Returns the job's final state.
  Result<proto::JobState> run_job(const SimJob& job, const CheatPolicy& cheat, int max_rounds);

  DispatcherCore& core() { return *core_; }
  static std::string key_of(size_t worker) { return "sim-worker-" + std::to_string(worker); }
  // Units whose result a worker sent wrong, with the wrong hash.
  const std::map<uint64_t, Hash256>& wrong_results(size_t worker) { return wrong_[worker]; }
  // The accepted result of a unit, if any (read from the store).
  Result<std::optional<Hash256>> accepted_result(uint64_t unit_id);

 private:
  explicit TrustFarmSim(std::unique_ptr<DispatcherCore> core) : core_(std::move(core)) {}
  Status deliver(const std::string& peer, const std::string& key, proto::Body body);
  Status round(const CheatPolicy& cheat);
  proto::UnitResult result_for(size_t worker, const proto::RenderUnitSpec& spec, bool cheat,
                               bool with_bytes);

  std::unique_ptr<DispatcherCore> core_;
  int64_t now_ms_ = 1'000'000;
  std::vector<std::string> peers_;
  struct HeldUnit {
    proto::RenderUnitSpec spec;
    bool cheat = false;
  };
  // Per worker: grants not answered yet, and full results kept for ResultBytesRequest.
  std::vector<std::vector<HeldUnit>> held_;
  std::vector<std::map<uint64_t, proto::UnitResult>> kept_;
  std::map<size_t, std::map<uint64_t, Hash256>> wrong_;
  std::vector<Outgoing> out_;
};

}  // namespace tf::bench
