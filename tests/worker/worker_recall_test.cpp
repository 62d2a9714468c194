// The worker's answer to the dispatcher's LeaseRecall against a scripted dispatcher (a bare
// ROUTER socket): the recalled units it has not started go back in one UnitReturn, a running
// one and one it never held stay out of it, and only what it kept is run.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "tests/integration/synthetic_executor.h"
#include "tests/support/temp_dir.h"
#include "tests/worker/scripted_dispatcher.h"
#include "worker/worker.h"

namespace tf {
namespace {

using testing::ScriptedDispatcher;

uint64_t result_lease(const std::optional<proto::Body>& body) {
  const auto* result = body ? std::get_if<proto::UnitResult>(&*body) : nullptr;
  return result != nullptr ? result->lease_id : 0;
}

TEST(WorkerRecall, QueuedRecalledUnitsGoBackAndTheRestRuns) {
  testing::TempDir dir;
  zmq::context_t context;
  ScriptedDispatcher dispatcher(context, "inproc://worker-recall-test");
  WorkerOptions options =
      testing::scripted_worker_options("inproc://worker-recall-test", dir.path() / "cache");
  options.units_per_device = 1;
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::make_unique<testing::SyntheticExecutor>(std::chrono::milliseconds(400)));
  std::unique_ptr<Worker> worker = Worker::create(context, options, std::move(executors)).value();
  std::thread running([&] { (void)worker->run(); });

  ASSERT_TRUE(dispatcher.grant_after_hello({1, 2, 3, 4})) << "no hello";
  // Unit 1 starts (its bundle is fetched, then it runs 400 ms); 2, 3 and 4 wait.
  EXPECT_FALSE(dispatcher.next(std::chrono::milliseconds(150)).has_value());

  dispatcher.send(proto::LeaseRecall{{1, 3, 4, 99}});
  std::optional<proto::Body> back = dispatcher.next(std::chrono::seconds(2));
  ASSERT_TRUE(back && std::holds_alternative<proto::UnitReturn>(*back));
  const auto& returned = std::get<proto::UnitReturn>(*back);
  EXPECT_EQ(std::set<uint64_t>(returned.lease_ids.begin(), returned.lease_ids.end()),
            (std::set<uint64_t>{3, 4}))
      << "the queued ones go back; the running one and one never held do not";
  EXPECT_FALSE(returned.pausing || returned.draining || returned.leaving)
      << "a recall is no pause: the worker takes work as before";

  // A recall of the running unit alone is not answered; the running unit's result comes, then
  // the one it kept, and nothing of the units handed back.
  dispatcher.send(proto::LeaseRecall{{1}});
  EXPECT_EQ(result_lease(dispatcher.next(std::chrono::seconds(3))), 1u);
  EXPECT_EQ(result_lease(dispatcher.next(std::chrono::seconds(3))), 2u);
  EXPECT_FALSE(dispatcher.next(std::chrono::milliseconds(900)).has_value());
  EXPECT_EQ(worker->units_completed(), 2u);
  EXPECT_EQ(worker->units_handed_back(), 2u);

  worker->request_stop();
  running.join();
}

}  // namespace
}  // namespace tf
