// Honest throughput under attack: units per second that two honest workers finish through a
// CurveZMQ dispatcher on 127.0.0.1, without and with an authenticated hostile peer flooding
// the dispatcher with malformed messages at full speed (tests/integration/security_hostile_peer.h).
// By default the units are trivial (the synthetic renderer), so the dispatcher loop is the
// bottleneck: the worst case for an attack that costs the dispatcher work per message.
//
// Run: farm_attack_benchmark [jobs per condition, default 5] [ms per unit, default 0]
// With a unit time of tens of milliseconds the workers, not the dispatcher, set the pace (as
// with real units, DESIGN.md performance model).
// The attacker's key is muted after 50 rejected messages (DispatcherServerOptions::flood), so
// most of its messages are dropped unread (muted_messages_per_s) and, once the dispatcher
// drops its connection for an oversized frame, its reconnections are refused.
// Prints one JSON object on stdout and the ratio on stderr. The dispatcher loop's CPU share
// (its thread's CPU time over wall time) tells whether the loop itself saturated (near 1) or
// lost the cores to the other threads of this one process: attacker, workers, client, and
// the ZeroMQ I/O threads that encrypt and decrypt (the process CPU share says how many cores
// the whole process kept busy).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/security_farm.h"
#include "tests/integration/security_hostile_peer.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// One condition's jobs, summed.
struct Condition {
  std::vector<double> units_per_s;  // per job
  double seconds = 0, loop_cpu = 0, process_cpu = 0;
  uint64_t attack_messages = 0, rejected = 0, muted = 0;

  double median_units_per_s() const {
    std::vector<double> v = units_per_s;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
  nlohmann::json json() const {
    return {{"units_per_s_median", median_units_per_s()},
            {"attack_messages_per_s", static_cast<double>(attack_messages) / seconds},
            {"rejected_messages_per_s", static_cast<double>(rejected) / seconds},
            {"muted_messages_per_s", static_cast<double>(muted) / seconds},
            {"dispatcher_loop_cpu_share", loop_cpu / seconds},
            {"process_cpu_share", process_cpu / seconds}};
  }
};

class Bench {
 public:
  Status start(std::chrono::milliseconds unit_time) {
    AccessPolicy access;
    access.client_allow = {owner_.public_key};
    std::string error;
    farm_ = testing::SecureFarm::start(dir_.path(), access, &error);
    if (!farm_) return Error{error};
    farm_->add_worker(testing::fresh_keys(), unit_time);
    farm_->add_worker(testing::fresh_keys(), unit_time);
    client_ = farm_->client(owner_);
    const std::string text = "# benchmark scene\n";
    std::filesystem::create_directories(dir_.path() / "scene");
    std::ofstream(dir_.path() / "scene" / "scene.pbrt") << text;
    const BundleManifest manifest{"scene.pbrt", {{"scene.pbrt", blake2b_256(std::string_view(text)), text.size()}}};
    Result<Hash256> bundle = client_->upload_bundle(manifest, dir_.path() / "scene");
    if (!bundle) return Error{bundle.message()};
    bundle_ = bundle.value();
    return Status::ok();
  }

  // One job of 256 trivial units (128x128 px in 8x8 tiles, 1 sample), with or without a
  // hostile peer flooding the dispatcher from before the job starts until it ends.
  Status run_job(bool attacked, Condition* c) {
    std::optional<testing::HostilePeer> hostile;
    if (attacked) {
      proto::TransportOptions t =
          testing::SecureFarm::peer_transport(testing::fresh_keys(), farm_->server_keys().public_key);
      t.reconnect_ivl_ms = t.reconnect_ivl_max_ms = 10;
      hostile.emplace(attacker_context_, farm_->endpoint(), t);
      const uint64_t base = farm_->server().security_stats().messages_rejected;
      if (!testing::eventually([&] { return farm_->server().security_stats().messages_rejected > base + 100; },
                               std::chrono::seconds(10))) {
        return Error{"the attack did not reach the dispatcher"};
      }
    }
    const uint64_t sent_before = hostile ? hostile->messages_sent() : 0;
    const SecurityStats before = farm_->server().security_stats();
    const double loop_before = farm_->server_cpu_seconds();
    const double process_before = process_cpu_seconds();
    const auto begin = std::chrono::steady_clock::now();
    proto::SubmitJob job{"bench", bundle_, {{1, "scene.pbrt", 128, 128}}, 8, 1, 1, 0};
    Result<uint64_t> id = client_->submit(job);
    if (!id) return Error{id.message()};
    Result<proto::JobStatus> done = client_->wait(id.value(), std::chrono::milliseconds(5), nullptr);
    if (!done) return Error{done.message()};
    if (done->state != proto::JobState::kDone) return Error{"job " + done->message};
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    c->units_per_s.push_back(static_cast<double>(done->units_total) / seconds);
    c->seconds += seconds;
    c->loop_cpu += farm_->server_cpu_seconds() - loop_before;
    c->process_cpu += process_cpu_seconds() - process_before;
    const SecurityStats after = farm_->server().security_stats();
    c->rejected += after.messages_rejected - before.messages_rejected;
    c->muted += after.messages_muted - before.messages_muted;
    if (hostile) c->attack_messages += hostile->messages_sent() - sent_before;
    return Status::ok();
  }

 private:
  testing::TempDir dir_;
  const proto::CurveKeypair owner_ = testing::fresh_keys();
  zmq::context_t attacker_context_;
  std::unique_ptr<testing::SecureFarm> farm_;
  std::unique_ptr<DispatcherClient> client_;
  Hash256 bundle_;
};

}  // namespace
}  // namespace tf

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  tf::Bench bench;
  tf::Condition clean, attacked;
  const std::chrono::milliseconds unit_time(argc > 2 ? std::max(0, std::atoi(argv[2])) : 0);
  tf::Status s = bench.start(unit_time);
  // Conditions alternate job by job, so that a change of load on the machine hits both alike.
  for (int i = 0; s && i < rounds; ++i) {
    s = bench.run_job(false, &clean);
    if (s) s = bench.run_job(true, &attacked);
  }
  if (!s) {
    std::fprintf(stderr, "farm_attack_benchmark: %s\n", s.message().c_str());
    return 1;
  }
  const double ratio = attacked.median_units_per_s() / clean.median_units_per_s();
  const nlohmann::json out = {{"benchmark", "farm_attack"},
                              {"jobs_per_condition", rounds},
                              {"units_per_job", 256},
                              {"ms_per_unit", unit_time.count()},
                              {"hardware_threads", std::thread::hardware_concurrency()},
                              {"clean", clean.json()},
                              {"under_attack", attacked.json()},
                              {"ratio_under_attack", ratio}};
  std::printf("%s\n", out.dump(2).c_str());
  std::fprintf(stderr, "honest throughput under attack: %.0f%% of %.1f units/s (%.0f hostile messages/s)\n",
               100.0 * ratio, clean.median_units_per_s(),
               static_cast<double>(attacked.attack_messages) / attacked.seconds);
  return 0;
}
