#include "dispatcher/ledger.h"

#include <fcntl.h>
#include <sodium/core.h>
#include <sodium/crypto_sign.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "formats/fileio/atomic_write.h"
#include "formats/fileio/read_file.h"

namespace tf {
namespace {

static_assert(crypto_sign_PUBLICKEYBYTES == 32 && crypto_sign_SECRETKEYBYTES == 64 &&
              crypto_sign_BYTES == 64);

constexpr std::string_view kEntryDomain = "tilefarm-ledger-v1";
constexpr std::string_view kReversalDomain = "tilefarm-ledger-reversal-v1";

void append_le(std::vector<uint8_t>& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

Status ensure_sodium() {
  if (sodium_init() < 0) return Error{"cannot initialise libsodium"};
  return Status::ok();
}

// Writes a fresh secret key readable by its owner only (0600), atomically, so a crash never
// leaves a truncated key behind.
Status write_secret_key(const std::filesystem::path& path, std::span<const uint8_t> key) {
  return replace_file_atomically(path, [&](const std::filesystem::path& temporary) -> Status {
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return Error{"cannot create " + temporary.string() + ": " + std::strerror(errno)};
    const ssize_t written = ::write(fd, key.data(), key.size());
    const int write_errno = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(key.size())) {
      return Error{"cannot write " + temporary.string() + ": " + std::strerror(write_errno)};
    }
    return Status::ok();
  });
}

using SecretKey = std::array<uint8_t, crypto_sign_SECRETKEYBYTES>;

Result<SecretKey> read_secret_key(const std::filesystem::path& path) {
  Result<std::vector<uint8_t>> bytes = read_whole_file(path);
  if (!bytes) return Error{bytes.message()};
  SecretKey key{};
  if (bytes->size() != key.size()) {
    return Error{path.string() + " is not a ledger key (expected " + std::to_string(key.size()) +
                 " bytes, found " + std::to_string(bytes->size()) +
                 "); restore it from a backup"};
  }
  std::memcpy(key.data(), bytes->data(), key.size());
  return key;
}

Result<SecretKey> create_secret_key(const std::filesystem::path& path) {
  SecretKey key{};
  LedgerPublicKey unused{};
  crypto_sign_keypair(unused.data(), key.data());
  if (Status s = write_secret_key(path, key); !s) return Error{s.message()};
  return key;
}

Hash256 hash_from_bytes(const std::vector<uint8_t>& bytes) {
  Hash256 h;
  std::memcpy(h.bytes.data(), bytes.data(), h.bytes.size());
  return h;
}

constexpr char kSelectTip[] = "SELECT seq, entry_hash FROM ledger ORDER BY rowid DESC LIMIT 1";
constexpr char kInsertEntry[] =
    "INSERT INTO ledger(seq, time_ms, worker_key, job_id, unit_id, result, credit, prev_hash,"
    " entry_hash, signature, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

// The newest entry's (seq, entry_hash), or (0, zero hash) for an empty ledger, read with `q`
// (kSelectTip, reset afterwards).
Result<std::pair<uint64_t, Hash256>> read_tip(SqlStatement& q) {
  struct Reset {
    SqlStatement& q;
    ~Reset() { q.reset(); }
  } reset{q};
  Result<bool> row = q.step();
  if (!row) return Error{row.message()};
  if (!row.value()) return std::pair<uint64_t, Hash256>{0, Hash256{}};
  std::vector<uint8_t> hash = q.column_blob(1);
  if (hash.size() != 32) {
    return Error{"ledger entry " + std::to_string(q.column_int(0)) +
                 " has a malformed entry_hash; run `tilefarm ledger verify`"};
  }
  return std::pair<uint64_t, Hash256>{static_cast<uint64_t>(q.column_int(0)),
                                      hash_from_bytes(hash)};
}

Status require_open_transaction(const SqlDb& db) {
  if (db.in_transaction()) return Status::ok();
  return Error{"Ledger::append requires an open store transaction (Store::begin())"};
}

const std::string kSelectEntries =
    "SELECT seq, time_ms, worker_key, job_id, unit_id, result, credit, prev_hash, entry_hash,"
    " signature, kind FROM ledger ORDER BY rowid";

// One row of kSelectEntries. A hash or signature column of the wrong size is an error naming
// the entry (the row was edited outside the ledger).
Result<LedgerEntry> parse_entry(const SqlStatement& q) {
  LedgerEntry e;
  e.seq = static_cast<uint64_t>(q.column_int(0));
  e.grant.time_ms = q.column_int(1);
  e.grant.worker_key = q.column_text(2);
  e.grant.job_id = static_cast<uint64_t>(q.column_int(3));
  e.grant.unit_id = static_cast<uint64_t>(q.column_int(4));
  e.grant.credit = static_cast<uint64_t>(q.column_int(6));
  const int64_t kind = q.column_int(10);
  if (kind != 0 && kind != 1) {
    return Error{"ledger entry " + std::to_string(e.seq) + " is malformed: unknown kind " +
                 std::to_string(kind)};
  }
  e.grant.reversal = kind == 1;
  const std::vector<uint8_t> result = q.column_blob(5), prev = q.column_blob(7),
                             hash = q.column_blob(8), signature = q.column_blob(9);
  if (result.size() != 32 || prev.size() != 32 || hash.size() != 32 ||
      (!signature.empty() && signature.size() != LedgerSignature{}.size())) {
    return Error{"ledger entry " + std::to_string(e.seq) +
                 " is malformed: a hash or signature column has the wrong size"};
  }
  e.grant.result = hash_from_bytes(result);
  e.prev_hash = hash_from_bytes(prev);
  e.entry_hash = hash_from_bytes(hash);
  if (!signature.empty()) {
    e.signature.emplace();
    std::memcpy(e.signature->data(), signature.data(), signature.size());
  }
  return e;
}

// The newest entry, or nothing for an empty ledger.
Result<std::optional<LedgerEntry>> last_entry(SqlDb& db) {
  auto q = db.prepare(kSelectEntries + " DESC LIMIT 1");
  if (!q) return Error{q.message()};
  Result<bool> row = q->step();
  if (!row) return Error{row.message()};
  if (!row.value()) return std::optional<LedgerEntry>();
  Result<LedgerEntry> entry = parse_entry(q.value());
  if (!entry) return Error{entry.message()};
  return std::optional<LedgerEntry>(std::move(entry.value()));
}

bool signed_by(const LedgerSignature& signature, const Hash256& entry_hash,
               const LedgerPublicKey& key) {
  return crypto_sign_verify_detached(signature.data(), entry_hash.bytes.data(),
                                     entry_hash.bytes.size(), key.data()) == 0;
}

std::string verification_problem(const LedgerEntry& e, uint64_t expected_seq,
                                 const Hash256& expected_prev, const LedgerPublicKey& key) {
  if (e.seq != expected_seq) {
    return "sequence gap: the entry in position " + std::to_string(expected_seq) +
           " carries seq " + std::to_string(e.seq) +
           " (an entry was deleted, reordered or renumbered)";
  }
  if (e.prev_hash != expected_prev) {
    return "chain broken: prev_hash does not equal the entry_hash of entry " +
           std::to_string(expected_seq - 1);
  }
  if (ledger_entry_hash(e.prev_hash, e.seq, e.grant) != e.entry_hash) {
    return "hash mismatch: the entry's fields do not hash to its entry_hash (a field was edited)";
  }
  if (e.signature && !signed_by(*e.signature, e.entry_hash, key)) {
    return "bad signature: not signed by the ledger key in ledger.pub";
  }
  return {};
}

}  // namespace

std::vector<uint8_t> canonical_entry_bytes(uint64_t seq, const CreditGrant& grant) {
  const std::string_view domain = grant.reversal ? kReversalDomain : kEntryDomain;
  std::vector<uint8_t> out(domain.begin(), domain.end());
  append_le(out, seq, 8);
  append_le(out, static_cast<uint64_t>(grant.time_ms), 8);
  append_le(out, grant.job_id, 8);
  append_le(out, grant.unit_id, 8);
  append_le(out, grant.credit, 8);
  out.insert(out.end(), grant.result.bytes.begin(), grant.result.bytes.end());
  append_le(out, grant.worker_key.size(), 4);
  out.insert(out.end(), grant.worker_key.begin(), grant.worker_key.end());
  return out;
}

Hash256 ledger_entry_hash(const Hash256& prev_hash, uint64_t seq, const CreditGrant& grant) {
  Blake2bHasher hasher;
  hasher.update(prev_hash.bytes);
  hasher.update(canonical_entry_bytes(seq, grant));
  return hasher.finish();
}

Ledger::Ledger(SqlDb& db, std::array<uint8_t, 64> secret_key,
               const LedgerPublicKey& public_key)
    : db_(db), secret_key_(secret_key), public_key_(public_key) {}

Result<std::unique_ptr<Ledger>> Ledger::open(const std::filesystem::path& state_dir,
                                             SqlDb& db) {
  if (Status s = ensure_sodium(); !s) return Error{s.message()};
  const std::filesystem::path key_path = state_dir / "ledger.key";
  // Fails at startup, not at the first credit, when the table is missing.
  Result<std::optional<LedgerEntry>> last = last_entry(db);
  if (!last) return Error{"cannot open the ledger: " + last.message()};
  std::error_code ec;
  const bool key_exists = std::filesystem::exists(key_path, ec);
  // A new key would leave every existing entry unverifiable against the new ledger.pub.
  if (!key_exists && last->has_value()) {
    return Error{key_path.string() + " is missing but the ledger already holds " +
                 std::to_string(last->value().seq) +
                 " entries signed with it; restore ledger.key from a backup"};
  }
  Result<SecretKey> secret = key_exists ? read_secret_key(key_path) : create_secret_key(key_path);
  if (!secret) return Error{secret.message()};
  LedgerPublicKey pub{};
  crypto_sign_ed25519_sk_to_pk(pub.data(), secret->data());
  // Signing on under another key would break verification from the next entry on.
  if (last->has_value()) {
    const LedgerEntry& e = last->value();
    if (!e.signature) {
      return Error{"the ledger's last entry (seq " + std::to_string(e.seq) +
                   ") carries no signature: its end was cut or edited; run `tilefarm ledger "
                   "verify` to find where"};
    }
    if (!signed_by(*e.signature, e.entry_hash, pub)) {
      return Error{key_path.string() + " did not sign the ledger's last entry (seq " +
                   std::to_string(e.seq) +
                   "): restore the ledger.key that did, or run `tilefarm ledger verify` to find "
                   "a damaged entry"};
    }
  }
  // ledger.pub is derived from the key on every open, so it can never disagree with it.
  Result<LedgerPublicKey> stored_pub = read_ledger_public_key(state_dir);
  if (!stored_pub || stored_pub.value() != pub) {
    if (Status s = write_file_atomically(state_dir / "ledger.pub", pub); !s) {
      return Error{s.message()};
    }
  }
  return std::unique_ptr<Ledger>(new Ledger(db, secret.value(), pub));
}

Result<std::pair<uint64_t, Hash256>> Ledger::next_link() {
  if (!pending_.empty()) return std::pair{pending_.back().seq + 1, pending_.back().entry_hash};
  // Statements prepared once (both here: every entry is chained here before insert_entry
  // writes it); preparing them cost as much as the rest of an append.
  if (!select_tip_) {
    auto q = db_.prepare(kSelectTip);
    auto insert = db_.prepare(kInsertEntry);
    if (!q) return Error{q.message()};
    if (!insert) return Error{insert.message()};
    select_tip_.emplace(std::move(q.value()));
    insert_.emplace(std::move(insert.value()));
  }
  auto tip = read_tip(*select_tip_);
  if (!tip) return Error{tip.message()};
  return std::pair{tip->first + 1, tip->second};
}

LedgerSignature Ledger::sign(const Hash256& entry_hash) const {
  LedgerSignature signature{};
  crypto_sign_detached(signature.data(), nullptr, entry_hash.bytes.data(),
                       entry_hash.bytes.size(), secret_key_.data());
  return signature;
}

Status Ledger::insert_entry(const Pending& e, const std::optional<LedgerSignature>& signature) {
  SqlStatement* insert = &*insert_;
  insert->reset();  // a failed run leaves it unreset
  insert->bind(1, static_cast<int64_t>(e.seq))
      .bind(2, e.grant.time_ms)
      .bind(3, std::string_view(e.grant.worker_key))
      .bind(4, static_cast<int64_t>(e.grant.job_id))
      .bind(5, static_cast<int64_t>(e.grant.unit_id))
      .bind_blob(6, e.grant.result.bytes.data(), e.grant.result.bytes.size())
      .bind(7, static_cast<int64_t>(e.grant.credit))
      .bind_blob(8, e.prev_hash.bytes.data(), e.prev_hash.bytes.size())
      .bind_blob(9, e.entry_hash.bytes.data(), e.entry_hash.bytes.size())
      .bind_blob(10, signature ? signature->data() : e.entry_hash.bytes.data(),
                 signature ? signature->size() : 0)  // unsigned: empty, not NULL
      .bind(11, int64_t{e.grant.reversal ? 1 : 0});
  if (Status s = insert->run(); !s) {
    return Error{"cannot append the credit of unit " + std::to_string(e.grant.unit_id) +
                 " for worker " + e.grant.worker_key + " to the ledger: " + s.message()};
  }
  return Status::ok();
}

Status Ledger::append(const CreditGrant& grant) {
  if (Status s = require_open_transaction(db_); !s) return s;
  if (Status s = flush(); !s) return s;  // entries stay in chain order
  auto link = next_link();
  if (!link) return Error{link.message()};
  const Pending entry{link->first, grant, link->second,
                      ledger_entry_hash(link->second, link->first, grant)};
  return insert_entry(entry, sign(entry.entry_hash));
}

Status Ledger::reverse(uint64_t unit_id, const std::string& worker_key, int64_t time_ms,
                       bool deferred) {
  if (Status s = flush(); !s) return s;
  auto q = db_.prepare(
      "SELECT job_id, result, credit FROM ledger"
      " WHERE unit_id = ? AND worker_key = ? AND kind = 0");
  if (!q) return q.status();
  q->bind(1, static_cast<int64_t>(unit_id)).bind(2, std::string_view(worker_key));
  Result<bool> row = q->step();
  if (!row) return row.status();
  const std::vector<uint8_t> result = row.value() ? q->column_blob(1) : std::vector<uint8_t>{};
  if (result.size() != 32) {
    return Error{"cannot reverse the credit of unit " + std::to_string(unit_id) + " for worker " +
                 worker_key + ": the ledger holds no readable grant for it"};
  }
  const CreditGrant reversal{worker_key,
                             static_cast<uint64_t>(q->column_int(0)),
                             unit_id,
                             hash_from_bytes(result),
                             static_cast<uint64_t>(q->column_int(2)),
                             time_ms,
                             true};
  return deferred ? append_deferred(reversal) : append(reversal);
}

Status Ledger::append_deferred(const CreditGrant& grant) {
  if (Status s = require_open_transaction(db_); !s) return s;
  auto link = next_link();
  if (!link) return Error{link.message()};
  pending_.push_back({link->first, grant, link->second,
                      ledger_entry_hash(link->second, link->first, grant)});
  return Status::ok();
}

Status Ledger::flush() {
  if (pending_.empty()) return Status::ok();
  const std::vector<Pending> entries = std::exchange(pending_, {});
  for (size_t i = 0; i < entries.size(); ++i) {
    const bool head = i + 1 == entries.size();
    if (Status s = insert_entry(entries[i], head ? std::optional(sign(entries[i].entry_hash))
                                                 : std::nullopt);
        !s) {
      return s;
    }
  }
  return Status::ok();
}

Result<LedgerPublicKey> read_ledger_public_key(const std::filesystem::path& state_dir) {
  return read_ledger_public_key_file(state_dir / "ledger.pub");
}

Result<LedgerPublicKey> read_ledger_public_key_file(const std::filesystem::path& path) {
  Result<std::vector<uint8_t>> bytes = read_whole_file(path);
  if (!bytes) return Error{bytes.message()};
  LedgerPublicKey key{};
  if (bytes->size() != key.size()) {
    return Error{path.string() + " is not a ledger public key (expected " +
                 std::to_string(key.size()) + " bytes, found " + std::to_string(bytes->size()) +
                 ")"};
  }
  std::memcpy(key.data(), bytes->data(), key.size());
  return key;
}

Result<std::vector<LedgerEntry>> read_ledger_entries(SqlDb& db, uint64_t offset,
                                                     uint64_t limit) {
  auto q = db.prepare(std::string(kSelectEntries) + " LIMIT ?1 OFFSET ?2");
  if (!q) return Error{q.message()};
  // LIMIT is a signed 64-bit number on both engines: a larger limit is the largest one.
  q->bind(1, static_cast<int64_t>(std::min(limit, static_cast<uint64_t>(INT64_MAX))))
      .bind(2, static_cast<int64_t>(offset));
  std::vector<LedgerEntry> entries;
  for (;;) {
    Result<bool> row = q->step();
    if (!row) return Error{row.message()};
    if (!row.value()) return entries;
    Result<LedgerEntry> entry = parse_entry(q.value());
    if (!entry) return Error{entry.message()};
    entries.push_back(std::move(entry.value()));
  }
}

LedgerVerifier::LedgerVerifier(const LedgerPublicKey& public_key) : public_key_(public_key) {
  (void)ensure_sodium();  // fails only when the system has no usable randomness source
}

bool LedgerVerifier::add(const Result<LedgerEntry>& entry) {
  if (!outcome_.ok()) return false;
  const uint64_t expected_seq = ++outcome_.entries;
  std::string problem =
      entry ? verification_problem(entry.value(), expected_seq, outcome_.last_entry_hash,
                                   public_key_)
            : entry.message();
  if (!problem.empty()) {
    outcome_.first_bad_seq = expected_seq;
    outcome_.problem = std::move(problem);
    return false;
  }
  outcome_.last_entry_hash = entry->entry_hash;
  outcome_.unsigned_tail = entry->signature ? 0 : outcome_.unsigned_tail + 1;
  return true;
}

void LedgerVerifier::finish() {
  if (!outcome_.ok() || outcome_.unsigned_tail == 0) return;
  const uint64_t first = outcome_.covered() + 1;
  outcome_.first_bad_seq = first;
  outcome_.problem = "entries " + std::to_string(first) + " to " +
                     std::to_string(outcome_.entries) +
                     " carry no signature and no signed entry follows them (the ledger's end "
                     "was cut or edited)";
}

Result<LedgerVerification> verify_ledger(SqlDb& db, const LedgerPublicKey& public_key) {
  if (Status s = ensure_sodium(); !s) return Error{s.message()};
  // Streams the rows (one at a time) so a long ledger is checked in bounded memory.
  auto q = db.prepare(kSelectEntries);
  if (!q) return Error{q.message()};
  LedgerVerifier verifier(public_key);
  for (;;) {
    Result<bool> row = q->step();
    if (!row) return Error{row.message()};
    if (!row.value()) {
      verifier.finish();
      return verifier.result();
    }
    if (!verifier.add(parse_entry(q.value()))) return verifier.result();
  }
}

}  // namespace tf
