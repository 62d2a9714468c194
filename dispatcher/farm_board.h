// What the dispatcher loop shows to readers on other threads (the web dashboard, /metrics):
// a snapshot of the farm (FarmView) published by the loop a few times a second, the store's
// commit latencies, and the previews of frames being rendered.
//
// Cost on the loop: building a view is O(jobs + connected workers) and happens at most every
// DispatcherServerOptions::view_interval_ms, never per message; a commit adds one histogram
// increment; readers copy a shared_ptr and never touch the loop's state. Without a board
// (DispatcherConfig::board null) none of this runs.
//
// Thread safety: every member may be called from any thread; a published FarmView is
// immutable.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dispatcher/dispatcher_stats.h"
#include "dispatcher/frame_previews.h"
#include "formats/hash/hash.h"
#include "formats/protocol/messages.h"

namespace tf {

// A picture a job shows: a finished frame's PNG or a simulation snapshot's image (a blob), or
// the preview of a frame being rendered.
struct JobImage {
  std::string label;  // "frame 3", "run re=100, step 500: speed.png"
  uint32_t frame = 0;
  std::optional<Hash256> blob;  // unset: the frame's live preview (FramePreviews)
};

struct JobView {
  proto::JobStatus status;
  uint32_t replication = 1;
  std::vector<JobImage> images;  // the latest few, oldest first
};

struct WorkerView {
  std::string name, key, owner;
  std::vector<std::string> devices;  // "cpu 0: AMD EPYC (kernel cpu-v7)"
  uint32_t slots = 0;
  uint64_t units_in_flight = 0;
  double rate = 0;      // work units (pixel-samples, cell updates) per second; 0: not measured
  bool paused = false;  // its owner's machine is busy (it takes no leases until it says hello)
  bool draining = false;  // it finishes its running units, then leaves (tilefarm worker --drain-timeout)
  bool trusted = false;
  bool quarantined = false;
  std::string quarantine_reason;
  uint64_t results_valid = 0;  // accepted results (reputation.h: valid)
  uint64_t results_invalid = 0, timed_out = 0, errors = 0, malformed = 0;
};


struct FarmView {
  int64_t taken_ms = 0;             // wall clock
  std::vector<JobView> jobs;        // every job, newest first
  std::vector<WorkerView> workers;  // connected workers, by name
  // Counters since the dispatcher process started: the core's, and the security layer's.
  DispatcherStats stats;
  uint64_t messages_rejected = 0, handshakes_refused = 0;
  uint64_t units_pending = 0;  // units of active jobs not accepted yet
  uint64_t units_leased = 0;   // leases open now
  uint64_t keys_quarantined = 0;
  // Blobs the dashboard may serve (JobImage::blob of every job above).
  bool may_serve(const Hash256& blob) const;
};

// Cumulative histogram of store commit durations, in the buckets Prometheus clients use.
class CommitLatency {
 public:
  static constexpr std::array<double, 12> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  void record(double seconds);
  struct Snapshot {
    std::array<uint64_t, kBounds.size() + 1> buckets{};  // per bucket (last: above all bounds)
    uint64_t count = 0;
    double sum_seconds = 0;
  };
  Snapshot snapshot() const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_ns_{0};
};

class FarmBoard {
 public:
  void publish(std::shared_ptr<const FarmView> view);
  // The latest view; an empty one before the first publish.
  std::shared_ptr<const FarmView> latest() const;
  CommitLatency& commit_latency() { return commit_latency_; }
  const CommitLatency& commit_latency() const { return commit_latency_; }
  FramePreviews& previews() { return previews_; }
  const FramePreviews& previews() const { return previews_; }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const FarmView> view_ = std::make_shared<FarmView>();
  CommitLatency commit_latency_;
  FramePreviews previews_;
};

}  // namespace tf
