// Verification in DispatcherCore with a fake clock: replicas on distinct keys and owners,
// quorum, extra replicas on disagreement, the cap, missing bytes, refused results, adaptive
// replication, quarantine, credit in the acceptance transaction, restart, and blob roles.
#include <gtest/gtest.h>

#include <set>
#include <tuple>
#include <utility>

#include "tests/dispatcher/core_fixture.h"

namespace tf {
namespace {

using testing::CoreTest;
using testing::hello;
using testing::kStart;

class VerificationTest : public CoreTest {
 protected:
  static proto::UnitResult hash_only(proto::UnitResult r) {
    r.rgb.clear();
    return r;
  }
  // A self-consistent wrong result (its bytes hash to its hash): what a cheater sends.
  static proto::UnitResult wrong_for(const proto::RenderUnitSpec& spec, float delta = 1.0f) {
    proto::UnitResult r = result_for(spec);
    r.rgb[0] += delta;
    r.result_hash = proto::result_hash(r.rgb, r.rays);
    return r;
  }
  // Ledger rows of one unit: (worker key, credit), by key.
  std::vector<std::pair<std::string, uint64_t>> credits(uint64_t unit_id) {
    std::vector<std::pair<std::string, uint64_t>> rows;
    Result<SqlStatement> q = core_->store().db().prepare(
        "SELECT worker_key, credit FROM ledger WHERE unit_id = ? ORDER BY worker_key");
    EXPECT_TRUE(q.is_ok()) << q.message();
    if (!q) return rows;
    q->bind(1, static_cast<int64_t>(unit_id));
    for (Result<bool> row = q->step(); row.is_ok() && row.value(); row = q->step()) {
      rows.emplace_back(q->column_text(0), static_cast<uint64_t>(q->column_int(1)));
    }
    return rows;
  }
  const WorkerRecord& record(const std::string& peer) {
    const WorkerRecord* r = core_->worker_record(key_of(peer));
    EXPECT_NE(r, nullptr) << peer;
    static const WorkerRecord kNone;
    return r ? *r : kNone;
  }
  static const proto::ResultBytesRequest* bytes_request(const std::vector<Outgoing>& out,
                                                        std::string* peer) {
    for (const Outgoing& o : out) {
      if (const auto* r = std::get_if<proto::ResultBytesRequest>(&o.envelope.body)) {
        *peer = o.peer;
        return r;
      }
    }
    return nullptr;
  }
  // Two workers w1, w2 holding the two replicas of the first unit of a fresh 2-of-2 job.
  std::pair<proto::RenderUnitSpec, proto::RenderUnitSpec> two_replicas(uint32_t max_replicas = 0) {
    job_ = submit(1, 0, 2, 2, max_replicas);
    std::vector<proto::RenderUnitSpec> a = grants(send("w1", hello(1), kStart), "w1");
    std::vector<proto::RenderUnitSpec> b = grants(send("w2", hello(1), kStart), "w2");
    EXPECT_EQ(a.size(), 1u);
    EXPECT_EQ(b.size(), 1u);
    if (a.empty() || b.empty()) return {};
    EXPECT_EQ(a[0].unit_id, b[0].unit_id) << "both replicas of the first unit go out first";
    return {a[0], b[0]};
  }

