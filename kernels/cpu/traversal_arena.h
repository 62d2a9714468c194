// One block of host memory for the arrays that every ray reads (BVH nodes, prim_index,
// triangles, vertex positions), placed where traversal misses least: 2 MiB aligned and,
// on Linux, advised for transparent huge pages, so that the random accesses of incoherent
// rays over tens of megabytes miss the TLB far less often. Contents are copies; where the
// system declines huge pages the block is ordinary memory and only slower.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace tf {

class TraversalArena {
 public:
  // Reserves room for arrays of the given byte sizes (each placed at a 64-byte aligned
  // offset, so that each BVH node spans whole cache lines). Throws std::bad_alloc when the
  // memory is not available.
  explicit TraversalArena(const std::vector<size_t>& array_bytes);

  // Start of array `i` (as numbered in the constructor); valid while this object lives.
  void* array(size_t i) const { return base_.get() + offsets_[i]; }

 private:
  struct Free {
    void operator()(std::byte* p) const;
  };
  std::unique_ptr<std::byte[], Free> base_;
  std::vector<size_t> offsets_;
};

}  // namespace tf
