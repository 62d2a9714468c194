// Results kept for ResultBytesRequest: bounded by count and by bytes (rgb floats, 4 bytes
// each), the oldest go first, lookups by lease id, and keep() hands back a hash-only copy.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "worker/kept_results.h"

namespace tf {
namespace {

// A result of lease `lease_id` with `floats` rgb values (4 * floats bytes).
proto::UnitResult result_of(uint64_t lease_id, size_t floats) {
  proto::UnitResult r;
  r.lease_id = lease_id;
  r.unit_id = 1000 + lease_id;
  r.kernel_version = "k1";
  r.width = 1;
  r.height = 1;
  r.rays = 7 * lease_id;
  r.result_hash.bytes[0] = static_cast<uint8_t>(lease_id);
  for (size_t i = 0; i < floats; ++i) {
    r.rgb.push_back(static_cast<float>(lease_id) + 0.25f * static_cast<float>(i));
  }
  return r;
}

std::vector<uint64_t> kept_leases(const KeptResults& kept, uint64_t up_to) {
  std::vector<uint64_t> leases;
  for (uint64_t id = 1; id <= up_to; ++id) {
    if (kept.find(id) != nullptr) leases.push_back(id);
  }
  return leases;
}

TEST(KeptResults, KeepReturnsTheHashOnlyCopyAndFindReturnsTheFullResult) {
  KeptResults kept(4, 1 << 20);
  const proto::UnitResult full = result_of(5, 6);
  const proto::UnitResult sent = kept.keep(full);
  EXPECT_TRUE(sent.rgb.empty());
  proto::UnitResult expected_sent = full;
  expected_sent.rgb.clear();
  EXPECT_EQ(sent, expected_sent) << "everything but the rgb goes out";
  const proto::UnitResult* found = kept.find(5);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(*found, full);
  EXPECT_EQ(found->rgb, (std::vector<float>{5.0f, 5.25f, 5.5f, 5.75f, 6.0f, 6.25f}));
  EXPECT_EQ(kept.find(4), nullptr) << "never kept";
}

TEST(KeptResults, BoundByCountDropsTheOldest) {
  KeptResults kept(3, 1 << 20);
  for (uint64_t id = 1; id <= 5; ++id) (void)kept.keep(result_of(id, 3));
  EXPECT_EQ(kept_leases(kept, 6), (std::vector<uint64_t>{3, 4, 5}));
}

TEST(KeptResults, BoundByBytesDropsTheOldestUntilTheRestFits) {
  // 100 bytes of budget; results of 12, 12, 8 and 5 floats = 48, 48, 32 and 20 bytes.
  KeptResults kept(10, 100);
  (void)kept.keep(result_of(1, 12));  // 48
  (void)kept.keep(result_of(2, 12));  // 96
  EXPECT_EQ(kept_leases(kept, 4), (std::vector<uint64_t>{1, 2}));
  (void)kept.keep(result_of(3, 8));   // 128 > 100: drop 1 -> 80
  EXPECT_EQ(kept_leases(kept, 4), (std::vector<uint64_t>{2, 3}));
  (void)kept.keep(result_of(4, 5));   // 100: fits exactly
  EXPECT_EQ(kept_leases(kept, 4), (std::vector<uint64_t>{2, 3, 4}));
}

TEST(KeptResults, EvictionFollowsArrivalOrderNotSize) {
  // Budget 64 bytes: a small old result goes before a large newer one.
  KeptResults kept(10, 64);
  (void)kept.keep(result_of(1, 2));   // 8
  (void)kept.keep(result_of(2, 12));  // 56
  (void)kept.keep(result_of(3, 2));   // 64
  EXPECT_EQ(kept_leases(kept, 3), (std::vector<uint64_t>{1, 2, 3}));
  (void)kept.keep(result_of(4, 2));   // 72: drop 1 (8 bytes) -> 64
  EXPECT_EQ(kept_leases(kept, 4), (std::vector<uint64_t>{2, 3, 4}));
  (void)kept.keep(result_of(5, 3));   // 76: drop 2 (48 bytes) -> 28
  EXPECT_EQ(kept_leases(kept, 5), (std::vector<uint64_t>{3, 4, 5}));
}

TEST(KeptResults, AResultOverTheByteBudgetIsNotKept) {
  KeptResults kept(10, 40);
  (void)kept.keep(result_of(1, 4));    // 16
  (void)kept.keep(result_of(2, 11));   // 44 alone > 40: everything goes, itself included
  EXPECT_EQ(kept_leases(kept, 2), (std::vector<uint64_t>{}));
  (void)kept.keep(result_of(3, 10));   // 40: fits again, so the byte count was reset
  EXPECT_EQ(kept_leases(kept, 3), (std::vector<uint64_t>{3}));
}

// A result kept as a way to rebuild its values (a simulation result whose values are the
// fields of a state held elsewhere): sent and kept without them, rebuilt on request, and
// counted against the budget at the size given.
TEST(KeptResults, AResultKeptAsItsRebuildIsRebuiltOnRequest) {
  KeptResults kept(10, 100);
  proto::UnitResult result = result_of(1, 0);
  const std::vector<float> values{1.5f, 2.5f, 3.5f};
  int rebuilds = 0;
  const proto::UnitResult sent = kept.keep(result, [&] {
    ++rebuilds;
    return values;
  }, 60);
  EXPECT_TRUE(sent.rgb.empty());
  EXPECT_EQ(rebuilds, 0) << "rebuilt only when asked";
  std::optional<proto::UnitResult> full = kept.full(1);
  ASSERT_TRUE(full.has_value());
  EXPECT_EQ(full->rgb, values);
  EXPECT_EQ(full->result_hash, result.result_hash);
  EXPECT_EQ(rebuilds, 1);
  (void)kept.keep(result_of(2, 12));  // 60 + 48 > 100: the rebuild's 60 bytes go
  EXPECT_EQ(kept_leases(kept, 2), (std::vector<uint64_t>{2}));
  EXPECT_FALSE(kept.full(1).has_value());
  EXPECT_EQ(kept.full(2)->rgb, result_of(2, 12).rgb);
}

}  // namespace
}  // namespace tf
