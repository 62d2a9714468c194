// The farm's metrics in the Prometheus text exposition format (version 0.0.4), for /metrics.
//
// Counters are cumulative since the dispatcher process started (Prometheus handles the
// reset of a restart); gauges are as of the view's time. Names (all prefixed tilefarm_):
//   results_accepted_total, results_rejected_total, results_late_total,
//   results_duplicate_total, replicas_reported_total, verification_disagreements_total,
//   units_reverified_total, leases_granted_total, leases_lapsed_total, frames_assembled_total,
//   simulation_chunks_total, quarantines_total, messages_rejected_total,
//   handshakes_refused_total; gauges units_pending, units_leased, workers_connected,
//   workers_paused, keys_quarantined, jobs{state}, job_units_done{job,name},
//   job_units_total{job,name}; per connected worker (labels worker, key):
//   worker_accepted_results (its reputation record's valid results, all time),
//   worker_rate (work units per second: pixel-samples or cell updates), worker_units_leased;
//   histogram store_commit_seconds.
//
// Thread safety: a pure function.
#pragma once

#include <string>

#include "dispatcher/farm_board.h"

namespace tf {

std::string metrics_text(const FarmView& view, const CommitLatency::Snapshot& commits);

// A label value with backslash, double quote and newline escaped as the format requires.
std::string escape_label_value(const std::string& value);

}  // namespace tf
