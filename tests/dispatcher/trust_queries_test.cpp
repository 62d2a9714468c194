// Trust queries over a store: credit totals equal hand-summed grants, worker rows merge the
// reputation table with ledger totals, ledger pages reassemble into a verifiable ledger, and the
// trust messages round-trip through the wire codec.
#include "dispatcher/trust_queries.h"

#include <gtest/gtest.h>
#include <sodium/crypto_sign.h>

#include <map>

#include "dispatcher/store.h"
#include "formats/protocol/codec.h"
#include "tests/dispatcher/ledger_store_fixture.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

using testing::TempDir;

struct TrustFixture : testing::LedgerStoreFixture {
  explicit TrustFixture(SqlEngine engine = SqlEngine::kSqlite) : LedgerStoreFixture(engine) {}
  void grant(const std::string& key, uint64_t unit, uint64_t credit) {
    ASSERT_TRUE(store->begin().is_ok());
    CreditGrant g{key, 1, unit, blake2b_256("unit " + std::to_string(unit)), credit, 1000};
    Status s = ledger->append(g);
    ASSERT_TRUE(s.is_ok()) << s.message();
    ASSERT_TRUE(store->commit().is_ok());
  }
};

class TrustQueriesTest : public ::testing::TestWithParam<SqlEngine> {};

TEST_P(TrustQueriesTest, CreditsAreTheSumOfEachKeysGrants) {
  TrustFixture f{GetParam()};
  // Hand-computed totals: a = 100 + 250 = 350 (2 units), b = 400 (1 unit), c = 5 + 5 + 5 = 15.
  f.grant("a", 1, 100);
  f.grant("b", 1, 400);
  f.grant("a", 2, 250);
  f.grant("c", 3, 5);
  f.grant("c", 4, 5);
  f.grant("c", 5, 5);
  f.exec("INSERT INTO workers(key, name) VALUES ('a', 'host-a')");
  auto rows = query_credits(f.store->db());
  ASSERT_TRUE(rows.is_ok()) << rows.message();
  const std::vector<proto::CreditRow> expected = {
      {"b", "", 400, 1}, {"a", "host-a", 350, 2}, {"c", "", 15, 3}};
  EXPECT_EQ(rows.value(), expected);
}

TEST_P(TrustQueriesTest, WorkersMergeReputationWithCredit) {
  TrustFixture f{GetParam()};
  f.grant("a", 1, 100);
  f.grant("z", 1, 7);  // credited, but no reputation row (e.g. written by an older dispatcher)
  f.exec("INSERT INTO workers(key, name, owner, consecutive_valid, valid, invalid, errors,"
         " timed_out, malformed, quarantined, quarantine_reason) VALUES"
         " ('a', 'host-a', 'owner-1', 4, 5, 0, 1, 2, 0, 0, ''),"
         " ('m', 'host-m', 'owner-2', 0, 3, 2, 0, 0, 1, 1, '2 invalid results')");
  auto rows = query_workers(f.store->db());
  ASSERT_TRUE(rows.is_ok()) << rows.message();
  ASSERT_EQ(rows->size(), 3u);
  const proto::WorkerTrustRow a{"a", "host-a", "owner-1", 100, 1, 5, 0, 1, 2, 0, 4, false, ""};
  const proto::WorkerTrustRow m{"m", "host-m", "owner-2", 0, 0, 3, 2, 0, 0, 1, 0, true,
                                "2 invalid results"};
  proto::WorkerTrustRow z;
  z.key = "z";
  z.credit = 7;
  z.accepted_units = 1;
  EXPECT_EQ(rows.value()[0], a);
  EXPECT_EQ(rows.value()[1], m);
  EXPECT_EQ(rows.value()[2], z);
}

