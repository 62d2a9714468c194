// Regression test for a batch spec whose sweeps multiply out to 10^8 runs in 188 bytes
// (corpus/batch_spec/oom-sweeps-expand-to-1e8-runs.toml): parse_batch must refuse it, naming
// the limit, rather than let expand_runs exhaust memory.
#include <gtest/gtest.h>

#include <string>

#include "formats/sim/batch_spec.h"

namespace tf::sim {
namespace {

std::string gray_scott_batch(int du_count, int dv_count) {
  return "[simulation]\nmodel = \"gray-scott\"\ngrid = [8, 8]\nsteps = 1\n[parameters]\n"
         "du = { from = 0.1, to = 0.2, count = " + std::to_string(du_count) + " }\n"
         "dv = { from = 0.1, to = 0.2, count = " + std::to_string(dv_count) + " }\n"
         "f = 0.03\nk = 0.06\ndt = 1.0\n";
}

TEST(BatchRunsLimit, SweepsBeyondTheLimitAreRefusedNamingIt) {
  Result<BatchSpec> batch = parse_batch(gray_scott_batch(10000, 10000), "big.toml");
  ASSERT_FALSE(batch.is_ok());
  EXPECT_NE(batch.message().find("big.toml:7: parameters.dv:"), std::string::npos)
      << batch.message();
  EXPECT_NE(batch.message().find("more than 10000 runs"), std::string::npos) << batch.message();
}

TEST(BatchRunsLimit, OneRunOverTheLimitIsRefused) {
  EXPECT_FALSE(parse_batch(gray_scott_batch(73, 137), "over.toml").is_ok());  // 10001 runs
}

TEST(BatchRunsLimit, ExactlyTheLimitExpandsToEveryRun) {
  Result<BatchSpec> batch = parse_batch(gray_scott_batch(100, 100), "limit.toml");
  ASSERT_TRUE(batch.is_ok()) << batch.message();
  EXPECT_EQ(expand_runs(batch.value()).size(), 100u * 100u);
}

}  // namespace
}  // namespace tf::sim