  uint64_t job_ = 0;
};

TEST_F(VerificationTest, SubmitRefusesVerificationSettingsThatCannotWork) {
  const Hash256 bundle = blake2b_256(std::string_view("unused"));
  for (const auto& [replication, quorum, max, what] :
       {std::tuple{2u, 3u, 0u, "quorum 3"}, std::tuple{0u, 0u, 0u, "replication 0"},
        std::tuple{3u, 2u, 2u, "max replicas 2"}, std::tuple{40u, 2u, 0u, "replication 40"}}) {
    proto::SubmitJob job{"x", bundle, {{1, "s.pbrt", 8, 8}}, 8, 1, 1, 0, replication, quorum, max};
    std::vector<Outgoing> out = send("client", job, kStart);
    const auto* error = std::get_if<proto::ErrorReply>(&out.at(0).envelope.body);
    ASSERT_NE(error, nullptr) << what;
    EXPECT_NE(error->message.find(what), std::string::npos) << error->message;
  }
  EXPECT_TRUE(core_->job_statuses(0).empty());
}

TEST_F(VerificationTest, ReplicasGoToDistinctKeysAndOwners) {
  submit(1, 0, 2, 2);  // 12 units, 24 replicas
  std::vector<proto::RenderUnitSpec> first = grants(send("w1", hello(12, {}, "alice"), kStart), "w1");
  ASSERT_EQ(first.size(), 12u);
  std::set<uint64_t> units;
  for (const auto& spec : first) {
    units.insert(spec.unit_id);
    EXPECT_EQ(spec.replica, 0u);
    EXPECT_TRUE(spec.upload_bytes) << "the first replica uploads the bytes";
  }
  EXPECT_EQ(units.size(), 12u) << "never two replicas of one unit to one key";
  EXPECT_TRUE(grants(send("w2", hello(12, {}, "alice"), kStart), "w2").empty())
      << "another key of the same owner gets no second replica";
  std::vector<proto::RenderUnitSpec> second = grants(send("w3", hello(12), kStart), "w3");
  ASSERT_EQ(second.size(), 12u);
  for (const auto& spec : second) {
    EXPECT_EQ(units.count(spec.unit_id), 1u);
    EXPECT_EQ(spec.replica, 1u);
    EXPECT_FALSE(spec.upload_bytes) << "later replicas report the hash only";
  }
}

TEST_F(VerificationTest, QuorumAcceptsAgreeingHashesAndCreditsEveryAgreeingReplica) {
  auto [a, b] = two_replicas();
  send("w1", result_for(a), kStart);
  EXPECT_EQ(status(job_).units_done, 0u) << "one hash is not a quorum of two";
  EXPECT_TRUE(credits(a.unit_id).empty());
  send("w2", hash_only(result_for(b)), kStart);
  EXPECT_EQ(status(job_).units_done, 1u);
  const uint64_t rays = result_for(a).rays;  // the synthetic renderer's count
  EXPECT_EQ(credits(a.unit_id),
            (std::vector<std::pair<std::string, uint64_t>>{{"key-w1", rays}, {"key-w2", rays}}));
  EXPECT_EQ(record("w1").valid, 1u);
  EXPECT_EQ(record("w2").consecutive_valid, 1u);
}

TEST_F(VerificationTest, AWrongResultLosesAndTriggersAnExtraReplica) {
  auto [a, b] = two_replicas();
  send("w2", hash_only(wrong_for(b)), kStart);
  send("w1", result_for(a), kStart);
  EXPECT_EQ(status(job_).units_done, 0u) << "one against one: no quorum";
  std::vector<proto::RenderUnitSpec> c = grants(send("w3", hello(1), kStart), "w3");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].unit_id, a.unit_id) << "the disputed unit goes out again first";
  EXPECT_EQ(c[0].replica, 2u);
  send("w3", hash_only(result_for(c[0])), kStart);
  EXPECT_EQ(status(job_).units_done, 1u);
  // A farm with no trusted key yet: two untrusted keys outvoting a third prove no fault (they
  // may be colluders), so the loser only loses its run of valid results.
  EXPECT_EQ(record("w2").invalid, 0u);
  EXPECT_EQ(record("w2").consecutive_valid, 0u);
  EXPECT_EQ(record("w1").valid, 1u);
  EXPECT_EQ(record("w3").consecutive_valid, 1u) << "bootstrap: agreement of distinct keys counts";
  const uint64_t rays = result_for(a).rays;
  EXPECT_EQ(credits(a.unit_id),
            (std::vector<std::pair<std::string, uint64_t>>{{"key-w1", rays}, {"key-w3", rays}}))
      << "the losing replica earns nothing";
}

