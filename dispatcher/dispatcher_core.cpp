#include "dispatcher/dispatcher_core.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <limits>
#include <random>
#include <set>
#include <span>

#include "formats/sim/initial_state.h"

namespace tf {

std::string frame_output_name(uint32_t frame, const char* extension) {
  char name[64];
  std::snprintf(name, sizeof name, "frame_%04u.%s", frame, extension);
  return name;
}

namespace {

// Every dispatcher on one database signs the one ledger with one key and answers workers with
// one CurveZMQ key: the first to start records them (farm_keys), the others must match.
Status check_farm_keys(Store& store, const DispatcherConfig& config, const Ledger& ledger) {
  const std::string fix =
      ": every dispatcher on one database shares the farm's keys; copy ledger.key and"
      " dispatcher.key from the --state folder of the farm's first dispatcher";
  const LedgerPublicKey& ledger_key = ledger.public_key();
  Result<std::vector<uint8_t>> farm = store.farm_key("ledger", ledger_key);
  if (!farm) return farm.status();
  if (!std::equal(ledger_key.begin(), ledger_key.end(), farm->begin(), farm->end())) {
    return Error{"this dispatcher's ledger key (" + (config.state_dir / "ledger.key").string() +
                 ") is not the farm's" + fix};
  }
  if (config.transport_public_key.empty()) return Status::ok();
  const std::string& mine = config.transport_public_key;
  farm = store.farm_key("transport", {reinterpret_cast<const uint8_t*>(mine.data()), mine.size()});
  if (!farm) return farm.status();
  if (std::string(farm->begin(), farm->end()) != mine) {
    return Error{"this dispatcher's CurveZMQ key (" +
                 (config.state_dir / "dispatcher.key").string() + ") is not the farm's" + fix};
  }
  return Status::ok();
}

// The results a worker's message carries: its UnitResult, or a ResultBatch's in order; none
// for other kinds.
std::span<const proto::UnitResult> carried_results(const proto::Body& body) {
  if (const auto* result = std::get_if<proto::UnitResult>(&body)) return {result, 1};
  if (const auto* batch = std::get_if<proto::ResultBatch>(&body)) return batch->results;
  return {};
}

}  // namespace

Result<std::unique_ptr<DispatcherCore>> DispatcherCore::open(const DispatcherConfig& config,
                                                             int64_t now_ms) {
  Result<std::unique_ptr<Store>> store =
      config.store_url.empty()
          ? Store::open(config.state_dir, -1, config.later_migrations)
          : Store::open_database(config.store_url, config.state_dir / "tmp", -1,
                                 config.later_migrations);
  if (!store) return Error{store.message()};
  Result<std::unique_ptr<Ledger>> ledger = Ledger::open(config.state_dir, store.value()->db());
  if (!ledger) return Error{ledger.message()};
  if (!config.store_url.empty()) {
    // Checked before waiting as a standby: a misconfigured one says so at once.
    if (Status s = check_farm_keys(*store.value(), config, *ledger.value()); !s) {
      return Error{s.message()};
    }
    LeadershipOptions leadership = config.leadership;
    if (leadership.holder.empty()) leadership.holder = Leadership::default_holder_name();
    if (Status s = store.value()->lead(std::move(leadership)); !s) return Error{s.message()};
  }
  std::unique_ptr<DispatcherCore> core(new DispatcherCore(config, std::move(store.value())));
  core->ledger_ = std::move(ledger.value());
  core->rng_ = TrustRng(config.spot_check_seed != 0 ? config.spot_check_seed
                                                    : uint64_t{std::random_device{}()} << 32 |
                                                          std::random_device{}());
  core->now_ms_ = now_ms;
  if (config.work_in_background) {
    core->encoder_ = std::make_unique<FrameEncoder>(core->store_->blobs());
  }
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
    if (job.active()) scheduler_.add_job(job.row.id, job.row.priority, job.row.client);
  }
  for (FrameRow& row : snap->frames) {
    auto job = jobs_.find(row.job_id);
    if (job == jobs_.end()) continue;
    job->second.frames.push_back(row.frame);
    if (row.exr) ++job->second.frames_done;  // simulation runs: load_simulation()
    frames_[{row.job_id, row.frame}].row = std::move(row);
  }
  for (UnitRow& row : snap->units) {
    auto frame = frames_.find({row.job_id, row.frame});
    if (frame == frames_.end()) continue;
    JobState& job = jobs_[row.job_id];
    ++job.units_total;
    job.units_affected += row.affected ? 1 : 0;
    frame->second.unit_ids.push_back(row.id);
    if (job.row.is_simulation()) run_units_[{row.job_id, row.frame}].push_back(row.id);
    if (row.result) {
      ++job.units_done;
    } else {
      ++frame->second.remaining;
    }
    units_[row.id].row = std::move(row);
  }
  if (Status s = load_simulation(snap.value()); !s) return s;
  for (WorkerRecord& record : snap->workers) {
    earned_trust_ += is_trusted(record, config_.trust) ? 1 : 0;
    reputation_[record.key] = std::move(record);
  }
  for (ReplicaRow& row : snap->replicas) {
    auto unit = units_.find(row.unit_id);
    if (unit == units_.end()) continue;
    unit_of_lease_[row.lease_id] = row.unit_id;
    if (row.state == ReplicaState::kLeased) restore_lease(row, unit->second.row, now_ms);
    unit->second.replicas.push_back(std::move(row));
  }
  if (Status s = load_quality(snap.value()); !s) return s;
  if (Status s = load_unplanned(); !s) return s;
  for (auto& [key, frame] : frames_) {
    JobState& job = jobs_[key.first];
    if (!job.active()) continue;
    // Units still being verified resume where they were: missing replicas go out again,
    // missing bytes are asked for.
    for (uint64_t id : frame.unit_ids) {
      if (Status s = settle(units_[id], false); !s) return s;
    }
    // A crash between the last result and the frame's assembly leaves it to do now.
    if (frame.remaining == 0 && !finished(frame) && !awaits_planning(job, frame)) {
      if (Status s = complete_frame(frame); !s) return s;
    }
  }
  return Status::ok();
}

