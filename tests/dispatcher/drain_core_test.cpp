// A worker that drains before it leaves (tilefarm worker --drain-timeout) hands its queued
// units back with UnitReturn.draining: the dispatcher leases it nothing more, keeps its running
// leases open, accepts and credits their results, and holds nothing of the drain or of the
// goodbye that ends it against the worker's reputation.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "dispatcher/farm_board.h"
#include "dispatcher/trust_queries.h"
#include "tests/dispatcher/core_fixture.h"

namespace tf {
namespace {

using testing::CoreTest;
using testing::hello;
using testing::kStart;

class DrainCoreTest : public CoreTest {
 protected:
  // Net credit of `peer`'s key in the ledger, as `tilefarm credits` reports it.
  uint64_t credit_of(const std::string& peer) {
    Result<std::vector<proto::CreditRow>> rows = query_credits(core_->store().db());
    EXPECT_TRUE(rows.is_ok()) << rows.message();
    if (!rows) return 0;
    for (const proto::CreditRow& r : rows.value()) {
      if (r.worker_key == key_of(peer)) return r.credit;
    }
    return 0;
  }
  void expect_clear_record(const std::string& peer) {
    const WorkerRecord* record = core_->worker_record(key_of(peer));
    ASSERT_NE(record, nullptr);
    EXPECT_EQ(record->timed_out, 0u);
    EXPECT_EQ(record->errors, 0u);
    EXPECT_EQ(record->malformed, 0u);
    EXPECT_EQ(record->invalid, 0u);
    EXPECT_FALSE(record->quarantined);
  }
};

proto::UnitReturn draining(std::vector<uint64_t> leases) {
  proto::UnitReturn back;
  back.lease_ids = std::move(leases);
  back.draining = true;
  return back;
}

proto::UnitReturn leaving(std::vector<uint64_t> leases) {
  proto::UnitReturn back;
  back.lease_ids = std::move(leases);
  back.leaving = true;
  return back;
}

TEST_F(DrainCoreTest, ADrainingWorkerGetsNothingNewItsResultsCountAndItsGoodbyeIsNoFault) {
  const uint64_t job = submit(1);
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(3), kStart), "w1");
  ASSERT_EQ(held.size(), 3u);
  // held[0] and held[1] run; the queued held[2] goes back.
  EXPECT_TRUE(grants(send("w1", draining({held[2].lease_id}), kStart), "w1").empty())
      << "nothing new for a draining worker";
  EXPECT_EQ(status(job).message.find("paused"), std::string::npos)
      << "a draining worker is not a paused one: " << status(job).message;
  // The dashboard shows it draining, not paused.
  const std::shared_ptr<FarmView> view = core_->view(kStart);
  ASSERT_EQ(view->workers.size(), 1u);
  EXPECT_TRUE(view->workers[0].draining);
  EXPECT_FALSE(view->workers[0].paused);

  // Its running unit's result is accepted and credited, and frees no slot for new work.
  const proto::UnitResult result = result_for(held[0]);
  EXPECT_TRUE(grants(send("w1", result, kStart + 100), "w1").empty());
  EXPECT_EQ(status(job).units_done, 1u);
  EXPECT_GT(result.rays, 0u);
  EXPECT_EQ(credit_of("w1"), result.rays) << "credited like any accepted result";
  for (int64_t t = kStart + 500; t < kStart + 2500; t += 500) {
    EXPECT_TRUE(grants(send("w1", proto::WorkerHeartbeat{}, t), "w1").empty()) << "at " << t;
  }

  // The drain times out with held[1] still running: the goodbye hands it back.
  send("w1", leaving({held[1].lease_id}), kStart + 3000);
  std::vector<proto::RenderUnitSpec> taken = grants(send("w2", hello(3), kStart + 3000), "w2");
  std::set<uint64_t> units;
  for (const proto::RenderUnitSpec& spec : taken) units.insert(spec.unit_id);
  EXPECT_EQ(units.count(held[0].unit_id), 0u) << "the drained unit is not redone";
  EXPECT_EQ(units.count(held[1].unit_id), 1u);
  EXPECT_EQ(units.count(held[2].unit_id), 1u);

  EXPECT_EQ(core_->stats().leases_lapsed, 0u) << "handed back, not lapsed";
  expect_clear_record("w1");
  const WorkerRecord* record = core_->worker_record(key_of("w1"));
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->valid, 1u);
}

TEST_F(DrainCoreTest, AGrantThatCrossedTheGoodbyeIsNoFault) {
  submit(1);
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(2), kStart), "w1");
  ASSERT_EQ(held.size(), 2u);
  // The goodbye names one lease; the other was granted while it was on its way.
  send("w1", leaving({held[0].lease_id}), kStart + 100);
  EXPECT_EQ(core_->stats().leases_lapsed, 0u);
  expect_clear_record("w1");
  std::vector<proto::RenderUnitSpec> taken = grants(send("w2", hello(2), kStart + 200), "w2");
  EXPECT_EQ(taken.size(), 2u) << "both units are free again at once";
}

}  // namespace
}  // namespace tf
