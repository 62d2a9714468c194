#include "kernels/parallel_for.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace tf {
namespace {

// Every index is called exactly once, for no items, one, and more items than cores.
TEST(ParallelFor, CallsEachIndexOnce) {
  for (size_t count : {size_t{0}, size_t{1}, size_t{1000}}) {
    std::vector<std::atomic<int>> calls(count);
    parallel_for(count, [&](size_t i) { calls[i].fetch_add(1); });
    for (size_t i = 0; i < count; ++i) EXPECT_EQ(calls[i].load(), 1) << "index " << i;
  }
}

// With two cores or more, two items run at once: each waits (at most 10 s) for the other to
// start, which only a second thread can do.
TEST(ParallelFor, RunsItemsOnSeveralThreadsAtOnce) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one core: one thread";
  std::atomic<int> started{0};
  std::atomic<int> met{0};
  parallel_for(2, [&](size_t) {
    started.fetch_add(1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (started.load() < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    if (started.load() == 2) met.fetch_add(1);
  });
  EXPECT_EQ(met.load(), 2);
}

// The helpers are kept: calls after calls run on the caller and the same few threads, never
// more than the host's cores (new threads per call would each allocate from an arena without
// their last buffers' memory, parallel_for.h).
TEST(ParallelFor, KeepsItsHelpersFromCallToCall) {
  // Threads told apart by a thread-local number: a new thread may reuse an old one's id.
  static std::atomic<int> numbered{0};
  std::mutex mutex;
  std::set<int> threads;
  for (int call = 0; call < 50; ++call) {
    parallel_for(64, [&](size_t) {
      thread_local const int number = numbered.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(number);
    });
  }
  EXPECT_LE(threads.size(), std::max(1u, std::thread::hardware_concurrency()));
}

// Several callers at once, and calls from inside an item, each get all their items run once.
TEST(ParallelFor, ServesSeveralCallersAndCallsFromInsideAnItem) {
  std::vector<std::atomic<int>> calls(4 * 100);
  std::vector<std::thread> callers;
  for (size_t c = 0; c < 4; ++c) {
    callers.emplace_back([&, c] {
      parallel_for(10, [&](size_t outer) {
        parallel_for(10, [&](size_t inner) { calls[c * 100 + outer * 10 + inner].fetch_add(1); });
      });
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << "index " << i;
}

}  // namespace
}  // namespace tf
