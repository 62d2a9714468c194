#include "dispatcher/zap_flood_guard.h"

#include <algorithm>
#include <chrono>
#include <limits>

namespace tf {

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void MutedKeys::mute(const std::string& key, int64_t now_ms, int64_t duration_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Mutes are rare (each one costs its key many rejected messages): sweeping here keeps the
  // set to the keys muted now without a timer.
  std::erase_if(until_ms_, [now_ms](const auto& entry) { return entry.second <= now_ms; });
  int64_t& until = until_ms_[key];
  until = std::max(until, now_ms + duration_ms);
}

bool MutedKeys::is_muted(const std::string& key, int64_t now_ms) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = until_ms_.find(key);
  return it != until_ms_.end() && now_ms < it->second;
}

RejectionTally::RejectionTally(FloodLimits limits, size_t max_keys)
    : limits_(limits), max_keys_(max_keys) {}

bool RejectionTally::add(const std::string& key, const std::string& reason, int64_t now_ms) {
  auto it = open_.find(key);
  if (it == open_.end()) {
    if (open_.size() >= max_keys_) return false;
    it = open_.emplace(key, Open{now_ms, 0, reason}).first;
    opened_.emplace_back(now_ms, key);
  }
  return ++it->second.count == limits_.max_rejections + 1;
}

std::vector<RejectionTally::Window> RejectionTally::take_ended(int64_t now_ms) {
  std::vector<Window> ended;
  while (!opened_.empty() && (now_ms == std::numeric_limits<int64_t>::max() ||
                              now_ms - opened_.front().first >= limits_.window_ms)) {
    auto it = open_.find(opened_.front().second);
    ended.push_back({it->first, it->second.count, std::move(it->second.first_reason)});
    open_.erase(it);
    opened_.pop_front();
  }
  return ended;
}

}  // namespace tf