TEST_P(TrustQueriesTest, LedgerPagesReassembleIntoAVerifiableLedger) {
  TrustFixture f{GetParam()};
  constexpr int kEntries = 23;
  for (int i = 0; i < kEntries; ++i) f.grant("key-" + std::to_string(i % 4), 10 + i, 1 + i);
  LedgerPublicKey key{};
  std::vector<proto::LedgerRow> all;
  for (uint64_t offset = 0;; offset += 5) {
    proto::Body body = answer_trust_query(f.store->db(), f.dir,
                                          proto::TrustQuery{proto::TrustTopic::kLedger, offset, 5});
    ASSERT_TRUE(std::holds_alternative<proto::TrustReply>(body));
    const auto& reply = std::get<proto::TrustReply>(body);
    EXPECT_EQ(reply.ledger_total, static_cast<uint64_t>(kEntries));
    ASSERT_EQ(reply.ledger_public_key.size(), key.size());
    std::copy(reply.ledger_public_key.begin(), reply.ledger_public_key.end(), key.begin());
    EXPECT_LE(reply.ledger.size(), 5u);
    all.insert(all.end(), reply.ledger.begin(), reply.ledger.end());
    if (reply.ledger.empty()) break;
  }
  ASSERT_EQ(all.size(), static_cast<size_t>(kEntries));
  EXPECT_EQ(key, f.ledger->public_key());
  LedgerVerifier verifier(key);
  for (const proto::LedgerRow& row : all) EXPECT_TRUE(verifier.add(to_ledger_entry(row)));
  EXPECT_TRUE(verifier.result().ok()) << verifier.result().problem;
  EXPECT_EQ(verifier.result().entries, static_cast<uint64_t>(kEntries));

  // The same rows, one credit changed in transit: the verifier names that entry.
  all[11].credit += 1;
  LedgerVerifier tampered(key);
  for (const proto::LedgerRow& row : all) tampered.add(to_ledger_entry(row));
  EXPECT_EQ(tampered.result().first_bad_seq, 12u);
}

// Entries written in one flush are signed at the last only (ledger.h); a dispatcher serving
// them signs the others on demand, so every served row carries a signature that libsodium
// verifies over its entry hash (what clients of earlier versions require). Served without a
// signer, the unsigned rows verify through the signature after them.
TEST_P(TrustQueriesTest, LedgerPagesCarryASignatureOnEveryEntry) {
  TrustFixture f{GetParam()};
  ASSERT_TRUE(f.store->begin().is_ok());
  for (uint64_t unit = 1; unit <= 4; ++unit) {
    CreditGrant g;
    g.worker_key = "k";
    g.job_id = 1;
    g.unit_id = unit;
    g.result = blake2b_256("unit " + std::to_string(unit));
    g.credit = 10 * unit;
    ASSERT_TRUE(f.ledger->append_deferred(g).is_ok());
  }
  ASSERT_TRUE(f.ledger->flush().is_ok());
  ASSERT_TRUE(f.store->commit().is_ok());
  const proto::TrustQuery query{proto::TrustTopic::kLedger, 0, 0};
  proto::Body served = answer_trust_query(f.store->db(), f.dir, query, f.ledger.get());
  ASSERT_TRUE(std::holds_alternative<proto::TrustReply>(served));
  const std::vector<proto::LedgerRow>& rows = std::get<proto::TrustReply>(served).ledger;
  ASSERT_EQ(rows.size(), 4u);
  const LedgerPublicKey& key = f.ledger->public_key();
  for (const proto::LedgerRow& row : rows) {
    ASSERT_EQ(row.signature.size(), 64u) << "entry " << row.seq;
    EXPECT_EQ(crypto_sign_verify_detached(row.signature.data(), row.entry_hash.bytes.data(),
                                          row.entry_hash.bytes.size(), key.data()),
              0)
        << "entry " << row.seq;
  }

  proto::Body stored = answer_trust_query(f.store->db(), f.dir, query);
  const std::vector<proto::LedgerRow>& plain = std::get<proto::TrustReply>(stored).ledger;
  ASSERT_EQ(plain.size(), 4u);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(plain[i].signature.empty()) << "entry " << i + 1;
  LedgerVerifier verifier(key);
  for (const proto::LedgerRow& row : plain) EXPECT_TRUE(verifier.add(to_ledger_entry(row)));
  verifier.finish();
  EXPECT_TRUE(verifier.result().ok()) << verifier.result().problem;
}

