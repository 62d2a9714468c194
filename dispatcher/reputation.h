// Reputation per worker key and the adaptive replication policy built on it (DESIGN.md,
// "Verification, reputation, credit"). Pure functions on plain records: DispatcherCore applies
// them and stores the records (table `workers`); tests and the benchmark drive them directly.
//
// Independence is never assumed from distinct keys or declared owners (keys are cheap), so an
// agreement earns trust only when it was vouched for: the accepted quorum held a result of
// another key that was trusted at the time (an auditor the operator designated, or a key that
// earned trust this way), or the farm has no trusted key yet and bootstraps from quorums of
// distinct keys. Events and their effect on a record:
//   valid     (in a vouched accepted quorum)         valid++, consecutive_valid++,
//                                                     consecutive_timed_out = 0
//   agreed    (in an accepted quorum that vouches    valid++, consecutive_timed_out = 0
//              nothing for it: no other trusted key,
//              or a single-replica unit)
//   invalid   (its hash lost to a quorum holding     invalid++, consecutive_valid = 0
//              a trusted key's result)
//   outvoted  (its hash lost to a quorum of          consecutive_valid = 0
//              untrusted keys: colluders can outvote
//              an honest key there, so no fault is
//              counted)
//   error     (it reported a UnitFailure)            errors++
//   timeout   (a lease lapsed: deadline, death)      timed_out++, consecutive_timed_out++
//   malformed (a refused message or result)          malformed++
// A record is quarantined (for good, with a reason) when invalid reaches
// quarantine_after_invalid, malformed reaches quarantine_after_malformed, or
// consecutive_timed_out reaches quarantine_after_timeouts. A quarantined key gets no leases,
// its results and fetches are refused, and its pending votes are withdrawn.
//
// Adaptive replication: a key is trusted when it has at least trust_after consecutive valid
// results and is not quarantined (auditors are trusted from the start: DispatcherCore). When
// the first replica of a unit goes to a trusted key, the unit needs only that replica with probability 1 - spot_check_rate; otherwise (a spot check)
// it keeps its job's replication and quorum. The worker is told nothing of this choice: every
// grant looks the same. One invalid result resets consecutive_valid, so the key goes back to
// full replication until it has earned trust again.
//
// What a cheater gets away with. Let a worker return a wrong result on a fraction q of its
// units (independently), s = spot_check_rate, and assume the other replicas are honest.
// - Untrusted phase (full replication): every wrong result meets an honest replica and loses,
//   so the first cheat is detected. P(undetected after n units) = (1 - q)^n, i.e. it is
//   undetected only while it has not cheated yet; and while it cheats it never becomes
//   trusted, since each detection resets consecutive_valid.
// - Trusted phase: a wrong result is detected only when its unit is spot-checked, so each unit
//   independently exposes the cheater with probability q * s:
//       P(undetected after n units) = (1 - q * s)^n,
//   the expected number of units before detection is 1 / (q * s), and of those, the wrong
//   results accepted unchecked number (1 - s) / s on average (each cheat is a geometric
//   trial with success s). With the defaults (s = 0.1) a worker that cheats on every unit
//   (q = 1) survives n = 10 units with probability 0.9^10 = 0.35 and n = 44 with 0.01.
//   Detection resets trust; a second detection (quarantine_after_invalid = 2, which in the
//   untrusted phase follows at its next cheat) quarantines the key.
// tests/dispatcher/reputation_test.cpp checks these formulas against Monte-Carlo runs of the
// functions below.
//
// Thread safety: plain values and pure functions; a TrustRng belongs to one thread.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace tf {

struct TrustPolicy {
  uint64_t trust_after = 20;            // consecutive valid results that make a key trusted
  double spot_check_rate = 0.1;         // share of a trusted key's units still replicated
  uint64_t quarantine_after_invalid = 2;
  uint64_t quarantine_after_malformed = 5;
  uint64_t quarantine_after_timeouts = 5;  // in a row
};

// One row of the `workers` table; the column names are the field names.
struct WorkerRecord {
  std::string key;    // the transport-vouched identity (Z85 public key, or a routing id)
  std::string name;   // self-chosen, informative only
  std::string owner;  // the owner's key as the worker declared it (default: its own key)
  uint64_t consecutive_valid = 0;
  uint64_t valid = 0, invalid = 0, errors = 0, timed_out = 0, malformed = 0;
  uint64_t consecutive_timed_out = 0;
  bool quarantined = false;
  std::string quarantine_reason;
  bool operator==(const WorkerRecord&) const = default;
};

enum class TrustEvent { kValid, kAgreed, kInvalid, kOutvoted, kError, kTimeout, kMalformed };

// Applies one event; returns true when this event quarantined the key (it was not before).
// `detail` goes into the quarantine reason (e.g. the unit and hashes, or what was malformed).
bool apply_trust_event(WorkerRecord& record, TrustEvent event, const TrustPolicy& policy,
                       const std::string& detail = {});

bool is_trusted(const WorkerRecord& record, const TrustPolicy& policy);

// The random source of spot checks: seeded, so that tests and benchmarks are reproducible.
// uniform() is computed from the raw 64-bit output, identical on every standard library.
class TrustRng {
 public:
  explicit TrustRng(uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)

 private:
  std::mt19937_64 engine_;
};

// The choice made when the first replica of a unit goes to a key: true when the unit needs
// only that replica (the key is trusted, `first_trusted`, and the unit is not spot-checked).
// Draws from `rng` only for a trusted key.
bool single_replica_suffices(bool first_trusted, const TrustPolicy& policy, TrustRng& rng);

}  // namespace tf
