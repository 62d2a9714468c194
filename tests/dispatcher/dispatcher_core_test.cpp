// DispatcherCore driven directly with a fake clock: the job lifecycle, idempotent result
// intake, lease expiry, worker death, restart from the store, failures and cancellation, with
// one replica per unit (verification: verification_test.cpp).
#include <gtest/gtest.h>

#include "tests/dispatcher/core_fixture.h"

namespace tf {
namespace {

using proto::Envelope;
using testing::CoreTest;
using testing::hello;
using testing::kStart;

TEST_F(CoreTest, RendersAJobToImagesEqualToTheIndependentSum) {
  const uint64_t job = submit(2);
  EXPECT_EQ(status(job).units_total, 24u);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(3), kStart), "w1");
  ASSERT_EQ(leased.size(), 3u) << "a worker gets as many units as it has slots";
  work_until_idle("w1", leased, kStart);
  const proto::JobStatus s = status(job);
  EXPECT_EQ(s.state, proto::JobState::kDone) << s.message;
  EXPECT_EQ(s.units_done, 24u);
  EXPECT_EQ(s.frames_done, 2u);
  expect_frame_matches_synthetic(job, 1);
  expect_frame_matches_synthetic(job, 2);
}

TEST_F(CoreTest, AResultBatchIsTakenResultByResultAsSeparateResultsWouldBe) {
  const uint64_t job = submit(1);  // 12 units
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(4), kStart), "w1");
  ASSERT_EQ(leased.size(), 4u);
  proto::ResultBatch batch;
  for (const proto::RenderUnitSpec& spec : leased) batch.results.push_back(result_for(spec));
  batch.results.push_back(result_for(leased[0]));  // a duplicate inside the batch
  proto::UnitResult forged = result_for(leased[1]);
  forged.lease_id = 999;  // a lease this key was never granted
  batch.results.push_back(forged);
  std::vector<proto::RenderUnitSpec> next = grants(send("w1", batch, kStart), "w1");
  EXPECT_EQ(status(job).units_done, 4u);
  EXPECT_EQ(core_->stats().result_batches, 1u);
  EXPECT_EQ(core_->stats().results_duplicate, 1u);
  EXPECT_EQ(core_->stats().results_rejected, 1u);
  EXPECT_EQ(next.size(), 4u) << "the freed slots are granted again";
  // The rest of the job, one batch per grant, renders the same frame as single results do.
  while (!next.empty()) {
    proto::ResultBatch more;
    for (const proto::RenderUnitSpec& spec : next) more.results.push_back(result_for(spec));
    next = grants(send("w1", more, kStart), "w1");
  }
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
  EXPECT_EQ(status(job).units_done, 12u);
  expect_frame_matches_synthetic(job, 1);
}

TEST_F(CoreTest, DuplicateAndLateResultsNeverCountTwice) {
  config_.lease_seconds = 2;  // shorter than liveness: a lease lapses while w1 stays alive
  reopen(kStart);
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> first = grants(send("w1", hello(1), kStart), "w1");
  ASSERT_EQ(first.size(), 1u);
  // The result frees w1's slot: the next unit comes with the answer.
  std::vector<proto::RenderUnitSpec> slow = grants(send("w1", result_for(first[0]), kStart), "w1");
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_TRUE(grants(send("w1", result_for(first[0]), kStart), "w1").empty());  // duplicate
  EXPECT_EQ(status(job).units_done, 1u);
  EXPECT_EQ(core_->stats().results_duplicate, 1u);

  // The lapsed unit goes out again first, under a new lease id; the late result of the lapsed
  // lease is dropped (no vote, no credit), the result of the new lease counts, once.
  const int64_t later = kStart + 2001;
  std::vector<proto::RenderUnitSpec> retry = grants(send("w1", proto::WorkerHeartbeat{}, later), "w1");
  EXPECT_EQ(core_->stats().leases_lapsed, 1u);
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].unit_id, slow[0].unit_id);
  EXPECT_NE(retry[0].lease_id, slow[0].lease_id);
  send("w1", result_for(slow[0]), later);
  EXPECT_EQ(status(job).units_done, 1u);
  EXPECT_EQ(core_->stats().results_late, 1u);
  send("w1", result_for(retry[0]), later);
  EXPECT_EQ(status(job).units_done, 2u);
  send("w1", result_for(retry[0]), later);
  EXPECT_EQ(status(job).units_done, 2u);
  EXPECT_EQ(core_->stats().results_duplicate, 2u);
}