TEST_F(VerificationTest, PastMaxReplicasTheJobFailsNamingKeysAndHashes) {
  auto [a, b] = two_replicas(3);
  const proto::UnitResult one = hash_only(wrong_for(a, 1.0f));
  const proto::UnitResult two = hash_only(wrong_for(b, 2.0f));
  send("w1", one, kStart);
  send("w2", two, kStart);
  std::vector<proto::RenderUnitSpec> c = grants(send("w3", hello(1), kStart), "w3");
  ASSERT_EQ(c.size(), 1u);
  const proto::UnitResult three = result_for(c[0]);
  send("w3", three, kStart);
  const proto::JobStatus s = status(job_);
  EXPECT_EQ(s.state, proto::JobState::kFailed);
  for (const std::string& expected :
       {std::string("key-w1"), std::string("key-w2"), std::string("key-w3"),
        one.result_hash.to_hex(), two.result_hash.to_hex(), three.result_hash.to_hex(),
        "unit " + std::to_string(a.unit_id)}) {
    EXPECT_NE(s.message.find(expected), std::string::npos) << expected << " in " << s.message;
  }
  EXPECT_TRUE(credits(a.unit_id).empty());
}

TEST_F(VerificationTest, AgreeingHashesWithoutBytesAskAnAgreeingReplicaForThem) {
  auto [a, b] = two_replicas();
  send("w1", hash_only(result_for(a)), kStart);  // the uploader kept its bytes
  std::vector<Outgoing> out = send("w2", hash_only(result_for(b)), kStart);
  EXPECT_EQ(status(job_).units_done, 0u) << "accepted only once the bytes are stored";
  std::string peer;
  const proto::ResultBytesRequest* wanted = bytes_request(out, &peer);
  ASSERT_NE(wanted, nullptr);
  EXPECT_EQ(wanted->unit_id, a.unit_id);
  const proto::RenderUnitSpec& spec = peer == "w1" ? a : b;
  EXPECT_EQ(wanted->lease_id, spec.lease_id);
  // Bytes that do not match the reported hash are refused; the right ones accept the unit.
  proto::UnitResult forged = wrong_for(spec);
  forged.result_hash = result_for(spec).result_hash;
  send(peer, forged, kStart);
  EXPECT_EQ(status(job_).units_done, 0u);
  EXPECT_EQ(record(peer).malformed, 1u);
  send(peer, result_for(spec), kStart);
  EXPECT_EQ(status(job_).units_done, 1u);
  EXPECT_EQ(credits(a.unit_id).size(), 2u);
}

TEST_F(VerificationTest, AgreedBytesThatNoReplicaCanSendComeFromAnExtraUploadingReplica) {
  auto [a, b] = two_replicas();
  send("w1", hash_only(result_for(a)), kStart);
  send("w2", hash_only(result_for(b)), kStart);  // asks w1 for the bytes
  send("w1", proto::UnitReturn{{}, true}, kStart);  // both leave without answering
  send("w2", proto::UnitReturn{{}, true}, kStart);
  const int64_t later = kStart + config_.heartbeat_interval_ms * config_.liveness;
  std::vector<proto::RenderUnitSpec> held = grants(send("w3", hello(1), later), "w3");
  ASSERT_EQ(held.size(), 1u);
  EXPECT_NE(held[0].unit_id, a.unit_id) << "the unit needed no replica before the tick";
  // The tick found no agreeing replica to ask: one more replica, asked to upload.
  std::vector<proto::RenderUnitSpec> more = grants(send("w3", hello(2, {held[0].lease_id}), later), "w3");
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].unit_id, a.unit_id);
  EXPECT_TRUE(more[0].upload_bytes);
  send("w3", result_for(more[0]), later);
  EXPECT_EQ(status(job_).units_done, 1u);
  EXPECT_EQ(credits(a.unit_id).size(), 3u) << "every agreeing replica is credited";
}

TEST_F(VerificationTest, AResultUnderAnotherKeysLeaseIsRefusedAndCounted) {
  auto [a, b] = two_replicas();
  send("w9", result_for(a), kStart);  // w9 never held a lease
  send("w2", result_for(a), kStart);  // w2 holds a replica, but not under a's lease
  EXPECT_EQ(core_->stats().results_rejected, 2u);
  EXPECT_EQ(record("w9").malformed, 1u);
  EXPECT_EQ(record("w2").malformed, 1u);
  send("w1", result_for(a), kStart);
  EXPECT_EQ(status(job_).units_done, 0u) << "refused results are no votes";
  send("w2", result_for(b), kStart);
  EXPECT_EQ(status(job_).units_done, 1u);
}