Status DispatcherCore::commit() {
  if (Status s = ledger_->flush(); !s) return s;
  if (!changed_records_.empty()) {
    if (Status s = store_->begin(); !s) return s;
    for (const std::string& key : changed_records_) {
      if (Status s = store_->put_worker(reputation_.at(key)); !s) return s;
    }
    changed_records_.clear();
  }
  if (!config_.board || !store_->in_transaction()) return store_->commit();
  const auto start = std::chrono::steady_clock::now();
  Status committed = store_->commit();
  config_.board->commit_latency().record(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return committed;
}

Status DispatcherCore::handle(const std::string& peer, const std::string& peer_key,
                              const proto::Envelope& message, int64_t now_ms,
                              std::vector<Outgoing>* out) {
  if (!deferred_error_) return deferred_error_;
  now_ms_ = now_ms;
  if (proto::sender_role(message.body) == proto::Role::kWorker) {
    return on_worker_message(peer, peer_key, message.body, now_ms, out);
  }
  if (const auto* status = std::get_if<proto::StatusRequest>(&message.body)) {
    // A long poll of an active job waits for the job's end (status_waits.h).
    if (job_active(status->job_id) &&
        status_waits_.hold({peer, message.request_id, status->job_id}, status->wait_ms,
                           proto::kMaxStatusWaitMs, now_ms)) {
      return Status::ok();
    }
  }
  Result<proto::Body> reply = on_client_message(peer_key, message.body);
  if (!reply) return reply.status();
  out->push_back({peer, {message.request_id, std::move(reply.value())}});
  return Status::ok();
}

Status DispatcherCore::on_worker_message(const std::string& peer, const std::string& peer_key,
                                         const proto::Body& body, int64_t now_ms,
                                         std::vector<Outgoing>* out) {
  // Leases are addressed by routing id, but a routing id is the peer's choice: when one shows
  // up under another key, its previous holder is gone and nothing it held may pass to the
  // newcomer.
  if (auto previous = workers_.find(peer);
      previous != workers_.end() && !previous->second.key.empty() &&
      previous->second.key != peer_key) {
    if (Status s = forget_worker(peer); !s) return s;
  }
  if (const auto* hello = std::get_if<proto::WorkerHello>(&body)) {
    return on_hello(peer, peer_key, *hello, now_ms, out);
  }
  // A fetch may be in flight across a dispatcher restart: blobs are served before the hello
  // check, to keys that hold a lease of a unit that needs them (restored from the store).
  if (const auto* request = std::get_if<proto::BlobRequest>(&body)) {
    proto::BlobReply reply{request->hash, false, {}};
    if (may_fetch(peer_key, request->hash)) {
      if (Result<std::vector<uint8_t>> bytes = store_->blobs().get(request->hash)) {
        reply.found = true;
        reply.bytes = std::move(bytes.value());
      }
    } else if (Status s = note_malformed(peer_key, "fetch of blob " + request->hash.to_hex() +
                                                       ", which no unit leased to it needs");
               !s) {
      return s;
    }
    out->push_back({peer, {0, std::move(reply)}});
  }
  const std::span<const proto::UnitResult> results = carried_results(body);
  if (std::holds_alternative<proto::ResultBatch>(body)) ++stats_.result_batches;
  auto known = workers_.find(peer);
  if (known == workers_.end() || !known->second.said_hello) {
    // Results are still taken (the work is valid); the worker is asked to introduce itself.
    if (Status s = accept_results(peer_key, results); !s) return s;
    out->push_back({peer, {0, proto::HelloRequired{}}});
    return Status::ok();
  }
  WorkerState& worker = known->second;
  worker.last_seen_ms = now_ms;
  // New units for the freed slots go out from tick(), once per worker and loop iteration: one
  // grant for every result of the iteration, not one per result.
  if (!results.empty()) return accept_results(peer_key, results);
  if (const auto* failure = std::get_if<proto::UnitFailure>(&body)) {
    return record_failure(peer, *failure);
  }
  if (const auto* returned = std::get_if<proto::UnitReturn>(&body)) {
    std::vector<uint64_t> ended = returned->lease_ids;
    // A worker that leaves says goodbye: every lease it still holds ends without fault, a
    // grant that crossed its goodbye included (a drain's last return lists what still ran).
    if (returned->leaving) ended = leases_.held_by(peer);
    for (uint64_t id : ended) {
      const Lease* lease = leases_.find(id);
      if (lease == nullptr || lease->worker != peer) continue;
      if (Status s = end_lease(id, LeaseEnd::kCancelled); !s) return s;
    }
    if (returned->leaving) return forget_worker(peer);
    // Handed back, not abandoned: kCancelled above is no fault of the worker. A draining
    // worker is held like a paused one: nothing new, its running leases stay open.
    if (returned->pausing || returned->draining) worker.paused = true;
    if (returned->draining) worker.draining = true;
    return Status::ok();
  }
  return Status::ok();  // WorkerHeartbeat, BlobRequest: handled above
}

Status DispatcherCore::accept_results(const std::string& peer_key,
                                      std::span<const proto::UnitResult> results) {
  for (const proto::UnitResult& result : results) {
    if (Status s = accept_result(peer_key, result); !s) return s;
  }
  return Status::ok();
}

Status DispatcherCore::on_hello(const std::string& peer, const std::string& peer_key,
                                const proto::WorkerHello& hello, int64_t now_ms,
                                std::vector<Outgoing>* out) {
  uint64_t slots = 0;
  for (const proto::DeviceOffer& d : hello.devices) slots += d.slots;
  WorkerState& w = workers_[peer];
  w.name = hello.worker_name;
  w.key = peer_key;
  w.owner = hello.owner.empty() ? peer_key : hello.owner;
  w.tree_hashes = hello.tree_hashes;
  w.makes_initial_states = hello.initial_states == sim::kInitialStateRecipe;
  w.slots = static_cast<uint32_t>(std::clamp<uint64_t>(slots, 1, config_.max_slots_per_worker));
  w.last_seen_ms = now_ms;
  w.said_hello = true;
  w.devices.clear();
  w.kernel_versions.clear();
  for (size_t i = 0; i < hello.devices.size(); ++i) {
    const std::vector<std::string> runs = hello.devices[i].runs();
    if (i == 0) {
      w.kernel_versions.insert(runs.begin(), runs.end());
      continue;
    }
    std::erase_if(w.kernel_versions, [&](const std::string& v) {
      return std::find(runs.begin(), runs.end(), v) == runs.end();
    });
  }
  refresh_versions();
  for (const proto::DeviceOffer& d : hello.devices) {
    if (w.devices.size() == WorkerState::kMaxDevicesShown) break;
    w.devices.push_back(d.backend + " " + std::to_string(d.index) + ": " + d.name + " (kernel " +
                        d.kernel_version + ")");
  }
  w.paused = false;  // a paused worker resumes by saying hello again
  w.draining = false;  // a draining one says so again right after its hello
  WorkerRecord& record = record_of(peer_key);
  if (record.name != w.name || record.owner != w.owner) {
    record.name = w.name;
    record.owner = w.owner;
    if (Status s = store_->begin(); !s) return s;
    if (Status s = store_->put_worker(record); !s) return s;
  }
  // A lease the worker does not hold lost its grant or its result with a connection or a
  // dispatcher restart: requeue it now rather than wait for its deadline.
  const std::set<uint64_t> held(hello.held_leases.begin(), hello.held_leases.end());
  for (uint64_t id : leases_.held_by(peer)) {
    if (held.count(id) != 0) continue;
    if (Status s = end_lease(id, LeaseEnd::kCancelled); !s) return s;
  }
  if (!wants_grant(peer, w)) return Status::ok();
  return dispatch(peer, w, now_ms, config_.max_units_per_tick, connected_rates(), out);
}

uint64_t DispatcherCore::unit_cost(const UnitRow& u) {
  return uint64_t{u.x1 - u.x0} * (u.y1 - u.y0) * (u.z1 - u.z0) * (u.s1 - u.s0);
}

void DispatcherCore::restore_lease(const ReplicaRow& replica, const UnitRow& unit,
                                   int64_t now_ms) {
  leases_.add({replica.lease_id, unit.id, unit.job_id, replica.routing_id, replica.deadline_ms});
  leased_units_[replica.worker_key].insert(unit.id);
  WorkerState& worker = workers_.try_emplace(replica.routing_id).first->second;
  worker.last_seen_ms = now_ms;
  worker.sizer.granted(unit_cost(unit), now_ms);
  const JobRow& job = jobs_[unit.job_id].row;
  worker.bundles.insert(job.bundle);
  scheduler_.add_job(job.id, job.priority, job.client);
  scheduler_.restore_in_flight(job.id);
}

std::optional<Lease> DispatcherCore::remove_lease(uint64_t lease_id, bool reported) {
  std::optional<Lease> lease = leases_.remove(lease_id);
  if (!lease) return lease;
  if (auto recalled = recalled_.find(lease_id); recalled != recalled_.end()) {
    if (!reported) {
      reserved_[lease->unit_id] = {std::move(recalled->second.receiver),
                                   now_ms_ + kRecallAnswerMs};
    }
    recalled_.erase(recalled);
  }
  scheduler_.finished_one(lease->job_id);
  auto worker = workers_.find(lease->worker);
  auto unit = units_.find(lease->unit_id);
  if (worker != workers_.end() && unit != units_.end()) {
    const uint64_t cost = unit_cost(unit->second.row);
    if (reported) worker->second.sizer.reported(cost, now_ms_, config_.lease_sizing);
    worker->second.sizer.ended(cost, now_ms_);
  }
  return lease;
}

Status DispatcherCore::end_lease(uint64_t lease_id, LeaseEnd how) {
  std::optional<Lease> lease = remove_lease(lease_id, how == LeaseEnd::kResult);
  // A result ends the stored lease through the replica state accept_result gives it.
  if (!lease || how == LeaseEnd::kResult) return Status::ok();
  if (Status s = store_->begin(); !s) return s;
  UnitState* unit = nullptr;
  ReplicaRow* replica = replica_of_lease(lease_id, &unit);
  if (unit == nullptr) return Status::ok();
  if (replica != nullptr && replica->state == ReplicaState::kLeased) {
    ReplicaState state = ReplicaState::kCancelled;
    if (how == LeaseEnd::kFailed) state = ReplicaState::kFailed;
    if (how == LeaseEnd::kLapsed || how == LeaseEnd::kDied) state = ReplicaState::kLapsed;
    if (Status s = set_replica_state(*replica, state, std::nullopt); !s) return s;
    if (how == LeaseEnd::kLapsed) {
      if (Status s = trust_event(replica->worker_key, TrustEvent::kTimeout,
                                 "lease " + std::to_string(lease_id) + " of unit " +
                                     std::to_string(unit->row.id) + " lapsed");
          !s) {
        return s;
      }
    }
  }
  return settle(*unit);
}

Status DispatcherCore::forget_worker(const std::string& peer) {
  auto worker = workers_.find(peer);
  const std::vector<uint64_t> held = leases_.held_by(peer);
  for (uint64_t id : held) {
    ++stats_.leases_lapsed;
    if (Status s = end_lease(id, LeaseEnd::kDied); !s) return s;
  }
  // One timeout for the death, however many leases it held: a reboot is one fault.
  if (!held.empty() && worker != workers_.end() && !worker->second.key.empty()) {
    if (Status s = trust_event(worker->second.key, TrustEvent::kTimeout,
                               "worker " + worker->second.name + " went silent");
        !s) {
      return s;
    }
  }
  workers_.erase(peer);
  return Status::ok();
}

bool DispatcherCore::wants_grant(const std::string& peer, const WorkerState& worker) const {
  if (!eligible(worker)) return false;
  return worker.sizer.wants_refill(leases_.count_held_by(peer), worker.slots,
                                   int64_t{config_.lease_seconds} * 1000, config_.lease_sizing);
}

SharingRates DispatcherCore::connected_rates() const {
  SharingRates sharing;
  for (const auto& [peer, w] : workers_) {
    if (w.said_hello) sharing.add(w.sizer.units_per_s());
  }
  return sharing;
}

Status DispatcherCore::dispatch(const std::string& peer, WorkerState& worker, int64_t now_ms,
                                uint64_t share, const SharingRates& sharing,
                                std::vector<Outgoing>* out) {
  if (Status s = plan_ahead(); !s) return s;
  proto::LeaseGrant grant;
  size_t held = leases_.count_held_by(peer);
  const int64_t lease_ms = int64_t{config_.lease_seconds} * 1000;
  const auto holds_bundle = [&](uint64_t job_id) {
    auto job = jobs_.find(job_id);
    return job != jobs_.end() && worker.bundles.count(job->second.row.bundle) != 0;
  };
  // Units this worker may not take (its key or owner holds a replica already, or the trust
  // rules keep the replica for a trusted key), or should leave to a worker that holds the state
  // they start from, go back to the
  // front of their queues afterwards; the scan is bounded so a long queue of such units does
  // not make every dispatch slow.
  constexpr size_t kMaxSetAside = 64;
  std::vector<Scheduler::Pick> set_aside;
  // Near the end of the queue every worker gets its part of it (grant_cap); units recalled
  // for this worker come on top.
  const double sharers = sharing.workers_as_fast_as(worker.sizer.units_per_s());
  const uint64_t cap = std::min(grant_cap(scheduler_.pending() + units_unplanned(), sharers,
                                          worker.slots),
                                std::max<uint64_t>(share, worker.slots));
  uint64_t capped = 0;  // units granted that count against the cap
  while (worker.sizer.wants_more(held, worker.slots, lease_ms, config_.lease_sizing) &&
         capped < cap && set_aside.size() < kMaxSetAside) {
    std::optional<Scheduler::Pick> pick = scheduler_.pop(holds_bundle);
    if (!pick) break;
    auto unit = units_.find(pick->unit_id);
    if (unit != units_.end() && unit->second.queued > 0) --unit->second.queued;
    JobState& job = jobs_[pick->job_id];
    const Votes votes = unit != units_.end() ? votes_of(unit->second) : Votes{};
    if (unit == units_.end() || !job.active() || replicas_wanted(unit->second, votes) == 0) {
      scheduler_.finished_one(pick->job_id);  // a stale entry
      // Or a unit whose votes became acceptable since: a voter earned trust while it waited
      // for a trusted vote (trust is read as of now).
      if (unit != units_.end() && job.active() && !unit->second.done()) {
        if (Status s = settle(unit->second); !s) return s;
      }
      continue;
    }
    // A frame pinned to a version that left the farm before it started is pinned anew.
    if (!runs_pinned_version(unit->second, worker)) {
      if (Status s = unpin_if_stranded(unit->second); !s) return s;
    }
    if (!may_take(unit->second, votes, worker) || leave_to_holder(unit->second, worker) ||
        reserved_for_other(pick->unit_id, peer)) {
      scheduler_.finished_one(pick->job_id);
      set_aside.push_back(*pick);
      continue;
    }
    if (!reserved_for(pick->unit_id, peer)) ++capped;
    if (Status s = grant_replica(peer, worker, unit->second, now_ms, grant); !s) return s;
    ++held;
    if (units_left_this_tick_ > 0) --units_left_this_tick_;
  }
  for (auto it = set_aside.rbegin(); it != set_aside.rend(); ++it) {
    scheduler_.requeue(it->job_id, it->unit_id);
    ++units_[it->unit_id].queued;
  }
  if (!grant.units.empty() || !grant.sim_units.empty()) {
    out->push_back({peer, {0, std::move(grant)}});
    worker.last_sent_ms = now_ms;
  }
  return Status::ok();
}

Status DispatcherCore::grant_replica(const std::string& peer, WorkerState& worker,
                                     UnitState& unit, int64_t now_ms, proto::LeaseGrant& grant) {
  JobState& job = jobs_[unit.row.job_id];
  reserved_.erase(unit.row.id);
  if (Status s = store_->begin(); !s) return s;
  if (Status s = pin_frame(unit, worker); !s) return s;
  // Adaptive replication (reputation.h): decided once, when the unit's first replica goes out.
  if (unit.replicas.empty() && unit.row.replication > 1 &&
      single_replica_suffices(trusted(worker.key), config_.trust, rng_)) {
    unit.row.replication = 1;
    unit.row.quorum = 1;
    ++stats_.units_single_replica;
    if (Status s = store_->set_unit_replication(unit.row.id, 1, 1); !s) return s;
  }
  const int64_t deadline = now_ms + int64_t{config_.lease_seconds} * 1000;
  Result<uint64_t> lease_id = store_->next_lease_id();
  if (!lease_id) return lease_id.status();
  if (job.row.state == proto::JobState::kQueued) {
    job.row.state = proto::JobState::kRunning;
    if (Status s = store_->set_job_state(job.row.id, job.row.state, ""); !s) return s;
  }
  // The first replica uploads the bytes; a later one only when no live replica was asked to,
  // or when the agreed bytes went missing.
  // A unit accepted by hash alone uploads nothing.
  const bool upload =
      needs_bytes(unit.row) &&
      (missing_bytes_.count(unit.row.id) != 0 ||
       std::none_of(unit.replicas.begin(), unit.replicas.end(),
                    [](const ReplicaRow& r) { return r.upload && r.live(); }));
  ReplicaRow replica;
  replica.unit_id = unit.row.id;
  replica.replica = static_cast<uint32_t>(unit.replicas.size());
  replica.worker_key = worker.key;
  replica.owner = worker.owner;
  replica.lease_id = lease_id.value();
  replica.upload = upload;
  replica.routing_id = peer;
  replica.deadline_ms = deadline;
  if (Status s = store_->insert_replica(replica); !s) return s;
  unit.replicas.push_back(replica);
  unit_of_lease_[replica.lease_id] = unit.row.id;
  leased_units_[worker.key].insert(unit.row.id);
  leases_.add({lease_id.value(), unit.row.id, job.row.id, peer, deadline});
  worker.sizer.granted(unit_cost(unit.row), now_ms);
  worker.bundles.insert(job.row.bundle);
  ++stats_.leases_granted;
  const UnitRow& u = unit.row;
  if (job.row.is_simulation()) return add_sim_grant(u, replica, worker, grant);
  const FrameState& frame = frames_[{u.job_id, u.frame}];
  grant.units.push_back({lease_id.value(), u.id, u.job_id, job.row.bundle, frame.row.scene_path,
                         u.frame, u.x0, u.y0, u.x1, u.y1, u.s0, u.s1, replica.replica,
                         config_.lease_seconds, upload, job.row.lenient});
  return Status::ok();
}

Status DispatcherCore::tick(int64_t now_ms, std::vector<Outgoing>* out) {
  if (!deferred_error_) return deferred_error_;
  now_ms_ = now_ms;
  if (Status s = store_->keep_leadership(); !s) return s;
  if (Status s = collect_encoded_frames(); !s) return s;
  for (uint64_t id : leases_.expired(now_ms)) {
    ++stats_.leases_lapsed;
    if (Status s = end_lease(id, LeaseEnd::kLapsed); !s) return s;
  }
  const int64_t silence_limit = config_.heartbeat_interval_ms * config_.liveness;
  std::vector<std::string> dead;
  for (const auto& [peer, w] : workers_) {
    if (now_ms - w.last_seen_ms > silence_limit) dead.push_back(peer);
  }
  for (const std::string& peer : dead) {
    if (Status s = forget_worker(peer); !s) return s;
  }
  // Before dispatching, so that a replica leased to upload missing bytes goes out now.
  if (Status s = request_missing_bytes(now_ms, out); !s) return s;
  refresh_connected_auditors();
  refresh_versions();
  drop_stale_reservations(now_ms);
  units_left_this_tick_ = config_.max_units_per_tick;
  // Workers in the order they would run dry (idle ones first, then by work held over measured
  // rate); every worker that wants a grant takes at most its part of the tick's units, by its
  // measured rate (lease_sizer.h tick_parts). Letting the first ones asked take all they
  // wanted starved the rest: at the start of a job of 256 devices, a tick's 2,048 units went
  // to 22 of them, and the devices asked last got their second grant 11 ticks (about 0.2 s)
  // later, after their first had run out. Once the allowance is spent (parts are rounded up,
  // declared slots may exceed them) the rest wait for the next tick, which follows at once but
  // after the iteration's commit (up to 0.2 s on a busy farm): asked in a fixed order, the same
  // devices came last tick after tick and ran dry again and again.
  struct Asked {
    double dry_s;  // when its work runs out at its measured rate; unmeasured: last
    const std::string* peer;
    WorkerState* worker;
  };
  std::vector<Asked> order;
  order.reserve(workers_.size());
  for (auto& [peer, w] : workers_) {
    if (!w.said_hello) continue;
    const double rate = w.sizer.rate_per_s();
    const double dry_s = leases_.count_held_by(peer) == 0 ? 0.0
                         : rate > 0 ? static_cast<double>(w.sizer.cost_in_flight()) / rate
                                    : std::numeric_limits<double>::max();
    order.push_back({dry_s, &peer, &w});
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const Asked& a, const Asked& b) { return a.dry_s < b.dry_s; });
  std::vector<size_t> wanting;
  std::vector<double> rates;
  for (size_t i = 0; i < order.size(); ++i) {
    if (!wants_grant(*order[i].peer, *order[i].worker)) continue;
    wanting.push_back(i);
    rates.push_back(order[i].worker->sizer.units_per_s());
  }
  const std::vector<uint64_t> parts = tick_parts(config_.max_units_per_tick, rates);
  std::vector<uint64_t> part_of(order.size(), 0);
  const SharingRates sharing = connected_rates();
  for (size_t k = 0; k < wanting.size(); ++k) part_of[wanting[k]] = parts[k];
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& [dry_s, peer, w] = order[i];
    if (part_of[i] > 0 && units_left_this_tick_ > 0) {
      if (Status s = dispatch(*peer, *w, now_ms, part_of[i], sharing, out); !s) return s;
    }
    if (now_ms - w->last_sent_ms >= config_.heartbeat_interval_ms) {
      out->push_back({*peer, {0, proto::DispatcherHeartbeat{}}});
      w->last_sent_ms = now_ms;
    }
  }
  // Workers that took their part may want more than it, as well as those never asked.
  dispatch_pending_ = units_left_this_tick_ == 0 &&
                      std::any_of(workers_.begin(), workers_.end(), [&](const auto& entry) {
                        return wants_grant(entry.first, entry.second);
                      });
  answer_status_waits(now_ms, out);
  return recall_for_dry_workers(now_ms, out);
}

