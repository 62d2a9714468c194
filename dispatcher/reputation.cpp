#include "dispatcher/reputation.h"

namespace tf {
namespace {

// Quarantines `record` when `count` reached `limit`; returns true when it did so now.
bool quarantine_at(WorkerRecord& record, uint64_t count, uint64_t limit, const char* what,
                   const std::string& detail) {
  if (record.quarantined || limit == 0 || count < limit) return false;
  record.quarantined = true;
  record.quarantine_reason = std::to_string(count) + " " + what;
  if (!detail.empty()) record.quarantine_reason += "; last: " + detail;
  return true;
}

}  // namespace

bool apply_trust_event(WorkerRecord& record, TrustEvent event, const TrustPolicy& policy,
                       const std::string& detail) {
  switch (event) {
    case TrustEvent::kValid:
      ++record.valid;
      ++record.consecutive_valid;
      record.consecutive_timed_out = 0;
      return false;
    case TrustEvent::kAgreed:
      ++record.valid;
      record.consecutive_timed_out = 0;
      return false;
    case TrustEvent::kOutvoted:
      record.consecutive_valid = 0;
      return false;
    case TrustEvent::kInvalid:
      ++record.invalid;
      record.consecutive_valid = 0;
      return quarantine_at(record, record.invalid, policy.quarantine_after_invalid,
                           "results that lost a quorum", detail);
    case TrustEvent::kError:
      ++record.errors;
      return false;
    case TrustEvent::kTimeout:
      ++record.timed_out;
      ++record.consecutive_timed_out;
      return quarantine_at(record, record.consecutive_timed_out, policy.quarantine_after_timeouts,
                           "leases lapsed in a row", detail);
    case TrustEvent::kMalformed:
      ++record.malformed;
      return quarantine_at(record, record.malformed, policy.quarantine_after_malformed,
                           "malformed or refused messages", detail);
  }
  return false;
}

bool is_trusted(const WorkerRecord& record, const TrustPolicy& policy) {
  return !record.quarantined && record.consecutive_valid >= policy.trust_after;
}

bool single_replica_suffices(bool first_trusted, const TrustPolicy& policy, TrustRng& rng) {
  if (!first_trusted) return false;
  return rng.uniform() >= policy.spot_check_rate;
}

}  // namespace tf
