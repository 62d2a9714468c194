// DispatcherCore as the farm's throughput and a stuck job's user see it: a worker that
// finishes units fast is given more than its declared slots (lease_sizer.h), and a job that
// the connected workers cannot serve says why in its status.
#include <algorithm>

#include "tests/dispatcher/core_fixture.h"

namespace tf::testing {
namespace {

using SizingTest = CoreTest;

TEST_F(SizingTest, AFastWorkerIsGivenAboutTwoSecondsOfWork) {
  submit(400);  // 4,800 units of 8x8 px x 4 samples (fewer at the frames' right and top edges)
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(2), kStart), "w1");
  ASSERT_EQ(held.size(), 2u) << "an unmeasured worker gets its declared slots";
  // The worker returns every unit it holds 1 ms of fake time apart, one loop iteration each
  // millisecond, for 1.5 s: about 1,000 units per second.
  int64_t now = kStart;
  size_t most_held = 0;
  while (now < kStart + 1500 && !held.empty()) {
    std::vector<Outgoing> out;
    now += 1;
    proto::RenderUnitSpec spec = held.front();
    held.erase(held.begin());
    ASSERT_TRUE(core_->handle("w1", key_of("w1"), {0, result_for(spec)}, now, &out).is_ok());
    ASSERT_TRUE(core_->tick(now, &out).is_ok());
    ASSERT_TRUE(core_->commit().is_ok());
    for (const auto& more : grants(out, "w1")) held.push_back(more);
    most_held = std::max(most_held, held.size());
  }
  // 2 s at ~1,000 units/s is ~2,000 units; the estimate blends windows, so allow a wide band
  // but far above the 2 declared slots.
  EXPECT_GT(most_held, 1000u);
  EXPECT_LT(most_held, 3000u);
}

TEST_F(SizingTest, AJobNeedingMoreDistinctOwnersThanConnectedSaysSo) {
  const uint64_t job = submit(1, 0, /*replication=*/2, /*quorum=*/2);
  EXPECT_NE(status(job).message.find("no"), std::string::npos) << status(job).message;
  send("w1", hello(2), kStart);
  const std::string one = status(job).message;
  EXPECT_NE(one.find("needs 2 replicas"), std::string::npos) << one;
  EXPECT_NE(one.find("1 such worker"), std::string::npos) << one;
  // A second worker of the same owner does not help: replicas need distinct owners.
  send("w2", hello(2, {}, key_of("w1")), kStart);
  EXPECT_NE(status(job).message.find("1 such worker"), std::string::npos) << status(job).message;
  send("w3", hello(2), kStart);
  EXPECT_EQ(status(job).message, "");
}

}  // namespace
}  // namespace tf::testing
