// The scheduler: which pending unit goes out next.
//
// Policy, in this order of precedence:
//   1. the highest job priority;
//   2. fair share: among jobs of that priority, the fewest units in flight;
//   3. asset affinity: among jobs still tied, one whose assets the asking worker already holds;
//   4. the oldest job (smallest id).
// Affinity only breaks ties that fair share leaves, so it never reorders priorities and never
// lets a job get ahead of another in units in flight. Within a job, requeued units go before
// never-leased ones, and otherwise units go in plan order.
//
// Thread safety: one Scheduler belongs to one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>

namespace tf {

class Scheduler {
 public:
  struct Pick {
    uint64_t job_id = 0;
    uint64_t unit_id = 0;
  };

  // Registers a job (no-op when known). Units can be pushed only to known jobs.
  void add_job(uint64_t job_id, int32_t priority);
  // Forgets a job and its pending units (cancelled, failed, done).
  void remove_job(uint64_t job_id);
  // Appends a never-leased unit.
  void push(uint64_t job_id, uint64_t unit_id);
  // Puts a unit whose lease ended unfinished at the front of its job's queue.
  void requeue(uint64_t job_id, uint64_t unit_id);
  // Tells whether the asking worker already holds the assets of a job (rule 3 above).
  using HoldsAssets = std::function<bool(uint64_t job_id)>;

  // The next unit by the policy above, counted as in flight; nullopt when nothing is pending.
  // `holds_assets` may be empty (no worker preference); it is called only for candidate jobs.
  std::optional<Pick> pop(const HoldsAssets& holds_assets = {});
  // Counts one unit of `job_id` in flight that was leased before a restart (not by pop()).
  void restore_in_flight(uint64_t job_id);
  // A unit of `job_id` is no longer in flight (result, failure, lapse, return).
  void finished_one(uint64_t job_id);

  size_t pending() const { return pending_; }
  bool has_job(uint64_t job_id) const { return jobs_.count(job_id) != 0; }

 private:
  struct JobQueue {
    int32_t priority = 0;
    uint64_t in_flight = 0;
    std::deque<uint64_t> units;
  };
  std::map<uint64_t, JobQueue> jobs_;  // ordered by id: the oldest job wins ties
  size_t pending_ = 0;
};

}  // namespace tf
