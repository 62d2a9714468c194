#include "kernels/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
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

}  // namespace
}  // namespace tf
