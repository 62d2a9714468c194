// The worker's pause and resume against a scripted dispatcher (a bare ROUTER socket), with an
// injected idle source: what goes over the wire when the machine stops and starts being idle.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/synthetic_executor.h"
#include "tests/support/temp_dir.h"
#include "tests/worker/scripted_dispatcher.h"
#include "worker/worker.h"

namespace tf {
namespace {

using testing::ScriptedDispatcher;

struct SwitchSource : IdleSource {
  std::atomic<bool> idle{true};
  IdleVerdict check() override { return {idle.load(), idle ? "idle (test)" : "busy (test)"}; }
};

TEST(WorkerPause, QueuedUnitsGoBackRunningOnesFinishAndAHelloResumes) {
  testing::TempDir dir;
  zmq::context_t context;
  ScriptedDispatcher dispatcher(context, "inproc://worker-pause-test");
  auto source = std::make_shared<SwitchSource>();
  WorkerOptions options =
      testing::scripted_worker_options("inproc://worker-pause-test", dir.path() / "cache");
  options.units_per_device = 1;
  options.idle = source;
  options.idle_check_interval_ms = 10;
  options.idle_hold_ms = 0;
  std::vector<std::string> log;
  std::mutex log_mutex;
  options.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mutex);
    log.push_back(line);
  };
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  // Slow enough that the first unit is still running when the machine turns busy.
  executors.push_back(std::make_unique<testing::SyntheticExecutor>(std::chrono::milliseconds(800)));
  std::unique_ptr<Worker> worker = Worker::create(context, options, std::move(executors)).value();
  std::thread running([&] { (void)worker->run(); });

  ASSERT_TRUE(dispatcher.grant_after_hello({1, 2, 3})) << "no hello";
  // Unit 1 starts (its bundle is fetched, then it runs 800 ms); 2 and 3 wait in the queue.
  EXPECT_FALSE(dispatcher.next(std::chrono::milliseconds(300)).has_value());

  source->idle = false;
  std::optional<proto::Body> pause = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(pause && std::holds_alternative<proto::UnitReturn>(*pause));
  const auto& back = std::get<proto::UnitReturn>(*pause);
  EXPECT_TRUE(back.pausing);
  EXPECT_FALSE(back.leaving);
  EXPECT_EQ(std::set<uint64_t>(back.lease_ids.begin(), back.lease_ids.end()),
            (std::set<uint64_t>{2, 3}))
      << "the queued units go back, the running one stays";
  EXPECT_TRUE(worker->paused());

  // A grant that crossed the pause goes back at once.
  dispatcher.send(dispatcher.grant({4}));
  std::optional<proto::Body> again = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(again && std::holds_alternative<proto::UnitReturn>(*again));
  EXPECT_EQ(std::get<proto::UnitReturn>(*again).lease_ids, std::vector<uint64_t>{4});
  EXPECT_TRUE(std::get<proto::UnitReturn>(*again).pausing);

  // The running unit finishes and its result goes out while paused; heartbeats go on.
  const uint64_t heartbeats_before = dispatcher.heartbeats;
  std::optional<proto::Body> result = dispatcher.next(std::chrono::seconds(3));
  ASSERT_TRUE(result && std::holds_alternative<proto::UnitResult>(*result));
  EXPECT_EQ(std::get<proto::UnitResult>(*result).lease_id, 1u);
  EXPECT_FALSE(dispatcher.next(std::chrono::milliseconds(400)).has_value())
      << "a paused worker sends nothing but heartbeats";
  EXPECT_GT(dispatcher.heartbeats, heartbeats_before);
  EXPECT_EQ(worker->units_completed(), 1u);
  EXPECT_EQ(worker->units_handed_back(), 3u);

  // Idle again: a hello that holds nothing, and work is taken again.
  source->idle = true;
  std::optional<proto::Body> resumed = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(resumed && std::holds_alternative<proto::WorkerHello>(*resumed));
  EXPECT_TRUE(std::get<proto::WorkerHello>(*resumed).held_leases.empty());
  EXPECT_FALSE(worker->paused());
  dispatcher.send(dispatcher.grant({5}));
  std::optional<proto::Body> fifth = dispatcher.next(std::chrono::seconds(3));
  ASSERT_TRUE(fifth && std::holds_alternative<proto::UnitResult>(*fifth));
  EXPECT_EQ(std::get<proto::UnitResult>(*fifth).lease_id, 5u);

  worker->request_stop();
  running.join();
  std::lock_guard<std::mutex> lock(log_mutex);
  bool said_pausing = false, said_resuming = false;
  for (const std::string& line : log) {
    said_pausing |= line.rfind("pausing: busy (test)", 0) == 0;
    said_resuming |= line.rfind("resuming: idle (test)", 0) == 0;
  }
  EXPECT_TRUE(said_pausing);
  EXPECT_TRUE(said_resuming);
}

TEST(WorkerPause, AWorkerThatStartsBusySaysHelloAndPausesAtOnce) {
  testing::TempDir dir;
  zmq::context_t context;
  ScriptedDispatcher dispatcher(context, "inproc://worker-pause-start-test");
  auto source = std::make_shared<SwitchSource>();
  source->idle = false;
  WorkerOptions options =
      testing::scripted_worker_options("inproc://worker-pause-start-test", dir.path() / "cache");
  options.idle = source;
  options.idle_check_interval_ms = 10;
  options.idle_hold_ms = 0;
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::make_unique<testing::SyntheticExecutor>());
  std::unique_ptr<Worker> worker = Worker::create(context, options, std::move(executors)).value();
  std::thread running([&] { (void)worker->run(); });
  std::optional<proto::Body> hello = dispatcher.next(std::chrono::seconds(5));
  ASSERT_TRUE(hello && std::holds_alternative<proto::WorkerHello>(*hello));
  std::optional<proto::Body> pause = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(pause && std::holds_alternative<proto::UnitReturn>(*pause));
  EXPECT_TRUE(std::get<proto::UnitReturn>(*pause).pausing);
  EXPECT_TRUE(std::get<proto::UnitReturn>(*pause).lease_ids.empty());
  worker->request_stop();
  running.join();
}

}  // namespace
}  // namespace tf
