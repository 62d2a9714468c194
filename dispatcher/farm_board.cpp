#include "dispatcher/farm_board.h"

#include <algorithm>
#include <cmath>

namespace tf {

bool FarmView::may_serve(const Hash256& blob) const {
  return std::any_of(jobs.begin(), jobs.end(), [&](const JobView& job) {
    return std::any_of(job.images.begin(), job.images.end(),
                       [&](const JobImage& image) { return image.blob == blob; });
  });
}

void CommitLatency::record(double seconds) {
  const auto bucket = static_cast<size_t>(
      std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::llround(std::max(seconds, 0.0) * 1e9)),
                    std::memory_order_relaxed);
}

CommitLatency::Snapshot CommitLatency::snapshot() const {
  Snapshot s;
  // The count is the buckets' sum, not count_: a record() between the loads would otherwise
  // make them disagree, which Prometheus's histogram rules forbid.
  for (size_t i = 0; i < buckets_.size(); ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count += s.buckets[i];
  }
  s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

void FarmBoard::publish(std::shared_ptr<const FarmView> view) {
  std::lock_guard<std::mutex> lock(mutex_);
  view_ = std::move(view);
}

std::shared_ptr<const FarmView> FarmBoard::latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return view_;
}

}  // namespace tf