TEST_F(CoreTest, ResultsWithABadHashOrSizeAreRejectedAndTheUnitRequeued) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(1), kStart), "w1");
  proto::UnitResult bad = result_for(leased[0]);
  bad.rgb[0] += 1.0f;  // no longer matches its hash
  std::vector<proto::RenderUnitSpec> again = grants(send("w1", bad, kStart), "w1");
  EXPECT_EQ(core_->stats().results_rejected, 1u);
  EXPECT_EQ(status(job).units_done, 0u);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].unit_id, leased[0].unit_id) << "a rejected unit goes out again first";
}

TEST_F(CoreTest, ASilentWorkerIsDeclaredDeadAndItsUnitsGoElsewhere) {
  submit(1);
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(2), kStart), "w1");
  ASSERT_EQ(held.size(), 2u);
  grants(send("w2", hello(2), kStart), "w2");
  const int64_t later = kStart + config_.heartbeat_interval_ms * config_.liveness + 1;
  send("w2", proto::WorkerHeartbeat{}, later);  // w2 lives, w1 is silent
  EXPECT_EQ(core_->stats().leases_lapsed, 2u);
  // w2 got w1's units as soon as its own slots free up.
  std::vector<proto::RenderUnitSpec> w2_more = grants(send("w2", proto::WorkerHeartbeat{}, later), "w2");
  (void)w2_more;
  std::vector<Outgoing> out = send("w1", proto::WorkerHeartbeat{}, later);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<proto::HelloRequired>(out[0].envelope.body))
      << "a worker declared dead must introduce itself again";
}

TEST_F(CoreTest, ALeavingWorkersReturnedUnitsGoOutAgainAtOnce) {
  submit(1);
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(2), kStart), "w1");
  ASSERT_EQ(held.size(), 2u);
  send("w1", proto::UnitReturn{{held[0].lease_id, held[1].lease_id}, true}, kStart);
  std::vector<proto::RenderUnitSpec> taken = grants(send("w2", hello(2), kStart), "w2");
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].unit_id, held[1].unit_id);  // returned units first (most recent first)
  EXPECT_EQ(taken[1].unit_id, held[0].unit_id);
  EXPECT_EQ(core_->stats().leases_lapsed, 0u) << "returned, not lapsed";
  bool asked_for_hello = false;
  for (const Outgoing& o : send("w1", proto::WorkerHeartbeat{}, kStart)) {
    asked_for_hello |= o.peer == "w1" && std::holds_alternative<proto::HelloRequired>(o.envelope.body);
  }
  EXPECT_TRUE(asked_for_hello) << "a worker that left is forgotten";
}

TEST_F(CoreTest, RestartFromTheStoreFinishesWithTheSameBytes) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(4), kStart), "w1");
  ASSERT_EQ(leased.size(), 4u);
  std::vector<proto::RenderUnitSpec> fifth = grants(send("w1", result_for(leased[0]), kStart), "w1");
  ASSERT_EQ(fifth.size(), 1u);
  reopen(kStart + 10);  // as after kill -9: in-memory state gone
  EXPECT_EQ(status(job).units_done, 1u);
  // The restarted dispatcher does not know w1 until it says hello again; a result from it
  // still counts.
  std::vector<Outgoing> out = send("w1", result_for(leased[1]), kStart + 20);
  ASSERT_FALSE(out.empty());
  EXPECT_TRUE(std::holds_alternative<proto::HelloRequired>(out.back().envelope.body));
  EXPECT_EQ(status(job).units_done, 2u);
  std::vector<proto::RenderUnitSpec> more = grants(
      send("w1", hello(4, {leased[2].lease_id, leased[3].lease_id, fifth[0].lease_id}), kStart + 20),
      "w1");
  // w1 still holds leased[2..3] and the fifth (restored from the store): one slot is free.
  EXPECT_EQ(more.size(), 1u);
  more.push_back(leased[2]);
  more.push_back(leased[3]);
  more.push_back(fifth[0]);
  work_until_idle("w1", more, kStart + 30);
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
  expect_frame_matches_synthetic(job, 1);
}

