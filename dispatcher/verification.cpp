// Replicas, quorum, missing bytes, reputation events and blob roles (DispatcherCore, see the
// verification paragraph of dispatcher_core.h and reputation.h).
#include <algorithm>
#include <cstring>
#include <tuple>
#include <utility>

#include "dispatcher/dispatcher_core.h"
#include "formats/bundle/bundle.h"
#include "formats/protocol/result_hash.h"

namespace tf {

namespace {

// The rays in canonical result bytes (result_hash.h), hashed by `scheme`: the trailing u64.
std::optional<uint64_t> verified_rays(const std::vector<uint8_t>& bytes, const Hash256& hash,
                                      size_t floats, proto::ResultHashScheme scheme) {
  if (bytes.size() != floats * sizeof(float) + sizeof(uint64_t)) return std::nullopt;
  if (proto::canonical_bytes_hash(bytes, scheme) != hash) return std::nullopt;
  uint64_t rays = 0;
  std::memcpy(&rays, bytes.data() + floats * sizeof(float), sizeof rays);
  return rays;
}

}  // namespace

DispatcherCore::Votes DispatcherCore::votes_of(const UnitState& unit) const {
  Votes v;
  for (const ReplicaRow& r : unit.replicas) {
    if (!r.live()) continue;
    const bool by_trusted = trusted(r.worker_key);
    if (!by_trusted) ++v.untrusted_live;
    if (r.state == ReplicaState::kLeased) {
      ++v.leased;
      v.trusted_leased += by_trusted ? 1 : 0;
      continue;
    }
    if (!r.hash) continue;
    ++v.reported;
    v.trusted_reported += by_trusted ? 1 : 0;
    Votes::Tally& t = v.by_hash[*r.hash];
    ++t.count;
    t.trusted += by_trusted ? 1 : 0;
    t.auditors += by_trusted && config_.auditors.count(r.worker_key) != 0 ? 1 : 0;
    v.best_count = std::max(v.best_count, t.count);
    if (t.trusted > 0) v.best_trusted_count = std::max(v.best_trusted_count, t.count);
  }
  return v;
}

std::optional<Hash256> DispatcherCore::winner(const UnitState& unit, const Votes& votes,
                                              bool need_trusted) const {
  std::optional<Hash256> best;
  Votes::Tally best_tally;
  for (const auto& [hash, t] : votes.by_hash) {
    // An auditor's hash decides once the other replicas still out have voted (so that they
    // are judged, and earn trust, by it) or it has a quorum anyway.
    const bool audited = t.auditors > 0 && (t.count >= unit.row.quorum || votes.leased == 0);
    if (!audited && (t.count < unit.row.quorum || (need_trusted && t.trusted == 0))) continue;
    if (!best || std::tie(t.auditors, t.trusted, t.count) >
                     std::tie(best_tally.auditors, best_tally.trusted, best_tally.count)) {
      best = hash;
      best_tally = t;
    }
  }
  return best;
}

uint32_t DispatcherCore::replicas_wanted(const UnitState& unit, const Votes& v) const {
  auto job = jobs_.find(unit.row.job_id);
  if (unit.done() || job == jobs_.end() || !job->second.active()) return 0;
  const bool need_trusted = needs_trusted_vote(unit);
  const uint32_t live = v.reported + v.leased;
  const uint32_t quorum = unit.row.quorum;
  if (winner(unit, v, need_trusted)) {  // agreed: only the bytes may be missing
    auto missing = missing_bytes_.find(unit.row.id);
    const bool need_uploader = missing != missing_bytes_.end() && missing->second.need_uploader;
    return need_uploader && v.leased == 0 ? 1 : 0;
  }
  const uint32_t for_replication = unit.row.replication > live ? unit.row.replication - live : 0;
  // Votes toward a quorum that can be accepted: with a trusted vote when one is needed.
  const uint32_t toward = need_trusted && v.trusted_reported > 0 ? v.best_trusted_count
                                                                 : v.best_count;
  const uint32_t pending = toward + v.leased;
  const uint32_t for_quorum = quorum > pending ? quorum - pending : 0;
  const uint32_t for_trusted_vote = need_trusted && !v.has_trusted() ? 1 : 0;
  const uint32_t max = job->second.row.max_replicas;
  const uint32_t cap = max > live ? max - live : 0;
  return std::min(std::max({for_replication, for_quorum, for_trusted_vote}), cap);
}

Status DispatcherCore::settle(UnitState& unit, bool urgent) {
  JobState& job = jobs_[unit.row.job_id];
  if (unit.done() || !job.active()) return Status::ok();
  const Votes v = votes_of(unit);
  std::optional<Hash256> win = winner(unit, v, needs_trusted_vote(unit));
  // No room left for a trusted vote: a quorum without one is the best this unit can have.
  if (!win && v.leased == 0 && v.reported >= job.row.max_replicas) {
    win = winner(unit, v, false);
  }
  if (win) {
    if (!needs_bytes(unit.row) || fresh_results_.count(*win) != 0 ||
        store_->has_result_bytes(*win)) {
      return accept_unit(unit, *win);
    }
    missing_bytes_.try_emplace(unit.row.id, MissingBytes{*win});
  } else {
    missing_bytes_.erase(unit.row.id);
  }
  // Past the cap: even if every replica still allowed agreed with the best hash so far, the
  // quorum would not be reached.
  if (v.best_count < unit.row.quorum &&
      v.best_count + job.row.max_replicas < unit.row.quorum + v.reported) {
    return fail_job(job, disagreement_report(unit));
  }
  const uint32_t wanted = replicas_wanted(unit, v);
  for (; unit.queued < wanted; ++unit.queued) {
    if (urgent) {
      scheduler_.requeue(job.row.id, unit.row.id);
    } else {
      scheduler_.push(job.row.id, unit.row.id);
    }
  }
  return Status::ok();
}

Status DispatcherCore::accept_unit(UnitState& unit, const Hash256& hash) {
  UnitRow& u = unit.row;
  std::optional<uint64_t> rays;
  if (auto fresh = fresh_results_.find(hash); fresh != fresh_results_.end()) {
    rays = fresh->second.rays;  // verified on arrival
    unit.values = std::move(fresh->second.values);  // for the frame's assembly
    fresh_results_.erase(fresh);
  } else if (!needs_bytes(u)) {
    rays = sim_unit_updates(u);  // verified by hash alone: the count the result had to carry
  } else {
    Result<std::vector<uint8_t>> bytes = store_->result_bytes(hash);
    rays = bytes ? verified_rays(bytes.value(), hash, result_floats(u), result_scheme(u))
                 : std::nullopt;
  }
  if (!rays) {
    // The stored copy is unreadable or damaged: ask an agreeing replica for the bytes again.
    missing_bytes_.try_emplace(u.id, MissingBytes{hash});
    return Status::ok();
  }
  missing_bytes_.erase(u.id);
  if (Status s = store_->begin(); !s) return s;
  // Replicas still out are moot now: their leases end here, their replicas are cancelled below.
  if (Status s = store_->set_unit_result(u.id, hash, *rays); !s) return s;
  for (uint64_t id : leases_.of_unit(u.id)) {
    (void)remove_lease(id, false);
  }
  u.result = hash;
  u.rays = *rays;
  JobState& job = jobs_[u.job_id];
  // Events first: they read which agreeing keys are trusted before this acceptance counts.
  const std::vector<std::pair<std::string, TrustEvent>> events = acceptance_events(unit, hash);
  for (ReplicaRow& r : unit.replicas) {
    if (r.state == ReplicaState::kLeased) {
      if (Status s = set_replica_state(r, ReplicaState::kCancelled, std::nullopt); !s) return s;
    }
    if (r.state != ReplicaState::kReported) continue;
    const bool agreed = r.hash == hash;
    if (!agreed) ++stats_.replicas_disagreed;
    r.state = agreed ? ReplicaState::kAgreed : ReplicaState::kDisagreed;
  }
  // Writes every replica whose state or credit changed.
  if (Status s = settle_credit(unit, hash, *rays); !s) return s;
  ++job.units_done;
  ++stats_.results_accepted;
  if (config_.board && !job.row.is_simulation() && !unit.values.empty()) {
    const FrameRow& f = frames_[{u.job_id, u.frame}].row;
    config_.board->previews().add(u.job_id, u.frame, f.width, f.height,
                                  {u.x0, u.y0, u.x1, u.y1, u.s1 - u.s0, unit.values});
  }
  // Reputation last: a quarantine it causes touches other units only.
  const std::string detail = "unit " + std::to_string(u.id) + " accepted " + hash.to_hex();
  for (const auto& [key, event] : events) {
    if (Status s = trust_event(key, event, detail); !s) return s;
  }
  FrameState& frame = frames_[{u.job_id, u.frame}];
  --frame.remaining;
  // A tile rendered to quality may need another round before its frame is complete.
  if (job.row.renders_to_quality()) {
    if (Status s = refine_tile(unit); !s) return s;
  }
  if (frame.remaining == 0 && job.active()) return complete_frame(frame);
  return Status::ok();
}

Status DispatcherCore::set_replica_state(ReplicaRow& replica, ReplicaState state,
                                         const std::optional<Hash256>& hash) {
  if (replica.state == ReplicaState::kLeased && state != ReplicaState::kLeased) {
    auto held = leased_units_.find(replica.worker_key);
    if (held != leased_units_.end()) {
      held->second.erase(replica.unit_id);
      if (held->second.empty()) leased_units_.erase(held);
    }
  }
  replica.state = state;
  replica.hash = hash;
  if (Status s = store_->begin(); !s) return s;
  return store_->set_replica(replica);
}

Result<std::vector<float>> DispatcherCore::accepted_values(UnitState& unit, bool take) {
  if (!unit.values.empty()) {
    if (!take) return unit.values;
    kept_value_bytes_ -= unit.values.size() * sizeof(float);
    return std::exchange(unit.values, {});
  }
  Result<std::vector<uint8_t>> bytes = store_->result_bytes(*unit.row.result);
  if (!bytes) return Error{bytes.message()};
  return proto::values_from_canonical(bytes.value(), result_floats(unit.row));
}

ReplicaRow* DispatcherCore::replica_of_lease(uint64_t lease_id, UnitState** unit) {
  *unit = nullptr;
  auto it = unit_of_lease_.find(lease_id);
  if (it == unit_of_lease_.end()) return nullptr;
  auto u = units_.find(it->second);
  if (u == units_.end()) return nullptr;
  *unit = &u->second;
  for (ReplicaRow& r : u->second.replicas) {
    if (r.lease_id == lease_id) return &r;
  }
  return nullptr;
}

bool DispatcherCore::may_hold(const UnitState& unit, const WorkerState& worker) const {
  return hashes_as_job(unit, worker) && runs_pinned_version(unit, worker) &&
         holds_no_replica_with(unit, worker);
}

bool DispatcherCore::hashes_as_job(const UnitState& unit, const WorkerState& worker) const {
  // A worker that hashes by tree computes every scheme: no job lookup on the grant path.
  return worker.tree_hashes || hashes_as(result_scheme(unit.row), worker);
}

proto::ResultHashScheme DispatcherCore::result_scheme(const UnitRow& unit) const {
  auto job = jobs_.find(unit.job_id);
  return job == jobs_.end() ? proto::ResultHashScheme::kSequential : job->second.row.result_hash;
}

bool DispatcherCore::hashes_as(proto::ResultHashScheme scheme, const WorkerState& worker) {
  return worker.tree_hashes || scheme == proto::ResultHashScheme::kSequential;
}

bool DispatcherCore::may_take(const UnitState& unit, const Votes& votes,
                              const WorkerState& worker) const {
  return may_hold(unit, worker) && trust_allows(unit, votes, worker);
}

bool DispatcherCore::holds_no_replica_with(const UnitState& unit,
                                           const WorkerState& worker) const {
  return std::none_of(unit.replicas.begin(), unit.replicas.end(), [&](const ReplicaRow& r) {
    return r.live() && (r.worker_key == worker.key || r.owner == worker.owner ||
                          r.owner == worker.key || r.worker_key == worker.owner);
  });
}

WorkerRecord& DispatcherCore::record_of(const std::string& key) {
  auto [it, added] = reputation_.try_emplace(key);
  if (added) {
    it->second.key = key;
    it->second.owner = key;
  }
  return it->second;
}

const WorkerRecord* DispatcherCore::worker_record(const std::string& key) const {
  auto it = reputation_.find(key);
  return it == reputation_.end() ? nullptr : &it->second;
}

Status DispatcherCore::trust_event(const std::string& key, TrustEvent event,
                                   const std::string& detail, uint64_t times) {
  WorkerRecord& record = record_of(key);
  const bool had_trust = is_trusted(record, config_.trust);
  bool quarantined_now = false;
  for (uint64_t i = 0; i < times; ++i) {
    quarantined_now |= apply_trust_event(record, event, config_.trust, detail);
  }
  const bool has_trust = is_trusted(record, config_.trust);
  if (had_trust != has_trust) has_trust ? ++earned_trust_ : --earned_trust_;
  // Written once per iteration, however many events the key had in it (commit()).
  changed_records_.insert(key);
  if (!quarantined_now) return Status::ok();
  ++stats_.quarantines;
  return quarantine(key, event == TrustEvent::kInvalid);
}

Status DispatcherCore::quarantine(const std::string& key, bool forfeit) {
  // Its leases go back to the scheduler, and its pending votes no longer count.
  for (const auto& [peer, worker] : workers_) {
    if (worker.key != key) continue;
    for (uint64_t id : leases_.held_by(peer)) {
      if (Status s = end_lease(id, LeaseEnd::kCancelled); !s) return s;
    }
  }
  std::vector<uint64_t> withdrawn;
  for (auto& [id, unit] : units_) {
    if (unit.done()) continue;
    for (ReplicaRow& r : unit.replicas) {
      if (r.worker_key != key || !r.live()) continue;
      if (Status s = set_replica_state(r, ReplicaState::kCancelled, r.hash); !s) return s;
      withdrawn.push_back(id);
    }
  }
  for (uint64_t id : withdrawn) {
    if (Status s = settle(units_[id]); !s) return s;
  }
  if (Status s = reverify_rested_on(key); !s) return s;
  return forfeit ? forfeit_credit(key) : Status::ok();
}

Status DispatcherCore::note_malformed(const std::string& key, const std::string& reason,
                                      uint64_t count) {
  stats_.messages_malformed += count;
  if (key.empty()) return Status::ok();  // no identity to hold it against
  return trust_event(key, TrustEvent::kMalformed, reason, count);
}

void DispatcherCore::record_malformed(const std::string& peer_key, const std::string& reason,
                                      uint64_t count) {
  Status s = note_malformed(peer_key, reason, count);
  if (!s && deferred_error_) deferred_error_ = s;
}

Status DispatcherCore::request_missing_bytes(int64_t now_ms, std::vector<Outgoing>* out) {
  const int64_t retry_after = config_.heartbeat_interval_ms * config_.liveness;
  std::vector<uint64_t> need_uploader, moot;
  for (auto& [unit_id, missing] : missing_bytes_) {
    const UnitState& unit = units_[unit_id];
    if (unit.done() || !jobs_[unit.row.job_id].active()) {
      moot.push_back(unit_id);
      continue;
    }
    if (missing.need_uploader) continue;
    if (missing.asked_at_ms != 0 && now_ms - missing.asked_at_ms < retry_after) continue;
    // The agreeing replicas whose workers are connected now, asked in turn.
    std::vector<std::pair<std::string, uint64_t>> candidates;  // routing id, lease
    for (const ReplicaRow& r : unit.replicas) {
      if (r.state != ReplicaState::kReported || r.hash != missing.hash) continue;
      for (const auto& [peer, worker] : workers_) {
        if (worker.said_hello && worker.key == r.worker_key) candidates.emplace_back(peer, r.lease_id);
      }
    }
    if (candidates.empty() || missing.asked >= kMaxBytesRequests) {
      missing.need_uploader = true;
      need_uploader.push_back(unit_id);
      continue;
    }
    const auto& [peer, lease] = candidates[missing.asked % candidates.size()];
    out->push_back({peer, {0, proto::ResultBytesRequest{lease, unit_id}}});
    ++missing.asked;
    missing.asked_at_ms = now_ms;
    ++stats_.bytes_requests;
  }
  for (uint64_t id : moot) missing_bytes_.erase(id);
  for (uint64_t id : need_uploader) {
    if (Status s = settle(units_[id]); !s) return s;
  }
  return Status::ok();
}

std::string DispatcherCore::disagreement_report(const UnitState& unit) const {
  const UnitRow& u = unit.row;
  std::string text = "unit " + std::to_string(u.id) + " (" + unit_description(u) + ") found no " +
                     std::to_string(u.quorum) + " agreeing results within " +
                     std::to_string(jobs_.at(u.job_id).row.max_replicas) + " replicas:";
  for (const ReplicaRow& r : unit.replicas) {
    if (r.state != ReplicaState::kReported || !r.hash) continue;
    text += " worker " + r.worker_key + " reported " + r.hash->to_hex() + ";";
  }
  text.pop_back();
  return text;
}

bool DispatcherCore::may_fetch(const std::string& key, const Hash256& blob) {
  auto held = leased_units_.find(key);
  if (held == leased_units_.end()) return false;
  for (uint64_t unit_id : held->second) {
    const UnitRow& unit = units_[unit_id].row;
    if (unit.input == blob) return true;  // a simulation unit's state
    const JobState& sim_job = jobs_[unit.job_id];
    const JobRow& job = sim_job.row;
    if (job.is_simulation()) {
      // The batch a made initial state is made from, or that state stored for a worker of
      // another recipe (stored again after a restart, when such a worker's fetch comes first).
      if (!unit.input || !made_initial(unit.job_id, unit.frame, *unit.input)) continue;
      if (sim_job.sim_batch_blob == blob) return true;
      Result<Hash256> stored = stored_initial(unit.job_id, unit.frame);
      if (stored && stored.value() == blob) return true;
      continue;
    }
    const Hash256& bundle = job.bundle;
    if (blob == bundle) return true;
    auto files = bundle_blobs_.find(bundle);
    if (files == bundle_blobs_.end()) {
      std::set<Hash256> hashes;
      Result<std::vector<uint8_t>> manifest = store_->blobs().get(bundle);
      Result<BundleManifest> parsed =
          manifest ? parse_bundle_manifest(std::string_view(
                         reinterpret_cast<const char*>(manifest->data()), manifest->size()))
                   : Result<BundleManifest>(Error{manifest.message()});
      if (parsed) {
        for (const BundleEntry& e : parsed->entries) hashes.insert(e.hash);
      }
      files = bundle_blobs_.emplace(bundle, std::move(hashes)).first;
    }
    if (files->second.count(blob) != 0) return true;
  }
  return false;
}

}  // namespace tf
