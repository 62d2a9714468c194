#include "benchmarks/trust/trust_farm_sim.h"

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

}  // namespace

uint64_t SimJob::units() const {
  const uint64_t tiles = uint64_t{(width + tile - 1) / tile} * ((height + tile - 1) / tile);
  return frames * tiles * ((spp + samples_per_unit - 1) / samples_per_unit);
}

Result<std::unique_ptr<TrustFarmSim>> TrustFarmSim::start(DispatcherConfig config,
                                                          const std::filesystem::path& state_dir,
                                                          size_t workers, uint32_t slots) {
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
  for (size_t w = 0; w < workers; ++w) {
    sim->peers_.push_back("peer-" + std::to_string(w));
    proto::WorkerHello hello{"sim-" + std::to_string(w),
                             {{"cpu", 0, "sim", 0, 1, "synthetic", slots}},
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
                                           bool cheat, bool with_bytes) {
  proto::UnitResult r{spec.lease_id, spec.unit_id, "synthetic", spec.x1 - spec.x0,
                      spec.y1 - spec.y0, honest_rgb(spec), 0, {}};
  r.rays = uint64_t{r.width} * r.height * (spec.s1 - spec.s0);
  if (cheat) r.rgb[0] += 1.0f + static_cast<float>(worker);
  r.result_hash = proto::result_hash(r.rgb, r.rays);
  if (cheat) wrong_[worker][spec.unit_id] = r.result_hash;
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
          held_[w].push_back({spec, cheat && cheat(w, spec)});
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
  for (int r = 0; r < max_rounds; ++r) {
    if (Status s = round(cheat); !s) return Error{s.message()};
    const proto::JobState state = core_->job_statuses(job_id).at(0).state;
    if (state != proto::JobState::kQueued && state != proto::JobState::kRunning) return state;
  }
  return Error{"job " + std::to_string(job_id) + " did not finish in " +
               std::to_string(max_rounds) + " rounds"};
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

}  // namespace tf::bench
