// The credit ledger: an append-only, hash-chained, Ed25519-signed record of every credit grant
// and every reversal of one.
//
// Each accepted unit credits every replica that agreed on its result; each such grant is one
// ledger entry, written in the same store transaction as the acceptance, so a crash never
// credits twice and never loses a credit. Credit is never edited: a grant found undeserved
// later (its result proved wrong on re-verification, or its key was quarantined for wrong
// results and forfeits what it earned) is cancelled by a compensating reversal entry for the
// same unit, key, result and amount, chained and signed like every entry. A key's credit is
// its grants minus its reversals; there is at most one of each per (unit, key).
//
// Entry layout (table `ledger`, one row per entry; in insertion (rowid) order the entries carry
// seq = 1, 2, 3, ... without gaps):
//   entry_hash = BLAKE2b-256(prev_hash || canonical_entry_bytes(entry))
//   signature  = Ed25519 detached signature over entry_hash, by the dispatcher's ledger key, or
//                empty: the entries written together (flush()) are signed at the last one only
//   prev_hash  = entry_hash of entry seq-1; 32 zero bytes for seq 1
// canonical_entry_bytes is a fixed little-endian layout (see ledger.cpp):
//   domain | seq u64 | time_ms i64 | job_id u64 | unit_id u64 |
//   credit u64 | result (32 bytes) | worker_key length u32 | worker_key bytes
// where domain is "tilefarm-ledger-v1" for a grant and "tilefarm-ledger-reversal-v1" for a
// reversal (column kind 0 or 1; neither domain is a prefix of the other), so that every column
// of a row takes part in entry_hash, and through the chain, in every later
// entry.
//
// Signed chain heads: one signature over an entry's hash covers that entry and, through the
// chain, every entry before it, as transparency logs sign their tree heads. An Ed25519
// signature costs about 20 us, the largest per-unit cost of a farm at GPU rates, so a
// commit's entries carry one signature, at the last; every committed ledger ends with a
// signed entry. An edit of any entry breaks the chain up to the next signature; cutting
// entries off the end leaves an unsigned last entry unless the cut falls on a signed one (as
// with per-entry signatures, a cut at a signature shows only against a copy kept elsewhere).
// Ledgers written one signature per entry verify unchanged. Ledger pages served to clients
// (trust_queries.h) carry a signature on every entry, made on demand for the unsigned ones,
// so verifiers of every version check them.
//
// Keys: the signing key lives in state_dir/ledger.key (mode 0600, 64-byte libsodium secret
// key); the public key in state_dir/ledger.pub (32 bytes, shareable). Anyone with the rows and
// ledger.pub can check the whole ledger (verify_ledger).
//
// Thread safety: a Ledger belongs to the thread that owns the store it writes to.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dispatcher/sql_db.h"
#include "formats/hash/hash.h"
#include "kernels/status.h"

namespace tf {

struct CreditGrant {
  std::string worker_key;  // the worker's transport-vouched key (Z85 or insecure routing id)
  uint64_t job_id = 0, unit_id = 0;
  Hash256 result;          // the accepted result hash
  uint64_t credit = 0;     // the dispatcher's cost of the unit (rays traced)
  int64_t time_ms = 0;
  bool reversal = false;   // a reversal entry: takes `credit` back from the key
};

using LedgerPublicKey = std::array<uint8_t, 32>;
using LedgerSignature = std::array<uint8_t, 64>;

// One stored ledger row, as read back from the database.
struct LedgerEntry {
  uint64_t seq = 0;
  CreditGrant grant;
  Hash256 prev_hash;
  Hash256 entry_hash;
  std::optional<LedgerSignature> signature;  // none: a later signed entry covers it
};

class Ledger {
 public:
  // Loads the dispatcher's Ed25519 key (libsodium) from state_dir/ledger.key, creating it
  // (mode 0600) on first use; the public key is also written to state_dir/ledger.pub.
  // Requires the `ledger` table (Store's migrations create it). Refuses (an error naming
  // ledger.key) to create a key while the ledger holds entries, or to use a key that did not
  // sign its last entry: signing on would leave the ledger unverifiable. Errors name the path.
  static Result<std::unique_ptr<Ledger>> open(const std::filesystem::path& state_dir,
                                              SqlDb& db);
  // Appends one entry chained to the previous one and signed (after flushing deferred
  // entries). Requires the caller's open transaction (Store::begin()), so acceptance and
  // credit commit or vanish together.
  Status append(const CreditGrant& grant);
  // The same entry chained at once but written only by flush(), which the caller must call
  // before its transaction commits (and before reading the ledger through the same
  // connection). Entries appended this way and not flushed are lost with the transaction.
  Status append_deferred(const CreditGrant& grant);
  // Inserts the deferred entries in order, the last one signed (a signed chain head). An error
  // (e.g. a second credit for one unit and key) leaves the transaction to be rolled back.
  Status flush();
  // Appends the reversal of the grant that credited `worker_key` for `unit_id` (same job,
  // result and amount), signed at once or deferred like append_deferred. Flushes deferred
  // entries first, to find the grant. Errors when there is no such grant.
  Status reverse(uint64_t unit_id, const std::string& worker_key, int64_t time_ms,
                 bool deferred);

