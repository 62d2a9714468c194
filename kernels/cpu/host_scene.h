// A loaded scene as the CPU backend traverses it: a private copy of the KernelScene with the
// BVH nodes in 64-byte aligned storage (sibling pairs then share a cache line, see
// tf_bvh_node), and the tf_scene_view that points into it.
#pragma once

#include <memory>

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
  struct AlignedFree {
    void operator()(tf_bvh_node* p) const;
  };
  KernelScene scene_;
  std::unique_ptr<tf_bvh_node[], AlignedFree> nodes_;
  tf_scene_view view_{};
};

}  // namespace tf
