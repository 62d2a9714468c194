#include "kernels/sim/step_buffer.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <utility>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tf::sim {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

// The memory of the most recently released buffer.
struct Kept {
  std::mutex mutex;
  float* data = nullptr;
  std::size_t bytes = 0;
};

Kept& kept() {
  static Kept k;
  return k;
}

}  // namespace

StepBuffer::StepBuffer(std::size_t count) {
  // Rounded up to whole huge pages, aligned to one, so that the OS can map huge pages.
  const std::size_t wanted = count * sizeof(float);
  const std::size_t bytes =
      wanted == 0 ? kHugePage : (wanted + kHugePage - 1) / kHugePage * kHugePage;
  {
    Kept& k = kept();
    std::lock_guard lock(k.mutex);
    if (k.data != nullptr && k.bytes >= bytes) {
      data_ = std::exchange(k.data, nullptr);
      bytes_ = std::exchange(k.bytes, 0);
      return;
    }
  }
  void* p = std::aligned_alloc(kHugePage, bytes);
  if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  madvise(p, bytes, MADV_HUGEPAGE);  // a hint: without huge pages the buffer works the same
#endif
  data_ = static_cast<float*>(p);
  bytes_ = bytes;
}

StepBuffer::~StepBuffer() {
  Kept& k = kept();
  float* old = nullptr;
  {
    std::lock_guard lock(k.mutex);
    old = std::exchange(k.data, data_);
    k.bytes = bytes_;
  }
  std::free(old);
}

}  // namespace tf::sim