void DispatcherCore::answer_status_waits(int64_t now_ms, std::vector<Outgoing>* out) {
  const auto ended = [&](uint64_t job_id) { return !job_active(job_id); };
  for (StatusWaits::Held& held : status_waits_.take_due(now_ms, ended)) {
    out->push_back({std::move(held.peer), {held.request_id, status_reply(held.job_id)}});
  }
}

bool DispatcherCore::job_active(uint64_t job_id) const {
  auto job = jobs_.find(job_id);
  return job != jobs_.end() && job->second.active();
}

bool DispatcherCore::eligible(const WorkerState& worker) const {
  return worker.said_hello && !worker.paused && !quarantined(worker.key);
}

std::string DispatcherCore::unserved_reason(const JobState& job) const {
  if (!job.active() || job.units_done >= job.all_units()) return {};
  // Replicas of a unit go to distinct keys and distinct owners: the workers that can hold
  // replicas of one unit together are at most the distinct owners among eligible workers.
  std::set<std::string> owners, paused_owners, versions;
  bool hashes_otherwise = false;  // an eligible worker does not hash as the job's results are
  for (const auto& [peer, w] : workers_) {
    if (eligible(w)) {
      if (hashes_as(job.row.result_hash, w)) {
        owners.insert(w.owner);
        versions.insert(w.kernel_versions.begin(), w.kernel_versions.end());
      } else {
        hashes_otherwise = true;
      }
    }
    if (w.said_hello && w.paused && !w.draining && !quarantined(w.key)) {
      paused_owners.insert(w.owner);
    }
  }
  if (owners.empty() && !paused_owners.empty()) {
    return "waiting for a worker: the connected workers are paused (their machines are busy)";
  }
  if (owners.empty() && hashes_otherwise) {
    return "waiting for a worker of this release: the job's results are hashed by BLAKE2b tree, "
           "which the connected workers, of an earlier release, do not compute (upgrade them)";
  }
  if (owners.empty()) return "waiting for a worker: none is connected";
  if (!bootstrapping() && job.row.replication > 1 &&
      std::none_of(workers_.begin(), workers_.end(), [&](const auto& entry) {
        return eligible(entry.second) && trusted(entry.second.key);
      })) {
    return "waiting for a trusted worker: each unit needs a result from a key this farm trusts "
           "(an --auditor-allow key, or one that earned trust), and none is connected";
  }
  const uint32_t needed = job.row.replication;
  if (needed <= owners.size()) return version_wait_reason(job, versions);
  return "cannot be served yet: each unit needs " + std::to_string(needed) +
         " replicas on workers of distinct keys and owners, and " + std::to_string(owners.size()) +
         (owners.size() == 1 ? " such worker is" : " such workers are") +
         " connected (connect more workers, or submit with a lower --replication)" +
         (paused_owners.empty() ? ""
                                : "; " + std::to_string(paused_owners.size()) +
                                      " more are paused (their machines are busy)");
}

