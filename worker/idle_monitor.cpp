#include "worker/idle_monitor.h"

#include <chrono>

namespace tf {

bool IdleDebounce::update(const IdleVerdict& verdict, int64_t now_ms) {
  if (!state_) {
    state_ = verdict.may_work;
    reason_ = verdict.reason;
    return true;
  }
  if (verdict.may_work == *state_) {
    differing_since_ms_.reset();
    return false;
  }
  if (!differing_since_ms_) differing_since_ms_ = now_ms;
  if (now_ms - *differing_since_ms_ < hold_ms_) return false;
  state_ = verdict.may_work;
  reason_ = verdict.reason;
  differing_since_ms_.reset();
  return true;
}

IdleMonitor::IdleMonitor(std::shared_ptr<IdleSource> source, int64_t interval_ms, int64_t hold_ms,
                         std::function<void()> on_change)
    : source_(std::move(source)),
      interval_ms_(interval_ms > 0 ? interval_ms : 1000),
      debounce_(hold_ms),
      on_change_(std::move(on_change)) {}

IdleMonitor::~IdleMonitor() { stop(); }

std::string IdleMonitor::reason() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reason_;
}

void IdleMonitor::poll_once() {
  const IdleVerdict verdict = source_->check();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
  if (!debounce_.update(verdict, now_ms)) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reason_ = debounce_.reason();
  }
  may_work_ = debounce_.may_work();
  if (on_change_) on_change_();
}

void IdleMonitor::start() {
  poll_once();
  thread_ = std::thread([this] { loop(); });
}

void IdleMonitor::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void IdleMonitor::loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (stop_cv_.wait_for(lock, std::chrono::milliseconds(interval_ms_),
                            [this] { return stopping_; })) {
        return;
      }
    }
    poll_once();
  }
}

}  // namespace tf
