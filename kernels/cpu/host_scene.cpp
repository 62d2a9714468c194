#include "kernels/cpu/host_scene.h"

#include <cstring>

namespace tf {

namespace {
template <typename T>
size_t bytes_of(const std::vector<T>& v) {
  return v.size() * sizeof(T);
}

// Copies `v` into arena array `i` and returns where it now lives.
template <typename T>
T* copy_into(const TraversalArena& arena, size_t i, const std::vector<T>& v) {
  T* dst = static_cast<T*>(arena.array(i));
  if (!v.empty()) std::memcpy(dst, v.data(), bytes_of(v));
  return dst;
}
}  // namespace

HostScene::HostScene(const KernelScene& scene)
    : scene_(scene),
      arena_({bytes_of(scene.nodes), bytes_of(scene.prim_index), bytes_of(scene.triangles),
              bytes_of(scene.vertices), bytes_of(scene.leaf_triangles)}) {
  view_ = make_host_scene_view(scene_);
  view_.nodes = copy_into(arena_, 0, scene_.nodes);
  view_.prim_index = copy_into(arena_, 1, scene_.prim_index);
  view_.triangles = copy_into(arena_, 2, scene_.triangles);
  view_.vertices = copy_into(arena_, 3, scene_.vertices);
  view_.leaf_triangles = copy_into(arena_, 4, scene_.leaf_triangles);
}

}  // namespace tf