std::vector<proto::JobStatus> DispatcherCore::job_statuses(uint64_t job_id) const {
  std::vector<proto::JobStatus> out;
  for (const auto& [id, job] : jobs_) {
    if (job_id != 0 && id != job_id) continue;
    std::vector<uint32_t> affected = affected_frames(job);
    std::string message = job.row.message.empty() ? unserved_reason(job) : job.row.message;
    if (!affected.empty() && message.empty()) {
      std::string list;
      for (uint32_t f : affected) list += (list.empty() ? "" : ", ") + std::to_string(f);
      message = (job.row.is_simulation() ? "affected runs " : "affected frames ") + list + ": " +
                std::to_string(job.units_affected) +
                " accepted units rested on keys quarantined since; " +
                (job.row.is_simulation()
                     ? "submit the batch again to re-run them"
                     : "`tilefarm resubmit " + std::to_string(id) + " --affected` re-runs them");
    }
    out.push_back({id, job.row.name, job.row.state, job.row.priority, job.units_done,
                   job.all_units(), job.frames_done, static_cast<uint32_t>(job.frames.size()),
                   std::move(message), job.row.is_simulation(), std::move(affected),
                   job.row.client, scheduler_.in_flight(id), scheduler_.in_flight(),
                   static_cast<uint32_t>(scheduler_.active_clients())});
    quality_progress(id, out.back());
  }
  return out;
}

}  // namespace tf
