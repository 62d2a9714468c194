// Leases sized to the device (dispatcher/lease_sizer.h): the budget follows the measured rate,
// idle time does not count as slowness, and the declared slots, the unit cap and half the
// lease time bound it.
#include "dispatcher/lease_sizer.h"

#include <gtest/gtest.h>

namespace tf {
namespace {

constexpr int64_t kLeaseMs = 600'000;

// Feeds `sizer` a worker that finishes one unit of `cost` every `every_ms`, keeping `held`
// units in flight, from `start_ms` for `duration_ms`; returns the time it stopped.
int64_t run_at_rate(LeaseSizer& sizer, uint64_t cost, int64_t every_ms, int held, int64_t start_ms,
                    int64_t duration_ms) {
  const LeaseSizing sizing;
  for (int i = 0; i < held; ++i) sizer.granted(cost, start_ms);
  int64_t now = start_ms;
  while (now - start_ms < duration_ms) {
    now += every_ms;
    sizer.reported(cost, now, sizing);
    sizer.ended(cost, now);
    sizer.granted(cost, now);  // the freed slot is refilled at once
  }
  return now;
}

// Units the sizer lets a worker hold when every unit costs `cost`.
uint64_t units_allowed(const LeaseSizer& sizer, uint64_t cost, uint64_t slots, int64_t lease_ms,
                       const LeaseSizing& sizing = {}) {
  LeaseSizer probe = sizer;
  uint64_t held = 0;
  // Starts from nothing in flight: count how many grants it takes until it says no.
  while (probe.cost_in_flight() > 0) probe.ended(cost, 0);
  while (probe.wants_more(held, slots, lease_ms, sizing)) {
    probe.granted(cost, 0);
    ++held;
  }
  return held;
}

TEST(LeaseSizer, UnmeasuredWorkerGetsItsDeclaredSlots) {
  LeaseSizer sizer;
  EXPECT_EQ(units_allowed(sizer, 100, 3, kLeaseMs), 3u);
}

TEST(LeaseSizer, AFastDeviceIsMeasuredByItsFirstResultsAndASlowOneByTheFullWindow) {
  const LeaseSizing sizing;
  // One unit of 10 every millisecond, one in flight: the first window closes at its 32nd
  // result (32 ms >= 20 ms), at 10,000 per second -> 20,000 in 2 s -> 2,000 units.
  LeaseSizer fast;
  run_at_rate(fast, 10, 1, 1, 0, sizing.first_results);
  EXPECT_NEAR(fast.rate_per_s(), 10'000.0, 1.0);
  EXPECT_EQ(units_allowed(fast, 10, 1, kLeaseMs), 2000u);
  // One result fewer: still unmeasured, so its declared slot only.
  LeaseSizer almost;
  run_at_rate(almost, 10, 1, 1, 0, sizing.first_results - 1);
  EXPECT_EQ(almost.rate_per_s(), 0.0);
  EXPECT_EQ(units_allowed(almost, 10, 1, kLeaseMs), 1u);
  // A burst of results within less than first_min_ms says nothing about the rate yet.
  LeaseSizer burst;
  run_at_rate(burst, 10, 0, 1, 0, 0);
  for (uint32_t i = 0; i < 4 * sizing.first_results; ++i) burst.reported(10, 5, sizing);
  EXPECT_EQ(burst.rate_per_s(), 0.0);
  EXPECT_EQ(units_allowed(burst, 10, 3, kLeaseMs), 3u);
  // A device with fewer results than that keeps the ordinary window: one unit every 100 ms
  // is measured after 500 ms, at 10 units per second.
  LeaseSizer slow;
  run_at_rate(slow, 1, 100, 1, 0, 400);
  EXPECT_EQ(slow.rate_per_s(), 0.0);
  run_at_rate(slow, 1, 100, 0, 400, 100);
  EXPECT_NEAR(slow.rate_per_s(), 10.0, 1e-9);
}

TEST(LeaseSizer, BudgetIsTheTargetTimeOfWorkAtTheMeasuredRate) {
  LeaseSizer sizer;
  // 256 work units every millisecond: 256,000 per second, 2 s target -> 512,000 -> 2,000 units.
  run_at_rate(sizer, 256, 1, 2, 0, 3000);
  EXPECT_NEAR(sizer.rate_per_s(), 256'000.0, 256'000.0 * 0.01);
  EXPECT_NEAR(static_cast<double>(units_allowed(sizer, 256, 2, kLeaseMs)), 2000.0, 2000.0 * 0.02);
  // A slow device: one unit of 256 every 250 ms -> 1,024/s -> 2,048 in 2 s -> 8 units.
  LeaseSizer slow;
  run_at_rate(slow, 256, 250, 2, 0, 10'000);
  EXPECT_NEAR(slow.rate_per_s(), 1024.0, 1024.0 * 0.01);
  EXPECT_EQ(units_allowed(slow, 256, 2, kLeaseMs), 8u);
}

TEST(LeaseSizer, IdleTimeIsNotSlowness) {
  LeaseSizer sizer;
  int64_t now = run_at_rate(sizer, 100, 1, 1, 0, 2000);
  const double busy_rate = sizer.rate_per_s();
  sizer.ended(100, now);  // nothing in flight: the worker waits 30 s for new work
  now += 30'000;
  run_at_rate(sizer, 100, 1, 1, now, 2000);
  EXPECT_NEAR(sizer.rate_per_s(), busy_rate, busy_rate * 0.01);
}

TEST(LeaseSizer, UnitCapAndHalfTheLeaseBoundTheBudget) {
  LeaseSizer sizer;
  run_at_rate(sizer, 1, 1, 1, 0, 3000);  // 1,000 per second
  LeaseSizing small_cap;
  small_cap.max_units = 50;
  EXPECT_EQ(units_allowed(sizer, 1, 2, kLeaseMs, small_cap), 50u);
  // Leases of 1 s: at most 0.5 s of work in flight, 500 units.
  EXPECT_NEAR(static_cast<double>(units_allowed(sizer, 1, 2, 1000)), 500.0, 5.0);
}

TEST(LeaseSizer, AGrantStartsOnlyOnceHalfTheBudgetIsFree) {
  LeaseSizer sizer;
  // One unit of 1 every 20 ms: 50 per second, 2 s target -> 100 units; refilled below 50.
  run_at_rate(sizer, 1, 20, 1, 0, 3000);
  ASSERT_NEAR(sizer.rate_per_s(), 50.0, 0.5);
  const LeaseSizing sizing;
  while (sizer.cost_in_flight() > 0) sizer.ended(1, 3000);
  uint64_t held = 0;
  while (sizer.wants_more(held, 1, kLeaseMs, sizing)) {
    sizer.granted(1, 3000);
    ++held;
  }
  ASSERT_EQ(held, 100u);
  // Results come back one by one: no grant starts until 51 of them came (49 in flight).
  int results = 0;
  while (!sizer.wants_refill(held, 1, kLeaseMs, sizing)) {
    sizer.ended(1, 3000);
    --held;
    ++results;
  }
  EXPECT_EQ(results, 51);
  // Below its declared slots a worker is refilled whatever its budget.
  EXPECT_TRUE(sizer.wants_refill(held, held + 1, kLeaseMs, sizing));
  // At the unit cap never.
  LeaseSizing capped;
  capped.max_units = static_cast<uint32_t>(held);
  EXPECT_FALSE(sizer.wants_refill(held, held + 1, kLeaseMs, capped));
}

// A device whose budget is over twice the unit cap (one unit every millisecond: 1,000 per
// second, 2,000 in 2 s, against a cap of 400) is refilled once it holds under half the cap, not
// whenever it holds under the cap: else every result that frees a unit starts a grant.
TEST(LeaseSizer, ADeviceAtTheUnitCapIsRefilledBelowHalfTheCap) {
  LeaseSizer sizer;
  run_at_rate(sizer, 1, 1, 1, 0, 3000);
  ASSERT_NEAR(sizer.rate_per_s(), 1000.0, 10.0);
  LeaseSizing sizing;
  sizing.max_units = 400;
  const uint64_t cap = sizing.max_units;
  while (sizer.cost_in_flight() > 0) sizer.ended(1, 3000);
  for (uint64_t held = 0; held < cap; ++held) sizer.granted(1, 3000);
  EXPECT_FALSE(sizer.wants_refill(cap, 1, kLeaseMs, sizing)) << "at the cap";
  EXPECT_FALSE(sizer.wants_refill(cap - 1, 1, kLeaseMs, sizing)) << "one unit finished";
  for (uint64_t held = cap; held > cap / 2; --held) sizer.ended(1, 3000);
  EXPECT_FALSE(sizer.wants_refill(cap / 2, 1, kLeaseMs, sizing)) << "half the cap";
  sizer.ended(1, 3000);
  EXPECT_TRUE(sizer.wants_refill(cap / 2 - 1, 1, kLeaseMs, sizing)) << "under half the cap";
}

// Guided self-scheduling: a grant takes a 1/workers part of the queue, rounded up, and never
// fewer than the worker's declared slots. Worked by hand: 256 workers sharing 25,600 units
// take 100 each; the part shrinks with the queue (the 257th grant finds about 25,600 x
// (255/256)^256, some 9,400, and takes 37), down to one unit.
TEST(LeaseSizer, AGrantTakesItsPartOfTheQueueAndAtLeastTheDeclaredSlots) {
  EXPECT_EQ(grant_cap(25'600, 256, 1), 100u);
  EXPECT_EQ(grant_cap(9'400, 256, 1), 37u);
  EXPECT_EQ(grant_cap(60, 4, 1), 15u);
  EXPECT_EQ(grant_cap(45, 4, 1), 12u);
  EXPECT_EQ(grant_cap(3, 4, 1), 1u) << "the end of the queue goes a unit at a time";
  EXPECT_EQ(grant_cap(0, 4, 0), 1u);
  EXPECT_EQ(grant_cap(60, 4, 32), 32u) << "the declared slots always";
  EXPECT_EQ(grant_cap(60, 0, 1), 60u) << "no workers counted: the whole queue";
}

// Moving c from a worker holding A at rate a to one holding B at rate b makes them finish at
// once when (A - c) / a = (B + c) / b: c = (A b - B a) / (a + b).
TEST(LeaseSizer, ABalancingTransferMakesBothWorkersFinishTogether) {
  EXPECT_DOUBLE_EQ(balancing_transfer(100, 10, 0, 10), 50) << "equal rates: half";
  EXPECT_DOUBLE_EQ(balancing_transfer(100, 10, 20, 10), 40);
  // A device three times as fast keeps three quarters: 75 / 30 = 25 / 10 = 2.5 s.
  EXPECT_DOUBLE_EQ(balancing_transfer(100, 30, 0, 10), 25);
  // A slow receiver takes little: (100 - 10) / 90 = (0 + 10) / 10 = 1 s.
  EXPECT_DOUBLE_EQ(balancing_transfer(100, 90, 0, 10), 10);
  EXPECT_DOUBLE_EQ(balancing_transfer(20, 10, 40, 10), 0) << "the holder finishes first";
  EXPECT_DOUBLE_EQ(balancing_transfer(100, 0, 0, 10), 0) << "unmeasured holder";
  EXPECT_DOUBLE_EQ(balancing_transfer(100, 10, 0, 0), 0) << "unmeasured receiver";
}

// A worker 100 times as fast as each of 255 others is worth 3.55 of itself among them
// ((5,000 + 255 x 50) / 5,000): its grant may take 25,600 / 3.55 = 7,211.3 units, rounded up;
// each slow one 25,600 / 355 = 72.1.
TEST(LeaseSizer, AFastWorkersPartOfTheQueueGoesByItsRate) {
  EXPECT_EQ(grant_cap(25'600, 3.55, 1), 7'212u);
  EXPECT_EQ(grant_cap(25'600, 355.0, 1), 73u);
  EXPECT_EQ(grant_cap(25'600, 0.5, 1), 25'600u) << "never more than the whole queue";
}

// A tick's parts go by measured rate, so that each worker gets about the same time of work:
// 64 units among one worker at 4,000 units/s and seven at 1,000 are 64 x 4 / 11 = 23.3 and
// 64 / 11 = 5.8, rounded up. A worker not measured yet counts at the mean rate of those that
// are; with none measured the parts are equal.
TEST(LeaseSizer, ATicksPartsGoByMeasuredRate) {
  const std::vector<double> one_fast = {4000, 1000, 1000, 1000, 1000, 1000, 1000, 1000};
  EXPECT_EQ(tick_parts(64, one_fast), (std::vector<uint64_t>{24, 6, 6, 6, 6, 6, 6, 6}));
  EXPECT_EQ(tick_parts(64, std::vector<double>{3000, 0, 1000}),
            (std::vector<uint64_t>{32, 22, 11}));  // 64 x 3 / 6, 64 x 2 / 6, 64 x 1 / 6
  EXPECT_EQ(tick_parts(2048, std::vector<double>(256, 0.0)), std::vector<uint64_t>(256, 8));
  // A 200 us device beside 255 of 20 ms: 2,048 x 5,000 / (5,000 + 255 x 50) = 577.
  std::vector<double> gpu_among_cpus(256, 50.0);
  gpu_among_cpus[0] = 5000;
  EXPECT_EQ(tick_parts(2048, gpu_among_cpus).front(), 577u);
  EXPECT_TRUE(tick_parts(64, {}).empty());
}

}  // namespace
}  // namespace tf
