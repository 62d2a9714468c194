// A worker whose machine became busy (worker/idle_policy.h) hands its queued units back with
// UnitReturn.pausing: the dispatcher leases it nothing until its next hello, takes the results
// of the units it still runs, and holds nothing of the pause against its reputation.
#include <gtest/gtest.h>

#include "tests/dispatcher/core_fixture.h"

namespace tf {
namespace {

using testing::CoreTest;
using testing::hello;
using testing::kStart;

TEST_F(CoreTest, APausedWorkerGetsNoLeasesUntilItsNextHelloAndKeepsAClearRecord) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(3), kStart), "w1");
  ASSERT_EQ(held.size(), 3u);
  // held[0] is running; the two queued ones go back.
  proto::UnitReturn pause{{held[1].lease_id, held[2].lease_id}, false, true};
  EXPECT_TRUE(grants(send("w1", pause, kStart), "w1").empty()) << "nothing new for a paused worker";
  EXPECT_NE(status(job).message.find("paused"), std::string::npos) << status(job).message;

  // Its running unit's result counts as usual, and frees no slot for new work.
  EXPECT_TRUE(grants(send("w1", result_for(held[0]), kStart + 100), "w1").empty());
  EXPECT_EQ(status(job).units_done, 1u);
  for (int64_t t = kStart + 500; t < kStart + 2500; t += 500) {
    EXPECT_TRUE(grants(send("w1", proto::WorkerHeartbeat{}, t), "w1").empty()) << "at " << t;
  }

  // Another worker gets the returned units first.
  std::vector<proto::RenderUnitSpec> taken = grants(send("w2", hello(2), kStart + 2500), "w2");
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].unit_id, held[2].unit_id);
  EXPECT_EQ(taken[1].unit_id, held[1].unit_id);
  EXPECT_TRUE(status(job).message.empty()) << status(job).message;

  // Hello again: w1 takes work again.
  EXPECT_EQ(grants(send("w1", hello(3, {}), kStart + 3000), "w1").size(), 3u);

  EXPECT_EQ(core_->stats().leases_lapsed, 0u) << "handed back, not lapsed";
  const WorkerRecord* record = core_->worker_record(key_of("w1"));
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->timed_out, 0u);
  EXPECT_EQ(record->errors, 0u);
  EXPECT_EQ(record->malformed, 0u);
  EXPECT_FALSE(record->quarantined);
}

TEST_F(CoreTest, AReturnWithoutPausingLeavesTheWorkerEligible) {
  // The contrast to the test above: the same return without the flag is followed by new work.
  submit(1);
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(3), kStart), "w1");
  ASSERT_EQ(held.size(), 3u);
  proto::UnitReturn back{{held[1].lease_id, held[2].lease_id}, false, false};
  EXPECT_EQ(grants(send("w1", back, kStart), "w1").size(), 2u);
}

TEST_F(CoreTest, AJobThatNeedsMoreWorkersCountsThePausedOnes) {
  const uint64_t job = submit(1, 0, 2, 2);
  grants(send("w1", hello(2), kStart), "w1");
  send("w2", hello(2), kStart);
  send("w2", proto::UnitReturn{{}, false, true}, kStart);
  const std::string message = status(job).message;
  EXPECT_NE(message.find("1 such worker is connected"), std::string::npos) << message;
  EXPECT_NE(message.find("1 more are paused"), std::string::npos) << message;
}

}  // namespace
}  // namespace tf
