// Deterministic binned-SAH BVH construction (host side).
//
// Same input -> same nodes and order on every machine: only float arithmetic under the
// kernel flags (no contraction), stable partitions and sorts, no unordered containers and no
// pointer-value ordering. Layout matches tf_bvh_node (scene_types.h): root at 0, the two
// children of an interior node adjacent, leaves index prim_index; sibling pairs are grouped
// into treelets of TF_BVH_TREELET_LEVELS levels stored contiguously (bvh_traverse.h), which
// traversal prefetches as a whole. Node boxes are padded by a small relative margin beyond
// the primitives (see kBoxPad) so that rounding in primitive tests never lets a box cull a
// reported hit.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/render/scene_types.h"

namespace tf {

struct PrimBounds {
  float min[3];
  float max[3];
};

struct Bvh {
  std::vector<tf_bvh_node> nodes;
  std::vector<uint32_t> prim_index;
};

// Builds a BVH over primitives 0..bounds.size()-1. Its depth never exceeds
// TF_BVH_STACK_SIZE - 2 (deep subtrees fall back to median splits), so device traversal's
// fixed stack cannot overflow. Empty input gives an empty BVH (no nodes). Bounds must be
// finite (finalize_kernel_scene validates them).
Bvh build_bvh(const std::vector<PrimBounds>& bounds);

}  // namespace tf
