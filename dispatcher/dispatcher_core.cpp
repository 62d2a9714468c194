#include "dispatcher/dispatcher_core.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace tf {

std::string frame_output_name(uint32_t frame, const char* extension) {
  char name[64];
  std::snprintf(name, sizeof name, "frame_%04u.%s", frame, extension);
  return name;
}

Result<std::unique_ptr<DispatcherCore>> DispatcherCore::open(const DispatcherConfig& config,
                                                             int64_t now_ms) {
  Result<std::unique_ptr<Store>> store = Store::open(config.state_dir);
  if (!store) return Error{store.message()};
  std::unique_ptr<DispatcherCore> core(new DispatcherCore(config, std::move(store.value())));
  if (Status s = core->load(now_ms); !s) return Error{s.message()};
  if (Status s = core->commit(); !s) return Error{s.message()};
  return core;
}

Status DispatcherCore::load(int64_t now_ms) {
  Result<StoreSnapshot> snap = store_->load();
  if (!snap) return snap.status();
  for (JobRow& row : snap->jobs) {
    JobState& job = jobs_[row.id];
    job.row = std::move(row);
    if (job.active()) scheduler_.add_job(job.row.id, job.row.priority);
  }
  for (FrameRow& row : snap->frames) {
    auto job = jobs_.find(row.job_id);
    if (job == jobs_.end()) continue;
    job->second.frames.push_back(row.frame);
    if (row.exr) ++job->second.frames_done;
    frames_[{row.job_id, row.frame}].row = std::move(row);
  }
  for (UnitRow& row : snap->units) {
    auto frame = frames_.find({row.job_id, row.frame});
    if (frame == frames_.end()) continue;
    JobState& job = jobs_[row.job_id];
    ++job.units_total;
    frame->second.unit_ids.push_back(row.id);
    if (row.result) {
      ++job.units_done;
    } else {
      ++frame->second.remaining;
    }
    units_[row.id].row = std::move(row);
  }
  // Open leases stay with their workers, who are presumed alive until liveness runs out.
  for (const LeaseRow& row : snap->leases) {
    auto unit = units_.find(row.unit_id);
    if (unit == units_.end()) continue;
    leases_.add({row.id, row.unit_id, unit->second.row.job_id, row.worker, row.deadline_ms});
    WorkerState& worker = workers_.try_emplace(row.worker).first->second;
    worker.last_seen_ms = now_ms;
    worker.bundles.insert(jobs_[unit->second.row.job_id].row.bundle);
    scheduler_.add_job(unit->second.row.job_id, jobs_[unit->second.row.job_id].row.priority);
    scheduler_.restore_in_flight(unit->second.row.job_id);
  }
  for (auto& [key, frame] : frames_) {
    JobState& job = jobs_[key.first];
    if (!job.active()) continue;
    for (uint64_t id : frame.unit_ids) {
      if (!units_[id].done() && leases_.of_unit(id).empty()) scheduler_.push(key.first, id);
    }
    // A crash between the last result and the frame's assembly leaves it to do now.
    if (frame.remaining == 0 && !frame.row.exr) {
      if (Status s = complete_frame(frame); !s) return s;
    }
  }
  return Status::ok();
}

Status DispatcherCore::handle(const std::string& peer, const proto::Envelope& message,
                              int64_t now_ms, std::vector<Outgoing>* out) {
  if (proto::sender_role(message.body) == proto::Role::kWorker) {
    return on_worker_message(peer, message.body, now_ms, out);
  }
  Result<proto::Body> reply = on_client_message(message.body);
  if (!reply) return reply.status();
  out->push_back({peer, {message.request_id, std::move(reply.value())}});
  return Status::ok();
}

Status DispatcherCore::on_worker_message(const std::string& peer, const proto::Body& body,
                                         int64_t now_ms, std::vector<Outgoing>* out) {
  if (const auto* hello = std::get_if<proto::WorkerHello>(&body)) {
    uint64_t slots = 0;
    for (const proto::DeviceOffer& d : hello->devices) slots += d.slots;
    WorkerState& w = workers_[peer];
    w.name = hello->worker_name;
    w.slots = static_cast<uint32_t>(
        std::clamp<uint64_t>(slots, 1, config_.max_slots_per_worker));
    w.last_seen_ms = now_ms;
    w.said_hello = true;
    // A lease the worker does not hold lost its grant or its result with a connection or a
    // dispatcher restart: requeue it now rather than wait for its deadline.
    const std::set<uint64_t> held(hello->held_leases.begin(), hello->held_leases.end());
    for (uint64_t id : leases_.held_by(peer)) {
      if (held.count(id) != 0) continue;
      if (Status s = end_lease(id, true); !s) return s;
    }
    return dispatch(peer, w, now_ms, out);
  }
  // Blobs are served to any worker: a fetch may be in flight across a dispatcher restart.
  if (const auto* request = std::get_if<proto::BlobRequest>(&body)) {
    proto::BlobReply reply{request->hash, false, {}};
    if (Result<std::vector<uint8_t>> bytes = store_->blobs().get(request->hash)) {
      reply.found = true;
      reply.bytes = std::move(bytes.value());
    }
    out->push_back({peer, {0, std::move(reply)}});
  }
  auto known = workers_.find(peer);
  if (known == workers_.end() || !known->second.said_hello) {
    // Results are still taken (the work is valid); the worker is asked to introduce itself.
    if (const auto* result = std::get_if<proto::UnitResult>(&body)) {
      if (Status s = accept_result(peer, *result); !s) return s;
    }
    out->push_back({peer, {0, proto::HelloRequired{}}});
    return Status::ok();
  }
  WorkerState& worker = known->second;
  worker.last_seen_ms = now_ms;
  if (const auto* result = std::get_if<proto::UnitResult>(&body)) {
    if (Status s = accept_result(peer, *result); !s) return s;
    return dispatch(peer, worker, now_ms, out);
  }
  if (const auto* failure = std::get_if<proto::UnitFailure>(&body)) {
    if (Status s = record_failure(peer, *failure); !s) return s;
    return dispatch(peer, worker, now_ms, out);
  }
  if (const auto* returned = std::get_if<proto::UnitReturn>(&body)) {
    for (uint64_t id : returned->lease_ids) {
      const Lease* lease = leases_.find(id);
      if (lease == nullptr || lease->worker != peer) continue;
      if (Status s = end_lease(id, true); !s) return s;
    }
    if (returned->leaving) return forget_worker(peer);
    return Status::ok();
  }
  return Status::ok();  // WorkerHeartbeat, BlobRequest: handled above
}