TEST_F(VerificationTest, AResultOfTheWrongShapeIsRefusedAndTheReplicaReplaced) {
  auto [a, b] = two_replicas();
  proto::UnitResult small = result_for(a);
  small.width -= 1;
  small.rgb.resize(size_t{small.width} * small.height * 3);
  small.result_hash = proto::result_hash(small.rgb, small.rays);
  std::vector<proto::RenderUnitSpec> again = grants(send("w1", small, kStart), "w1");
  EXPECT_EQ(record("w1").malformed, 1u);
  EXPECT_EQ(status(job_).units_done, 0u);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].unit_id, a.unit_id) << "the refused replica is replaced first";
  EXPECT_NE(again[0].lease_id, a.lease_id);
  EXPECT_TRUE(again[0].upload_bytes) << "the refused replica was the uploader";
}

TEST_F(VerificationTest, TrustedWorkersGetSingleReplicaUnitsAndOneDisagreementDropsThemBack) {
  config_.trust.trust_after = 1;
  config_.trust.spot_check_rate = 0.0;  // every first replica of a trusted key goes alone
  config_.auditors = {key_of("w3")};
  reopen(kStart);
  job_ = submit(1, 0, 2, 2);
  std::vector<proto::RenderUnitSpec> a = grants(send("w1", hello(1), kStart), "w1");
  std::vector<proto::RenderUnitSpec> b = grants(send("w2", hello(1), kStart), "w2");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(a[0].unit_id, b[0].unit_id)
      << "the farm has a trusted key (the auditor): an untrusted key never takes a unit's last "
         "replica while no trusted key holds one";
  std::vector<proto::RenderUnitSpec> audit = grants(send("w3", hello(2), kStart), "w3");
  ASSERT_EQ(audit.size(), 2u);

  // w1 agrees with the auditor: vouched for, it is trusted now (trust_after 1), and its next
  // unit goes to it alone and is accepted on its one hash.
  const auto audit_of = [&](uint64_t unit_id) {
    return audit[0].unit_id == unit_id ? audit[0] : audit[1];
  };
  send("w3", hash_only(result_for(audit_of(a[0].unit_id))), kStart);
  EXPECT_EQ(status(job_).units_done, 0u) << "the auditor's hash waits for w1's vote";
  const uint64_t singles = core_->stats().units_single_replica;
  std::vector<proto::RenderUnitSpec> w1_single = grants(send("w1", result_for(a[0]), kStart), "w1");
  EXPECT_EQ(status(job_).units_done, 1u);
  EXPECT_EQ(record("w1").consecutive_valid, 1u);
  EXPECT_TRUE(is_trusted(record("w1"), config_.trust));
  ASSERT_EQ(w1_single.size(), 1u);
  EXPECT_EQ(w1_single[0].replica, 0u);
  EXPECT_EQ(core_->stats().units_single_replica, singles + 1);
  const uint64_t done = status(job_).units_done;
  send("w1", result_for(w1_single[0]), kStart);
  EXPECT_EQ(status(job_).units_done, done + 1) << "a single-replica unit accepted on one hash";
  EXPECT_EQ(credits(w1_single[0].unit_id).size(), 1u);
  EXPECT_EQ(record("w1").consecutive_valid, 1u)
      << "a result nobody else checked vouches for nothing";

  // w2 cheats; the auditor's result decides alone, and the loss counts against w2.
  send("w2", wrong_for(b[0]), kStart);
  send("w3", result_for(audit_of(b[0].unit_id)), kStart);
  EXPECT_EQ(record("w2").invalid, 1u);
  EXPECT_FALSE(is_trusted(record("w2"), config_.trust));
  EXPECT_EQ(credits(b[0].unit_id),
            (std::vector<std::pair<std::string, uint64_t>>{{key_of("w3"), result_for(b[0]).rays}}));
}

