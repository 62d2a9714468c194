// Frames planned as their job's queue needs them (dispatcher/frame_planning.cpp): a job's
// total is known from its submission, its frames' units are written only as the queue runs
// low, across restarts too, and the frames come out as if every frame had been planned at once
// (compared with the independent sum of their synthetic tiles).
#include <gtest/gtest.h>

#include <set>

#include "tests/dispatcher/core_fixture.h"

namespace tf {
namespace {

using testing::CoreTest;
using testing::hello;
using testing::kStart;

// Each frame of job_of() is 12 units: a job plans one frame ahead of its grants.
class FramePlanningTest : public CoreTest {
 protected:
  void SetUp() override {
    config_.plan_ahead_units = 12;
    CoreTest::SetUp();
  }

  // The frames that have unit rows in the store.
  std::set<uint32_t> planned_frames() {
    Result<StoreSnapshot> snap = core_->store().load();
    EXPECT_TRUE(snap.is_ok()) << snap.message();
    std::set<uint32_t> frames;
    if (snap) {
      for (const UnitRow& u : snap->units) frames.insert(u.frame);
    }
    return frames;
  }
};

TEST_F(FramePlanningTest, AJobsFramesArePlannedAsItsQueueRunsLow) {
  const uint64_t job = submit(3);
  EXPECT_EQ(status(job).units_total, 36u) << "the total counts the frames not planned yet";
  EXPECT_EQ(planned_frames(), (std::set<uint32_t>{1}));
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(4), kStart), "w1");
  ASSERT_EQ(leased.size(), 4u);
  for (const proto::RenderUnitSpec& spec : leased) EXPECT_EQ(spec.frame, 1u);
  // Frame 1's queue fell below 12 when the grant left: frame 2 is planned at the next one.
  std::vector<proto::RenderUnitSpec> refill =
      grants(send("w1", result_for(leased[0]), kStart), "w1");
  EXPECT_EQ(planned_frames(), (std::set<uint32_t>{1, 2}));
  EXPECT_EQ(status(job).units_total, 36u);
  leased.erase(leased.begin());
  leased.insert(leased.end(), refill.begin(), refill.end());
  work_until_idle("w1", leased, kStart);
  const proto::JobStatus s = status(job);
  EXPECT_EQ(s.state, proto::JobState::kDone) << s.message;
  EXPECT_EQ(s.units_done, 36u);
  EXPECT_EQ(s.frames_done, 3u);
  for (uint32_t frame = 1; frame <= 3; ++frame) expect_frame_matches_synthetic(job, frame);
}

TEST_F(FramePlanningTest, FramesNotPlannedBeforeARestartArePlannedAfterIt) {
  const uint64_t job = submit(3);
  reopen(kStart + 10);  // as after kill -9: only frame 1 has units in the store
  EXPECT_EQ(planned_frames(), (std::set<uint32_t>{1}));
  EXPECT_EQ(status(job).units_total, 36u);
  EXPECT_EQ(status(job).frames_done, 0u) << "a frame without units is not an assembled one";
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(4), kStart + 20), "w1");
  ASSERT_EQ(leased.size(), 4u);
  grants(send("w1", result_for(leased[0]), kStart + 20), "w1");
  reopen(kStart + 30);  // frames 1 and 2 planned, one unit accepted
  EXPECT_EQ(planned_frames(), (std::set<uint32_t>{1, 2}));
  EXPECT_EQ(status(job).units_total, 36u);
  EXPECT_EQ(status(job).units_done, 1u);
  leased = grants(send("w1", hello(4), kStart + 40), "w1");
  work_until_idle("w1", leased, kStart + 40);
  const proto::JobStatus s = status(job);
  EXPECT_EQ(s.state, proto::JobState::kDone) << s.message;
  EXPECT_EQ(s.units_done, 36u);
  for (uint32_t frame = 1; frame <= 3; ++frame) expect_frame_matches_synthetic(job, frame);
}

TEST_F(FramePlanningTest, ACancelledJobPlansNoMoreFrames) {
  const uint64_t job = submit(3);
  send("client", proto::CancelRequest{job}, kStart);
  std::vector<proto::RenderUnitSpec> leased = grants(send("w1", hello(4), kStart), "w1");
  EXPECT_TRUE(leased.empty());
  tick(kStart + 10);
  EXPECT_EQ(planned_frames(), (std::set<uint32_t>{1}));
  EXPECT_EQ(status(job).state, proto::JobState::kCancelled);
}

}  // namespace
}  // namespace tf
