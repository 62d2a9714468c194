// The cost and the protection of verification, measured on the real DispatcherCore with a
// simulated farm (trust_farm_sim.h: fake clock, synthetic results, no rendering). Writes JSON.
// Run n of a row is seeded with n: its spot checks and the order in which the dispatcher serves
// the workers on each tick, which decides who takes the replica that settles a disagreement.
// Counts over runs are summed up as median, 99th percentile, mean, max and runs where not 0.
//
// 1. Verification overhead = replica results computed / units of the job, for an all-honest
//    farm of 10 workers after a warm-up job that makes every worker trusted:
//      adaptive replication (policy defaults: trust after 20, spot-check rate 0.1) - target
//      <= 1.15; theory 1 + s * (replication - 1) = 1.1; adaptive_with_auditor: the same with
//      worker 0 as the operator's auditor;
//      fixed replication 2 (trust never granted) - 2.0 exactly.
// 2. A turncoat: one of 6 workers behaves through a warm-up job that makes every worker
//    trusted, then cheats on every unit granted to it while it is trusted (it is told its trust
//    at each grant: the worst case, since a real worker cannot see it), in two variants:
//      every_unit      - wrong results for all such units;
//      first_replicas  - wrong results only for units where it is replica 0 (a grant says which
//                        replica it is; as a later replica it would meet an honest result).
//    Over `--runs` runs, in jobs of 128 units until its key is quarantined: how many of its
//    wrong results were accepted before that (the ledger credited them), and how many are still
//    accepted at the end (re-verification reopens units of running jobs only), next to the
//    model for a cheater on first replicas: each is spot-checked with probability s, so
//    P(more than k accepted) = (1 - s)^(k+1): median 6, p99 43, mean 9 at s = 0.1.
// 3. Colluders: 3 of 10 workers return, for every unit they get, the same wrong result, so they
//    agree with each other, on a 512-unit job; with worker 0 (honest) as the operator's auditor,
//    or with no auditor (_no_auditor):
//      colluders_from_start - colluding from the first unit of a new farm;
//      colluders_turning    - honest through a warm-up job that makes every worker trusted,
//                             then colluding; also at spot-check rate 0.3 (_spot_check_0.3).
//    Per run: wrong units accepted at some point (a ledger grant names a wrong hash) and at the
//    job's end, wrong pixels delivered (of the tiles of the latter), net credit of colluders and
//    of honest keys (query_credits), colluders quarantined, honest keys quarantined or with an
//    invalid result, replica results, units re-verified, credits reversed, wrong results sent,
//    and whether the job was done or stalled (neither done nor failed after kMaxRounds rounds).
//
// Usage: trust_benchmark [--runs N] [--out FILE]   (default 200 runs, JSON to stdout)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "benchmarks/trust/trust_farm_sim.h"
#include "dispatcher/trust_queries.h"

namespace tf::bench {
namespace {

using Cheat = TrustFarmSim::Cheat;
constexpr int kMaxRounds = 100000;  // far more than any job here needs: one not ended stalled
constexpr size_t kFarmWorkers = 10;  // the farm of the overhead and colluder rows
constexpr size_t kColluders = 3;     // its last workers, in the colluder rows
constexpr uint32_t kMeasuredFrames = 8;  // 512 units: the measured job of those rows

// A simulated farm (replication 2) in a scratch folder under /dev/shm where there is one; the
// folder is removed with the farm. Worker 0 is the operator's auditor when `auditor`.
struct ScratchFarm {
  std::filesystem::path dir;
  std::unique_ptr<TrustFarmSim> sim;
  TrustPolicy policy;
  size_t workers = 0;
  bool auditor = false;