TEST_F(VerificationTest, RepeatedDisagreementsQuarantineTheKeyWithAReason) {
  config_.auditors = {key_of("w2")};
  reopen(kStart);
  job_ = submit(1, 0, 2, 2);
  std::vector<proto::RenderUnitSpec> a = grants(send("w1", hello(2), kStart), "w1");
  std::vector<proto::RenderUnitSpec> b = grants(send("w2", hello(2), kStart), "w2");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  // w1 cheats on both and takes two more units as its slots free up; the auditor w2 is honest.
  std::vector<proto::RenderUnitSpec> w1_more = grants(send("w1", wrong_for(a[0]), kStart), "w1");
  for (const auto& u : grants(send("w1", wrong_for(a[1]), kStart), "w1")) w1_more.push_back(u);
  ASSERT_FALSE(w1_more.empty());
  // Every grant from here on, to anyone: w1's units that were still out must be among them.
  std::set<uint64_t> regranted;
  const auto note_grants = [&](const std::vector<Outgoing>& out) {
    for (const Outgoing& o : out) {
      if (const auto* g = std::get_if<proto::LeaseGrant>(&o.envelope.body)) {
        EXPECT_NE(o.peer, "w1") << "a quarantined key gets no lease";
        for (const auto& spec : g->units) regranted.insert(spec.unit_id);
      }
    }
  };
  for (const auto& spec : b) note_grants(send("w2", result_for(spec), kStart));
  EXPECT_EQ(status(job_).units_done, 2u);
  const WorkerRecord& cheat = record("w1");
  EXPECT_TRUE(cheat.quarantined);
  EXPECT_NE(cheat.quarantine_reason.find("lost a quorum"), std::string::npos) << cheat.quarantine_reason;
  // No more leases for w1; the leases it held went to others; its late results are refused.
  EXPECT_TRUE(grants(send("w1", proto::WorkerHeartbeat{}, kStart), "w1").empty());
  const uint64_t done = status(job_).units_done;
  send("w1", result_for(w1_more[0]), kStart);
  EXPECT_EQ(status(job_).units_done, done);
  note_grants(send("w4", hello(24), kStart));
  for (const auto& spec : w1_more) EXPECT_EQ(regranted.count(spec.unit_id), 1u) << spec.unit_id;
}

TEST_F(VerificationTest, CreditAndAcceptanceCommitOrVanishTogether) {
  auto [a, b] = two_replicas();
  send("w1", result_for(a), kStart);
  // The acceptance without its commit, then a rollback, as a crash before the commit leaves it.
  std::vector<Outgoing> out;
  ASSERT_TRUE(core_->handle("w2", key_of("w2"), {0, hash_only(result_for(b))}, kStart, &out).is_ok());
  EXPECT_EQ(credits(a.unit_id).size(), 2u) << "written in the open transaction";
  core_->store().rollback();
  EXPECT_TRUE(credits(a.unit_id).empty());
  Result<StoreSnapshot> snap = core_->store().load();
  ASSERT_TRUE(snap.is_ok()) << snap.message();
  for (const UnitRow& u : snap->units) {
    if (u.id == a.unit_id) {
      EXPECT_FALSE(u.result.has_value()) << "no acceptance without credit";
    }
  }
  reopen(kStart + 10);
  send("w2", hash_only(result_for(b)), kStart + 10);
  EXPECT_EQ(status(job_).units_done, 1u);
  EXPECT_EQ(credits(a.unit_id).size(), 2u);
}

TEST_F(VerificationTest, RestartKeepsReplicasReputationAndPendingVerification) {
  auto [a, b] = two_replicas();
  send("w1", result_for(a), kStart);  // one vote, pending
  core_->record_malformed(key_of("w5"), "garbage");
  ASSERT_TRUE(core_->commit().is_ok());
  reopen(kStart + 10);
  EXPECT_EQ(record("w5").malformed, 1u);
  EXPECT_EQ(status(job_).units_done, 0u);
  // w2 still holds its lease (restored); its hash completes the quorum with w1's stored vote.
  send("w2", hash_only(result_for(b)), kStart + 20);
  EXPECT_EQ(status(job_).units_done, 1u);
  EXPECT_EQ(credits(a.unit_id).size(), 2u);
  EXPECT_EQ(record("w1").valid, 1u);
}

