// Deterministic binned-SAH BVH construction (host side).
//
// Same input -> same nodes and order on every machine: only float arithmetic under the
// kernel flags (no contraction), stable partitions and sorts, no unordered containers and no
// pointer-value ordering. A binary SAH tree is built first and then collapsed into the 4-wide
// nodes of tf_bvh_node (scene_types.h): root at 0, the interior children of a node stored
// next to each other, leaves indexing prim_index (ids sorted within a leaf, so a leaf's
// triangles precede its spheres). Node boxes are padded by a small relative margin beyond
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

// Builds a BVH over primitives 0..bounds.size()-1, of which ids below `triangle_count` are
// triangles and the rest spheres (this only sets the leaf encoding). The binary tree it
// collapses is at most TF_BVH_MAX_DEPTH levels deep (deep subtrees fall back to median
// splits), so device traversal's fixed stack cannot overflow. Empty input gives an empty BVH
// (no nodes). Bounds must be finite (finalize_kernel_scene validates them).
Bvh build_bvh(const std::vector<PrimBounds>& bounds, uint32_t triangle_count);

}  // namespace tf
