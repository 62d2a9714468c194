// Results in batches (worker/result_batches.h): runs of consecutive results become batches
// within the count and byte bounds, everything else keeps its own message and its place.
#include "worker/result_batches.h"

#include <gtest/gtest.h>

#include <vector>

namespace tf {
namespace {

using proto::Body;
using proto::ResultBatch;
using proto::UnitResult;

// A result of lease `id` with `floats` values (0: hash only).
UnitResult result(uint64_t id, size_t floats = 0) {
  UnitResult r;
  r.lease_id = r.unit_id = id;
  r.rgb.assign(floats, 1.0f);
  return r;
}

// The lease ids of `bodies` in order, one list per message (a failure: its lease negated).
std::vector<std::vector<int64_t>> leases_per_message(const std::deque<Body>& bodies) {
  std::vector<std::vector<int64_t>> out;
  for (const Body& body : bodies) {
    std::vector<int64_t>& ids = out.emplace_back();
    if (const auto* r = std::get_if<UnitResult>(&body)) ids.push_back(static_cast<int64_t>(r->lease_id));
    if (const auto* f = std::get_if<proto::UnitFailure>(&body)) {
      ids.push_back(-static_cast<int64_t>(f->lease_id));
    }
    if (const auto* b = std::get_if<ResultBatch>(&body)) {
      for (const UnitResult& r : b->results) ids.push_back(static_cast<int64_t>(r.lease_id));
    }
  }
  return out;
}

TEST(ResultBatches, RunsOfResultsBecomeBatchesAndOtherMessagesKeepTheirPlace) {
  std::deque<Body> outbox{result(1), result(2), result(3), proto::UnitFailure{4, 4, "no"},
                          result(5), proto::WorkerHeartbeat{}, result(6), result(7)};
  const std::deque<Body> packed = pack_results(outbox);
  EXPECT_EQ(leases_per_message(packed),
            (std::vector<std::vector<int64_t>>{{1, 2, 3}, {-4}, {5}, {}, {6, 7}}));
  EXPECT_TRUE(std::holds_alternative<ResultBatch>(packed[0]));
  EXPECT_TRUE(std::holds_alternative<UnitResult>(packed[2])) << "a run of one stays a result";
  EXPECT_TRUE(std::holds_alternative<proto::WorkerHeartbeat>(packed[3]));
  EXPECT_TRUE(pack_results({}).empty());
}

TEST(ResultBatches, ABatchHoldsAtMostItsCountOfResults) {
  std::deque<Body> outbox;
  const uint64_t n = 2 * proto::kMaxResultsPerBatch + 1;
  for (uint64_t id = 1; id <= n; ++id) outbox.push_back(result(id));
  const std::deque<Body> packed = pack_results(outbox);
  ASSERT_EQ(packed.size(), 3u);
  EXPECT_EQ(std::get<ResultBatch>(packed[0]).results.size(), proto::kMaxResultsPerBatch);
  EXPECT_EQ(std::get<ResultBatch>(packed[1]).results.size(), proto::kMaxResultsPerBatch);
  EXPECT_EQ(std::get<UnitResult>(packed[2]).lease_id, n);
}

TEST(ResultBatches, ValuesAreBoundedAndALargeResultGoesAlone) {
  const size_t quarter = proto::kMaxBatchValueBytes / 4 / sizeof(float);  // a quarter budget
  const size_t over = proto::kMaxBatchValueBytes / sizeof(float) + 1;     // past the budget
  std::deque<Body> outbox{result(1, quarter), result(2, quarter), result(3, quarter),
                          result(4, quarter), result(5, quarter), result(6, over),
                          result(7),          result(8)};
  const std::deque<Body> packed = pack_results(outbox);
  // Four quarters fill a batch exactly; the fifth opens the next, which the large one closes.
  EXPECT_EQ(leases_per_message(packed),
            (std::vector<std::vector<int64_t>>{{1, 2, 3, 4}, {5}, {6}, {7, 8}}));
  for (const Body& body : packed) {
    if (const auto* b = std::get_if<ResultBatch>(&body)) {
      uint64_t bytes = 0;
      for (const UnitResult& r : b->results) bytes += proto::value_bytes(r);
      EXPECT_LE(bytes, proto::kMaxBatchValueBytes);
    }
  }
}

}  // namespace
}  // namespace tf
