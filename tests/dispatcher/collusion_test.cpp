// The trust rules against colluding keys and the retroactive correction, in DispatcherCore with
// a fake clock: agreement among untrusted keys earns nothing, a quarantine reopens what rested
// on the key, wrong credit is reversed by ledger entries, and a key caught cheating forfeits
// its credit. Every check reads the ledger and the unit states the dispatcher keeps, against
// the synthetic renderer's independent truth (result_for).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dispatcher/ledger.h"
#include "dispatcher/trust_queries.h"
#include "tests/dispatcher/core_fixture.h"

namespace tf {
namespace {

using testing::CoreTest;
using testing::hello;
using testing::kStart;

class CollusionTest : public CoreTest {
 protected:
  // What every colluder returns for a unit: the same self-consistent wrong bytes.
  static proto::UnitResult colluded(const proto::RenderUnitSpec& spec) {
    proto::UnitResult r = result_for(spec);
    r.rgb[0] += 1.0f;
    r.result_hash = proto::result_hash(r.rgb, r.rays);
    return r;
  }
  static proto::UnitResult hash_only(proto::UnitResult r) {
    r.rgb.clear();
    return r;
  }
  // Ledger entries of one unit: (worker key, reversal) -> credit.
  std::map<std::pair<std::string, bool>, uint64_t> entries(uint64_t unit_id) {
    std::map<std::pair<std::string, bool>, uint64_t> out;
    Result<std::vector<LedgerEntry>> all = read_ledger_entries(core_->store().db());
    EXPECT_TRUE(all.is_ok()) << all.message();
    if (!all) return out;
    for (const LedgerEntry& e : all.value()) {
      if (e.grant.unit_id == unit_id) out[{e.grant.worker_key, e.grant.reversal}] = e.grant.credit;
    }
    return out;
  }
  // Net credit per key, as `tilefarm credits` reports it.
  std::map<std::string, uint64_t> net_credits() {
    std::map<std::string, uint64_t> out;
    Result<std::vector<proto::CreditRow>> rows = query_credits(core_->store().db());
    EXPECT_TRUE(rows.is_ok()) << rows.message();
    if (rows) {
      for (const proto::CreditRow& r : rows.value()) out[r.worker_key] = r.credit;
    }
    return out;
  }
  void expect_ledger_verifies() {
    Result<LedgerPublicKey> key = read_ledger_public_key(config_.state_dir);
    ASSERT_TRUE(key.is_ok()) << key.message();
    Result<LedgerVerification> check = verify_ledger(core_->store().db(), key.value());
    ASSERT_TRUE(check.is_ok()) << check.message();
    EXPECT_TRUE(check->ok()) << check->problem;
  }
  const WorkerRecord& record(const std::string& peer) {
    const WorkerRecord* r = core_->worker_record(key_of(peer));
    EXPECT_NE(r, nullptr) << peer;
    static const WorkerRecord kNone;
    return r ? *r : kNone;
  }
  // Quarantines a key for something other than wrong results (malformed messages).
  void quarantine_for_malformed(const std::string& peer) {
    core_->record_malformed(key_of(peer), "a refused message",
                            config_.trust.quarantine_after_malformed);
    tick(kStart);
    ASSERT_TRUE(record(peer).quarantined);
  }
  // Makes "a" the farm's auditor (with the rest of config_ as the test set it) and submits a
  // 2-of-2 job of `frames`.
  uint64_t start_audited_job(uint32_t frames = 1) {
    config_.auditors = {key_of("a")};
    reopen(kStart);
    return submit(frames, 0, 2, 2);
  }
  // The units granted to `peer` on its hello with `slots`: all of them, as the test expects.
  std::vector<proto::RenderUnitSpec> join(const std::string& peer, uint32_t slots) {
    std::vector<proto::RenderUnitSpec> units = grants(send(peer, hello(slots), kStart), peer);
    EXPECT_EQ(units.size(), slots) << peer;
    return units;
  }
  static const proto::RenderUnitSpec* find_unit(const std::vector<proto::RenderUnitSpec>& specs,
                                                uint64_t unit_id) {
    for (const auto& s : specs) {
      if (s.unit_id == unit_id) return &s;
    }
    return nullptr;
  }
};

TEST_F(CollusionTest, ColludersAcceptedBeforeTheFarmHadTrustAreReverifiedWhenOneFalls) {
  const uint64_t job = submit(2, 0, 2, 2);
  // A new farm (no auditor, no trusted key): two colluders' agreement accepts the unit.
  std::vector<proto::RenderUnitSpec> c1 = grants(send("c1", hello(1), kStart), "c1");
  std::vector<proto::RenderUnitSpec> c2 = grants(send("c2", hello(1), kStart), "c2");
  ASSERT_EQ(c1.size(), 1u);
  ASSERT_EQ(c2.size(), 1u);
  ASSERT_EQ(c1[0].unit_id, c2[0].unit_id);
  const uint64_t unit = c1[0].unit_id;
  send("c1", colluded(c1[0]), kStart);
  send("c2", hash_only(colluded(c2[0])), kStart);
  ASSERT_EQ(status(job).units_done, 1u);
  const uint64_t rays = result_for(c1[0]).rays;
  EXPECT_EQ(net_credits()[key_of("c1")], rays);

  // c1 is quarantined (for malformed messages): the acceptance rested on it and on c2, neither
  // trusted, so the unit is open again; c2's vote stands, c1's is withdrawn.
  quarantine_for_malformed("c1");
  EXPECT_EQ(core_->stats().units_reverified, 1u);
  EXPECT_EQ(status(job).units_done, 0u);
  std::vector<proto::RenderUnitSpec> h1 = grants(send("h1", hello(1), kStart), "h1");
  ASSERT_EQ(h1.size(), 1u);
  EXPECT_EQ(h1[0].unit_id, unit) << "the reopened unit goes out first";
  send("h1", result_for(h1[0]), kStart);
  EXPECT_EQ(status(job).units_done, 0u) << "c2's wrong hash against h1's: no quorum";
  std::vector<proto::RenderUnitSpec> h2 = grants(send("h2", hello(1), kStart), "h2");
  ASSERT_EQ(h2.size(), 1u);
  ASSERT_EQ(h2[0].unit_id, unit);
  send("h2", hash_only(result_for(h2[0])), kStart);
  EXPECT_EQ(status(job).units_done, 1u);

  // The wrong credit is reversed for both colluders; the honest keys are paid.
  const std::map<std::pair<std::string, bool>, uint64_t> expected = {
      {{key_of("c1"), false}, rays}, {{key_of("c1"), true}, rays},  {{key_of("c2"), false}, rays},
      {{key_of("c2"), true}, rays},  {{key_of("h1"), false}, rays}, {{key_of("h2"), false}, rays}};
  EXPECT_EQ(entries(unit), expected);
  std::map<std::string, uint64_t> net = net_credits();
  EXPECT_EQ(net[key_of("c1")], 0u);
  EXPECT_EQ(net[key_of("c2")], 0u);
  EXPECT_EQ(net[key_of("h1")], rays);
  EXPECT_EQ(core_->stats().credits_reversed, 2u);
  EXPECT_EQ(record("h1").invalid, 0u);
  expect_ledger_verifies();

  // The corrected state survives a restart: nothing is reopened or reversed again.
  reopen(kStart);
  EXPECT_EQ(status(job).units_done, 1u);
  EXPECT_EQ(entries(unit), expected);
}

TEST_F(CollusionTest, WithAnAuditorColludersNeverFormAQuorumAndTheAuditorDecides) {
  const uint64_t job = start_audited_job();
  const std::vector<proto::RenderUnitSpec> c1 = join("c1", 1), c2 = join("c2", 1);
  ASSERT_FALSE(c1.empty() || c2.empty());
  EXPECT_NE(c1[0].unit_id, c2[0].unit_id) << "two untrusted keys never hold one unit together";
  const std::vector<proto::RenderUnitSpec> audits = join("a", 2);
  send("c1", colluded(c1[0]), kStart);
  send("c2", colluded(c2[0]), kStart);
  for (const auto& spec : audits) send("a", result_for(spec), kStart);
  EXPECT_EQ(status(job).units_done, 2u);
  EXPECT_EQ(record("c1").invalid, 1u) << "losing to the auditor is a fault";
  EXPECT_EQ(record("c1").consecutive_valid, 0u);
  EXPECT_EQ(entries(c1[0].unit_id), (std::map<std::pair<std::string, bool>, uint64_t>{
                                        {{key_of("a"), false}, result_for(c1[0]).rays}}));
}

TEST_F(CollusionTest, AKeyCaughtCheatingForfeitsAllItsCredit) {
  const uint64_t job = start_audited_job();
  const std::vector<proto::RenderUnitSpec> t = join("t", 3), a = join("a", 3);
  ASSERT_TRUE(t.size() == 3 && a.size() == 3);
  // One honest result, then two wrong ones, each judged by the auditor.
  send("t", result_for(t[0]), kStart);
  send("t", colluded(t[1]), kStart);
  send("t", colluded(t[2]), kStart);
  for (const auto& spec : t) {
    const proto::RenderUnitSpec* audit = find_unit(a, spec.unit_id);
    ASSERT_NE(audit, nullptr);
    send("a", result_for(*audit), kStart);
  }
  EXPECT_EQ(status(job).units_done, 3u);
  ASSERT_TRUE(record("t").quarantined);
  EXPECT_NE(record("t").quarantine_reason.find("lost a quorum"), std::string::npos);
  const uint64_t rays = result_for(t[0]).rays;
  EXPECT_EQ(
      entries(t[0].unit_id),
      (std::map<std::pair<std::string, bool>, uint64_t>{
          {{key_of("a"), false}, rays}, {{key_of("t"), false}, rays}, {{key_of("t"), true}, rays}}))
      << "its honest unit stays accepted (the auditor vouched for it) but its credit is forfeit";
  EXPECT_EQ(net_credits()[key_of("t")], 0u);
  EXPECT_EQ(core_->stats().units_reverified, 0u);
  expect_ledger_verifies();
}

TEST_F(CollusionTest, ASingleReplicaResultOfAFallenTrustedKeyIsRedoneAndItsCreditReversed) {
  config_.trust.trust_after = 1;
  config_.trust.spot_check_rate = 0.0;
  const uint64_t job = start_audited_job(2);
  // Every unit granted to the auditor, whoever's message the grant followed.
  std::vector<proto::RenderUnitSpec> audits;
  const auto step = [&](const std::string& peer, proto::Body body) {
    std::vector<Outgoing> out = send(peer, std::move(body), kStart);
    for (const auto& g : grants(out, "a")) audits.push_back(g);
    return grants(out, peer);
  };
  const auto audit_of = [&](uint64_t unit_id) { return find_unit(audits, unit_id); };
  std::vector<proto::RenderUnitSpec> t = step("t", hello(1));
  step("a", hello(1));
  ASSERT_EQ(t.size(), 1u);
  ASSERT_NE(audit_of(t[0].unit_id), nullptr);
  step("a", hash_only(result_for(*audit_of(t[0].unit_id))));
  // Vouched for by the auditor, t is trusted: its next unit goes to it alone, and it cheats.
  std::vector<proto::RenderUnitSpec> single = step("t", result_for(t[0]));
  ASSERT_EQ(single.size(), 1u);
  ASSERT_EQ(single[0].replica, 0u);
  const uint64_t done = status(job).units_done;
  step("t", colluded(single[0]));
  ASSERT_EQ(status(job).units_done, done + 1) << "accepted on its one hash";

  quarantine_for_malformed("t");
  EXPECT_EQ(core_->stats().units_reverified, 1u)
      << "only the unit no other trusted key vouched for is reopened";
  EXPECT_EQ(status(job).units_done, done);
  // Verified in full this time: an untrusted key and the auditor, which reports what it holds
  // until the reopened unit reaches it.
  std::vector<proto::RenderUnitSpec> h = step("h", hello(1));
  const proto::RenderUnitSpec* redo = find_unit(h, single[0].unit_id);
  ASSERT_NE(redo, nullptr);
  step("h", result_for(*redo));
  for (size_t i = 0; i < audits.size() && audit_of(single[0].unit_id) == nullptr; ++i) {
    step("a", result_for(audits[i]));
  }
  ASSERT_NE(audit_of(single[0].unit_id), nullptr);
  step("a", hash_only(result_for(*audit_of(single[0].unit_id))));
  const uint64_t rays = result_for(single[0]).rays;
  EXPECT_EQ(entries(single[0].unit_id),
            (std::map<std::pair<std::string, bool>, uint64_t>{{{key_of("t"), false}, rays},
                                                              {{key_of("t"), true}, rays},
                                                              {{key_of("h"), false}, rays},
                                                              {{key_of("a"), false}, rays}}));
  EXPECT_EQ(net_credits()[key_of("t")], result_for(t[0]).rays)
      << "quarantined for malformed messages, not for wrong results: its good credit stands";
  expect_ledger_verifies();
}

TEST_F(CollusionTest, AnHonestFarmLeavingItsBootstrapFinishesEveryJob) {
  // Units whose replicas went to untrusted keys before the farm had a trusted key wait for a
  // trusted vote; when one of their voters earns trust meanwhile, they must still be accepted.
  config_.trust.trust_after = 2;
  reopen(kStart);
  const std::vector<std::string> peers = {"w1", "w2", "w3", "w4", "w5"};
  std::map<std::string, std::vector<proto::RenderUnitSpec>> held;
  const auto deliver = [&](const std::vector<Outgoing>& out) {
    for (const std::string& p : peers) {
      for (const auto& g : grants(out, p)) held[p].push_back(g);
    }
  };
  const uint64_t job = submit(3, 0, 2, 2);
  for (const std::string& p : peers) deliver(send(p, hello(3), kStart));
  for (int round = 0; round < 200 && status(job).state != proto::JobState::kDone; ++round) {
    // Workers answer in turn, one unit each per round: votes arrive spread over time.
    for (const std::string& p : peers) {
      if (held[p].empty()) {
        deliver(send(p, proto::WorkerHeartbeat{}, kStart));
        continue;
      }
      const proto::RenderUnitSpec spec = held[p].front();
      held[p].erase(held[p].begin());
      deliver(send(p, spec.upload_bytes ? result_for(spec) : hash_only(result_for(spec)), kStart));
    }
  }
  EXPECT_EQ(status(job).state, proto::JobState::kDone)
      << status(job).units_done << " of " << status(job).units_total << " units";
}

TEST_F(CollusionTest, AFinishedJobListsItsAffectedFramesUntilResubmitted) {
  config_.trust.trust_after = 100;  // neither key earns trust in this job
  reopen(kStart);
  const uint64_t job = submit(2, 0, 2, 2);
  std::map<std::string, std::vector<proto::RenderUnitSpec>> held;
  const auto deliver = [&](const std::vector<Outgoing>& out) {
    for (const std::string p : {"c1", "c2", "h"}) {
      for (const auto& g : grants(out, p)) held[p].push_back(g);
    }
  };
  // Answers what `peers` hold, honestly, until the job is done.
  const auto run = [&](const std::vector<std::string>& peers) {
    for (int round = 0; round < 100 && status(job).state != proto::JobState::kDone; ++round) {
      for (const std::string& p : peers) {
        std::vector<proto::RenderUnitSpec> specs = std::exchange(held[p], {});
        if (specs.empty()) deliver(send(p, proto::WorkerHeartbeat{}, kStart));
        for (const auto& spec : specs) {
          deliver(
              send(p, spec.upload_bytes ? result_for(spec) : hash_only(result_for(spec)), kStart));
        }
      }
    }
  };
  // A new farm of two keys: every unit rests on both (neither was trusted).
  deliver(send("c1", hello(4), kStart));
  deliver(send("c2", hello(4), kStart));
  run({"c1", "c2"});
  ASSERT_EQ(status(job).state, proto::JobState::kDone);
  EXPECT_TRUE(status(job).affected_frames.empty());
  const std::vector<Outgoing> refused = send("client", proto::ResubmitRequest{job}, kStart);
  ASSERT_NE(std::get_if<proto::ErrorReply>(&refused.at(0).envelope.body), nullptr)
      << "a job with no affected units is not resubmitted";

  quarantine_for_malformed("c1");
  EXPECT_EQ(core_->stats().units_reverified, 0u)
      << "a finished job is not reopened behind its client";
  const proto::JobStatus affected = status(job);
  EXPECT_EQ(affected.state, proto::JobState::kDone);
  EXPECT_EQ(affected.affected_frames, (std::vector<uint32_t>{1, 2}));
  EXPECT_NE(affected.message.find("resubmit " + std::to_string(job) + " --affected"),
            std::string::npos)
      << affected.message;

  const std::vector<Outgoing> ack = send("client", proto::ResubmitRequest{job}, kStart);
  ASSERT_NE(std::get_if<proto::Ack>(&ack.at(0).envelope.body), nullptr);
  EXPECT_EQ(status(job).state, proto::JobState::kRunning);
  EXPECT_EQ(status(job).units_done, 0u);
  EXPECT_EQ(core_->stats().units_reverified, status(job).units_total);
  deliver(send("h", hello(4), kStart));
  run({"c2", "h"});
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
  EXPECT_TRUE(status(job).affected_frames.empty());
  // c1's results were right: withdrawn for its quarantine, their credit stands.
  EXPECT_EQ(core_->stats().credits_reversed, 0u);
  expect_ledger_verifies();
}

}  // namespace
}  // namespace tf
