#include "dispatcher/scheduler.h"

namespace tf {

void Scheduler::add_job(uint64_t job_id, int32_t priority) {
  jobs_.try_emplace(job_id).first->second.priority = priority;
}

void Scheduler::remove_job(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  pending_ -= it->second.units.size();
  jobs_.erase(it);
}

void Scheduler::push(uint64_t job_id, uint64_t unit_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  it->second.units.push_back(unit_id);
  ++pending_;
}

void Scheduler::requeue(uint64_t job_id, uint64_t unit_id) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end()) return;
  it->second.units.push_front(unit_id);
  ++pending_;
}

std::optional<Scheduler::Pick> Scheduler::pop(const HoldsAssets& holds_assets) {
  JobQueue* best = nullptr;
  uint64_t best_id = 0;
  bool best_held = false;
  // jobs_ is visited in id order, so a later job replaces the best only when strictly better:
  // that keeps rule 4 (the oldest job wins the remaining ties).
  for (auto& [id, q] : jobs_) {
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
  if (best == nullptr) return std::nullopt;
  const uint64_t unit = best->units.front();
  best->units.pop_front();
  ++best->in_flight;
  --pending_;
  return Pick{best_id, unit};
}

void Scheduler::restore_in_flight(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it != jobs_.end()) ++it->second.in_flight;
}

void Scheduler::finished_one(uint64_t job_id) {
  auto it = jobs_.find(job_id);
  if (it != jobs_.end() && it->second.in_flight > 0) --it->second.in_flight;
}

}  // namespace tf
