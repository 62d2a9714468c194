// The cost and the protection of verification, measured on the real DispatcherCore with a
// simulated farm (trust_farm_sim.h: fake clock, synthetic results, no rendering). Writes JSON.
//
// 1. Verification overhead = replica results computed / units of the job, for an all-honest
//    farm of 10 workers after a warm-up job that makes every worker trusted:
//      adaptive replication (policy defaults: trust after 20, spot-check rate 0.1) - target
//      <= 1.15; theory 1 + s * (replication - 1) = 1.1;
//      fixed replication 2 (trust never granted) - 2.0 exactly.
// 2. A turncoat: one of 6 workers behaves through a warm-up job that makes every worker
//    trusted, then cheats on every unit granted to it while it is trusted (it is told its trust
//    at each grant: the worst case, since a real worker cannot see it), in two variants:
//      every_unit      - wrong results for all such units;
//      first_replicas  - wrong results only for units where it is replica 0 (a grant says which
//                        replica it is; as a later replica it would meet an honest result).
//    Over `--runs` seeded runs (spot-check seed = run number): how many of its wrong results
//    were accepted before its key was quarantined (median, 99th percentile, mean, max), next to
//    the model for a cheater on first replicas: each is spot-checked with probability s, so
//    P(more than k accepted) = (1 - s)^(k+1): median 6, p99 43, mean 9 at s = 0.1.
//
// Usage: trust_benchmark [--runs N] [--out FILE]   (default 200 runs, JSON to stdout)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "benchmarks/trust/trust_farm_sim.h"

namespace tf::bench {
namespace {

constexpr int kMaxRounds = 100000;

// A simulated farm of `workers` (replication 2) in a scratch folder under /dev/shm where there
// is one; the folder is removed with the farm.
struct ScratchFarm {
  std::filesystem::path dir;
  std::unique_ptr<TrustFarmSim> sim;

