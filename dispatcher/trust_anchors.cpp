// Trust anchors: which keys are trusted, which replicas an untrusted key may hold, and what an
// acceptance does to each key's reputation (DispatcherCore, see dispatcher_core.h; the rules
// are in DESIGN.md "Verification, reputation, credit" and reputation.h).
//
// Why the rules look like this. Keys are cheap, so two agreeing results of distinct keys and
// declared owners may come from one colluder. Trust therefore flows only from keys that are
// already trusted: an auditor the operator designated, or a key that earned it by agreeing
// with trusted keys. Once the farm has a trusted key (a farm without one bootstraps from
// quorums of distinct keys), a unit of a verified job is accepted only with a trusted vote in
// its quorum, and the last replica that could bring that vote never goes to an untrusted key.
// A disagreement is settled by auditors when one is connected (colluders that earned trust
// cannot outvote them), else by trusted keys.
#include <algorithm>

#include "dispatcher/dispatcher_core.h"

namespace tf {

bool DispatcherCore::quarantined(const std::string& key) const {
  const WorkerRecord* record = worker_record(key);
  return record != nullptr && record->quarantined;
}

bool DispatcherCore::trusted(const std::string& key) const {
  if (config_.auditors.count(key) != 0) return !quarantined(key);
  const WorkerRecord* record = worker_record(key);
  return record != nullptr && is_trusted(*record, config_.trust);  // false when quarantined
}

bool DispatcherCore::needs_trusted_vote(const UnitState& unit) const {
  if (bootstrapping()) return false;
  auto job = jobs_.find(unit.row.job_id);
  return job != jobs_.end() && job->second.row.replication > 1;
}

bool DispatcherCore::trust_allows(const UnitState& unit, const Votes& v,
                                  const WorkerState& worker) const {
  if (!needs_trusted_vote(unit) || config_.auditors.count(worker.key) != 0) return true;
  const bool key_trusted = trusted(worker.key);
  // Settling a disagreement, or bringing the trusted vote to a quorum that lacks one.
  if (v.disagreement() || v.best_count >= unit.row.quorum) {
    return key_trusted && !auditors_connected_;
  }
  if (key_trusted || v.has_trusted()) return true;
  // Leave at least one of the unit's replicas for a trusted key.
  return v.untrusted_live + 1 < unit.row.replication;
}

void DispatcherCore::refresh_connected_auditors() {
  auditors_connected_ = false;
  if (config_.auditors.empty()) return;
  for (const auto& [peer, worker] : workers_) {
    if (eligible(worker) && config_.auditors.count(worker.key) != 0) {
      auditors_connected_ = true;
      return;
    }
  }
}

std::vector<std::pair<std::string, TrustEvent>> DispatcherCore::acceptance_events(
    UnitState& unit, const Hash256& hash) {
  uint32_t agreeing = 0, trusted_agreeing = 0;
  for (ReplicaRow& r : unit.replicas) {
    if (r.state != ReplicaState::kReported || r.hash != hash) continue;
    r.trusted = trusted(r.worker_key);
    ++agreeing;
    trusted_agreeing += r.trusted ? 1 : 0;
  }
  const bool bootstrap = bootstrapping();
  std::vector<std::pair<std::string, TrustEvent>> events;
  for (const ReplicaRow& r : unit.replicas) {
    if (r.state != ReplicaState::kReported) continue;
    if (r.hash != hash) {
      // Losing to untrusted keys only is no proof of fault: they may be colluders.
      events.emplace_back(r.worker_key,
                          trusted_agreeing > 0 ? TrustEvent::kInvalid : TrustEvent::kOutvoted);
      continue;
    }
    const bool vouched = trusted_agreeing > (r.trusted ? 1u : 0u) || (bootstrap && agreeing > 1);
    events.emplace_back(r.worker_key, vouched ? TrustEvent::kValid : TrustEvent::kAgreed);
  }
  return events;
}

}  // namespace tf
