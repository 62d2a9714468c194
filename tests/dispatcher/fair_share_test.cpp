// Fair share between clients (dispatcher/scheduler.h), counted through DispatcherCore: two
// submitting keys share the workers by units in flight, whatever their numbers of jobs, and
// `status` reports each job's share.
#include <cstdlib>
#include <deque>
#include <map>

#include "tests/dispatcher/core_fixture.h"

namespace tf {
namespace {

using testing::CoreTest;
using testing::hello;
using testing::kStart;

TEST_F(CoreTest, TwoClientsShareTheWorkersWhateverTheirNumbersOfJobs) {
  // alice: 20 jobs of one frame (12 units each); bob: one job of 20 frames (240 units).
  std::map<uint64_t, std::string> client_of;
  for (int i = 0; i < 20; ++i) client_of[submit(1, 0, 1, 1, 0, "alice")] = "alice";
  const uint64_t bobs = submit(20, 0, 1, 1, 0, "bob");
  client_of[bobs] = "bob";
  std::deque<proto::RenderUnitSpec> outstanding;  // completed in the order granted
  std::map<std::string, int> in_flight, granted;
  std::map<uint64_t, int> granted_per_job;
  auto take = [&](const std::vector<Outgoing>& out) {
    for (const proto::RenderUnitSpec& spec : grants(out, "w1")) {
      outstanding.push_back(spec);
      ++in_flight[client_of.at(spec.job_id)];
      ++granted[client_of.at(spec.job_id)];
      ++granted_per_job[spec.job_id];
    }
  };
  take(send("w1", hello(8), kStart));
  ASSERT_EQ(outstanding.size(), 8u);
  EXPECT_EQ(in_flight["alice"], 4);
  EXPECT_EQ(in_flight["bob"], 4);
  // What `status` shows: bob's one job holds half of the farm's leased units.
  const proto::JobStatus bob_status = status(bobs);
  EXPECT_EQ(bob_status.client, key_of("bob"));
  EXPECT_EQ(bob_status.units_in_flight, 4u);
  EXPECT_EQ(bob_status.farm_in_flight, 8u);
  EXPECT_EQ(bob_status.active_clients, 2u);
  int checks = 0;
  while (!outstanding.empty()) {
    const proto::RenderUnitSpec spec = outstanding.front();
    outstanding.pop_front();
    --in_flight[client_of.at(spec.job_id)];
    take(send("w1", result_for(spec), kStart));
    if (granted["alice"] < 240 && granted["bob"] < 240) {  // both still have units to lease
      EXPECT_LE(std::abs(in_flight["alice"] - in_flight["bob"]), 1)
          << "alice " << in_flight["alice"] << ", bob " << in_flight["bob"];
      ++checks;
    }
  }
  EXPECT_GT(checks, 400);
  EXPECT_EQ(granted["alice"], 240);
  EXPECT_EQ(granted["bob"], 240);
  for (const auto& [job, client] : client_of) {
    EXPECT_EQ(status(job).state, proto::JobState::kDone) << job;
    EXPECT_EQ(granted_per_job[job], client == "bob" ? 240 : 12) << job;
  }
}

TEST_F(CoreTest, PrioritiesOrderAClientsOwnJobsButNeverStarveAnotherClient) {
  const uint64_t alice_low = submit(1, 0, 1, 1, 0, "alice");
  const uint64_t bob = submit(1, 0, 1, 1, 0, "bob");
  const uint64_t alice_high = submit(1, 9, 1, 1, 0, "alice");
  std::map<uint64_t, int> leased;
  for (const auto& u : grants(send("w1", hello(6), kStart), "w1")) ++leased[u.job_id];
  EXPECT_EQ(leased[alice_high], 3);  // alice's half goes to her urgent job
  EXPECT_EQ(leased[bob], 3);         // bob's half is untouched by alice's priority
  EXPECT_EQ(leased[alice_low], 0);
}

}  // namespace
}  // namespace tf
