// Retroactive correction (DispatcherCore, see dispatcher_core.h; DESIGN.md "Verification,
// reputation, credit"): when a key is quarantined, the accepted units of running render jobs
// whose acceptance rested on it are reopened and verified again under the trust rules; an
// acceptance that proves wrong is replaced before its frame is delivered, and the credit paid
// for it is reversed by a compensating ledger entry. A key quarantined for wrong results
// forfeits all its credit the same way.
//
// A finished job is not reopened behind its client's back: its units that rested on the key
// are marked affected (job status lists their frames) until the client resubmits them. A
// simulation chunk feeds every later one of its run, and runs are not rewound: such units are
// marked affected whatever their job's state.
//
// "Rested on" a key: the key's replica agreed, and no other agreeing replica belongs to a key
// that was trusted when the unit was accepted (ReplicaRow::trusted) and is not quarantined. A
// quorum of keys that were all untrusted, or whose only trusted members fell, proves nothing.
#include <algorithm>

#include "dispatcher/dispatcher_core.h"

namespace tf {

Status DispatcherCore::reverify_rested_on(const std::string& key) {
  std::vector<uint64_t> rested;
  for (const auto& [id, unit] : units_) {
    if (!unit.done() || unit.row.affected) continue;
    const JobState& job = jobs_[unit.row.job_id];
    if (!job.active() && job.row.state != proto::JobState::kDone) continue;
    bool on_key = false, on_other_anchor = false;
    for (const ReplicaRow& r : unit.replicas) {
      if (r.state != ReplicaState::kAgreed) continue;
      if (r.worker_key == key) {
        on_key = true;
      } else if (r.trusted && !quarantined(r.worker_key)) {
        on_other_anchor = true;
      }
    }
    if (on_key && !on_other_anchor) rested.push_back(id);
  }
  std::sort(rested.begin(), rested.end());  // a reproducible order of the new leases
  for (uint64_t id : rested) {
    UnitState& unit = units_[id];
    const JobState& job = jobs_[unit.row.job_id];
    Status s = job.active() && !job.row.is_simulation() ? reopen_unit(unit) : mark_affected(unit);
    if (!s) return s;
  }
  return Status::ok();
}

Status DispatcherCore::mark_affected(UnitState& unit) {
  if (Status s = store_->begin(); !s) return s;
  if (Status s = store_->set_unit_affected(unit.row.id, true); !s) return s;
  unit.row.affected = true;
  ++jobs_[unit.row.job_id].units_affected;
  return Status::ok();
}

std::vector<uint64_t> DispatcherCore::affected_units(const JobState& job) const {
  std::vector<uint64_t> ids;
  if (job.units_affected == 0) return ids;
  for (uint32_t number : job.frames) {
    for (uint64_t id : frames_.at({job.row.id, number}).unit_ids) {
      if (units_.at(id).row.affected) ids.push_back(id);
    }
  }
  return ids;
}

std::vector<uint32_t> DispatcherCore::affected_frames(const JobState& job) const {
  std::vector<uint32_t> frames;
  for (uint64_t id : affected_units(job)) {
    const uint32_t frame = units_.at(id).row.frame;
    if (frames.empty() || frames.back() != frame) frames.push_back(frame);
  }
  return frames;
}

Status DispatcherCore::reopen_unit(UnitState& unit) {
  UnitRow& u = unit.row;
  JobState& job = jobs_[u.job_id];
  FrameState& frame = frames_[{u.job_id, u.frame}];
  if (Status s = store_->begin(); !s) return s;
  if (Status s = store_->reopen_unit(u.id); !s) return s;
  u.result.reset();
  u.rays = 0;
  if (u.affected) {
    u.affected = false;
    --job.units_affected;
  }
  // Verified in full this time, whatever adaptive replication chose before.
  if (u.replication != job.row.replication || u.quorum != job.row.quorum) {
    u.replication = job.row.replication;
    u.quorum = job.row.quorum;
    if (Status s = store_->set_unit_replication(u.id, u.replication, u.quorum); !s) return s;
  }
  kept_value_bytes_ -= unit.values.size() * sizeof(float);
  unit.values = {};
  --job.units_done;
  if (frame.remaining++ == 0 && finished(frame)) {  // assembled already: again, once corrected
    frame.row.exr.reset();
    frame.row.png.reset();
    --job.frames_done;
    if (Status s = store_->clear_frame_outputs(u.job_id, u.frame); !s) return s;
  }
  // The votes count again, except those of quarantined keys.
  for (ReplicaRow& r : unit.replicas) {
    if (r.state != ReplicaState::kAgreed && r.state != ReplicaState::kDisagreed) continue;
    r.state = quarantined(r.worker_key) ? ReplicaState::kCancelled : ReplicaState::kReported;
    if (Status s = store_->set_replica(r); !s) return s;
  }
  ++stats_.units_reverified;
  return settle(unit);
}

Status DispatcherCore::settle_credit(UnitState& unit, const Hash256& hash, uint64_t credit) {
  const UnitRow& u = unit.row;
  for (ReplicaRow& r : unit.replicas) {
    const bool agreed = r.state == ReplicaState::kAgreed;
    if (agreed && r.credit == ReplicaCredit::kNone) {
      const CreditGrant grant{r.worker_key, u.job_id, u.id, hash, credit, now_ms_};
      if (Status s =
              config_.work_in_background ? ledger_->append_deferred(grant) : ledger_->append(grant);
          !s) {
        return s;
      }
      r.credit = ReplicaCredit::kGranted;
    } else if (!agreed && r.credit == ReplicaCredit::kGranted && r.hash != hash) {
      // Credited for a result that lost on re-verification (a withdrawn vote for the hash
      // that won keeps its credit).
      if (Status s = reverse_credit(r); !s) return s;
    } else if (!agreed && r.state != ReplicaState::kDisagreed) {
      continue;  // not part of this acceptance and nothing changed
    }
    if (Status s = store_->set_replica(r); !s) return s;
  }
  return Status::ok();
}

Status DispatcherCore::reverse_credit(ReplicaRow& replica) {
  if (Status s = ledger_->reverse(replica.unit_id, replica.worker_key, now_ms_,
                                  config_.work_in_background);
      !s) {
    return s;
  }
  replica.credit = ReplicaCredit::kReversed;
  ++stats_.credits_reversed;
  return Status::ok();
}

Status DispatcherCore::forfeit_credit(const std::string& key) {
  std::vector<ReplicaRow*> credited;
  for (auto& [id, unit] : units_) {
    for (ReplicaRow& r : unit.replicas) {
      if (r.worker_key == key && r.credit == ReplicaCredit::kGranted) credited.push_back(&r);
    }
  }
  // In unit order, so that the ledger reads the same whatever the map's order.
  std::sort(credited.begin(), credited.end(),
            [](const ReplicaRow* a, const ReplicaRow* b) { return a->unit_id < b->unit_id; });
  if (Status s = store_->begin(); !s) return s;
  for (ReplicaRow* r : credited) {
    if (Status s = reverse_credit(*r); !s) return s;
    if (Status s = store_->set_replica(*r); !s) return s;
  }
  return Status::ok();
}

}  // namespace tf