Status DispatcherCore::end_lease(uint64_t lease_id, bool requeue) {
  std::optional<Lease> lease = leases_.remove(lease_id);
  if (!lease) return Status::ok();
  scheduler_.finished_one(lease->job_id);
  if (Status s = store_->begin(); !s) return s;
  if (Status s = store_->delete_lease(lease_id); !s) return s;
  auto unit = units_.find(lease->unit_id);
  auto job = jobs_.find(lease->job_id);
  if (requeue && unit != units_.end() && !unit->second.done() && job != jobs_.end() &&
      job->second.active() && leases_.of_unit(lease->unit_id).empty()) {
    scheduler_.requeue(lease->job_id, lease->unit_id);
  }
  return Status::ok();
}

Status DispatcherCore::forget_worker(const std::string& peer) {
  for (uint64_t id : leases_.held_by(peer)) {
    ++stats_.leases_lapsed;
    if (Status s = end_lease(id, true); !s) return s;
  }
  workers_.erase(peer);
  return Status::ok();
}

Status DispatcherCore::dispatch(const std::string& peer, WorkerState& worker, int64_t now_ms,
                                std::vector<Outgoing>* out) {
  proto::LeaseGrant grant;
  size_t held = leases_.count_held_by(peer);
  const auto holds_bundle = [&](uint64_t job_id) {
    auto job = jobs_.find(job_id);
    return job != jobs_.end() && worker.bundles.count(job->second.row.bundle) != 0;
  };
  while (held < worker.slots) {
    std::optional<Scheduler::Pick> pick = scheduler_.pop(holds_bundle);
    if (!pick) break;
    auto unit = units_.find(pick->unit_id);
    JobState& job = jobs_[pick->job_id];
    if (unit == units_.end() || unit->second.done() || !job.active()) {
      scheduler_.finished_one(pick->job_id);
      continue;
    }
    if (Status s = store_->begin(); !s) return s;
    const int64_t deadline = now_ms + int64_t{config_.lease_seconds} * 1000;
    Result<uint64_t> lease_id = store_->insert_lease(pick->unit_id, peer, deadline);
    if (!lease_id) return lease_id.status();
    if (job.row.state == proto::JobState::kQueued) {
      job.row.state = proto::JobState::kRunning;
      if (Status s = store_->set_job_state(job.row.id, job.row.state, ""); !s) return s;
    }
    leases_.add({lease_id.value(), pick->unit_id, pick->job_id, peer, deadline});
    worker.bundles.insert(job.row.bundle);
    ++stats_.leases_granted;
    ++held;
    const UnitRow& u = unit->second.row;
    const FrameState& frame = frames_[{u.job_id, u.frame}];
    grant.units.push_back({lease_id.value(), u.id, u.job_id, job.row.bundle,
                           frame.row.scene_path, u.frame, u.x0, u.y0, u.x1, u.y1, u.s0, u.s1,
                           0, config_.lease_seconds});
  }
  if (!grant.units.empty()) out->push_back({peer, {0, std::move(grant)}});
  return Status::ok();
}

Status DispatcherCore::tick(int64_t now_ms, std::vector<Outgoing>* out) {
  for (uint64_t id : leases_.expired(now_ms)) {
    ++stats_.leases_lapsed;
    if (Status s = end_lease(id, true); !s) return s;
  }
  const int64_t silence_limit = config_.heartbeat_interval_ms * config_.liveness;
  std::vector<std::string> dead;
  for (const auto& [peer, w] : workers_) {
    if (now_ms - w.last_seen_ms > silence_limit) dead.push_back(peer);
  }
  for (const std::string& peer : dead) {
    if (Status s = forget_worker(peer); !s) return s;
  }
  const bool heartbeat_due = now_ms - last_heartbeat_sent_ms_ >= config_.heartbeat_interval_ms;
  if (heartbeat_due) last_heartbeat_sent_ms_ = now_ms;
  for (auto& [peer, w] : workers_) {
    if (!w.said_hello) continue;
    if (heartbeat_due) out->push_back({peer, {0, proto::DispatcherHeartbeat{}}});
    if (Status s = dispatch(peer, w, now_ms, out); !s) return s;
  }
  return Status::ok();
}

std::vector<proto::JobStatus> DispatcherCore::job_statuses(uint64_t job_id) const {
  std::vector<proto::JobStatus> out;
  for (const auto& [id, job] : jobs_) {
    if (job_id != 0 && id != job_id) continue;
    out.push_back({id, job.row.name, job.row.state, job.row.priority, job.units_done,
                   job.units_total, job.frames_done, static_cast<uint32_t>(job.frames.size()),
                   job.row.message});
  }
  return out;
}

}  // namespace tf
