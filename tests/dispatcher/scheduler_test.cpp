// Scheduler policy: fair share between clients, then priority within a client, then fair share
// between its jobs by units in flight, then asset affinity; requeued units first.
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

TEST(Scheduler, ClientsShareByUnitsInFlightWhateverTheirNumbersOfJobs) {
  Scheduler s;
  for (uint64_t job = 1; job <= 20; ++job) {
    s.add_job(job, 0, "alice");
    s.push(job, job * 100);
  }
  s.add_job(21, 0, "bob");
  for (uint64_t u = 0; u < 30; ++u) s.push(21, 2100 + u);
  EXPECT_EQ(s.active_clients(), 2u);
  int alice = 0, bob = 0;
  for (int i = 0; i < 20; ++i) (s.pop()->job_id == 21 ? bob : alice) += 1;
  EXPECT_EQ(alice, 10);  // not 20 of 21 shares, as one share per job would give
  EXPECT_EQ(bob, 10);
  EXPECT_EQ(s.in_flight(21), 10u);
  EXPECT_EQ(s.in_flight(), 20u);
  // Ties between clients go to the client of the oldest job with pending units.
  EXPECT_NE(s.pop()->job_id, 21u);
  // A finished unit frees a place for its own client first.
  s.finished_one(21);
  s.finished_one(21);
  EXPECT_EQ(s.pop()->job_id, 21u);
  EXPECT_EQ(s.in_flight(), 20u);
}

TEST(Scheduler, PrioritiesOrderOnlyTheirOwnClientsJobs) {
  Scheduler s;
  s.add_job(1, 0, "alice");
  s.add_job(2, 0, "bob");
  s.add_job(3, 9, "alice");
  for (uint64_t u = 0; u < 4; ++u) {
    s.push(1, 100 + u);
    s.push(2, 200 + u);
    s.push(3, 300 + u);
  }
  // alice and bob alternate; alice's turns go to her urgent job 3.
  const uint64_t expected[] = {3, 2, 3, 2, 3, 2, 3, 2, 1, 1};
  for (uint64_t job : expected) EXPECT_EQ(s.pop()->job_id, job);
}

TEST(Scheduler, RemovedJobsLeaveTheirClientsCountsAndAnIdleClientNoShare) {
  Scheduler s;
  s.add_job(1, 0, "alice");
  s.add_job(2, 0, "bob");
  s.push(1, 10);
  s.push(1, 11);
  s.push(2, 20);
  EXPECT_EQ(s.pop()->job_id, 1u);
  EXPECT_EQ(s.pop()->job_id, 2u);
  s.remove_job(1);  // one unit in flight, one pending: both gone from the counts
  EXPECT_EQ(s.in_flight(), 1u);
  EXPECT_EQ(s.pending(), 0u);
  EXPECT_EQ(s.active_clients(), 1u);
  s.finished_one(2);
  EXPECT_EQ(s.active_clients(), 0u);  // bob's job is known but has nothing to share
  EXPECT_FALSE(s.pop().has_value());
  // alice comes back with a new job: counted from zero.
  s.add_job(3, 0, "alice");
  s.push(3, 30);
  EXPECT_EQ(s.pop()->job_id, 3u);
  EXPECT_EQ(s.in_flight(3), 1u);
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
