// The canonical bytes of the worker's recent hash-only results (RenderUnitSpec.upload_bytes
// false), kept in memory so that it can answer a ResultBytesRequest: the dispatcher asks when
// the replica that uploaded the unit's bytes disagreed or lost them.
//
// A whole-domain simulation result keeps, instead of a copy of its values, the run's next
// state they are the fields of (worker/sim_execution.h, kept_sim_output).
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
#include <functional>
#include <optional>
#include <vector>

#include "formats/protocol/messages.h"

namespace tf {

class KeptResults {
 public:
  explicit KeptResults(size_t max_results = 64, size_t max_bytes = 256u << 20)
      : max_results_(max_results), max_bytes_(max_bytes) {}

  // Keeps `result` (with its rgb) and returns the hash-only copy to send. A result sent without
  // its rgb may instead name `output`, which rebuilds the values (from state held elsewhere,
  // `output_bytes` of it, counted against the budget).
  proto::UnitResult keep(proto::UnitResult result,
                         std::function<std::vector<float>()> output = {},
                         size_t output_bytes = 0) {
    std::vector<float> rgb = std::move(result.rgb);
    proto::UnitResult hash_only = result;  // the values are not copied
    result.rgb = std::move(rgb);
    const size_t bytes = output ? output_bytes : result.rgb.size() * sizeof(float);
    bytes_ += bytes;
    kept_.push_back({std::move(result), std::move(output), bytes});
    while (!kept_.empty() && (kept_.size() > max_results_ || bytes_ > max_bytes_)) {
      bytes_ -= kept_.front().bytes;
      kept_.pop_front();
    }
    return hash_only;
  }

  // The result of `lease_id` as kept; nullptr when it was never kept or has been dropped.
  const proto::UnitResult* find(uint64_t lease_id) const {
    const Entry* e = entry(lease_id);
    return e ? &e->result : nullptr;
  }
  // The full result of `lease_id`, its values rebuilt where they were not kept; nullopt when
  // it was never kept or has been dropped.
  std::optional<proto::UnitResult> full(uint64_t lease_id) const {
    const Entry* e = entry(lease_id);
    if (e == nullptr) return std::nullopt;
    proto::UnitResult r = e->result;
    if (e->output) r.rgb = e->output();
    return r;
  }

 private:
  struct Entry {
    proto::UnitResult result;
    std::function<std::vector<float>()> output;
    size_t bytes = 0;
  };
  const Entry* entry(uint64_t lease_id) const {
    for (const Entry& e : kept_) {
      if (e.result.lease_id == lease_id) return &e;
    }
    return nullptr;
  }

  size_t max_results_, max_bytes_;
  size_t bytes_ = 0;
  std::deque<Entry> kept_;
};

}  // namespace tf
