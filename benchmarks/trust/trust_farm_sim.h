// A simulated farm around a real DispatcherCore: workers are plain objects that answer every
// grant at once with a synthetic result (no rendering), on a fake clock, one "round" at a time
// (every worker answers what it holds, then the dispatcher ticks and commits, as one server
// loop iteration would). Used by the trust benchmark to measure the verification policy.
//
// Honest workers return, for a unit, bytes that depend only on the unit's region and sample
// range, so honest replicas agree. A cheater changes one value: a lone cheater by an offset of
// its own, so its hash never matches an honest one nor another cheater's; a colluder by an
// offset every colluder shares, so colluders' results for a unit agree with each other (and
// with no honest or lone cheater's result).
//
// Thread safety: one TrustFarmSim per thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
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
  enum class Cheat { kNo, kAlone, kColluding };  // how a worker answers a unit (see above)
  // Decides, when a grant reaches worker `index`, whether and how it will cheat on that unit
  // (default: never). Deciding at grant time lets a cheater act on what it knew when the unit
  // came.
  using CheatPolicy = std::function<Cheat(size_t worker, const proto::RenderUnitSpec& unit)>;

  // What became of the wrong results sent so far, over the units some worker sent one for.
  // Every acceptance credits its agreeing replicas in the ledger, and a reversal never removes
  // a grant, so a grant that names a wrong hash marks a wrong acceptance even when
  // re-verification replaced it later.
  struct WrongResults {
    uint64_t units_sent = 0;      // units some worker sent a wrong result for
    uint64_t ever_accepted = 0;   // of those, accepted with a wrong result at some point
    uint64_t accepted_now = 0;    // accepted with a wrong result now
    uint64_t pixels_now = 0;      // pixels of the tiles of the units accepted wrong now
  };

  // Opens a DispatcherCore in `state_dir` with `config` (state_dir is overwritten) and says
  // hello for `workers` workers with `slots` each. The dispatcher serves workers in the order
  // of their routing ids on every tick, so the first one free takes the replicas that settle
  // a disagreement: the ids put the workers in an order drawn from `order_seed` (on a real
  // farm, the socket assigns them). Errors name the failed step.
  static Result<std::unique_ptr<TrustFarmSim>> start(DispatcherConfig config,
                                                     const std::filesystem::path& state_dir,
                                                     size_t workers, uint32_t slots,
                                                     uint64_t order_seed);

  // Submits `job` and runs rounds until it is done or failed, or `max_rounds` passed. Returns
  // the job's state then: queued or running when it stalled.
  Result<proto::JobState> run_job(const SimJob& job, const CheatPolicy& cheat, int max_rounds);

  // Read from the store (accepted results) and the ledger.
  Result<WrongResults> wrong_results();

  DispatcherCore& core() { return *core_; }
  static std::string key_of(size_t worker) { return "sim-worker-" + std::to_string(worker); }

 private:
  explicit TrustFarmSim(std::unique_ptr<DispatcherCore> core) : core_(std::move(core)) {}
  Status deliver(const std::string& peer, const std::string& key, proto::Body body);
  Status round(const CheatPolicy& cheat);
  proto::UnitResult result_for(size_t worker, const proto::RenderUnitSpec& spec, Cheat cheat,
                               bool with_bytes);
  // The accepted result of a unit, if any (read from the store).
  Result<std::optional<Hash256>> accepted_result(uint64_t unit_id);
  // Units accepted with a wrong result at some point (read from the ledger).
  Result<std::set<uint64_t>> ever_accepted_wrong();

  std::unique_ptr<DispatcherCore> core_;
  int64_t now_ms_ = 1'000'000;
  std::vector<std::string> peers_;
  struct HeldUnit {
    proto::RenderUnitSpec spec;
    Cheat cheat = Cheat::kNo;
  };
  // The honest result of a unit a worker was granted, and its tile.
  struct Truth {
    Hash256 hash;
    uint32_t frame = 0, x0 = 0, y0 = 0;
    uint64_t pixels = 0;
  };
  // Per worker: grants not answered yet, and full results kept for ResultBytesRequest.
  std::vector<std::vector<HeldUnit>> held_;
  std::vector<std::map<uint64_t, proto::UnitResult>> kept_;
  std::map<uint64_t, Truth> truth_;  // by unit
  std::set<uint64_t> cheated_units_;  // units some worker sent a wrong result for
  std::vector<Outgoing> out_;
};

}  // namespace tf::bench
