// DispatcherCore as the farm's throughput and a stuck job's user see it: a worker that
// finishes units fast is given more than its declared slots (lease_sizer.h), the workers that
// want more share each tick's units by their rates, and a job that the connected workers
// cannot serve says why in its status.
#include <algorithm>
#include <map>

#include "tests/dispatcher/core_fixture.h"

namespace tf::testing {
namespace {

using SizingTest = CoreTest;

TEST_F(SizingTest, AFastWorkerIsGivenAboutTwoSecondsOfWork) {
  submit(400);  // 4,800 units of 8x8 px x 4 samples (fewer at the frames' right and top edges)
  std::vector<proto::RenderUnitSpec> held = grants(send("w1", hello(2), kStart), "w1");
  ASSERT_EQ(held.size(), 2u) << "an unmeasured worker gets its declared slots";
  // The worker returns every unit it holds 1 ms of fake time apart, one loop iteration each
  // millisecond, for 1.5 s: about 1,000 units per second.
  int64_t now = kStart;
  size_t most_held = 0;
  while (now < kStart + 1500 && !held.empty()) {
    std::vector<Outgoing> out;
    now += 1;
    proto::RenderUnitSpec spec = held.front();
    held.erase(held.begin());
    ASSERT_TRUE(core_->handle("w1", key_of("w1"), {0, result_for(spec)}, now, &out).is_ok());
    ASSERT_TRUE(core_->tick(now, &out).is_ok());
    ASSERT_TRUE(core_->commit().is_ok());
    for (const auto& more : grants(out, "w1")) held.push_back(more);
    most_held = std::max(most_held, held.size());
  }
  // 2 s at ~1,000 units/s is ~2,000 units; the estimate blends windows, so allow a wide band
  // but far above the 2 declared slots.
  EXPECT_GT(most_held, 1000u);
  EXPECT_LT(most_held, 3000u);
}

// Four workers measured at about 1,000 units/s, so that each may hold about 2,000 units, and
// a job of 4,800: without a cap the first two to ask would take 2,000 each and leave the last
// one nothing. Each grant takes its part of the queue instead (lease_sizer.h grant_cap), so
// every worker holds work and none more than a quarter of the job.
TEST_F(SizingTest, TheEndOfAQueueIsSharedByTheWorkersInsteadOfGoingToTheFirstToAsk) {
  submit(400);  // 4,800 units
  const std::vector<std::string> workers = {"w1", "w2", "w3", "w4"};
  std::map<std::string, std::vector<proto::RenderUnitSpec>> held;
  for (const std::string& w : workers) held[w] = grants(send(w, hello(2), kStart), w);
  // Each worker returns one unit a millisecond for 60 ms: its first window closes after 32
  // results (LeaseSizing::first_results), and its budget grows far past the job's size.
  for (int64_t now = kStart + 1; now <= kStart + 60; ++now) {
    for (const std::string& w : workers) {
      ASSERT_FALSE(held[w].empty()) << w << " ran dry at " << now - kStart << " ms";
      const proto::RenderUnitSpec spec = held[w].front();
      held[w].erase(held[w].begin());
      for (const auto& more : grants(send(w, result_for(spec), now), w)) held[w].push_back(more);
    }
  }
  for (const std::string& w : workers) {
    EXPECT_GE(held[w].size(), 100u) << w << " holds too little";
    EXPECT_LE(held[w].size(), 1'200u) << w << " holds more than a quarter of the job";
  }
}

// A tick grants about max_units_per_tick units (it stops at the first worker past them) and
// leaves the other workers, in their order, to the next tick, which dispatch_pending() asks for.
TEST_F(SizingTest, ATickGrantsAboutItsAllowanceAndAsksForTheNext) {
  config_.max_units_per_tick = 20;
  reopen(kStart);
  const std::vector<std::string> workers = {"w1", "w2", "w3", "w4"};
  for (const std::string& w : workers) send(w, hello(32), kStart);
  std::vector<Outgoing> out = send("client", job_of(100), kStart);
  for (const std::string& w : workers) {
    EXPECT_EQ(grants(out, w).size(), w == "w1" ? 32u : 0u) << w;
  }
  EXPECT_TRUE(core_->dispatch_pending());
  for (size_t next = 1; next < workers.size(); ++next) {
    out = tick(kStart);
    for (size_t w = 0; w < workers.size(); ++w) {
      EXPECT_EQ(grants(out, workers[w]).size(), w == next ? 32u : 0u) << workers[w];
    }
  }
  EXPECT_FALSE(core_->dispatch_pending()) << "every worker was asked";
}

// Eight workers measured at about 1,000 units/s (each may hold about 2,000 units), idle, and
// a tick allowance of 64 units (allowance_): the first worker asked could take the whole
// allowance.
class TickShareTest : public SizingTest {
 protected:
  void SetUp() override {
    SizingTest::SetUp();
    config_.max_units_per_tick = allowance_;
    reopen(kStart);
    for (const std::string& w : workers_) take(send(w, hello(1), kStart));
    // 600 units, which the workers return one a millisecond each until none is left.
    take(send("client", job_of(50), kStart));
    for (bool any = true; any;) {
      any = false;
      ++now_;
      for (const std::string& w : workers_) {
        if (held_[w].empty()) continue;
        any = true;
        const proto::RenderUnitSpec spec = held_[w].back();
        held_[w].pop_back();
        take(send(w, result_for(spec), now_));
      }
    }
    ASSERT_GT(now_ - kStart, 40) << "the workers were not measured: the job took too few rounds";
  }

  void take(const std::vector<Outgoing>& out) {
    for (const std::string& w : workers_) {
      for (const auto& spec : grants(out, w)) held_[w].push_back(spec);
    }
  }

  // Expects every worker, all equally fast, to get its part of the tick's allowance in `out`,
  // and no more.
  void expect_shared(const std::vector<Outgoing>& out) {
    size_t all = 0;
    for (const std::string& w : workers_) {
      const size_t units = grants(out, w).size();
      EXPECT_GE(units, 1u) << w << " got nothing in the tick";
      EXPECT_LE(units, 8u) << w << " took more than its part of the tick";
      all += units;
    }
    EXPECT_EQ(all, 64u);
  }

  uint64_t allowance_ = 64;
  const std::vector<std::string> workers_ = {"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"};
  std::map<std::string, std::vector<proto::RenderUnitSpec>> held_;
  int64_t now_ = kStart;
};

// The same eight workers with an allowance of 9 units a tick: each part is 2 units (rounded
// up), so the allowance is spent after the fifth worker asked and the last three wait for the
// next tick.
class ShortTickTest : public TickShareTest {
 protected:
  ShortTickTest() { allowance_ = 9; }
};

// Idle workers share a new job's first tick, so every one of them starts on it instead of
// waiting a tick (a commit) for each worker asked before it.
TEST_F(TickShareTest, AJobReachesEveryAskingWorkerOnItsFirstTick) {
  expect_shared(send("client", job_of(400), now_ + 1));
}

// Workers that hold work and want more share each later tick too: with the first asked taking
// the whole allowance, 256 devices on a new job got their second grant up to 11 ticks after
// their first, which ran out before it came.
TEST_F(TickShareTest, WorkersRefillingInOneTickShareItsAllowance) {
  send("client", job_of(400), now_ + 1);
  ASSERT_TRUE(core_->dispatch_pending()) << "the workers want more than the first tick gave";
  expect_shared(tick(now_ + 1));
  expect_shared(tick(now_ + 1));
}

// Those who wait are the workers whose work lasts longest, not the same workers every tick:
// asked in a fixed order, the 20 ms x 256 benchmark's last devices ran dry tick after tick
// (gaps of 160-185 ms while each tick's commit went by) and ended the job with half the units
// of the others. w6, w7 and w8 come last in the workers' order and hold the least work here.
TEST_F(ShortTickTest, WorkersClosestToRunningDryAreAskedFirst) {
  take(send("client", job_of(400), now_ + 1));
  for (int i = 0; i < 8; ++i) take(tick(now_ + 1));
  for (const std::string& w : workers_) {
    ASSERT_GE(held_[w].size(), 3u) << w << " was not given work by the first ticks";
  }
  // Their results taken in one loop iteration, whose tick follows.
  now_ += 1;
  std::vector<Outgoing> out;
  for (const char* w : {"w6", "w7", "w8"}) {
    while (held_[w].size() > 1) {
      const proto::RenderUnitSpec spec = held_[w].back();
      held_[w].pop_back();
      ASSERT_TRUE(core_->handle(w, key_of(w), {0, result_for(spec)}, now_, &out).is_ok());
    }
  }
  ASSERT_TRUE(core_->tick(now_, &out).is_ok());
  ASSERT_TRUE(core_->commit().is_ok());
  size_t waiting = 0;
  for (const std::string& w : workers_) {
    const bool least = w == "w6" || w == "w7" || w == "w8";
    if (least) {
      EXPECT_FALSE(grants(out, w).empty()) << w << " was left for the next tick";
    }
    waiting += grants(out, w).empty() ? 1 : 0;
  }
  EXPECT_EQ(waiting, 3u) << "five parts of 2 units spend an allowance of 9";
}

TEST_F(SizingTest, AJobNeedingMoreDistinctOwnersThanConnectedSaysSo) {
  const uint64_t job = submit(1, 0, /*replication=*/2, /*quorum=*/2);
  EXPECT_NE(status(job).message.find("no"), std::string::npos) << status(job).message;
  send("w1", hello(2), kStart);
  const std::string one = status(job).message;
  EXPECT_NE(one.find("needs 2 replicas"), std::string::npos) << one;
  EXPECT_NE(one.find("1 such worker"), std::string::npos) << one;
  // A second worker of the same owner does not help: replicas need distinct owners.
  send("w2", hello(2, {}, key_of("w1")), kStart);
  EXPECT_NE(status(job).message.find("1 such worker"), std::string::npos) << status(job).message;
  send("w3", hello(2), kStart);
  EXPECT_EQ(status(job).message, "");
}

}  // namespace
}  // namespace tf::testing
