// A loaded scene as the CPU backend traverses it: a private copy of the KernelScene, with the
// arrays that every ray reads (BVH nodes, prim_index, triangles, vertices, leaf triangles)
// copied once more into a TraversalArena (64-byte aligned arrays, so a 128-byte tf_bvh_node
// spans exactly two cache lines; huge pages where the system grants them), and the
// tf_scene_view that points into both.
#pragma once

#include "kernels/cpu/traversal_arena.h"
#include "kernels/render/kernel_scene.h"

namespace tf {

class HostScene {
 public:
  // Copies `scene` (which must be finalized).
  explicit HostScene(const KernelScene& scene);
  HostScene(const HostScene&) = delete;
  HostScene& operator=(const HostScene&) = delete;

  // Valid for the lifetime of this object; safe to read from many threads.
  const tf_scene_view& view() const { return view_; }
  const KernelScene& scene() const { return scene_; }

 private:
  KernelScene scene_;
  TraversalArena arena_;
  tf_scene_view view_{};
};

}  // namespace tf
