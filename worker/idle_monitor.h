// Asks an IdleSource (idle_policy.h) at a steady interval on a thread of its own and holds the
// debounced answer for the worker's socket thread: a slow source (loginctl waiting on D-Bus)
// never delays a heartbeat.
//
// Thread safety: start() and stop() from one thread; may_work() and reason() from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "worker/idle_policy.h"

namespace tf {

// Avoids flapping: the state switches only after verdicts that differ from it held for
// `hold_ms` in a row (0: at once). The first verdict sets the state at once.
class IdleDebounce {
 public:
  explicit IdleDebounce(int64_t hold_ms) : hold_ms_(hold_ms) {}
  // Feeds the verdict seen at `now_ms` (a steady clock); true when the state switched.
  bool update(const IdleVerdict& verdict, int64_t now_ms);
  bool may_work() const { return state_.value_or(true); }
  // The verdict's reason at the last switch.
  const std::string& reason() const { return reason_; }

 private:
  int64_t hold_ms_;
  std::optional<bool> state_;
  std::optional<int64_t> differing_since_ms_;
  std::string reason_;
};

class IdleMonitor {
 public:
  // `on_change`: called on the monitor's thread after the state switched (async-safe use only:
  // the worker wakes its socket thread).
  IdleMonitor(std::shared_ptr<IdleSource> source, int64_t interval_ms, int64_t hold_ms,
              std::function<void()> on_change);
  ~IdleMonitor();
  IdleMonitor(const IdleMonitor&) = delete;
  IdleMonitor& operator=(const IdleMonitor&) = delete;

  // Asks the source once now (the initial state), then starts the thread.
  void start();
  void stop();
  bool may_work() const { return may_work_; }
  std::string reason() const;

 private:
  void poll_once();
  void loop();

  std::shared_ptr<IdleSource> source_;
  int64_t interval_ms_;
  IdleDebounce debounce_;
  std::function<void()> on_change_;
  std::atomic<bool> may_work_{true};
  mutable std::mutex mutex_;  // guards reason_, stopping_
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::string reason_;
  std::thread thread_;
};

}  // namespace tf
