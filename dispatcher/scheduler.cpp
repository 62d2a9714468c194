#include "dispatcher/scheduler.h"

namespace tf {

void Scheduler::add_job(uint64_t job_id, int32_t priority, const std::string& client) {
  auto [it, added] = jobs_.try_emplace(job_id);
  it->second.priority = priority;
  if (!added) return;
  it->second.client = client;
  clients_[client].jobs.insert(job_id);
}

void Scheduler::remove_job(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  JobQueue& job = it->second;
  auto client = clients_.find(job.client);
  pending_ -= job.units.size();
  in_flight_ -= job.in_flight;
  client->second.pending -= job.units.size();
  client->second.in_flight -= job.in_flight;
  client->second.jobs.erase(job_id);
  if (client->second.jobs.empty()) clients_.erase(client);
  jobs_.erase(it);
}

void Scheduler::push(uint64_t job_id, uint64_t unit_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  it->second.units.push_back(unit_id);
  ++clients_[it->second.client].pending;
  ++pending_;
}

void Scheduler::requeue(uint64_t job_id, uint64_t unit_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  it->second.units.push_front(unit_id);
  ++clients_[it->second.client].pending;
  ++pending_;
}

std::optional<Scheduler::Pick> Scheduler::pop(const HoldsAssets& holds_assets) {
  // Rule 1. A client's oldest job with pending units breaks ties (rule 5 between clients).
  ClientQueue* client = nullptr;
  uint64_t client_oldest = 0;
  for (auto& [name, c] : clients_) {
    if (c.pending == 0) continue;
    uint64_t oldest = 0;
    for (uint64_t id : c.jobs) {
      if (!jobs_.at(id).units.empty()) {
        oldest = id;
        break;
      }
    }
    if (client != nullptr && (c.in_flight > client->in_flight ||
                              (c.in_flight == client->in_flight && oldest > client_oldest))) {
      continue;
    }
    client = &c;
    client_oldest = oldest;
  }
  if (client == nullptr) return std::nullopt;
  // Rules 2-5 among the client's jobs, visited in id order: a later job replaces the best only
  // when strictly better, which keeps rule 5.
  JobQueue* best = nullptr;
  uint64_t best_id = 0;
  bool best_held = false;
  for (uint64_t id : client->jobs) {
    JobQueue& q = jobs_.at(id);
    if (q.units.empty()) continue;
    if (best != nullptr && (q.priority < best->priority ||
                            (q.priority == best->priority && q.in_flight > best->in_flight))) {
      continue;
    }
    const bool tied = best != nullptr && q.priority == best->priority &&
                      q.in_flight == best->in_flight;
    const bool held = holds_assets && holds_assets(id);
    if (tied && (best_held || !held)) continue;
    best = &q;
    best_id = id;
    best_held = held;
  }
  if (best == nullptr) return std::nullopt;  // not reached: the client's pending are its jobs'
  const uint64_t unit = best->units.front();
  best->units.pop_front();
  --client->pending;
  --pending_;
  count_in_flight(*best, true);
  return Pick{best_id, unit};
}

void Scheduler::count_in_flight(JobQueue& job, bool one_more) {
  ClientQueue& client = clients_[job.client];
  if (one_more) {
    ++job.in_flight;
    ++client.in_flight;
    ++in_flight_;
  } else {
    --job.in_flight;
    --client.in_flight;
    --in_flight_;
  }
}

void Scheduler::restore_in_flight(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it != jobs_.end()) count_in_flight(it->second, true);
}

void Scheduler::finished_one(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it != jobs_.end() && it->second.in_flight > 0) count_in_flight(it->second, false);
}

size_t Scheduler::pending(uint64_t job_id) const {
  auto it = jobs_.find(job_id);
  return it == jobs_.end() ? 0 : it->second.units.size();
}

uint64_t Scheduler::in_flight(uint64_t job_id) const {
  auto it = jobs_.find(job_id);
  return it == jobs_.end() ? 0 : it->second.in_flight;
}

size_t Scheduler::active_clients() const {
  size_t n = 0;
  for (const auto& [name, c] : clients_) n += c.pending > 0 || c.in_flight > 0 ? 1 : 0;
  return n;
}

}  // namespace tf
