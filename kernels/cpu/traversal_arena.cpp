#include "kernels/cpu/traversal_arena.h"

#include <algorithm>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tf {

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kCacheLine = 64;
constexpr std::align_val_t kAlignment{kHugePage};

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }
}  // namespace

void TraversalArena::Free::operator()(std::byte* p) const { ::operator delete[](p, kAlignment); }

TraversalArena::TraversalArena(const std::vector<size_t>& array_bytes) {
  size_t total = 0;
  for (size_t bytes : array_bytes) {
    offsets_.push_back(total);
    total = round_up(total + bytes, kCacheLine);
  }
  total = round_up(std::max<size_t>(total, 1), kHugePage);
  base_.reset(static_cast<std::byte*>(::operator new[](total, kAlignment)));
#if defined(MADV_HUGEPAGE)
  // Advice only: on failure (huge pages disabled) the memory stays ordinary pages.
  (void)madvise(base_.get(), total, MADV_HUGEPAGE);
#endif
}

}  // namespace tf