  const LedgerPublicKey& public_key() const { return public_key_; }
  // The ledger key's signature over `entry_hash` (Ed25519 is deterministic: the signature an
  // entry would have carried had it been signed when written).
  LedgerSignature sign(const Hash256& entry_hash) const;

 private:
  Ledger(SqlDb& db, std::array<uint8_t, 64> secret_key, const LedgerPublicKey& public_key);

  SqlDb& db_;
  std::array<uint8_t, 64> secret_key_;
  LedgerPublicKey public_key_;
  std::optional<SqlStatement> select_tip_, insert_;  // prepared on first append
  struct Pending {
    uint64_t seq;
    CreditGrant grant;
    Hash256 prev_hash, entry_hash;
  };
  // The entry after the last stored or pending one: its seq and prev_hash.
  Result<std::pair<uint64_t, Hash256>> next_link();
  Status insert_entry(const Pending& entry, const std::optional<LedgerSignature>& signature);
  std::vector<Pending> pending_;  // appended deferred, not yet flushed
};

// The exact bytes entry_hash covers after prev_hash (layout in the header comment).
std::vector<uint8_t> canonical_entry_bytes(uint64_t seq, const CreditGrant& grant);
// BLAKE2b-256(prev_hash || canonical_entry_bytes(seq, grant)).
Hash256 ledger_entry_hash(const Hash256& prev_hash, uint64_t seq, const CreditGrant& grant);

// Reads state_dir/ledger.pub. Errors name the path and say what is wrong with it.
Result<LedgerPublicKey> read_ledger_public_key(const std::filesystem::path& state_dir);
// Reads a public key file (a copy of ledger.pub kept elsewhere).
Result<LedgerPublicKey> read_ledger_public_key_file(const std::filesystem::path& path);

// Reads `limit` entries in insertion order starting at row `offset` (0-based). A malformed row (a
// hash or signature column of the wrong size) is reported as an error naming its seq.
Result<std::vector<LedgerEntry>> read_ledger_entries(SqlDb& db, uint64_t offset = 0,
                                                     uint64_t limit = UINT64_MAX);

// The outcome of a check. `first_bad_seq` is set when an entry is bad: it is the entry's
// position in insertion order (1-based), which equals its seq in an intact ledger; `problem`
// then says what is wrong with it (chain, hash, signature, sequence gap, or an unsigned end).
// Verification cannot see entries cut off the END of the ledger at a signed entry; compare
// `entries` and `last_entry_hash` with a copy kept elsewhere (e.g. `tilefarm ledger verify`
// output) for that.
struct LedgerVerification {
  uint64_t entries = 0;  // entries checked, including the bad one
  Hash256 last_entry_hash;  // of the last good entry; zero for an empty ledger
  // Entries at the end not yet covered by a signature: a signed entry after them will cover
  // them (a ledger read while it grows, in pages); finish() calls them bad.
  uint64_t unsigned_tail = 0;
  std::optional<uint64_t> first_bad_seq;
  std::string problem;
  bool ok() const { return !first_bad_seq.has_value(); }
  uint64_t covered() const { return entries - unsigned_tail; }  // proven by a signature
};

// Checks entries one at a time in ledger order (for ledgers read in pages, e.g. over the
// network). An entry that could not even be parsed is passed as its error.
class LedgerVerifier {
 public:
  explicit LedgerVerifier(const LedgerPublicKey& public_key);
  // Returns false at the first bad entry (filling result()) and ignores every later one.
  bool add(const Result<LedgerEntry>& entry);
  // The ledger ended: entries left without a signature after them are bad (the end was cut
  // or edited). Call once, after the last add().
  void finish();
  const LedgerVerification& result() const { return outcome_; }

 private:
  LedgerPublicKey public_key_;
  LedgerVerification outcome_;
};

// Recomputes every entry's hash, chain link and signature from the rows and `public_key`, in
// ledger order, and stops at the first bad entry. Err only when the database cannot be read.
Result<LedgerVerification> verify_ledger(SqlDb& db, const LedgerPublicKey& public_key);

}  // namespace tf