  ScratchFarm() = default;
  ScratchFarm(const ScratchFarm&) = delete;
  ScratchFarm& operator=(const ScratchFarm&) = delete;
  ~ScratchFarm() {
    sim.reset();  // closes the store before its folder goes
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

Status start_farm(ScratchFarm& farm, const std::string& name, const TrustPolicy& policy,
                  uint64_t seed, size_t workers) {
  const std::filesystem::path shm = "/dev/shm";
  const std::filesystem::path base =
      std::filesystem::is_directory(shm) ? shm : std::filesystem::temp_directory_path();
  farm.dir = base / ("tilefarm-trust-bench-" + std::to_string(::getpid()) + "-" + name);
  DispatcherConfig config;
  config.trust = policy;
  config.spot_check_seed = seed;
  auto sim = TrustFarmSim::start(config, farm.dir, workers, 2);
  if (!sim) return Error{sim.message()};
  farm.sim = std::move(sim.value());
  return {};
}

struct Overhead {
  double ratio = 0;
  uint64_t units = 0, replicas = 0, single_replica_units = 0;
  bool all_trusted = false;
};

Result<Overhead> measure_overhead(const TrustPolicy& policy, uint64_t seed) {
  constexpr size_t kWorkers = 10;
  ScratchFarm farm;
  if (Status s = start_farm(farm, "overhead", policy, seed, kWorkers); !s) {
    return Error{s.message()};
  }
  TrustFarmSim& sim = *farm.sim;
  SimJob warm_up;
  warm_up.frames = 4;  // 256 units, about 51 agreeing results per worker
  if (auto s = sim.run_job(warm_up, nullptr, kMaxRounds); !s) return Error{s.message()};
  Overhead o;
  o.all_trusted = true;
  for (size_t w = 0; w < kWorkers; ++w) {
    const WorkerRecord* r = sim.core().worker_record(TrustFarmSim::key_of(w));
    o.all_trusted = o.all_trusted && r != nullptr && is_trusted(*r, policy);
  }
  const DispatcherStats before = sim.core().stats();
  SimJob measured;
  measured.frames = 8;  // 512 units
  auto state = sim.run_job(measured, nullptr, kMaxRounds);
  if (!state) return Error{state.message()};
  if (state.value() != proto::JobState::kDone) return Error{"the measured job did not finish"};
  const DispatcherStats& after = sim.core().stats();
  o.units = measured.units();
  o.replicas = after.replicas_reported - before.replicas_reported;
  o.single_replica_units = after.units_single_replica - before.units_single_replica;
  o.ratio = static_cast<double>(o.replicas) / static_cast<double>(o.units);
  return o;
}

struct TurncoatRun {
  uint64_t accepted_wrong = 0;  // wrong results accepted before quarantine
  uint64_t cheats = 0;          // wrong results sent in all
  bool quarantined = false;
};

Result<TurncoatRun> run_turncoat(const TrustPolicy& policy, uint64_t seed,
                                 bool first_replicas_only) {
  constexpr size_t kWorkers = 6;
  ScratchFarm scratch;
  if (Status s = start_farm(scratch, "turncoat", policy, seed, kWorkers); !s) {
    return Error{s.message()};
  }
  TrustFarmSim& farm = *scratch.sim;
  const std::string turncoat = TrustFarmSim::key_of(0);
  SimJob warm_up;
  warm_up.frames = 3;  // about 64 agreeing results per worker
  if (auto s = farm.run_job(warm_up, nullptr, kMaxRounds); !s) return Error{s.message()};
  bool turned = false;
  const auto cheat = [&](size_t worker, const proto::RenderUnitSpec& unit) {
    if (worker != 0) return false;
    const WorkerRecord* r = farm.core().worker_record(turncoat);
    turned = turned || (r != nullptr && is_trusted(*r, policy));
    return turned && (!first_replicas_only || unit.replica == 0);
  };
  TurncoatRun run;
  for (int job = 0; job < 40; ++job) {
    SimJob sim_job;
    sim_job.frames = 2;
    if (auto s = farm.run_job(sim_job, cheat, kMaxRounds); !s) return Error{s.message()};
    const WorkerRecord* r = farm.core().worker_record(turncoat);
    if (r != nullptr && r->quarantined) {
      run.quarantined = true;
      break;
    }
  }
  for (const auto& [unit, wrong] : farm.wrong_results(0)) {
    ++run.cheats;
    auto accepted = farm.accepted_result(unit);
    if (!accepted) return Error{accepted.message()};
    if (accepted.value() == wrong) ++run.accepted_wrong;
  }
  return run;
}

double quantile(std::vector<uint64_t> v, double q) {
  std::sort(v.begin(), v.end());
  // Nearest rank.
  const size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return static_cast<double>(v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)]);
}

int run_all(int runs, const std::string& out_path) {
  const TrustPolicy adaptive;  // the defaults
  TrustPolicy fixed = adaptive;
  fixed.trust_after = UINT64_MAX;  // never trusted: every unit keeps replication 2

  nlohmann::json report;
  report["policy"] = {{"trust_after", adaptive.trust_after},
                      {"spot_check_rate", adaptive.spot_check_rate},
                      {"quarantine_after_invalid", adaptive.quarantine_after_invalid}};
  for (const auto& [name, policy] : {std::pair<const char*, TrustPolicy>{"adaptive", adaptive},
                                     std::pair<const char*, TrustPolicy>{"fixed_2", fixed}}) {
    Result<Overhead> o = measure_overhead(policy, 7);
    if (!o) {
      std::fprintf(stderr, "trust_benchmark: %s overhead: %s\n", name, o.message().c_str());
      return 1;
    }
    report["overhead"][name] = {{"replicas_per_unit", o->ratio},
                                {"units", o->units},
                                {"replica_results", o->replicas},
                                {"single_replica_units", o->single_replica_units},
                                {"every_worker_trusted_after_warm_up", o->all_trusted}};
  }
  report["overhead"]["adaptive"]["theory"] = 1.0 + adaptive.spot_check_rate;

  const double s = adaptive.spot_check_rate;
  const auto model_quantile = [&](double q) {
    // Smallest k with P(accepted <= k) = 1 - (1 - s)^(k+1) >= q.
    return std::ceil(std::log(1.0 - q) / std::log(1.0 - s)) - 1.0;
  };
  report["turncoat"]["workers"] = 6;
  report["turncoat"]["runs"] = runs;
  report["turncoat"]["first_replica_model"] = {
      {"median", model_quantile(0.5)}, {"p99", model_quantile(0.99)}, {"mean", (1 - s) / s}};
  for (const bool first_only : {false, true}) {
    std::vector<uint64_t> accepted, cheats;
    int quarantined = 0;
    for (int seed = 1; seed <= runs; ++seed) {
      Result<TurncoatRun> r = run_turncoat(adaptive, static_cast<uint64_t>(seed), first_only);
      if (!r) {
        std::fprintf(stderr, "trust_benchmark: turncoat run %d: %s\n", seed, r.message().c_str());
        return 1;
      }
      accepted.push_back(r->accepted_wrong);
      cheats.push_back(r->cheats);
      quarantined += r->quarantined ? 1 : 0;
    }
    double mean = 0;
    for (uint64_t a : accepted) mean += static_cast<double>(a);
    mean /= static_cast<double>(accepted.size());
    report["turncoat"][first_only ? "first_replicas" : "every_unit"] = {
        {"quarantined_runs", quarantined},
        {"accepted_wrong_results_before_quarantine",
         {{"median", quantile(accepted, 0.5)},
          {"p99", quantile(accepted, 0.99)},
          {"mean", mean},
          {"max", quantile(accepted, 1.0)}}},
        {"wrong_results_sent",
         {{"median", quantile(cheats, 0.5)}, {"p99", quantile(cheats, 0.99)}}}};
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
