#include "dispatcher/dashboard/dashboard_json.h"

namespace tf {
namespace {

std::string image_url(uint64_t job, const JobImage& image) {
  if (image.blob) return "api/blobs/" + image.blob->to_hex() + ".png";
  return "api/jobs/" + std::to_string(job) + "/frames/" + std::to_string(image.frame) +
         "/preview.png";
}

nlohmann::json job_json(const JobView& job) {
  const proto::JobStatus& s = job.status;
  nlohmann::json images = nlohmann::json::array();
  for (const JobImage& image : job.images) {
    images.push_back({{"label", image.label},
                      {"url", image_url(s.job_id, image)},
                      {"live", !image.blob.has_value()}});
  }
  return {{"id", s.job_id},
          {"name", s.name},
          {"kind", s.simulation ? "simulation" : "render"},
          {"state", proto::job_state_name(s.state)},
          {"priority", s.priority},
          {"units_done", s.units_done},
          {"units_total", s.units_total},
          {"frames_done", s.frames_done},
          {"frames_total", s.frames_total},
          {"units_in_flight", s.units_in_flight},
          {"replication", job.replication},
          {"message", s.message},
          {"affected_frames", s.affected_frames},
          {"images", std::move(images)}};
}

nlohmann::json worker_json(const WorkerView& w) {
  return {{"name", w.name},
          {"key", w.key},
          {"owner", w.owner},
          {"devices", w.devices},
          {"slots", w.slots},
          {"units_in_flight", w.units_in_flight},
          {"rate", w.rate},
          {"paused", w.paused},
          {"draining", w.draining},
          {"trusted", w.trusted},
          {"quarantined", w.quarantined},
          {"quarantine_reason", w.quarantine_reason},
          {"results_valid", w.results_valid},
          {"results_invalid", w.results_invalid},
          {"timed_out", w.timed_out},
          {"errors", w.errors},
          {"malformed", w.malformed}};
}

}  // namespace

nlohmann::json farm_json(const FarmView& view) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const JobView& job : view.jobs) jobs.push_back(job_json(job));
  nlohmann::json workers = nlohmann::json::array();
  for (const WorkerView& w : view.workers) workers.push_back(worker_json(w));
  const DispatcherStats& c = view.stats;
  return {{"time_ms", view.taken_ms},
          {"jobs", std::move(jobs)},
          {"workers", std::move(workers)},
          {"units_pending", view.units_pending},
          {"units_leased", view.units_leased},
          {"keys_quarantined", view.keys_quarantined},
          {"counters",
           {{"results_accepted", c.results_accepted},
            {"results_rejected", c.results_rejected},
            {"results_late", c.results_late},
            {"replicas_disagreed", c.replicas_disagreed},
            {"leases_granted", c.leases_granted},
            {"leases_lapsed", c.leases_lapsed},
            {"quarantines", c.quarantines},
            {"messages_rejected", view.messages_rejected}}}};
}

nlohmann::json trust_json(const TrustSummary& summary) {
  nlohmann::json credits = nlohmann::json::array();
  for (const proto::CreditRow& row : summary.credits) {
    credits.push_back({{"key", row.worker_key},
                       {"name", row.name},
                       {"credit", row.credit},
                       {"accepted_units", row.accepted_units}});
  }
  nlohmann::json tail = nlohmann::json::array();
  for (const LedgerEntry& e : summary.tail) {
    tail.push_back({{"seq", e.seq},
                    {"key", e.grant.worker_key},
                    {"job", e.grant.job_id},
                    {"unit", e.grant.unit_id},
                    {"credit", e.grant.credit},
                    {"reversal", e.grant.reversal},
                    {"time_ms", e.grant.time_ms},
                    {"entry_hash", e.entry_hash.to_hex()}});
  }
  return {{"time_ms", summary.taken_ms},
          {"credits", std::move(credits)},
          {"ledger",
           {{"entries", summary.ledger_entries},
            {"verified", summary.entries_verified},
            {"ok", summary.ledger_ok},
            {"key_known", summary.key_known},
            {"problem", summary.problem},
            {"tail", std::move(tail)}}},
          {"error", summary.error}};
}

}  // namespace tf
