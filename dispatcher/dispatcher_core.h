// The dispatcher's logic without sockets: every decoded message and every clock tick goes in,
// messages to send come out. The server loop (server.h) owns the ZeroMQ socket; tests drive
// this class directly with a fake clock.
//
// Batching and durability: handle() and tick() write to the store inside one open transaction
// (begun on first write); the caller calls commit() once per loop iteration and sends the
// collected messages only after it succeeded. If commit() fails the in-memory state is no
// longer trustworthy: the caller must stop, and a restart resumes from the last commit.
//
// Reliability rules (zguide "Paranoid Pirate" plus durable leases):
// - workers send a heartbeat every heartbeat interval; a worker silent for liveness intervals
//   is dead and every lease it held goes back to the scheduler;
// - every lease has a deadline; a lease past it goes back to the scheduler;
// - a message from an unknown worker (e.g. after a dispatcher restart) gets HelloRequired;
// - result intake is idempotent: a unit's first valid result is kept, later, duplicate or
//   foreign results for it are dropped; a result is accepted even when its lease lapsed,
//   as long as the unit is still unfinished.
//
// Thread safety: one DispatcherCore belongs to one thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dispatcher/assembler.h"
#include "dispatcher/lease_table.h"
#include "dispatcher/scheduler.h"
#include "dispatcher/store.h"
#include "formats/protocol/messages.h"
#include "kernels/status.h"

namespace tf {

struct DispatcherConfig {
  std::filesystem::path state_dir;
  int64_t heartbeat_interval_ms = 1000;
  int liveness = 3;
  uint32_t lease_seconds = 600;   // a unit must finish within this long of its lease
  uint32_t max_attempts = 3;      // unit failures before its job fails
  uint32_t max_slots_per_worker = 256;
};

struct Outgoing {
  std::string peer;  // routing id
  proto::Envelope envelope;
};

// Counters for tests, logs and benchmarks.
struct DispatcherStats {
  uint64_t results_accepted = 0;
  uint64_t results_duplicate = 0;  // unit already finished, or job no longer running
  uint64_t results_rejected = 0;   // malformed: wrong size, hash mismatch, unknown unit
  uint64_t leases_granted = 0;
  uint64_t leases_lapsed = 0;      // deadline passed or worker dead
  uint64_t frames_assembled = 0;
};

class DispatcherCore {
 public:
  // Opens the store under config.state_dir and rebuilds the in-memory state from it: jobs,
  // pending units, open leases (their workers are presumed alive until liveness runs out).
  static Result<std::unique_ptr<DispatcherCore>> open(const DispatcherConfig& config,
                                                      int64_t now_ms);

  // One decoded message from `peer`; replies and grants are appended to `out`. A failure of
  // the store is returned (fatal, see above); a bad request is answered, not returned.
  Status handle(const std::string& peer, const proto::Envelope& message, int64_t now_ms,
                std::vector<Outgoing>* out);
  // Expires leases and dead workers, sends due heartbeats, hands pending units to workers
  // with free slots. Call at least once per heartbeat interval and after handle().
  Status tick(int64_t now_ms, std::vector<Outgoing>* out);
  Status commit() { return store_->commit(); }

  const DispatcherStats& stats() const { return stats_; }
  std::vector<proto::JobStatus> job_statuses(uint64_t job_id) const;  // 0: all
  Store& store() { return *store_; }

 private:
  struct WorkerState {
    std::string name;
    uint32_t slots = 0;
    int64_t last_seen_ms = 0;
    bool said_hello = false;
    // Bundles of every unit leased to this worker since it was first seen: it fetched them,
    // so they are presumed in its asset cache (the scheduler's asset affinity, scheduler.h).
    std::set<Hash256> bundles;
  };
  struct UnitState {
    UnitRow row;
    bool done() const { return row.result.has_value(); }
  };
  struct FrameState {
    FrameRow row;
    std::vector<uint64_t> unit_ids;
    uint64_t remaining = 0;
  };
  struct JobState {
    JobRow row;
    uint64_t units_total = 0, units_done = 0;
    std::vector<uint32_t> frames;
    uint32_t frames_done = 0;
    bool active() const {
      return row.state == proto::JobState::kQueued || row.state == proto::JobState::kRunning;
    }
  };

  DispatcherCore(DispatcherConfig config, std::unique_ptr<Store> store)
      : config_(std::move(config)), store_(std::move(store)) {}
  Status load(int64_t now_ms);

  // Worker messages (dispatcher_core.cpp).
  Status on_worker_message(const std::string& peer, const proto::Body& body, int64_t now_ms,
                           std::vector<Outgoing>* out);
  Status end_lease(uint64_t lease_id, bool requeue);
  Status forget_worker(const std::string& peer);
  Status dispatch(const std::string& peer, WorkerState& worker, int64_t now_ms,
                  std::vector<Outgoing>* out);

  // Results and frames (result_intake.cpp).
  Status accept_result(const std::string& peer, const proto::UnitResult& result);
  Status record_failure(const std::string& peer, const proto::UnitFailure& failure);
  Status complete_frame(FrameState& frame);
  Status fail_job(JobState& job, const std::string& message);

  // Client requests (client_requests.cpp).
  Result<proto::Body> on_client_message(const proto::Body& body);
  Result<proto::Body> submit(const proto::SubmitJob& request);
  Result<proto::Body> cancel(uint64_t job_id);
  Result<proto::Body> outputs(uint64_t job_id) const;

  DispatcherConfig config_;
  std::unique_ptr<Store> store_;
  Scheduler scheduler_;
  LeaseTable leases_;
  std::map<std::string, WorkerState> workers_;
  std::map<uint64_t, JobState> jobs_;
  std::unordered_map<uint64_t, UnitState> units_;
  std::map<std::pair<uint64_t, uint32_t>, FrameState> frames_;
  int64_t last_heartbeat_sent_ms_ = 0;
  DispatcherStats stats_;
};

// Names of a frame's output files as listed by OutputsReply.
std::string frame_output_name(uint32_t frame, const char* extension);

}  // namespace tf