TEST_F(VerificationTest, WorkersFetchOnlyTheBlobsOfUnitsLeasedToThem) {
  job_ = submit(1, 0, 2, 2);
  std::vector<proto::RenderUnitSpec> a = grants(send("w1", hello(1), kStart), "w1");
  ASSERT_EQ(a.size(), 1u);
  const Hash256 scene = blake2b_256(std::string_view("# scene 0"));  // the fixture's scene file
  auto fetch = [&](const std::string& peer, const Hash256& hash) {
    for (const Outgoing& o : send(peer, proto::BlobRequest{hash}, kStart)) {
      if (const auto* r = std::get_if<proto::BlobReply>(&o.envelope.body)) return r->found;
    }
    ADD_FAILURE() << "no blobReply";
    return false;
  };
  EXPECT_TRUE(fetch("w1", a[0].bundle));
  EXPECT_TRUE(fetch("w1", scene));
  EXPECT_FALSE(fetch("w9", a[0].bundle)) << "no lease, no assets";
  EXPECT_FALSE(fetch("w1", blake2b_256(std::string_view("another blob"))));
  EXPECT_EQ(record("w9").malformed, 1u);
  EXPECT_EQ(record("w1").malformed, 1u);
}

TEST_F(VerificationTest, MalformedMessagesQuarantineAKeyAndItsLeasesGoElsewhere) {
  job_ = submit(1, 0, 1, 1);
  std::vector<proto::RenderUnitSpec> a = grants(send("w1", hello(1), kStart), "w1");
  ASSERT_EQ(a.size(), 1u);
  for (int i = 0; i < 5; ++i) core_->record_malformed(key_of("w1"), "undecodable frame");
  EXPECT_TRUE(record("w1").quarantined);
  std::vector<proto::RenderUnitSpec> b = grants(send("w2", hello(1), kStart), "w2");
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].unit_id, a[0].unit_id);
}

TEST_F(VerificationTest, ALapsedLeaseIsATimeoutAndItsLateResultEarnsNoCredit) {
  config_.lease_seconds = 2;
  reopen(kStart);
  job_ = submit(1, 0, 1, 1);
  std::vector<proto::RenderUnitSpec> a = grants(send("w1", hello(1), kStart), "w1");
  ASSERT_EQ(a.size(), 1u);
  std::vector<proto::RenderUnitSpec> again = grants(send("w1", proto::WorkerHeartbeat{}, kStart + 2001), "w1");
  EXPECT_EQ(record("w1").timed_out, 1u);
  send("w1", result_for(a[0]), kStart + 2002);
  EXPECT_EQ(core_->stats().results_late, 1u);
  EXPECT_TRUE(credits(a[0].unit_id).empty());
  ASSERT_EQ(again.size(), 1u);
  send("w1", result_for(again[0]), kStart + 2003);
  EXPECT_EQ(credits(a[0].unit_id).size(), 1u);
  EXPECT_EQ(record("w1").consecutive_timed_out, 0u) << "a result in time resets the streak";
}

TEST_F(VerificationTest, ARoutingIdReusedUnderAnotherKeyInheritsNothing) {
  auto [a, b] = two_replicas();
  // A newcomer under w1's routing id but another key is a stranger: it must introduce itself,
  // and w1's lease of the first unit goes to someone else.
  std::vector<Outgoing> out = send_as("w1", "key-impostor", proto::WorkerHeartbeat{}, kStart);
  bool asked_for_hello = false;
  for (const Outgoing& o : out) {
    asked_for_hello |=
        o.peer == "w1" && std::holds_alternative<proto::HelloRequired>(o.envelope.body);
  }
  EXPECT_TRUE(asked_for_hello);
  std::vector<proto::RenderUnitSpec> c = grants(send("w3", hello(1), kStart), "w3");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].unit_id, a.unit_id);
  send("w2", result_for(b), kStart);
  send("w3", result_for(c[0]), kStart);
  EXPECT_EQ(status(job_).units_done, 1u);
  std::set<std::string> credited;
  for (const auto& [key, credit] : credits(a.unit_id)) credited.insert(key);
  EXPECT_EQ(credited, (std::set<std::string>{key_of("w2"), key_of("w3")}));
}

}  // namespace
}  // namespace tf
