#include "worker/result_batches.h"

#include <utility>

namespace tf {

std::deque<proto::Body> pack_results(std::deque<proto::Body> bodies) {
  std::deque<proto::Body> packed;
  proto::ResultBatch open;  // the batch being filled
  uint64_t open_bytes = 0;
  const auto close = [&] {
    if (open.results.size() == 1) {
      packed.emplace_back(std::move(open.results.front()));
    } else if (!open.results.empty()) {
      packed.emplace_back(std::move(open));
    }
    open = {};
    open_bytes = 0;
  };
  for (proto::Body& body : bodies) {
    auto* result = std::get_if<proto::UnitResult>(&body);
    const uint64_t bytes = result != nullptr ? proto::value_bytes(*result) : 0;
    if (result == nullptr || bytes > proto::kMaxBatchValueBytes) {
      close();
      packed.push_back(std::move(body));
      continue;
    }
    if (open.results.size() == proto::kMaxResultsPerBatch ||
        open_bytes + bytes > proto::kMaxBatchValueBytes) {
      close();
    }
    open.results.push_back(std::move(*result));
    open_bytes += bytes;
  }
  close();
  return packed;
}

}  // namespace tf
