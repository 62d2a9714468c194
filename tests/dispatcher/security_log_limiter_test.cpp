// PeerLogLimiter (dispatcher/server.h): a flood of rejections from one key yields at most
// per_key lines per window, other keys still get theirs, and dropped lines are summarised.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dispatcher/server.h"

namespace tf {
namespace {

TEST(PeerLogLimiter, BoundsLinesPerKeyAndInAll) {
  std::vector<std::string> lines;
  PeerLogLimiter limiter([&](const std::string& line) { lines.push_back(line); }, 3, 5, 1000);
  for (int i = 0; i < 10000; ++i) limiter.log("attacker", "bad " + std::to_string(i), 100);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], "bad 2");
  limiter.log("honest", "one", 200);
  limiter.log("other", "two", 300);
  limiter.log("third", "three", 400);  // over the total of 5
  EXPECT_EQ(lines.size(), 5u);
  // The next window starts with a summary of what was dropped (9997 + 1), then logs again.
  limiter.log("attacker", "later", 1100);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_NE(lines[5].find("9998"), std::string::npos) << lines[5];
  EXPECT_EQ(lines[6], "later");
}

TEST(PeerLogLimiter, NoSummaryWhenNothingWasDropped) {
  std::vector<std::string> lines;
  PeerLogLimiter limiter([&](const std::string& line) { lines.push_back(line); }, 3, 5, 1000);
  limiter.log("a", "x", 0);
  limiter.log("a", "y", 5000);
  EXPECT_EQ(lines, (std::vector<std::string>{"x", "y"}));
}

}  // namespace
}  // namespace tf
