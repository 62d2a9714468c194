// The dispatcher's counters since its process started: for tests, logs, benchmarks and the
// dashboard's view (farm_board.h).
#pragma once

#include <cstdint>

namespace tf {

struct DispatcherStats {
  uint64_t results_accepted = 0;
  uint64_t results_duplicate = 0;  // unit already finished, or job no longer running
  uint64_t results_rejected = 0;   // malformed: wrong size, hash mismatch, unknown unit
  uint64_t result_batches = 0;     // ResultBatch messages (their results count as above)
  uint64_t results_late = 0;       // arrived after the lease lapsed: no vote, no credit
  uint64_t replicas_reported = 0;  // hashes reported in time (units of work done by workers)
  uint64_t replicas_disagreed = 0; // hashes that lost to an accepted one
  uint64_t units_single_replica = 0;  // units that went to one trusted replica only
  uint64_t units_reverified = 0;   // accepted units reopened because a key they rested on fell
  uint64_t credits_reversed = 0;   // reversal entries written
  uint64_t bytes_requests = 0;     // ResultBytesRequest sent
  uint64_t messages_malformed = 0; // record_malformed calls, refused results and fetches
  uint64_t leases_granted = 0;
  uint64_t leases_lapsed = 0;      // deadline passed or worker dead
  uint64_t leases_recalled = 0;    // asked back for a worker that ran dry (some had started)
  uint64_t frames_assembled = 0;   // frames, and simulation runs finished
  uint64_t chunks_completed = 0;   // simulation chunks stitched
  uint64_t chunks_by_hash = 0;     // simulation chunks verified by result hash alone
  uint64_t quarantines = 0;        // keys quarantined
};

}  // namespace tf
