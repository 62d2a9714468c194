// parallel_for: independent work items on every core, for host code that has a few to a
// thousand of them at once (the blobs to hash of a snapshot, or of a sweep's initial states).
//
// Why not a std::async per item: libstdc++ starts a thread for each, so a sweep of a thousand
// runs started a thousand threads at once. Here the calling thread and at most one fewer
// helpers than the host's cores take the items one at a time, each exactly once. The helpers
// are new threads: items that allocate much should stay on one thread where first touches of
// memory are dear (making a sweep's initial states here took 24-46 ms for 8 runs against 17 on
// the loop's thread, whose freed memory the next allocation reuses).
//
// Thread safety: `fn` is called concurrently for distinct indices and must allow that. It must
// not throw (errors go into the caller's per-item results). Returns when every call returned.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <system_error>
#include <thread>
#include <vector>

namespace tf {

template <typename Fn>
void parallel_for(size_t count, Fn&& fn) {
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < count;) fn(i);
  };
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < std::min(cores, count); ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // fewer helpers: the caller takes the items left
    }
  }
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace tf
