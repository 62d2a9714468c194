// The pieces of flood resistance (dispatcher/zap_flood_guard.h) on a hand-driven clock:
// rejection windows per key (the mute decision and the once-per-window report) and the set of
// muted keys shared with the ZAP handler.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "dispatcher/zap_flood_guard.h"

namespace tf {
namespace {

constexpr FloodLimits kLimits{3, 100, 500};  // more than 3 rejections in 100 ms: muted 500 ms

TEST(RejectionTally, TheRejectionPastTheLimitMutesOncePerWindow) {
  RejectionTally tally(kLimits);
  std::vector<bool> mutes;
  for (int64_t t = 0; t < 6; ++t) mutes.push_back(tally.add("k", "reason " + std::to_string(t), t));
  EXPECT_EQ(mutes, (std::vector<bool>{false, false, false, true, false, false}));
  EXPECT_TRUE(tally.take_ended(99).empty()) << "the window opened at 0 lasts 100 ms";
  std::vector<RejectionTally::Window> ended = tally.take_ended(100);
  ASSERT_EQ(ended.size(), 1u);
  EXPECT_EQ(ended[0].key, "k");
  EXPECT_EQ(ended[0].count, 6u);
  EXPECT_EQ(ended[0].first_reason, "reason 0");
  EXPECT_TRUE(tally.take_ended(10000).empty()) << "a window is reported once";
  // A new window starts from zero.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(tally.add("k", "again", 150));
  EXPECT_TRUE(tally.add("k", "again", 160));
}

TEST(RejectionTally, KeysHaveWindowsOfTheirOwnReportedOldestFirst) {
  RejectionTally tally(kLimits);
  EXPECT_FALSE(tally.add("a", "a0", 0));
  EXPECT_FALSE(tally.add("b", "b0", 40));
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(tally.add("a", "a1", 50));
  EXPECT_FALSE(tally.add("b", "b1", 60)) << "b's rejections do not count against a";
  EXPECT_EQ(tally.take_ended(120).size(), 1u);  // a's window (0..100) only
  std::vector<RejectionTally::Window> rest = tally.take_ended(std::numeric_limits<int64_t>::max());
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].key, "b");
  EXPECT_EQ(rest[0].count, 2u);
  EXPECT_EQ(rest[0].first_reason, "b0");
}

TEST(RejectionTally, AFullTableTalliesNoNewKey) {
  RejectionTally tally(kLimits, 2);
  EXPECT_FALSE(tally.add("a", "x", 0));
  EXPECT_FALSE(tally.add("b", "x", 0));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(tally.add("c", "x", 1));
  EXPECT_EQ(tally.take_ended(std::numeric_limits<int64_t>::max()).size(), 2u);
  EXPECT_FALSE(tally.add("c", "x", 200)) << "room again once the windows were taken";
}

TEST(MutedKeys, AMuteLastsItsCoolDownAndKeepsTheLongerOne) {
  MutedKeys muted;
  EXPECT_FALSE(muted.is_muted("k", 0));
  muted.mute("k", 1000, 500);
  EXPECT_TRUE(muted.is_muted("k", 1000));
  EXPECT_TRUE(muted.is_muted("k", 1499));
  EXPECT_FALSE(muted.is_muted("k", 1500));
  EXPECT_FALSE(muted.is_muted("other", 1200));
  muted.mute("k", 1100, 100);  // shorter than what is left: the mute until 1500 stands
  EXPECT_TRUE(muted.is_muted("k", 1400));
  muted.mute("other", 2000, 10);  // sweeps k's ended mute; other is muted now
  EXPECT_FALSE(muted.is_muted("k", 2000));
  EXPECT_TRUE(muted.is_muted("other", 2005));
}

}  // namespace
}  // namespace tf