TEST_F(CoreTest, LeasesAWorkerNoLongerHoldsGoOutAgainWhenItSaysHello) {
  // After a dispatcher restart or a lost connection, a grant or a result may be lost in
  // flight: the worker's hello lists what it still holds, and the rest must not wait for
  // the lease deadline.
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(2), kStart), "w1");
  ASSERT_EQ(leased.size(), 2u);
  reopen(kStart + 10);
  std::vector<proto::RenderUnitSpec> again =
      grants(send("w1", hello(2, {leased[1].lease_id}), kStart + 20), "w1");
  ASSERT_EQ(again.size(), 1u) << "one slot was free: the lost lease's unit";
  EXPECT_EQ(again[0].unit_id, leased[0].unit_id);
  EXPECT_NE(again[0].lease_id, leased[0].lease_id);
  again.push_back(leased[1]);
  work_until_idle("w1", again, kStart + 30);
  EXPECT_EQ(status(job).state, proto::JobState::kDone);
  expect_frame_matches_synthetic(job, 1);
}

TEST_F(CoreTest, RepeatedFailuresFailTheJobWithTheReason) {
  config_.max_attempts = 2;
  reopen(kStart);
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(1), kStart), "w1");
  std::vector<proto::RenderUnitSpec> again =
      grants(send("w1", proto::UnitFailure{leased[0].lease_id, leased[0].unit_id, "out of memory"}, kStart), "w1");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].unit_id, leased[0].unit_id);
  send("w1", proto::UnitFailure{again[0].lease_id, again[0].unit_id, "out of memory"}, kStart);
  const proto::JobStatus s = status(job);
  EXPECT_EQ(s.state, proto::JobState::kFailed);
  EXPECT_NE(s.message.find("out of memory"), std::string::npos) << s.message;
}

TEST_F(CoreTest, CancelStopsDispatchAndDropsLateResults) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(1), kStart), "w1");
  std::vector<Outgoing> out = send("client", proto::CancelRequest{job}, kStart);
  EXPECT_TRUE(std::holds_alternative<proto::Ack>(out.at(0).envelope.body));
  EXPECT_TRUE(grants(send("w1", result_for(leased[0]), kStart), "w1").empty());
  EXPECT_EQ(status(job).state, proto::JobState::kCancelled);
  EXPECT_EQ(status(job).units_done, 0u);
  out = send("client", proto::CancelRequest{job}, kStart);
  EXPECT_TRUE(std::holds_alternative<proto::ErrorReply>(out.at(0).envelope.body));
}

TEST_F(CoreTest, RefusesJobsWhoseBundleWasNotUploaded) {
  proto::SubmitJob job{"x", blake2b_256(std::string_view("missing")), {{1, "s.pbrt", 8, 8}}, 8, 1, 1, 0};
  std::vector<Outgoing> out = send("client", job, kStart);
  const auto* error = std::get_if<proto::ErrorReply>(&out.at(0).envelope.body);
  ASSERT_NE(error, nullptr);
  EXPECT_NE(error->message.find("not uploaded"), std::string::npos) << error->message;
  EXPECT_TRUE(core_->job_statuses(0).empty());
}

TEST_F(CoreTest, HigherPriorityJobsGoFirst) {
  const uint64_t low = submit(1, 0);
  const uint64_t high = submit(1, 5);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(3), kStart), "w1");
  ASSERT_EQ(leased.size(), 3u);
  for (const auto& u : leased) EXPECT_EQ(u.job_id, high);
  (void)low;
}

}  // namespace
}  // namespace tf
