#include "dispatcher/status_waits.h"

#include <algorithm>

namespace tf {

bool StatusWaits::hold(Held request, uint32_t wait_ms, uint32_t max_wait_ms, int64_t now_ms) {
  if (wait_ms == 0 || held_.size() >= kMaxHeld) return false;
  request.until_ms = now_ms + std::min(wait_ms, max_wait_ms);
  held_.push_back(std::move(request));
  return true;
}

std::vector<StatusWaits::Held> StatusWaits::take_due(
    int64_t now_ms, const std::function<bool(uint64_t)>& ended) {
  std::vector<Held> due;
  auto still_held = std::stable_partition(held_.begin(), held_.end(), [&](const Held& h) {
    return now_ms < h.until_ms && !ended(h.job_id);
  });
  std::move(still_held, held_.end(), std::back_inserter(due));
  held_.erase(still_held, held_.end());
  return due;
}

std::optional<int64_t> StatusWaits::next_due_ms() const {
  if (held_.empty()) return std::nullopt;
  return std::min_element(held_.begin(), held_.end(), [](const Held& a, const Held& b) {
           return a.until_ms < b.until_ms;
         })->until_ms;
}

}  // namespace tf
