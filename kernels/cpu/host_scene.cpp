#include "kernels/cpu/host_scene.h"

#include <algorithm>
#include <new>

namespace tf {

namespace {
constexpr std::align_val_t kCacheLine{64};
}

void HostScene::AlignedFree::operator()(tf_bvh_node* p) const { ::operator delete[](p, kCacheLine); }

HostScene::HostScene(const KernelScene& scene) : scene_(scene) {
  const size_t n = std::max<size_t>(scene_.nodes.size(), 1);
  nodes_.reset(static_cast<tf_bvh_node*>(::operator new[](n * sizeof(tf_bvh_node), kCacheLine)));
  std::copy(scene_.nodes.begin(), scene_.nodes.end(), nodes_.get());
  view_ = make_host_scene_view(scene_);
  view_.nodes = nodes_.get();
}

}  // namespace tf
