// The credit ledger: entries chain and verify; any edit of any byte of any stored field, a
// deleted or reordered entry, or a different key makes verify_ledger name exactly the first bad
// entry. Hashes and signatures are checked against libsodium directly and against a
// hand-written byte layout, not against the code under test.
#include "dispatcher/ledger.h"

#include <gtest/gtest.h>
#include <sodium/crypto_generichash.h>
#include <sodium/crypto_sign.h>
#include <sys/stat.h>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "dispatcher/store.h"
#include "tests/dispatcher/ledger_store_fixture.h"

namespace tf {
namespace {

CreditGrant grant_for(int i) {
  CreditGrant g;
  g.worker_key = "worker-key-" + std::to_string(i % 3) + "-rX9#kL2@vQ7!mN4$pZ8&wE1*tY5(uI3)";
  g.job_id = 7 + static_cast<uint64_t>(i / 2);
  g.unit_id = 100 + static_cast<uint64_t>(i);
  g.result = blake2b_256("result " + std::to_string(i));
  g.credit = 1'000'000ull * static_cast<uint64_t>(i + 1) + 12345;
  g.time_ms = 1'700'000'000'000 + i * 1000;
  return g;
}

struct LedgerFixture : testing::LedgerStoreFixture {
  explicit LedgerFixture(SqlEngine engine) : LedgerStoreFixture(engine) {}
  void append_committed(int count, int first = 0) {
    ASSERT_TRUE(store->begin().is_ok());
    for (int i = first; i < first + count; ++i) {
      Status s = ledger->append(grant_for(i));
      ASSERT_TRUE(s.is_ok()) << s.message();
    }
    ASSERT_TRUE(store->commit().is_ok());
  }
  LedgerVerification verify(const LedgerPublicKey& key) {
    auto v = verify_ledger(store->db(), key);
    EXPECT_TRUE(v.is_ok()) << v.message();
    return v.is_ok() ? v.value() : LedgerVerification{};
  }
  LedgerVerification verify() { return verify(ledger->public_key()); }
  // Tampering tests act as someone with raw write access to the database.
  void drop_append_only_guards() {
    if (location.engine() == SqlEngine::kSqlite) {
      exec("DROP TRIGGER ledger_no_update; DROP TRIGGER ledger_no_delete;");
    } else {
      exec("DROP TRIGGER ledger_no_update ON ledger; DROP TRIGGER ledger_no_truncate ON ledger;");
    }
  }
  // SQL that moves the entry `seq` to the end of the insertion order.
  std::string move_to_end_sql(int seq) const {
    const std::string where = " WHERE seq = " + std::to_string(seq);
    // PostgreSQL's rowid is an identity column: DEFAULT draws its next value.
    return location.engine() == SqlEngine::kSqlite ? "UPDATE ledger SET rowid = 100" + where
                                                   : "UPDATE ledger SET rowid = DEFAULT" + where;
  }
  // Five committed entries, then `sql` run with the guards dropped; returns the verification.
  LedgerVerification verify_after_tampering(const std::string& sql) {
    append_committed(5);
    drop_append_only_guards();
    exec(sql);
    return verify();
  }
};

class LedgerTest : public ::testing::TestWithParam<SqlEngine> {};

void put_le(std::vector<uint8_t>& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>((v >> (8 * i)) & 0xff));
}

TEST(Ledger, CanonicalBytesFollowTheDocumentedLayout) {
  const CreditGrant g = grant_for(5);
  std::vector<uint8_t> expected;
  for (char c : std::string("tilefarm-ledger-v1")) expected.push_back(static_cast<uint8_t>(c));
  put_le(expected, 42, 8);
  put_le(expected, static_cast<uint64_t>(g.time_ms), 8);
  put_le(expected, g.job_id, 8);
  put_le(expected, g.unit_id, 8);
  put_le(expected, g.credit, 8);
  expected.insert(expected.end(), g.result.bytes.begin(), g.result.bytes.end());
  put_le(expected, g.worker_key.size(), 4);
  expected.insert(expected.end(), g.worker_key.begin(), g.worker_key.end());
  EXPECT_EQ(canonical_entry_bytes(42, g), expected);
}

TEST_P(LedgerTest, AReversalRepeatsItsGrantUnderItsOwnDomain) {
  LedgerFixture f{GetParam()};
  f.append_committed(3);
  const CreditGrant g = grant_for(2);
  ASSERT_TRUE(f.store->begin().is_ok());
  ASSERT_TRUE(f.ledger->reverse(g.unit_id, g.worker_key, 77, false).is_ok());
  EXPECT_FALSE(f.ledger->reverse(g.unit_id, g.worker_key, 78, false).is_ok())
      << "one reversal per grant";
  f.store->rollback();
  ASSERT_TRUE(f.store->begin().is_ok());
  ASSERT_TRUE(f.ledger->reverse(g.unit_id, g.worker_key, 77, false).is_ok());
  const Status none = f.ledger->reverse(999, g.worker_key, 78, false);
  EXPECT_FALSE(none.is_ok());
  EXPECT_NE(none.message().find("no readable grant"), std::string::npos) << none.message();
  ASSERT_TRUE(f.store->commit().is_ok());
  auto entries = read_ledger_entries(f.store->db());
  ASSERT_TRUE(entries.is_ok()) << entries.message();
  ASSERT_EQ(entries->size(), 4u);
  const CreditGrant& r = entries->back().grant;
  EXPECT_TRUE(r.reversal);
  EXPECT_EQ(std::tie(r.worker_key, r.job_id, r.unit_id, r.result, r.credit),
            std::tie(g.worker_key, g.job_id, g.unit_id, g.result, g.credit));
  EXPECT_EQ(r.time_ms, 77);
  // The layout of a grant under the reversal domain: neither domain can pass for the other.
  std::vector<uint8_t> expected;
  for (char c : std::string("tilefarm-ledger-reversal-v1")) expected.push_back(static_cast<uint8_t>(c));
  const std::vector<uint8_t> as_grant = canonical_entry_bytes(4, CreditGrant{r.worker_key, r.job_id, r.unit_id, r.result, r.credit, r.time_ms, false});
  expected.insert(expected.end(), as_grant.begin() + 18, as_grant.end());
  EXPECT_EQ(canonical_entry_bytes(4, r), expected);
  EXPECT_TRUE(f.verify().ok());
}

// The ledger holds the `count` entries of grant_for(0 .. count) and verifies; and, as an
// independent check, each hash recomputed with crypto_generichash and each signature checked
// with crypto_sign_verify_detached against the public key file. The entries whose seq is in
// `unsigned_seqs` carry no signature (a later one covers them), every other entry one.
void expect_entries_verify_with_libsodium(LedgerFixture& f, size_t count,
                                          const std::set<uint64_t>& unsigned_seqs = {}) {
  const LedgerVerification v = f.verify();
  EXPECT_TRUE(v.ok()) << v.problem;
  EXPECT_EQ(v.entries, count);
  auto pub = read_ledger_public_key(f.dir);
  ASSERT_TRUE(pub.is_ok()) << pub.message();
  auto entries = read_ledger_entries(f.store->db());
  ASSERT_TRUE(entries.is_ok()) << entries.message();
  ASSERT_EQ(entries->size(), count);
  std::array<uint8_t, 32> prev{};
  for (size_t i = 0; i < entries->size(); ++i) {
    const LedgerEntry& e = entries.value()[i];
    EXPECT_EQ(e.seq, i + 1);
    EXPECT_EQ(e.grant.worker_key, grant_for(static_cast<int>(i)).worker_key);
    EXPECT_EQ(e.grant.credit, grant_for(static_cast<int>(i)).credit);
    EXPECT_EQ(e.prev_hash.bytes, prev);
    std::vector<uint8_t> message(prev.begin(), prev.end());
    const std::vector<uint8_t> body = canonical_entry_bytes(e.seq, e.grant);
    message.insert(message.end(), body.begin(), body.end());
    std::array<uint8_t, 32> digest{};
    crypto_generichash(digest.data(), digest.size(), message.data(), message.size(), nullptr, 0);
    EXPECT_EQ(e.entry_hash.bytes, digest);
    EXPECT_EQ(e.signature.has_value(), unsigned_seqs.count(e.seq) == 0) << "entry " << e.seq;
    if (e.signature) {
      EXPECT_EQ(crypto_sign_verify_detached(e.signature->data(), digest.data(), digest.size(),
                                            pub->data()),
                0);
    }
    prev = digest;
  }
}

TEST_P(LedgerTest, ChainOfEntriesVerifiesWithLibsodiumDirectly) {
  LedgerFixture f{GetParam()};
  f.append_committed(6);
  expect_entries_verify_with_libsodium(f, 6);
}

// Deferred entries are written by flush() (or the next append), signed at the last of each
// flush: seq 1-2 appended, 3-6 deferred (written by the append of 7), 8-10 deferred.
TEST_P(LedgerTest, DeferredEntriesChainWithTheOthersSignedAtTheLastOfEachFlush) {
  LedgerFixture f{GetParam()};
  f.append_committed(2);
  ASSERT_TRUE(f.store->begin().is_ok());
  for (int i = 2; i < 6; ++i) ASSERT_TRUE(f.ledger->append_deferred(grant_for(i)).is_ok());
  EXPECT_EQ(read_ledger_entries(f.store->db())->size(), 2u) << "written by flush(), not before";
  ASSERT_TRUE(f.ledger->append(grant_for(6)).is_ok());  // writes the deferred ones first
  for (int i = 7; i < 10; ++i) ASSERT_TRUE(f.ledger->append_deferred(grant_for(i)).is_ok());
  ASSERT_TRUE(f.ledger->flush().is_ok());
  ASSERT_TRUE(f.store->commit().is_ok());
  expect_entries_verify_with_libsodium(f, 10, {3, 4, 5, 8, 9});
}

// The grants grant_for(first .. first + count) deferred and written in one commit: signed at
// the last only.
void append_one_flush(LedgerFixture& f, int count, int first = 0) {
  ASSERT_TRUE(f.store->begin().is_ok());
  for (int i = first; i < first + count; ++i) {
    ASSERT_TRUE(f.ledger->append_deferred(grant_for(i)).is_ok());
  }
  ASSERT_TRUE(f.ledger->flush().is_ok());
  ASSERT_TRUE(f.store->commit().is_ok());
}

// Someone with write access rewrites an unsigned entry's credit and recomputes its hash and
// every later hash and link (as they can without the key): every entry checks alone, but the
// head's signature no longer matches its hash.
TEST_P(LedgerTest, AnUnsignedEntryRewrittenWithItsChainFailsAtTheSignature) {
  LedgerFixture f{GetParam()};
  append_one_flush(f, 7);
  f.drop_append_only_guards();
  Result<std::vector<LedgerEntry>> read = read_ledger_entries(f.store->db());
  ASSERT_TRUE(read.is_ok()) << read.message();
  std::vector<LedgerEntry>& entries = read.value();
  entries[2].grant.credit += 1000;  // seq 3
  Hash256 prev = entries[1].entry_hash;
  ASSERT_TRUE(f.store->begin().is_ok());
  for (size_t i = 2; i < entries.size(); ++i) {
    LedgerEntry& e = entries[i];
    e.prev_hash = prev;
    // Recomputed independently: BLAKE2b over prev_hash and the documented bytes.
    std::vector<uint8_t> message(prev.bytes.begin(), prev.bytes.end());
    const std::vector<uint8_t> body = canonical_entry_bytes(e.seq, e.grant);
    message.insert(message.end(), body.begin(), body.end());
    crypto_generichash(e.entry_hash.bytes.data(), e.entry_hash.bytes.size(), message.data(),
                       message.size(), nullptr, 0);
    prev = e.entry_hash;
    Result<SqlStatement> q = f.store->db().prepare(
        "UPDATE ledger SET credit = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?");
    ASSERT_TRUE(q.is_ok()) << q.message();
    q->bind(1, static_cast<int64_t>(e.grant.credit))
        .bind_blob(2, e.prev_hash.bytes.data(), e.prev_hash.bytes.size())
        .bind_blob(3, e.entry_hash.bytes.data(), e.entry_hash.bytes.size())
        .bind(4, static_cast<int64_t>(e.seq));
    ASSERT_TRUE(q->run().is_ok());
  }
  ASSERT_TRUE(f.store->commit().is_ok());
  const LedgerVerification v = f.verify();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_bad_seq, 7u) << v.problem;
  EXPECT_NE(v.problem.find("bad signature"), std::string::npos) << v.problem;
}

