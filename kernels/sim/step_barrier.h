// The barrier between the CPU stepper's threads at the end of every step.
//
// A step of a small state takes tens of microseconds, less than putting a thread to sleep and
// waking it again: with std::barrier (which sleeps in the kernel soon) two threads stepped a
// 129^2 D2Q9 box barely faster than one. Waiters here spin for a bounded time first and only
// then sleep (std::atomic::wait), so short steps never enter the kernel and long waits (a
// thread descheduled on a busy machine) do not burn a core.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace tf::sim {

class StepBarrier {
 public:
  explicit StepBarrier(int count) : count_(count) {}

  // Returns once all `count` threads have called it for the current phase.
  void arrive_and_wait() {
    const std::uint32_t phase = phase_.load(std::memory_order_acquire);
    if (arrived_.fetch_add(1, std::memory_order_acq_rel) == count_ - 1) {
      arrived_.store(0, std::memory_order_relaxed);
      phase_.store(phase + 1, std::memory_order_release);
      phase_.notify_all();
      return;
    }
    const auto spin_until = std::chrono::steady_clock::now() + kSpin;
    for (int i = 1;; ++i) {
      if (phase_.load(std::memory_order_acquire) != phase) return;
      pause();
      if (i % 64 == 0 && std::chrono::steady_clock::now() > spin_until) break;
    }
    while (phase_.load(std::memory_order_acquire) == phase) {
      phase_.wait(phase, std::memory_order_acquire);
    }
  }

 private:
  // Longer than a short step's imbalance between threads, shorter than a time slice.
  static constexpr std::chrono::microseconds kSpin{100};

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
  }

  const int count_;
  std::atomic<int> arrived_{0};
  std::atomic<std::uint32_t> phase_{0};
};

}  // namespace tf::sim
