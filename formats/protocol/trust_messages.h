// Trust queries: a client reads the dispatcher's credit totals, per-worker reputation and the
// signed credit ledger (DESIGN.md "Verification, reputation, credit"). Part of messages.h's
// Body; the wire form is TrustQuery / TrustReply in protocol.capnp.
//
// Thread safety: plain values; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/hash/hash.h"

namespace tf::proto {

enum class TrustTopic : uint8_t { kCredits, kWorkers, kLedger, kUnknown };

// client -> dispatcher. For kLedger, `offset` and `limit` select a page of entries in ledger
// order (the dispatcher caps `limit` at kMaxLedgerPage; 0 means the cap).
struct TrustQuery {
  TrustTopic topic = TrustTopic::kCredits;
  uint64_t offset = 0;
  uint32_t limit = 0;
  bool operator==(const TrustQuery&) const = default;
};
inline constexpr uint32_t kMaxLedgerPage = 1000;

// Credit earned by one worker key: the sum over its ledger entries.
struct CreditRow {
  std::string worker_key;
  std::string name;  // last name the worker gave; empty when unknown
  uint64_t credit = 0;
  uint64_t accepted_units = 0;  // ledger entries (units it helped accept)
  bool operator==(const CreditRow&) const = default;
};

// One worker key's reputation (the dispatcher's `workers` table) and credit.
struct WorkerTrustRow {
  std::string key, name, owner;
  uint64_t credit = 0, accepted_units = 0;
  uint64_t valid = 0, invalid = 0, errors = 0, timed_out = 0, malformed = 0;
  uint64_t consecutive_valid = 0;
  bool quarantined = false;
  std::string quarantine_reason;
  bool operator==(const WorkerTrustRow&) const = default;
};

// One ledger entry exactly as stored (dispatcher/ledger.h describes hashing and signing).
struct LedgerRow {
  uint64_t seq = 0;
  int64_t time_ms = 0;
  std::string worker_key;
  uint64_t job_id = 0, unit_id = 0;
  Hash256 result;
  uint64_t credit = 0;
  Hash256 prev_hash, entry_hash;
  std::vector<uint8_t> signature;  // 64 bytes, Ed25519
  bool reversal = false;           // takes `credit` back (dispatcher/ledger.h)
  bool operator==(const LedgerRow&) const = default;
};

// dispatcher -> client. Only the list of the asked topic is filled. For kLedger,
// `ledger_total` is the number of entries and `ledger_public_key` the dispatcher's Ed25519
// ledger key (32 bytes), so a client can verify the pages it fetched.
struct TrustReply {
  TrustTopic topic = TrustTopic::kCredits;
  std::vector<CreditRow> credits;
  std::vector<WorkerTrustRow> workers;
  std::vector<LedgerRow> ledger;
  uint64_t ledger_total = 0;
  std::vector<uint8_t> ledger_public_key;
  bool operator==(const TrustReply&) const = default;
};

}  // namespace tf::proto
