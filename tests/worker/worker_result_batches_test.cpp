// A fast device's results on the wire (worker.h, result_batches.h): to a dispatcher that
// answers in protocol version 4 they travel in ResultBatch messages, each lease's result
// exactly once; to a dispatcher of version 3, which cannot read a batch, one message each.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "tests/integration/synthetic_executor.h"
#include "tests/support/temp_dir.h"
#include "tests/worker/scripted_dispatcher.h"
#include "worker/worker.h"

namespace tf {
namespace {

constexpr uint64_t kUnits = 256;

struct Delivery {
  std::map<uint64_t, int> results_per_lease;
  uint64_t result_messages = 0;  // UnitResult messages
  uint64_t batches = 0;          // ResultBatch messages
};

// A worker with one trivial synthetic device (microseconds per unit) gets kUnits units from
// a scripted dispatcher answering in `version`; returns how their results arrived.
Delivery deliver(uint32_t version, const std::string& endpoint) {
  testing::TempDir dir;
  zmq::context_t context;
  testing::ScriptedDispatcher dispatcher(context, endpoint);
  dispatcher.version = version;
  WorkerOptions options = testing::scripted_worker_options(endpoint, dir.path() / "cache");
  std::vector<std::unique_ptr<UnitExecutor>> executors;
  executors.push_back(std::make_unique<testing::SyntheticExecutor>());
  std::unique_ptr<Worker> worker = Worker::create(context, options, std::move(executors)).value();
  std::thread running([&] { (void)worker->run(); });

  Delivery d;
  std::optional<proto::Body> hello = dispatcher.next(std::chrono::seconds(10));
  EXPECT_TRUE(hello && std::holds_alternative<proto::WorkerHello>(*hello));
  std::vector<uint64_t> leases;
  for (uint64_t id = 1; id <= kUnits; ++id) leases.push_back(id);
  dispatcher.send(dispatcher.grant(leases));
  uint64_t results = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (results < kUnits && std::chrono::steady_clock::now() < until) {
    std::optional<proto::Body> body = dispatcher.next(std::chrono::seconds(1));
    if (!body) continue;
    if (const auto* r = std::get_if<proto::UnitResult>(&*body)) {
      ++d.result_messages;
      ++d.results_per_lease[r->lease_id];
      ++results;
    } else if (const auto* b = std::get_if<proto::ResultBatch>(&*body)) {
      ++d.batches;
      for (const proto::UnitResult& each : b->results) ++d.results_per_lease[each.lease_id];
      results += b->results.size();
    }
  }
  worker->request_stop();
  running.join();
  return d;
}

void expect_each_lease_once(const Delivery& d) {
  ASSERT_EQ(d.results_per_lease.size(), kUnits);
  for (const auto& [lease, count] : d.results_per_lease) {
    EXPECT_TRUE(lease >= 1 && lease <= kUnits) << lease;
    EXPECT_EQ(count, 1) << "lease " << lease;
  }
}

TEST(WorkerResultBatches, AFastDevicesResultsTravelInBatchesToADispatcherThatReadsThem) {
  const Delivery d = deliver(proto::kResultBatchVersion, "inproc://result-batches-new");
  expect_each_lease_once(d);
  EXPECT_GT(d.batches, 0u);
  EXPECT_LT(d.batches + d.result_messages, kUnits / 2)
      << "results of units finished microseconds apart share messages";
}

TEST(WorkerResultBatches, ADispatcherOfThePreviousVersionGetsOneMessagePerResult) {
  const Delivery d = deliver(proto::kResultBatchVersion - 1, "inproc://result-batches-old");
  expect_each_lease_once(d);
  EXPECT_EQ(d.batches, 0u);
  EXPECT_EQ(d.result_messages, kUnits);
}

}  // namespace
}  // namespace tf
