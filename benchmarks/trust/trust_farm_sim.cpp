#include "benchmarks/trust/trust_farm_sim.h"

#include <cstdio>
#include <numeric>
#include <tuple>

#include "dispatcher/ledger.h"
#include "formats/bundle/bundle.h"
#include "formats/protocol/result_hash.h"

namespace tf::bench {
namespace {

constexpr int64_t kRoundMs = 10;  // fake time per round: far below any lease or liveness

// Honest bytes of a unit: a function of its region and sample range only.
std::vector<float> honest_rgb(const proto::RenderUnitSpec& u) {
  std::vector<float> rgb(size_t{u.x1 - u.x0} * (u.y1 - u.y0) * 3);
  for (size_t i = 0; i < rgb.size(); ++i) {
    rgb[i] = static_cast<float>((u.frame * 131 + u.x0 * 31 + u.y0 * 17 + u.s0 * 7 + i) % 97) *
             0.125f * static_cast<float>(u.s1 - u.s0);
  }
  return rgb;
}

// Routing ids for `workers` workers that sort in an order drawn from `seed` (a Fisher-Yates
// shuffle on TrustRng, the same on every standard library).
std::vector<std::string> routing_ids(size_t workers, uint64_t seed) {
  std::vector<size_t> rank(workers);
  std::iota(rank.begin(), rank.end(), size_t{0});
  TrustRng rng(seed);
  for (size_t i = workers; i > 1; --i) {
    std::swap(rank[i - 1], rank[static_cast<size_t>(rng.uniform() * static_cast<double>(i))]);
  }
  std::vector<std::string> ids;
  for (size_t r : rank) {
    char id[32];
    std::snprintf(id, sizeof id, "peer-%06zu", r);
    ids.emplace_back(id);
  }
  return ids;
}

}  // namespace

uint64_t SimJob::units() const {
  const uint64_t tiles = uint64_t{(width + tile - 1) / tile} * ((height + tile - 1) / tile);
  return frames * tiles * ((spp + samples_per_unit - 1) / samples_per_unit);
}

Result<std::unique_ptr<TrustFarmSim>> TrustFarmSim::start(DispatcherConfig config,
                                                          const std::filesystem::path& state_dir,
                                                          size_t workers, uint32_t slots,
                                                          uint64_t order_seed) {
  std::error_code ec;
  std::filesystem::remove_all(state_dir, ec);
  config.state_dir = state_dir;
  Result<std::unique_ptr<DispatcherCore>> core = DispatcherCore::open(config, 1'000'000);
  if (!core) return Error{"cannot open the dispatcher core: " + core.message()};
  // The benchmark measures the policy, not durability: skip fsync.
  if (Status s = core.value()->store().db().exec("PRAGMA synchronous=OFF"); !s) {
    return Error{s.message()};
  }
  std::unique_ptr<TrustFarmSim> sim(new TrustFarmSim(std::move(core.value())));
  sim->held_.resize(workers);
  sim->kept_.resize(workers);
  sim->peers_ = routing_ids(workers, order_seed);
  for (size_t w = 0; w < workers; ++w) {
    proto::WorkerHello hello{"sim-" + std::to_string(w),
                             {{"cpu", 0, "sim", 0, 1, "synthetic", slots, {}}},
                             {},
                             "owner-" + std::to_string(w)};
    if (Status s = sim->deliver(sim->peers_[w], key_of(w), hello); !s) return Error{s.message()};
  }
  return sim;
}

Status TrustFarmSim::deliver(const std::string& peer, const std::string& key, proto::Body body) {
  return core_->handle(peer, key, proto::Envelope{0, std::move(body)}, now_ms_, &out_);
}

proto::UnitResult TrustFarmSim::result_for(size_t worker, const proto::RenderUnitSpec& spec,
                                           Cheat cheat, bool with_bytes) {
  proto::UnitResult r{spec.lease_id, spec.unit_id, "synthetic", spec.x1 - spec.x0,
                      spec.y1 - spec.y0, honest_rgb(spec), 0, {}};
  r.rays = uint64_t{r.width} * r.height * (spec.s1 - spec.s0);
  r.result_hash = proto::result_hash(r.rgb, r.rays);
  truth_.try_emplace(spec.unit_id, Truth{r.result_hash, spec.frame, spec.x0, spec.y0,
                                         uint64_t{r.width} * r.height});
  if (cheat != Cheat::kNo) {
    r.rgb[0] += cheat == Cheat::kAlone ? 1.0f + static_cast<float>(worker) : -1.0f;
    r.result_hash = proto::result_hash(r.rgb, r.rays);
    cheated_units_.insert(spec.unit_id);
  }
  kept_[worker][spec.lease_id] = r;
  if (!with_bytes) r.rgb.clear();
  return r;
}

Status TrustFarmSim::round(const CheatPolicy& cheat) {
  // Route what the dispatcher sent since the last round.
  std::vector<Outgoing> sent;
  sent.swap(out_);
  for (const Outgoing& o : sent) {
    for (size_t w = 0; w < peers_.size(); ++w) {
      if (o.peer != peers_[w]) continue;
      if (const auto* grant = std::get_if<proto::LeaseGrant>(&o.envelope.body)) {
        for (const proto::RenderUnitSpec& spec : grant->units) {
          held_[w].push_back({spec, cheat ? cheat(w, spec) : Cheat::kNo});
        }
      } else if (const auto* ask = std::get_if<proto::ResultBytesRequest>(&o.envelope.body)) {
        auto it = kept_[w].find(ask->lease_id);
        if (it != kept_[w].end()) {
          if (Status s = deliver(peers_[w], key_of(w), it->second); !s) return s;
        }
      }
    }
  }
  // Every worker answers everything it holds.
  for (size_t w = 0; w < peers_.size(); ++w) {
    std::vector<HeldUnit> todo;
    todo.swap(held_[w]);
    for (const HeldUnit& h : todo) {
      if (Status s = deliver(peers_[w], key_of(w),
                             result_for(w, h.spec, h.cheat, h.spec.upload_bytes));
          !s) {
        return s;
      }
    }
    // Heartbeats keep idle workers alive on the fake clock.
    if (Status s = deliver(peers_[w], key_of(w), proto::WorkerHeartbeat{}); !s) return s;
  }
  now_ms_ += kRoundMs;
  if (Status s = core_->tick(now_ms_, &out_); !s) return s;
  return core_->commit();
}

Result<proto::JobState> TrustFarmSim::run_job(const SimJob& job, const CheatPolicy& cheat,
                                              int max_rounds) {
  const std::string scene = "# simulated scene";
  const std::vector<uint8_t> scene_bytes(scene.begin(), scene.end());
  BundleManifest manifest{"scene.pbrt",
                          {{"scene.pbrt", blake2b_256(scene_bytes), scene_bytes.size()}}};
  const std::string manifest_text = serialize_bundle_manifest(manifest);
  if (Status s = deliver("client", "client", proto::BlobUpload{blake2b_256(scene_bytes), scene_bytes}); !s) {
    return Error{s.message()};
  }
  if (Status s = deliver("client", "client",
                         proto::BlobUpload{bundle_id(manifest),
                                           {manifest_text.begin(), manifest_text.end()}});
      !s) {
    return Error{s.message()};
  }
  proto::SubmitJob submit{"sim", bundle_id(manifest), {}, job.tile, job.spp,
                          job.samples_per_unit, 0, job.replication, job.quorum, 0};
  for (uint32_t f = 1; f <= job.frames; ++f) {
    submit.frames.push_back({f, "scene.pbrt", job.width, job.height});
  }
  if (Status s = deliver("client", "client", submit); !s) return Error{s.message()};
  uint64_t job_id = 0;
  for (auto it = out_.begin(); it != out_.end();) {
    if (it->peer == "client") {
      if (const auto* reply = std::get_if<proto::SubmitReply>(&it->envelope.body)) {
        job_id = reply->job_id;
      } else if (const auto* error = std::get_if<proto::ErrorReply>(&it->envelope.body)) {
        return Error{"job refused: " + error->message};
      }
      it = out_.erase(it);
    } else {
      ++it;
    }
  }
  if (job_id == 0) return Error{"the dispatcher did not answer the submission"};
  proto::JobState state = proto::JobState::kQueued;
  for (int r = 0; r < max_rounds; ++r) {
    if (Status s = round(cheat); !s) return Error{s.message()};
    state = core_->job_statuses(job_id).at(0).state;
    if (!proto::job_active(state)) break;
  }
  return state;
}

Result<std::optional<Hash256>> TrustFarmSim::accepted_result(uint64_t unit_id) {
  auto q = core_->store().db().prepare("SELECT result FROM units WHERE id = ?1");
  if (!q) return Error{q.message()};
  q->bind(1, static_cast<int64_t>(unit_id));
  Result<bool> row = q->step();
  if (!row) return Error{row.message()};
  if (!row.value()) return std::optional<Hash256>();
  const std::vector<uint8_t> bytes = q->column_blob(0);
  if (bytes.size() != 32) return std::optional<Hash256>();
  Hash256 h;
  std::copy(bytes.begin(), bytes.end(), h.bytes.begin());
  return std::optional<Hash256>(h);
}

Result<std::set<uint64_t>> TrustFarmSim::ever_accepted_wrong() {
  Result<std::vector<LedgerEntry>> ledger = read_ledger_entries(core_->store().db());
  if (!ledger) return Error{ledger.message()};
  std::set<uint64_t> units;
  for (const LedgerEntry& e : ledger.value()) {
    const CreditGrant& g = e.grant;
    if (!g.reversal && cheated_units_.count(g.unit_id) != 0 &&
        g.result != truth_.at(g.unit_id).hash) {
      units.insert(g.unit_id);
    }
  }
  return units;
}

Result<TrustFarmSim::WrongResults> TrustFarmSim::wrong_results() {
  WrongResults w;
  w.units_sent = cheated_units_.size();
  Result<std::set<uint64_t>> ever = ever_accepted_wrong();
  if (!ever) return Error{ever.message()};
  w.ever_accepted = ever->size();
  std::set<std::tuple<uint32_t, uint32_t, uint32_t>> wrong_tiles;  // (frame, x0, y0)
  for (uint64_t unit : cheated_units_) {
    Result<std::optional<Hash256>> accepted = accepted_result(unit);
    if (!accepted) return Error{accepted.message()};
    const Truth& truth = truth_.at(unit);
    if (!accepted.value() || *accepted.value() == truth.hash) continue;
    ++w.accepted_now;
    // A tile's sample ranges are separate units: its pixels count once.
    if (wrong_tiles.emplace(truth.frame, truth.x0, truth.y0).second) w.pixels_now += truth.pixels;
  }
  return w;
}

}  // namespace tf::bench
