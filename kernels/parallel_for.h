// parallel_for: independent work items on every core, for host code that has a few to a
// thousand of them at once (a snapshot's files to encode, the blobs BlobStore::put_all hashes).
//
// Why not a std::async per item: libstdc++ starts a thread for each, so a thousand blobs
// started a thousand threads at once. Here the calling thread and the helpers of one
// process-wide pool (one fewer than the host's cores, started on first use and kept) take the
// items one at a time, each exactly once. Why kept: a new thread allocates from whichever malloc
// arena it is given, often one without room for its buffers, and every first touch of fresh
// memory is dear (about 10 us a page on the development VM): a snapshot's VTI file, encoded on
// a thread of its own, took 7-11 ms of CPU in 500-960 page faults against 0.7 ms without one. A
// kept helper allocates from its own arena, where the memory its last items freed waits.
//
// Thread safety: `fn` is called concurrently for distinct indices and must allow that. It must
// not throw (errors go into the caller's per-item results). Returns when every call returned.
// Callers on several threads at once share the helpers; a call from inside `fn` works too (each
// caller takes its own items, so none waits for a helper).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace tf {

namespace parallel_detail {

// One parallel_for call's items.
struct Batch {
  const std::function<void(size_t)>* fn = nullptr;
  size_t count = 0;
  std::atomic<size_t> next{0};  // the next item to take
  std::atomic<size_t> done{0};  // items returned from fn
  std::mutex mutex;
  std::condition_variable finished;

  // Takes and runs items until none is left; whoever finishes the last item wakes the caller.
  void work() {
    for (size_t i; (i = next.fetch_add(1)) < count;) {
      (*fn)(i);
      if (done.fetch_add(1) + 1 == count) {
        std::lock_guard<std::mutex> lock(mutex);
        finished.notify_all();
      }
    }
  }
};

class Pool {
 public:
  static Pool& shared() {
    static Pool pool;
    return pool;
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& helper : helpers_) helper.join();
  }
  void run(size_t count, const std::function<void(size_t)>& fn) {
    if (count == 0) return;
    auto batch = std::make_shared<Batch>();
    batch->fn = &fn;
    batch->count = count;
    if (count > 1 && !helpers_.empty()) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(batch);
      }
      wake_.notify_all();
    }
    batch->work();
    std::unique_lock<std::mutex> lock(batch->mutex);
    batch->finished.wait(lock, [&] { return batch->done.load() == count; });
  }

 private:
  Pool() {
    const size_t cores = std::max(1u, std::thread::hardware_concurrency());
    for (size_t t = 1; t < cores; ++t) {
      try {
        helpers_.emplace_back([this] { help(); });
      } catch (const std::system_error&) {
        break;  // fewer helpers: callers take the items left
      }
    }
  }
  void help() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      std::shared_ptr<Batch> batch = queue_.front();
      // A batch whose items are all taken leaves the queue (its caller finishes it).
      if (batch->next.load() >= batch->count) {
        queue_.pop_front();
        continue;
      }
      lock.unlock();
      batch->work();
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Batch>> queue_;  // oldest first
  bool stopping_ = false;
  std::vector<std::thread> helpers_;
};

}  // namespace parallel_detail

template <typename Fn>
void parallel_for(size_t count, Fn&& fn) {
  const std::function<void(size_t)> item = [&fn](size_t i) { fn(i); };
  parallel_detail::Pool::shared().run(count, item);
}

}  // namespace tf
