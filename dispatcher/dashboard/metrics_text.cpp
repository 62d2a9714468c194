#include "dispatcher/dashboard/metrics_text.h"

#include <cstdio>
#include <map>

namespace tf {
namespace {

class MetricsWriter {
 public:
  // Writes the # HELP and # TYPE lines of a metric family.
  void family(const char* name, const char* type, const char* help) {
    out_ += std::string("# HELP tilefarm_") + name + " " + help + "\n";
    out_ += std::string("# TYPE tilefarm_") + name + " " + type + "\n";
  }
  void sample(const std::string& name, const std::string& labels, double value) {
    char number[64];
    std::snprintf(number, sizeof number, "%.17g", value);
    out_ += "tilefarm_" + name + (labels.empty() ? "" : "{" + labels + "}") + " " + number + "\n";
  }
  void sample(const std::string& name, const std::string& labels, uint64_t value) {
    out_ += "tilefarm_" + name + (labels.empty() ? "" : "{" + labels + "}") + " " +
            std::to_string(value) + "\n";
  }
  void single(const char* name, const char* type, const char* help, uint64_t value) {
    family(name, type, help);
    sample(name, "", value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string label(const char* name, const std::string& value) {
  return std::string(name) + "=\"" + escape_label_value(value) + "\"";
}

}  // namespace

std::string escape_label_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string metrics_text(const FarmView& view, const CommitLatency::Snapshot& commits) {
  MetricsWriter m;
  const DispatcherStats& c = view.stats;
  m.single("results_accepted_total", "counter", "Units accepted (their quorum agreed).",
           c.results_accepted);
  m.single("results_rejected_total", "counter",
           "Results refused as malformed (wrong shape, hash mismatch, no lease).",
           c.results_rejected);
  m.single("results_late_total", "counter", "Results that arrived after their lease lapsed.",
           c.results_late);
  m.single("results_duplicate_total", "counter", "Results for units already finished.",
           c.results_duplicate);
  m.single("replicas_reported_total", "counter", "Replica results reported in time.",
           c.replicas_reported);
  m.single("verification_disagreements_total", "counter",
           "Replica hashes that lost to an accepted one.", c.replicas_disagreed);
  m.single("units_reverified_total", "counter",
           "Accepted units reopened because a key they rested on was quarantined.",
           c.units_reverified);
  m.single("leases_granted_total", "counter", "Replicas leased to workers.", c.leases_granted);
  m.single("leases_lapsed_total", "counter", "Leases past their deadline or of dead workers.",
           c.leases_lapsed);
  m.single("frames_assembled_total", "counter", "Frames and simulation runs finished.",
           c.frames_assembled);
  m.single("simulation_chunks_total", "counter", "Simulation chunks completed.",
           c.chunks_completed);
  m.single("quarantines_total", "counter", "Worker keys quarantined.", c.quarantines);
  m.single("messages_rejected_total", "counter",
           "Messages turned away by the security layer (malformed, out of role, muted).",
           view.messages_rejected);
  m.single("handshakes_refused_total", "counter", "CurveZMQ handshakes refused.",
           view.handshakes_refused);
  m.single("units_pending", "gauge", "Units of active jobs not accepted yet.", view.units_pending);
  m.single("units_leased", "gauge", "Leases open now.", view.units_leased);
  m.single("workers_connected", "gauge", "Workers connected now.", view.workers.size());
  uint64_t paused = 0;
  for (const WorkerView& w : view.workers) paused += w.paused ? 1 : 0;
  m.single("workers_paused", "gauge", "Connected workers paused by their idle policy.", paused);
  m.single("keys_quarantined", "gauge", "Worker keys in quarantine.", view.keys_quarantined);

  std::map<std::string, uint64_t> by_state = {
      {"queued", 0}, {"running", 0}, {"done", 0}, {"failed", 0}, {"cancelled", 0}};
  for (const JobView& j : view.jobs) ++by_state[proto::job_state_name(j.status.state)];
  m.family("jobs", "gauge", "Jobs by state.");
  for (const auto& [state, count] : by_state) m.sample("jobs", label("state", state), count);
  // One family with a sample per job (labels job, name) or per connected worker (worker, key).
  auto per_job = [&](const char* name, const char* help, auto value) {
    m.family(name, "gauge", help);
    for (const JobView& j : view.jobs) {
      m.sample(name,
               label("job", std::to_string(j.status.job_id)) + "," + label("name", j.status.name),
               value(j.status));
    }
  };
  per_job("job_units_done", "Accepted units of each job.",
          [](const proto::JobStatus& s) { return s.units_done; });
  per_job("job_units_total", "Units of each job.",
          [](const proto::JobStatus& s) { return s.units_total; });
  auto per_worker = [&](const char* name, const char* type, const char* help, auto value) {
    m.family(name, type, help);
    for (const WorkerView& w : view.workers) {
      m.sample(name, label("worker", w.name) + "," + label("key", w.key), value(w));
    }
  };
  per_worker("worker_accepted_results", "counter",
             "Results of a connected worker that its quorum accepted (all time).",
             [](const WorkerView& w) { return w.results_valid; });
  per_worker("worker_rate", "gauge",
             "Measured work units per second of a connected worker (pixel-samples, cell updates).",
             [](const WorkerView& w) { return w.rate; });
  per_worker("worker_units_leased", "gauge", "Units a connected worker holds now.",
             [](const WorkerView& w) { return w.units_in_flight; });

  m.family("store_commit_seconds", "histogram", "Duration of the store's commits.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < CommitLatency::kBounds.size(); ++i) {
    cumulative += commits.buckets[i];
    char bound[32];
    std::snprintf(bound, sizeof bound, "%g", CommitLatency::kBounds[i]);
    m.sample("store_commit_seconds_bucket", label("le", bound), cumulative);
  }
  m.sample("store_commit_seconds_bucket", label("le", "+Inf"), commits.count);
  m.sample("store_commit_seconds_sum", "", commits.sum_seconds);
  m.sample("store_commit_seconds_count", "", commits.count);
  return m.take();
}

}  // namespace tf