// Cutting the signed head off a commit's entries leaves an unsigned end, which a full check
// reports from its first unsigned entry; read in pages, the same entries are merely not yet
// covered.
TEST_P(LedgerTest, ALedgerCutBelowItsLastSignatureFailsAtTheUncoveredEntries) {
  LedgerFixture f{GetParam()};
  f.append_committed(2);
  append_one_flush(f, 5, 2);  // entries 3-7, 7 signed
  EXPECT_TRUE(f.verify().ok());
  f.drop_append_only_guards();
  f.exec("DELETE FROM ledger WHERE seq = 7");
  const LedgerVerification v = f.verify();
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_bad_seq, 3u) << v.problem;
  EXPECT_NE(v.problem.find("no signature"), std::string::npos) << v.problem;

  LedgerVerifier paged(f.ledger->public_key());
  Result<std::vector<LedgerEntry>> entries = read_ledger_entries(f.store->db());
  ASSERT_TRUE(entries.is_ok()) << entries.message();
  for (const LedgerEntry& e : entries.value()) ASSERT_TRUE(paged.add(e));
  EXPECT_TRUE(paged.result().ok()) << "not yet: a later page may hold the signature";
  EXPECT_EQ(paged.result().entries, 6u);
  EXPECT_EQ(paged.result().covered(), 2u);
}