  ScratchFarm() = default;
  ScratchFarm(const ScratchFarm&) = delete;
  ScratchFarm& operator=(const ScratchFarm&) = delete;
  ~ScratchFarm() {
    sim.reset();  // closes the store before its folder goes
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  // Trusted by the dispatcher's rules: an auditor by designation, another key once it earned
  // trust (an auditor's own record need not show it).
  bool trusted(size_t worker) const {
    const WorkerRecord* r = sim->core().worker_record(TrustFarmSim::key_of(worker));
    if (r != nullptr && r->quarantined) return false;
    return (auditor && worker == 0) || (r != nullptr && is_trusted(*r, policy));
  }
  bool every_worker_trusted() const {
    for (size_t w = 0; w < workers; ++w) {
      if (!trusted(w)) return false;
    }
    return true;
  }
};

// `seed` draws the spot checks and the order in which the dispatcher serves the workers.
Status start_farm(ScratchFarm& farm, const std::string& name, const TrustPolicy& policy,
                  uint64_t seed, size_t workers, bool auditor = false) {
  const std::filesystem::path shm = "/dev/shm";
  const std::filesystem::path base =
      std::filesystem::is_directory(shm) ? shm : std::filesystem::temp_directory_path();
  farm.dir = base / ("tilefarm-trust-bench-" + std::to_string(::getpid()) + "-" + name);
  farm.policy = policy;
  farm.workers = workers;
  farm.auditor = auditor;
  DispatcherConfig config;
  config.trust = policy;
  config.spot_check_seed = seed;
  if (auditor) config.auditors.insert(TrustFarmSim::key_of(0));
  auto sim = TrustFarmSim::start(config, farm.dir, workers, 2, seed);
  if (!sim) return Error{sim.message()};
  farm.sim = std::move(sim.value());
  return {};
}

// Neither done nor failed when the rounds ran out.
bool stalled(proto::JobState state) {
  return proto::job_active(state);
}

// Runs `job` until it is done or failed; a job that stalls is an error.
Status run_to_end(TrustFarmSim& sim, const SimJob& job, const TrustFarmSim::CheatPolicy& cheat) {
  Result<proto::JobState> state = sim.run_job(job, cheat, kMaxRounds);
  if (!state) return Error{state.message()};
  if (stalled(state.value())) {
    return Error{"a job stalled: not done after " + std::to_string(kMaxRounds) + " rounds"};
  }
  return {};
}

// An all-honest job of `frames` frames (64 units each), which earns the workers trust.
Status warm_up(ScratchFarm& farm, uint32_t frames) {
  SimJob job;
  job.frames = frames;
  return run_to_end(*farm.sim, job, nullptr);
}

// A job of kMeasuredFrames frames and what it cost (differences of DispatcherStats).
struct MeasuredJob {
  proto::JobState state = proto::JobState::kQueued;
  uint64_t units = 0, replicas = 0, single_replica_units = 0;
  uint64_t units_reverified = 0, credits_reversed = 0;
};

Result<MeasuredJob> run_measured_job(TrustFarmSim& sim, const TrustFarmSim::CheatPolicy& cheat) {
  const DispatcherStats before = sim.core().stats();
  SimJob job;
  job.frames = kMeasuredFrames;
  auto state = sim.run_job(job, cheat, kMaxRounds);
  if (!state) return Error{state.message()};
  const DispatcherStats& after = sim.core().stats();
  MeasuredJob m;
  m.state = state.value();
  m.units = job.units();
  m.replicas = after.replicas_reported - before.replicas_reported;
  m.single_replica_units = after.units_single_replica - before.units_single_replica;
  m.units_reverified = after.units_reverified - before.units_reverified;
  m.credits_reversed = after.credits_reversed - before.credits_reversed;
  return m;
}

struct Overhead {
  MeasuredJob job;
  bool all_trusted = false;
};

// An all-honest farm of kFarmWorkers, warmed up, then measured on one job.
Result<Overhead> measure_overhead(const TrustPolicy& policy, uint64_t seed, bool auditor) {
  ScratchFarm farm;
  if (Status s = start_farm(farm, "overhead", policy, seed, kFarmWorkers, auditor); !s) {
    return Error{s.message()};
  }
  if (Status s = warm_up(farm, 4); !s) return Error{s.message()};  // ~51 results per worker
  Overhead o;
  o.all_trusted = farm.every_worker_trusted();
  Result<MeasuredJob> job = run_measured_job(*farm.sim, nullptr);
  if (!job) return Error{job.message()};
  if (job->state != proto::JobState::kDone) return Error{"the measured job did not finish"};
  o.job = job.value();
  return o;
}

struct TurncoatRun {
  uint64_t accepted_wrong = 0;  // wrong results accepted (at some point) before quarantine
  uint64_t still_accepted = 0;  // of those, still accepted at the end
  uint64_t cheats = 0;          // wrong results sent in all
  bool quarantined = false;
};

Result<TurncoatRun> run_turncoat(const TrustPolicy& policy, uint64_t seed,
                                 bool first_replicas_only) {
  ScratchFarm scratch;
  if (Status s = start_farm(scratch, "turncoat", policy, seed, 6); !s) {
    return Error{s.message()};
  }
  TrustFarmSim& farm = *scratch.sim;
  if (Status s = warm_up(scratch, 3); !s) return Error{s.message()};  // ~64 results per worker
  bool turned = false;
  const auto cheat = [&](size_t worker, const proto::RenderUnitSpec& unit) {
    if (worker != 0) return Cheat::kNo;
    turned = turned || scratch.trusted(0);
    return turned && (!first_replicas_only || unit.replica == 0) ? Cheat::kAlone : Cheat::kNo;
  };
  TurncoatRun run;
  for (int job = 0; job < 40; ++job) {
    SimJob sim_job;
    sim_job.frames = 2;
    if (Status s = run_to_end(farm, sim_job, cheat); !s) return Error{s.message()};
    const WorkerRecord* r = farm.core().worker_record(TrustFarmSim::key_of(0));
    if (r != nullptr && r->quarantined) {
      run.quarantined = true;
      break;
    }
  }
  Result<TrustFarmSim::WrongResults> wrong = farm.wrong_results();
  if (!wrong) return Error{wrong.message()};
  run.cheats = wrong->units_sent;
  run.accepted_wrong = wrong->ever_accepted;
  run.still_accepted = wrong->accepted_now;
  return run;
}

// A colluder row: kColluders of kFarmWorkers (the last by index; their place in the dispatch
// order is drawn per run) collude on every unit of a job of kMeasuredFrames frames, from the
// start or after an all-honest warm-up job.
struct ColluderRow {
  const char* name;
  bool auditor;             // worker 0 (honest) is the operator's auditor
  bool turn_after_warm_up;  // the colluders are honest through the warm-up
  double spot_check_rate;   // the rest of the policy: the defaults
};

bool is_colluder(size_t worker) { return worker >= kFarmWorkers - kColluders; }
bool is_colluder_key(const std::string& key) {
  for (size_t w = 0; w < kFarmWorkers; ++w) {
    if (is_colluder(w) && key == TrustFarmSim::key_of(w)) return true;
  }
  return false;
}

// One run's counts, by their JSON names (the header comment says what each counts).
using Counts = std::map<std::string, uint64_t>;

// The keys' net credit (query_credits: grants minus reversals), colluders' and honest ones'.
Status count_credit(ScratchFarm& farm, Counts& counts) {
  Result<std::vector<proto::CreditRow>> credits = query_credits(farm.sim->core().store().db());
  if (!credits) return Error{credits.message()};
  counts["net_credit_to_colluders"] = counts["net_credit_to_honest_keys"] = 0;
  for (const proto::CreditRow& row : credits.value()) {
    counts[is_colluder_key(row.worker_key) ? "net_credit_to_colluders"
                                           : "net_credit_to_honest_keys"] += row.credit;
  }
  return {};
}

// Quarantined colluders; honest keys quarantined, or with a lost quorum held against them.
void count_penalties(ScratchFarm& farm, Counts& counts) {
  uint64_t& colluders = counts["colluders_quarantined"] = 0;
  uint64_t& honest_quarantined = counts["honest_keys_quarantined"] = 0;
  uint64_t& honest_invalid = counts["honest_keys_with_invalid_results"] = 0;
  for (size_t w = 0; w < farm.workers; ++w) {
    const WorkerRecord* r = farm.sim->core().worker_record(TrustFarmSim::key_of(w));
    if (r == nullptr) continue;
    if (is_colluder(w)) {
      colluders += r->quarantined ? 1 : 0;
    } else {
      honest_quarantined += r->quarantined ? 1 : 0;
      honest_invalid += r->invalid > 0 ? 1 : 0;
    }
  }
}

Result<Counts> run_colluders(const ColluderRow& row, uint64_t seed) {
  TrustPolicy policy;
  policy.spot_check_rate = row.spot_check_rate;
  ScratchFarm farm;
  if (Status s = start_farm(farm, row.name, policy, seed, kFarmWorkers, row.auditor); !s) {
    return Error{s.message()};
  }
  Counts counts;
  if (row.turn_after_warm_up) {
    if (Status s = warm_up(farm, 4); !s) return Error{s.message()};
    counts["every_worker_trusted_after_warm_up"] = farm.every_worker_trusted() ? 1 : 0;
  }
  const auto collude = [](size_t worker, const proto::RenderUnitSpec&) {
    return is_colluder(worker) ? Cheat::kColluding : Cheat::kNo;
  };
  Result<MeasuredJob> job = run_measured_job(*farm.sim, collude);
  if (!job) return Error{job.message()};
  Result<TrustFarmSim::WrongResults> wrong = farm.sim->wrong_results();
  if (!wrong) return Error{wrong.message()};
  counts["job_done"] = job->state == proto::JobState::kDone ? 1 : 0;
  counts["job_stalled"] = stalled(job->state) ? 1 : 0;
  counts["replica_results"] = job->replicas;
  counts["units_reverified"] = job->units_reverified;
  counts["credits_reversed"] = job->credits_reversed;
  counts["wrong_results_sent"] = wrong->units_sent;
  counts["wrong_units_accepted_at_some_point"] = wrong->ever_accepted;
  counts["wrong_units_accepted_at_job_end"] = wrong->accepted_now;
  counts["wrong_pixels_delivered"] = wrong->pixels_now;
  if (Status s = count_credit(farm, counts); !s) return Error{s.message()};
  count_penalties(farm, counts);
  return counts;
}

double quantile(std::vector<uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  // Nearest rank.
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return static_cast<double>(v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)]);
}

// Per-run counts summed up: median, 99th percentile, mean, max, and the runs where not 0.
nlohmann::json summary(const std::vector<uint64_t>& v) {
  double mean = 0;
  for (uint64_t x : v) mean += static_cast<double>(x);
  mean /= static_cast<double>(v.size());
  return {{"median", quantile(v, 0.5)},
          {"p99", quantile(v, 0.99)},
          {"mean", mean},
          {"max", quantile(v, 1.0)},
          {"runs_not_0", std::count_if(v.begin(), v.end(), [](uint64_t x) { return x != 0; })}};
}

Status report_overhead(nlohmann::json& report) {
  const TrustPolicy adaptive;  // the defaults
  TrustPolicy fixed = adaptive;
  fixed.trust_after = UINT64_MAX;  // never trusted: every unit keeps replication 2
  struct Variant {
    const char* name;
    TrustPolicy policy;
    bool auditor;
  };
  for (const Variant& v : {Variant{"adaptive", adaptive, false},
                           Variant{"adaptive_with_auditor", adaptive, true},
                           Variant{"fixed_2", fixed, false}}) {
    Result<Overhead> o = measure_overhead(v.policy, 7, v.auditor);
    if (!o) return Error{std::string(v.name) + " overhead: " + o.message()};
    report["overhead"][v.name] = {
        {"replicas_per_unit",
         static_cast<double>(o->job.replicas) / static_cast<double>(o->job.units)},
        {"units", o->job.units},
        {"replica_results", o->job.replicas},
        {"single_replica_units", o->job.single_replica_units},
        {"every_worker_trusted_after_warm_up", o->all_trusted}};
  }
  report["overhead"]["adaptive"]["theory"] = 1.0 + adaptive.spot_check_rate;
  return {};
}

Status report_turncoat(nlohmann::json& report, int runs) {
  const TrustPolicy policy;
  const double s = policy.spot_check_rate;
  const auto model_quantile = [&](double q) {
    // Smallest k with P(accepted <= k) = 1 - (1 - s)^(k+1) >= q.
    return std::ceil(std::log(1.0 - q) / std::log(1.0 - s)) - 1.0;
  };
  report["turncoat"]["workers"] = 6;
  report["turncoat"]["runs"] = runs;
  report["turncoat"]["first_replica_model"] = {
      {"median", model_quantile(0.5)}, {"p99", model_quantile(0.99)}, {"mean", (1 - s) / s}};
  for (const bool first_only : {false, true}) {
    std::vector<uint64_t> accepted, still, cheats;
    int quarantined = 0;
    for (int seed = 1; seed <= runs; ++seed) {
      Result<TurncoatRun> r = run_turncoat(policy, static_cast<uint64_t>(seed), first_only);
      if (!r) return Error{"turncoat run " + std::to_string(seed) + ": " + r.message()};
      accepted.push_back(r->accepted_wrong);
      still.push_back(r->still_accepted);
      cheats.push_back(r->cheats);
      quarantined += r->quarantined ? 1 : 0;
    }
    report["turncoat"][first_only ? "first_replicas" : "every_unit"] = {
        {"quarantined_runs", quarantined},
        {"accepted_wrong_results_before_quarantine", summary(accepted)},
        {"wrong_results_still_accepted_at_end", summary(still)},
        {"wrong_results_sent", summary(cheats)}};
  }
  return {};
}

Status report_colluders(nlohmann::json& report, int runs) {
  const ColluderRow rows[] = {
      {"colluders_from_start", true, false, 0.1},
      {"colluders_turning", true, true, 0.1},
      {"colluders_from_start_no_auditor", false, false, 0.1},
      {"colluders_turning_no_auditor", false, true, 0.1},
      {"colluders_turning_no_auditor_spot_check_0.3", false, true, 0.3}};
  const SimJob measured{kMeasuredFrames};
  for (const ColluderRow& row : rows) {
    std::map<std::string, std::vector<uint64_t>> per_count;
    for (int seed = 1; seed <= runs; ++seed) {
      Result<Counts> counts = run_colluders(row, static_cast<uint64_t>(seed));
      if (!counts) {
        return Error{std::string(row.name) + " run " + std::to_string(seed) + ": " +
                     counts.message()};
      }
      for (const auto& [name, n] : counts.value()) per_count[name].push_back(n);
    }
    nlohmann::json& out = report["colluders"][row.name];
    out = {{"workers", kFarmWorkers},
           {"colluders", kColluders},
           {"auditor", row.auditor},
           {"after_warm_up", row.turn_after_warm_up},
           {"spot_check_rate", row.spot_check_rate},
           {"runs", runs},
           {"units_per_job", measured.units()},
           {"pixels_per_job", measured.frames * measured.width * measured.height}};
    for (const auto& [name, values] : per_count) out[name] = summary(values);
    const std::vector<uint64_t>& replicas = per_count["replica_results"];
    out["replicas_per_unit"] =
        static_cast<double>(std::accumulate(replicas.begin(), replicas.end(), uint64_t{0})) /
        static_cast<double>(static_cast<uint64_t>(runs) * measured.units());
  }
  return {};
}

int run_all(int runs, const std::string& out_path) {
  nlohmann::json report;
  const TrustPolicy policy;
  report["policy"] = {{"trust_after", policy.trust_after},
                      {"spot_check_rate", policy.spot_check_rate},
                      {"quarantine_after_invalid", policy.quarantine_after_invalid}};
  Status s = report_overhead(report);
  if (s) s = report_turncoat(report, runs);
  if (s) s = report_colluders(report, runs);
  if (!s) {
    std::fprintf(stderr, "trust_benchmark: %s\n", s.message().c_str());
    return 1;
  }
  const std::string text = report.dump(2) + "\n";
  if (out_path.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    std::ofstream(out_path) << text;
  }
  return 0;
}

}  // namespace
}  // namespace tf::bench

int main(int argc, char** argv) {
  int runs = 200;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
      out = argv[++i];
    } else {
      std::fprintf(stderr, "usage: trust_benchmark [--runs N] [--out FILE]\n");
      return 2;
    }
  }
  return tf::bench::run_all(runs, out);
}
