// The canonical bytes of the worker's recent hash-only results (RenderUnitSpec.upload_bytes
// false), kept in memory so that it can answer a ResultBytesRequest: the dispatcher asks when
// the replica that uploaded the unit's bytes disagreed or lost them.
//
// Bounded by a count and a byte budget (rgb bytes); the oldest results go first, whatever
// their size, and a result larger than the whole budget is not kept. A request for a result
// that is gone goes unanswered, and the dispatcher asks another agreeing replica.
//
// Thread safety: none; the worker guards it with its shared mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "formats/protocol/messages.h"

namespace tf {

class KeptResults {
 public:
  explicit KeptResults(size_t max_results = 64, size_t max_bytes = 256u << 20)
      : max_results_(max_results), max_bytes_(max_bytes) {}

  // Keeps `result` (with its rgb) and returns the hash-only copy to send.
  proto::UnitResult keep(proto::UnitResult result) {
    proto::UnitResult hash_only = result;
    hash_only.rgb.clear();
    hash_only.rgb.shrink_to_fit();
    bytes_ += result.rgb.size() * sizeof(float);
    kept_.push_back(std::move(result));
    while (!kept_.empty() && (kept_.size() > max_results_ || bytes_ > max_bytes_)) {
      bytes_ -= kept_.front().rgb.size() * sizeof(float);
      kept_.pop_front();
    }
    return hash_only;
  }

  // The full result of `lease_id`; nullptr when it was never kept or has been dropped.
  const proto::UnitResult* find(uint64_t lease_id) const {
    for (const proto::UnitResult& r : kept_) {
      if (r.lease_id == lease_id) return &r;
    }
    return nullptr;
  }

 private:
  size_t max_results_, max_bytes_;
  size_t bytes_ = 0;
  std::deque<proto::UnitResult> kept_;
};

}  // namespace tf