// A ledger whose last entry carries no signature cannot be signed on: open() refuses it.
TEST_P(LedgerTest, ALedgerEndingUnsignedIsNotOpened) {
  LedgerFixture f{GetParam()};
  append_one_flush(f, 3);
  f.drop_append_only_guards();
  f.exec("DELETE FROM ledger WHERE seq = 3");
  Result<std::unique_ptr<Ledger>> reopened = Ledger::open(f.dir, f.store->db());
  ASSERT_FALSE(reopened.is_ok());
  EXPECT_NE(reopened.message().find("carries no signature"), std::string::npos)
      << reopened.message();
}

TEST_P(LedgerTest, ASecondCreditSignedInTheBackgroundIsRefusedWhenWritten) {
  LedgerFixture f{GetParam()};
  f.append_committed(1);
  ASSERT_TRUE(f.store->begin().is_ok());
  ASSERT_TRUE(f.ledger->append_deferred(grant_for(0)).is_ok());
  EXPECT_FALSE(f.ledger->flush().is_ok());
  f.store->rollback();
  EXPECT_EQ(f.verify().entries, 1u);
}

TEST_P(LedgerTest, EmptyLedgerVerifies) {
  LedgerFixture f{GetParam()};
  const LedgerVerification v = f.verify();
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.entries, 0u);
}

