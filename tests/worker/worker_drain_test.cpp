// A worker stopped with a drain timeout (WorkerOptions::drain_timeout_ms, tilefarm worker
// --drain-timeout) against a scripted dispatcher: what goes over the wire between the stop
// request and the goodbye, when its running unit finishes in time and when it does not.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/synthetic_executor.h"
#include "tests/support/temp_dir.h"
#include "tests/worker/scripted_dispatcher.h"
#include "worker/worker.h"

namespace tf {
namespace {

using Clock = std::chrono::steady_clock;
using testing::ScriptedDispatcher;

// A worker with one synthetic device of `unit_time` per unit, one unit at a time, draining
// for `drain` on its first stop request; run() runs on a thread of its own.
class DrainingWorker {
 public:
  DrainingWorker(zmq::context_t& context, const std::string& endpoint,
                 const std::filesystem::path& cache, std::chrono::milliseconds unit_time,
                 std::chrono::milliseconds drain) {
    WorkerOptions options = testing::scripted_worker_options(endpoint, cache);
    options.units_per_device = 1;
    options.drain_timeout_ms = drain.count();
    options.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mutex_);
      log_.push_back(line);
    };
    std::vector<std::unique_ptr<UnitExecutor>> executors;
    executors.push_back(std::make_unique<testing::SyntheticExecutor>(unit_time));
    worker_ = Worker::create(context, options, std::move(executors)).value();
    thread_ = std::thread([this] {
      (void)worker_->run();
      returned_at_ = Clock::now();
      returned_ = true;
    });
  }
  ~DrainingWorker() {
    if (!returned_) worker_->request_stop();
    worker_->request_stop();
    thread_.join();
  }
  Worker& worker() { return *worker_; }
  // Waits up to `limit` for run() to return; when it did, how long after `since`.
  std::optional<Clock::duration> returned_after(Clock::time_point since,
                                                std::chrono::milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (!returned_ && Clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!returned_) return std::nullopt;
    return returned_at_.load() - since;
  }
  bool logged(const std::string& prefix) {
    std::lock_guard<std::mutex> lock(log_mutex_);
    for (const std::string& line : log_) {
      if (line.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

 private:
  std::unique_ptr<Worker> worker_;
  std::thread thread_;
  std::atomic<bool> returned_{false};
  std::atomic<Clock::time_point> returned_at_{};
  std::mutex log_mutex_;
  std::vector<std::string> log_;
};

std::set<uint64_t> leases_of(const proto::UnitReturn& back) {
  return {back.lease_ids.begin(), back.lease_ids.end()};
}

TEST(WorkerDrain, QueuedUnitsGoBackTheRunningOneFinishesThenTheWorkerLeaves) {
  testing::TempDir dir;
  zmq::context_t context;
  ScriptedDispatcher dispatcher(context, "inproc://worker-drain-test");
  DrainingWorker w(context, "inproc://worker-drain-test", dir.path() / "cache",
                   std::chrono::milliseconds(800), std::chrono::seconds(10));
  ASSERT_TRUE(dispatcher.grant_after_hello({1, 2, 3})) << "no hello";
  // Unit 1 starts (its bundle is fetched, then it runs 800 ms); 2 and 3 wait in the queue.
  EXPECT_FALSE(dispatcher.next(std::chrono::milliseconds(300)).has_value());

  const Clock::time_point stopped = Clock::now();
  w.worker().request_stop();
  std::optional<proto::Body> drain = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(drain && std::holds_alternative<proto::UnitReturn>(*drain));
  const auto& back = std::get<proto::UnitReturn>(*drain);
  EXPECT_TRUE(back.draining);
  EXPECT_FALSE(back.leaving);
  EXPECT_FALSE(back.pausing);
  EXPECT_EQ(leases_of(back), (std::set<uint64_t>{2, 3}))
      << "the queued units go back, not the running one";

  // A grant that crossed the drain goes back at once, unstarted.
  dispatcher.send(dispatcher.grant({4}));
  std::optional<proto::Body> crossed = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(crossed && std::holds_alternative<proto::UnitReturn>(*crossed));
  EXPECT_EQ(std::get<proto::UnitReturn>(*crossed).lease_ids, std::vector<uint64_t>{4});
  EXPECT_TRUE(std::get<proto::UnitReturn>(*crossed).draining);

  // The running unit's result goes out after the stop request, heartbeats on the way.
  const uint64_t heartbeats_before = dispatcher.heartbeats;
  std::optional<proto::Body> result = dispatcher.next(std::chrono::seconds(3));
  ASSERT_TRUE(result && std::holds_alternative<proto::UnitResult>(*result))
      << "the running unit's result, not a goodbye";
  EXPECT_EQ(std::get<proto::UnitResult>(*result).lease_id, 1u);
  EXPECT_GT(dispatcher.heartbeats, heartbeats_before) << "a draining worker keeps heartbeating";

  // Then the goodbye, holding nothing, and run() returns.
  std::optional<proto::Body> goodbye = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(goodbye && std::holds_alternative<proto::UnitReturn>(*goodbye));
  EXPECT_TRUE(std::get<proto::UnitReturn>(*goodbye).leaving);
  EXPECT_TRUE(std::get<proto::UnitReturn>(*goodbye).lease_ids.empty());
  std::optional<Clock::duration> ran = w.returned_after(stopped, std::chrono::seconds(3));
  ASSERT_TRUE(ran.has_value()) << "run() returns once the drain is over";
  EXPECT_LT(*ran, std::chrono::seconds(5)) << "not the whole drain timeout";
  EXPECT_FALSE(dispatcher.next(std::chrono::milliseconds(300)).has_value())
      << "nothing after the goodbye";
  EXPECT_EQ(w.worker().units_completed(), 1u);
  EXPECT_EQ(w.worker().units_handed_back(), 3u);
  EXPECT_EQ(w.worker().units_abandoned(), 0u);
  EXPECT_TRUE(w.logged("draining: 1 running unit, up to 10 s"));
  EXPECT_TRUE(w.logged("drained:"));
}

TEST(WorkerDrain, AUnitThatOutlastsTheTimeoutIsHandedBackAndRunReturnsInTime) {
  testing::TempDir dir;
  zmq::context_t context;
  ScriptedDispatcher dispatcher(context, "inproc://worker-drain-timeout-test");
  DrainingWorker w(context, "inproc://worker-drain-timeout-test", dir.path() / "cache",
                   std::chrono::milliseconds(4000), std::chrono::milliseconds(600));
  ASSERT_TRUE(dispatcher.grant_after_hello({1, 2})) << "no hello";
  EXPECT_FALSE(dispatcher.next(std::chrono::milliseconds(300)).has_value());

  const Clock::time_point stopped = Clock::now();
  w.worker().request_stop();
  std::optional<proto::Body> drain = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(drain && std::holds_alternative<proto::UnitReturn>(*drain));
  EXPECT_TRUE(std::get<proto::UnitReturn>(*drain).draining);
  EXPECT_EQ(leases_of(std::get<proto::UnitReturn>(*drain)), std::set<uint64_t>{2});

  // The unit runs 4 s; the drain ends after 0.6 s with it handed back.
  std::optional<proto::Body> goodbye = dispatcher.next(std::chrono::seconds(3));
  ASSERT_TRUE(goodbye && std::holds_alternative<proto::UnitReturn>(*goodbye))
      << "a goodbye, no result";
  EXPECT_TRUE(std::get<proto::UnitReturn>(*goodbye).leaving);
  EXPECT_EQ(leases_of(std::get<proto::UnitReturn>(*goodbye)), std::set<uint64_t>{1});
  std::optional<Clock::duration> ran = w.returned_after(stopped, std::chrono::seconds(2));
  ASSERT_TRUE(ran.has_value()) << "run() does not wait for the unit still running";
  EXPECT_GE(*ran, std::chrono::milliseconds(550));
  EXPECT_LT(*ran, std::chrono::milliseconds(2000)) << "about the drain timeout, not the unit's 4 s";
  EXPECT_EQ(w.worker().units_abandoned(), 1u);
  EXPECT_EQ(w.worker().units_completed(), 0u);
  EXPECT_TRUE(w.logged("drain timed out: 1 running unit handed back"));
}

TEST(WorkerDrain, ASecondStopRequestLeavesAtOnce) {
  testing::TempDir dir;
  zmq::context_t context;
  ScriptedDispatcher dispatcher(context, "inproc://worker-drain-twice-test");
  DrainingWorker w(context, "inproc://worker-drain-twice-test", dir.path() / "cache",
                   std::chrono::milliseconds(4000), std::chrono::seconds(30));
  ASSERT_TRUE(dispatcher.grant_after_hello({1})) << "no hello";
  EXPECT_FALSE(dispatcher.next(std::chrono::milliseconds(300)).has_value());
  w.worker().request_stop();
  std::optional<proto::Body> drain = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(drain && std::holds_alternative<proto::UnitReturn>(*drain));
  EXPECT_TRUE(std::get<proto::UnitReturn>(*drain).draining);
  EXPECT_TRUE(std::get<proto::UnitReturn>(*drain).lease_ids.empty());
  EXPECT_FALSE(dispatcher.next(std::chrono::milliseconds(300)).has_value()) << "still draining";

  const Clock::time_point again = Clock::now();
  w.worker().request_stop();
  std::optional<proto::Body> goodbye = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(goodbye && std::holds_alternative<proto::UnitReturn>(*goodbye));
  EXPECT_TRUE(std::get<proto::UnitReturn>(*goodbye).leaving);
  EXPECT_EQ(leases_of(std::get<proto::UnitReturn>(*goodbye)), std::set<uint64_t>{1});
  std::optional<Clock::duration> ran = w.returned_after(again, std::chrono::seconds(2));
  ASSERT_TRUE(ran.has_value());
  EXPECT_LT(*ran, std::chrono::milliseconds(1000)) << "neither the 30 s drain nor the 4 s unit";
}

}  // namespace
}  // namespace tf