TEST_P(TrustQueriesTest, LedgerPagesAreCapped) {
  TrustFixture f{GetParam()};
  f.grant("a", 1, 1);
  proto::Body body = answer_trust_query(
      f.store->db(), f.dir, proto::TrustQuery{proto::TrustTopic::kLedger, 0, 1u << 30});
  ASSERT_TRUE(std::holds_alternative<proto::TrustReply>(body));
  EXPECT_EQ(std::get<proto::TrustReply>(body).ledger.size(), 1u);
}

TEST_P(TrustQueriesTest, UnknownTopicIsABadRequest) {
  TrustFixture f{GetParam()};
  proto::Body body = answer_trust_query(f.store->db(), f.dir,
                                        proto::TrustQuery{proto::TrustTopic::kUnknown, 0, 0});
  ASSERT_TRUE(std::holds_alternative<proto::ErrorReply>(body));
  EXPECT_EQ(std::get<proto::ErrorReply>(body).code, proto::ErrorCode::kBadRequest);
}

TEST(TrustQueries, ReadOnlyStateRefusesWritesAndNamesAMissingFolder) {
  TrustFixture f;
  f.grant("a", 1, 1);
  auto db = open_state_read_only(f.dir);
  ASSERT_TRUE(db.is_ok()) << db.message();
  EXPECT_FALSE(db.value()->exec("INSERT INTO workers(key) VALUES ('x')").is_ok());
  auto credits = query_credits(*db.value());
  ASSERT_TRUE(credits.is_ok()) << credits.message();
  EXPECT_EQ(credits->size(), 1u);

  auto missing = open_state_read_only(f.dir / "nowhere");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.message().find("nowhere"), std::string::npos) << missing.message();
}

TEST(TrustQueries, AStateFolderFromBeforeTheLedgerIsNamedAsOld) {
  TempDir dir;
  {
    auto old = Store::open(dir.path(), 2);  // the schema before the ledger migration
    ASSERT_TRUE(old.is_ok()) << old.message();
  }
  auto db = open_state_read_only(dir.path());
  ASSERT_FALSE(db.is_ok());
  EXPECT_NE(db.message().find("older tilefarm"), std::string::npos) << db.message();
}

TEST_P(TrustQueriesTest, LedgerRepliesRoundTripThroughTheCodec) {
  TrustFixture f{GetParam()};
  for (int i = 0; i < 3; ++i) f.grant("key-" + std::to_string(i), 5 + i, 1000 + i);
  proto::Body body = answer_trust_query(f.store->db(), f.dir,
                                        proto::TrustQuery{proto::TrustTopic::kLedger, 0, 0});
  const proto::Envelope sent{77, body};
  Result<proto::Envelope> got =
      proto::decode_message(proto::encode_message(sent), proto::roles(proto::Role::kDispatcher));
  ASSERT_TRUE(got.is_ok()) << got.message();
  EXPECT_EQ(got.value(), sent);
  // A trust query is a client's message: a worker may not send it.
  const proto::Envelope query{78, proto::TrustQuery{proto::TrustTopic::kCredits, 0, 0}};
  EXPECT_FALSE(
      proto::decode_message(proto::encode_message(query), proto::roles(proto::Role::kWorker))
          .is_ok());
}

TEST(TrustQueries, ARowWithAShortSignatureIsNamedNotTrusted) {
  proto::LedgerRow row;
  row.seq = 9;
  row.signature.assign(63, 1);
  auto entry = to_ledger_entry(row);
  ASSERT_FALSE(entry.is_ok());
  EXPECT_NE(entry.message().find("ledger entry 9"), std::string::npos) << entry.message();
  row.signature.assign(64, 1);
  EXPECT_TRUE(to_ledger_entry(row).is_ok());
  row.signature.clear();  // an entry a later signature covers
  EXPECT_TRUE(to_ledger_entry(row).is_ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, TrustQueriesTest, testing::kBothEngines,
                         testing::engine_name);

}  // namespace
}  // namespace tf