TEST_P(LedgerTest, KeyIsPrivateAndStableAcrossReopen) {
  LedgerFixture f{GetParam()};
  const LedgerPublicKey first = f.ledger->public_key();
  struct stat st {};
  ASSERT_EQ(::stat((f.dir / "ledger.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  f.append_committed(2);
  f.reopen();
  EXPECT_EQ(f.ledger->public_key(), first);
  f.append_committed(2, 2);  // continues the chain under the same key
  const LedgerVerification v = f.verify();
  EXPECT_TRUE(v.ok()) << v.problem;
  EXPECT_EQ(v.entries, 4u);
}

TEST_P(LedgerTest, PublicKeyFileMatchesTheSecretKey) {
  LedgerFixture f{GetParam()};
  std::vector<char> secret(64);
  {
    FILE* in = std::fopen((f.dir / "ledger.key").c_str(), "rb");
    ASSERT_NE(in, nullptr);
    ASSERT_EQ(std::fread(secret.data(), 1, secret.size(), in), secret.size());
    std::fclose(in);
  }
  LedgerPublicKey derived{};
  crypto_sign_ed25519_sk_to_pk(derived.data(), reinterpret_cast<uint8_t*>(secret.data()));
  auto pub = read_ledger_public_key(f.dir);
  ASSERT_TRUE(pub.is_ok()) << pub.message();
  EXPECT_EQ(pub.value(), derived);
}

TEST_P(LedgerTest, AMissingKeyIsNotReplacedWhileEntriesExist) {
  LedgerFixture f{GetParam()};
  f.append_committed(2);
  f.ledger.reset();
  std::filesystem::remove(f.dir / "ledger.key");
  auto reopened = Ledger::open(f.dir, f.store->db());
  ASSERT_FALSE(reopened.is_ok());
  EXPECT_NE(reopened.message().find("ledger.key is missing"), std::string::npos)
      << reopened.message();
  EXPECT_FALSE(std::filesystem::exists(f.dir / "ledger.key"));
}

TEST_P(LedgerTest, AKeyThatDidNotSignTheLedgerIsRefused) {
  LedgerFixture f{GetParam()}, other{GetParam()};
  f.append_committed(2);
  f.ledger.reset();
  std::filesystem::copy_file(other.dir / "ledger.key", f.dir / "ledger.key",
                             std::filesystem::copy_options::overwrite_existing);
  auto reopened = Ledger::open(f.dir, f.store->db());
  ASSERT_FALSE(reopened.is_ok());
  EXPECT_NE(reopened.message().find("did not sign"), std::string::npos) << reopened.message();
  // The published public key is left alone.
  auto pub = read_ledger_public_key(f.dir);
  ASSERT_TRUE(pub.is_ok()) << pub.message();
  EXPECT_NE(pub.value(), other.ledger->public_key());
}

TEST_P(LedgerTest, AppendOutsideATransactionIsRefused) {
  LedgerFixture f{GetParam()};
  Status s = f.ledger->append(grant_for(0));
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("transaction"), std::string::npos) << s.message();
  EXPECT_EQ(f.verify().entries, 0u);
}

TEST_P(LedgerTest, RolledBackEntriesVanishAndTheChainContinues) {
  LedgerFixture f{GetParam()};
  f.append_committed(2);
  ASSERT_TRUE(f.store->begin().is_ok());
  ASSERT_TRUE(f.ledger->append(grant_for(2)).is_ok());
  f.store->rollback();
  EXPECT_EQ(f.verify().entries, 2u);
  f.append_committed(1, 3);
  const LedgerVerification v = f.verify();
  EXPECT_TRUE(v.ok()) << v.problem;
  EXPECT_EQ(v.entries, 3u);
}

TEST_P(LedgerTest, SecondCreditForTheSameUnitAndKeyIsRefused) {
  LedgerFixture f{GetParam()};
  f.append_committed(1);
  ASSERT_TRUE(f.store->begin().is_ok());
  EXPECT_FALSE(f.ledger->append(grant_for(0)).is_ok());
  f.store->rollback();
}

TEST_P(LedgerTest, TableRefusesUpdatesAndDeletes) {
  LedgerFixture f{GetParam()};
  f.append_committed(2);
  EXPECT_FALSE(f.store->db().exec("UPDATE ledger SET credit = 1 WHERE seq = 1").is_ok());
  EXPECT_FALSE(f.store->db().exec("DELETE FROM ledger WHERE seq = 2").is_ok());
  EXPECT_TRUE(f.verify().ok());
}

// The stored bytes of one column of one row: integers as 8 little-endian bytes, text and blobs
// as their bytes.
enum class ColumnKind { kInteger, kText, kBlob };
struct Column {
  const char* name;
  ColumnKind kind;
};
constexpr Column kColumns[] = {
    {"seq", ColumnKind::kInteger},      {"time_ms", ColumnKind::kInteger},
    {"worker_key", ColumnKind::kText},  {"job_id", ColumnKind::kInteger},
    {"unit_id", ColumnKind::kInteger},  {"result", ColumnKind::kBlob},
    {"credit", ColumnKind::kInteger},   {"prev_hash", ColumnKind::kBlob},
    {"entry_hash", ColumnKind::kBlob},  {"signature", ColumnKind::kBlob},
    {"kind", ColumnKind::kInteger},
};

std::vector<uint8_t> column_bytes(SqlDb& db, const Column& c, int64_t seq) {
  // PostgreSQL keeps text as bytea already (dispatcher/store_schema.h).
  const std::string as_bytes = c.kind == ColumnKind::kInteger || db.engine() == SqlEngine::kPostgres
                                   ? c.name
                                   : std::string("CAST(") + c.name + " AS BLOB)";
  auto q = db.prepare(std::string("SELECT ") + c.name + ", " + as_bytes +
                      " FROM ledger WHERE seq = ?1");
  EXPECT_TRUE(q.is_ok()) << q.message();
  q->bind(1, seq);
  auto row = q->step();
  EXPECT_TRUE(row.is_ok() && row.value());
  if (c.kind != ColumnKind::kInteger) return q->column_blob(1);
  std::vector<uint8_t> bytes;
  put_le(bytes, static_cast<uint64_t>(q->column_int(0)), 8);
  return bytes;
}

void store_column(SqlDb& db, const Column& c, int64_t seq, const std::vector<uint8_t>& bytes) {
  auto q = db.prepare(std::string("UPDATE ledger SET ") + c.name + " = ?1 WHERE seq = ?2");
  ASSERT_TRUE(q.is_ok()) << q.message();
  if (c.kind == ColumnKind::kInteger) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(bytes[static_cast<size_t>(i)]) << (8 * i);
    q->bind(1, static_cast<int64_t>(v));
  } else if (c.kind == ColumnKind::kText) {
    q->bind(1, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  } else {
    q->bind_blob(1, bytes.data(), bytes.size());
  }
  q->bind(2, seq);
  Status s = q->run();
  ASSERT_TRUE(s.is_ok()) << s.message();
}

TEST_P(LedgerTest, FlippingAnyByteOfAnyFieldFailsAtExactlyThatEntry) {
  LedgerFixture f{GetParam()};
  constexpr int kEntries = 5;
  f.append_committed(kEntries - 1);
  // The last entry is a reversal (of the second grant): its bytes are guarded the same way.
  ASSERT_TRUE(f.store->begin().is_ok());
  ASSERT_TRUE(f.ledger->reverse(grant_for(1).unit_id, grant_for(1).worker_key, 5, false).is_ok());
  ASSERT_TRUE(f.store->commit().is_ok());
  f.drop_append_only_guards();
  SqlDb& db = f.store->db();
  int flips = 0;
  for (int64_t seq = 1; seq <= kEntries; ++seq) {
    for (const Column& c : kColumns) {
      const std::vector<uint8_t> original = column_bytes(db, c, seq);
      ASSERT_FALSE(original.empty()) << c.name;
      for (size_t b = 0; b < original.size(); ++b) {
        std::vector<uint8_t> flipped = original;
        flipped[b] ^= 0xff;
        ASSERT_TRUE(f.store->begin().is_ok());
        store_column(db, c, seq, flipped);
        const LedgerVerification v = f.verify();
        f.store->rollback();
        ASSERT_FALSE(v.ok()) << "row " << seq << " column " << c.name << " byte " << b;
        ASSERT_EQ(v.first_bad_seq, static_cast<uint64_t>(seq))
            << "row " << seq << " column " << c.name << " byte " << b << ": " << v.problem;
        ++flips;
      }
    }
  }
  EXPECT_GT(flips, kEntries * 200);
  EXPECT_TRUE(f.verify().ok());  // every flip was rolled back
}

TEST_P(LedgerTest, DeletingAMiddleEntryIsASequenceGap) {
  LedgerFixture f{GetParam()};
  const LedgerVerification v = f.verify_after_tampering("DELETE FROM ledger WHERE seq = 3");
  EXPECT_EQ(v.first_bad_seq, 3u);
  EXPECT_NE(v.problem.find("sequence gap"), std::string::npos) << v.problem;
}

TEST_P(LedgerTest, DeletingAMiddleEntryAndRenumberingBreaksTheChain) {
  LedgerFixture f{GetParam()};
  const LedgerVerification v = f.verify_after_tampering(
      "DELETE FROM ledger WHERE seq = 3; UPDATE ledger SET seq = -seq WHERE seq > 3;"
      "UPDATE ledger SET seq = -seq - 1 WHERE seq < 0;");
  EXPECT_EQ(v.first_bad_seq, 3u);
}

TEST_P(LedgerTest, MovingAnEntryToTheEndFailsWhereItWas) {
  LedgerFixture f{GetParam()};
  const LedgerVerification v =
      f.verify_after_tampering(f.move_to_end_sql(2));
  EXPECT_EQ(v.first_bad_seq, 2u);
}

TEST_P(LedgerTest, SwappingSequenceNumbersFailsAtTheFirstSwappedEntry) {
  LedgerFixture f{GetParam()};
  const LedgerVerification v = f.verify_after_tampering(
      "UPDATE ledger SET seq = -2 WHERE seq = 2; UPDATE ledger SET seq = 2 WHERE seq = 4;"
      "UPDATE ledger SET seq = 4 WHERE seq = -2;");
  EXPECT_EQ(v.first_bad_seq, 2u);
}

TEST_P(LedgerTest, ADifferentKeyFailsAtTheFirstEntry) {
  LedgerFixture f{GetParam()};
  f.append_committed(3);
  LedgerPublicKey other{};
  std::array<uint8_t, 64> other_secret{};
  crypto_sign_keypair(other.data(), other_secret.data());
  const LedgerVerification v = f.verify(other);
  EXPECT_EQ(v.first_bad_seq, 1u);
  EXPECT_NE(v.problem.find("signature"), std::string::npos) << v.problem;
}

TEST_P(LedgerTest, ALedgerResignedWithAnotherKeyFailsAgainstTheOriginalKey) {
  LedgerFixture f{GetParam()};
  f.append_committed(3);
  const LedgerPublicKey original = f.ledger->public_key();
  // Someone rewrites the whole ledger under a key of their own.
  f.drop_append_only_guards();
  f.exec("DELETE FROM ledger");
  std::filesystem::remove(f.dir / "ledger.key");
  f.reopen();
  f.append_committed(3);
  EXPECT_TRUE(f.verify().ok());
  EXPECT_EQ(f.verify(original).first_bad_seq, 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, LedgerTest, testing::kBothEngines, testing::engine_name);

}  // namespace
}  // namespace tf
