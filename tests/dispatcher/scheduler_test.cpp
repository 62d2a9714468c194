// Scheduler policy: priority first, then fair share by units in flight, then asset affinity;
// requeued units first.
#include <gtest/gtest.h>

#include "dispatcher/lease_table.h"
#include "dispatcher/scheduler.h"

namespace tf {
namespace {

TEST(Scheduler, PriorityThenFairShare) {
  Scheduler s;
  s.add_job(1, 0);
  s.add_job(2, 0);
  s.add_job(3, 9);
  for (uint64_t u = 0; u < 4; ++u) {
    s.push(1, 100 + u);
    s.push(2, 200 + u);
  }
  s.push(3, 300);
  EXPECT_EQ(s.pop()->job_id, 3u);  // highest priority
  // Equal priority: alternate by units in flight (ties: the older job).
  EXPECT_EQ(s.pop()->job_id, 1u);
  EXPECT_EQ(s.pop()->job_id, 2u);
  EXPECT_EQ(s.pop()->job_id, 1u);
  s.finished_one(1);
  s.finished_one(1);  // job 1 now has 0 in flight, job 2 has 1
  EXPECT_EQ(s.pop()->job_id, 1u);
  EXPECT_EQ(s.pending(), 4u);
}

TEST(Scheduler, RequeuedUnitsGoFirstAndRemovedJobsVanish) {
  Scheduler s;
  s.add_job(1, 0);
  s.push(1, 10);
  s.push(1, 11);
  EXPECT_EQ(s.pop()->unit_id, 10u);
  s.requeue(1, 10);
  EXPECT_EQ(s.pop()->unit_id, 10u);
  s.remove_job(1);
  EXPECT_FALSE(s.pop().has_value());
  EXPECT_EQ(s.pending(), 0u);
}

TEST(Scheduler, AssetAffinityBreaksFairShareTiesOnly) {
  Scheduler s;
  s.add_job(1, 0);
  s.add_job(2, 0);
  for (uint64_t u = 0; u < 4; ++u) {
    s.push(1, 100 + u);
    s.push(2, 200 + u);
  }
  const Scheduler::HoldsAssets holds_job_2 = [](uint64_t job) { return job == 2; };
  // Tied in priority and in flight: the worker's held job wins over the older job.
  EXPECT_EQ(s.pop(holds_job_2)->job_id, 2u);
  // Job 2 now has more in flight: fair share outranks affinity.
  EXPECT_EQ(s.pop(holds_job_2)->job_id, 1u);
  // Tied again; without a preference the older job wins the tie.
  EXPECT_EQ(s.pop()->job_id, 1u);
  EXPECT_EQ(s.pop(holds_job_2)->job_id, 2u);
}

TEST(Scheduler, AssetAffinityNeverOutranksPriority) {
  Scheduler s;
  s.add_job(1, 5);
  s.add_job(2, 0);
  s.push(1, 10);
  s.push(2, 20);
  const Scheduler::HoldsAssets holds_job_2 = [](uint64_t job) { return job == 2; };
  EXPECT_EQ(s.pop(holds_job_2)->job_id, 1u);
  EXPECT_EQ(s.pop(holds_job_2)->job_id, 2u);
}

TEST(LeaseTable, TracksDeadlinesWorkersAndUnits) {
  LeaseTable t;
  t.add({1, 10, 100, "a", 50});
  t.add({2, 11, 100, "a", 70});
  t.add({3, 11, 100, "b", 60});
  EXPECT_EQ(t.expired(60), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(t.held_by("a"), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(t.of_unit(11), (std::vector<uint64_t>{2, 3}));
  ASSERT_TRUE(t.remove(2).has_value());
  EXPECT_FALSE(t.remove(2).has_value());
  EXPECT_EQ(t.count_held_by("a"), 1u);
  EXPECT_EQ(t.of_unit(11), (std::vector<uint64_t>{3}));
  EXPECT_EQ(t.size(), 2u);
}

}  // namespace
}  // namespace tf
