// The scheduler: which pending unit goes out next.
//
// Policy, in this order of precedence:
//   1. fair share between clients: among the clients (submitting keys) with pending units, the
//      one with the fewest units in flight, so that a client with one job is not starved by
//      another's hundred (ties: the client of the oldest job with pending units);
//   2. the client's highest job priority (priorities order a client's own jobs only);
//   3. fair share: among that client's jobs of that priority, the fewest units in flight;
//   4. asset affinity: among jobs still tied, one whose assets the asking worker already holds;
//   5. the oldest job (smallest id).
// Affinity only breaks ties that fair share leaves, so it never reorders priorities and never
// lets a job get ahead of another in units in flight. Within a job, requeued units go before
// never-leased ones, and otherwise units go in plan order.
//
// Cost: pop() visits each client once and the chosen client's jobs once.
//
// Thread safety: one Scheduler belongs to one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace tf {

class Scheduler {
 public:
  struct Pick {
    uint64_t job_id = 0;
    uint64_t unit_id = 0;
  };

  // Registers a job of `client` (no-op when known, apart from its priority). Units can be
  // pushed only to known jobs.
  void add_job(uint64_t job_id, int32_t priority, const std::string& client = {});
  // Forgets a job and its pending units (cancelled, failed, done).
  void remove_job(uint64_t job_id);
  // Appends a never-leased unit.
  void push(uint64_t job_id, uint64_t unit_id);
  // Puts a unit whose lease ended unfinished at the front of its job's queue.
  void requeue(uint64_t job_id, uint64_t unit_id);
  // Tells whether the asking worker already holds the assets of a job (rule 4 above).
  using HoldsAssets = std::function<bool(uint64_t job_id)>;

  // The next unit by the policy above, counted as in flight; nullopt when nothing is pending.
  // `holds_assets` may be empty (no worker preference); it is called only for candidate jobs.
  std::optional<Pick> pop(const HoldsAssets& holds_assets = {});
  // Counts one unit of `job_id` in flight that was leased before a restart (not by pop()).
  void restore_in_flight(uint64_t job_id);
  // A unit of `job_id` is no longer in flight (result, failure, lapse, return).
  void finished_one(uint64_t job_id);

  size_t pending() const { return pending_; }
  // Units of `job_id` waiting to go out (0 for an unknown job).
  size_t pending(uint64_t job_id) const;
  bool has_job(uint64_t job_id) const { return jobs_.count(job_id) != 0; }
  // Units of a job in flight now (0 for an unknown job), and of all jobs.
  uint64_t in_flight(uint64_t job_id) const;
  uint64_t in_flight() const { return in_flight_; }
  // Clients with pending units or units in flight: those sharing the workers now.
  size_t active_clients() const;

 private:
  struct JobQueue {
    int32_t priority = 0;
    uint64_t in_flight = 0;
    std::string client;
    std::deque<uint64_t> units;
  };
  struct ClientQueue {
    uint64_t in_flight = 0;
    size_t pending = 0;
    std::set<uint64_t> jobs;  // ordered by id: the oldest job wins ties
  };
  // One more (or one fewer) unit of `job` in flight: the job's, its client's and the total.
  void count_in_flight(JobQueue& job, bool one_more);
  std::map<uint64_t, JobQueue> jobs_;
  std::map<std::string, ClientQueue> clients_;
  size_t pending_ = 0;
  uint64_t in_flight_ = 0;
};

}  // namespace tf
