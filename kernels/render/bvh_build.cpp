#include "kernels/render/bvh_build.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "kernels/render/bvh_traverse.h"

namespace tf {
namespace {

constexpr int kBins = 16;
constexpr uint32_t kMaxLeafSize = 4;
constexpr float kTraversalCost = 1.0f;  // relative to one primitive test
// Node boxes grow by this fraction of (1 + the largest coordinate magnitude) of each
// primitive: ray-primitive tests may report hits a few ulps outside a primitive, and such a
// hit must never be culled by its box (the result would depend on the BVH).
constexpr float kBoxPad = 1.0e-5f;

PrimBounds padded(const PrimBounds& b) {
  float mag = 1.0f;
  for (int a = 0; a < 3; ++a) mag = std::max({mag, std::abs(b.min[a]), std::abs(b.max[a])});
  float pad = kBoxPad * mag;
  PrimBounds out = b;
  for (int a = 0; a < 3; ++a) {
    out.min[a] -= pad;
    out.max[a] += pad;
  }
  return out;
}

struct Box {
  float lo[3] = {TF_FLOAT_MAX, TF_FLOAT_MAX, TF_FLOAT_MAX};
  float hi[3] = {-TF_FLOAT_MAX, -TF_FLOAT_MAX, -TF_FLOAT_MAX};
  void grow(const float* plo, const float* phi) {
    for (int a = 0; a < 3; ++a) {
      lo[a] = std::min(lo[a], plo[a]);
      hi[a] = std::max(hi[a], phi[a]);
    }
  }
  void grow(const Box& b) { grow(b.lo, b.hi); }
  bool empty() const { return lo[0] > hi[0]; }
  float area() const {
    if (empty()) return 0.0f;
    float dx = hi[0] - lo[0], dy = hi[1] - lo[1], dz = hi[2] - lo[2];
    return 2.0f * (dx * dy + dy * dz + dz * dx);
  }
};

// Lays the sibling pairs of every treelet (a subtree TF_BVH_TREELET_LEVELS pair levels deep
// whose root sits at a depth that is a multiple of that count) out contiguously, level by
// level, so that traversal can prefetch a whole treelet at its root (bvh_traverse.h) instead
// of waiting for one cache line per level. Treelets follow each other in depth-first order.
// Only positions change: boxes, leaves and prim_index are kept.
class TreeletLayout {
 public:
  explicit TreeletLayout(const std::vector<tf_bvh_node>& in) : in_(in) {}

  std::vector<tf_bvh_node> run() {
    out_.reserve(in_.size());
    out_.push_back(in_[0]);
    out_.emplace_back();  // unused: pairs start at even indices
    place_treelet(0, 0);
    return std::move(out_);
  }

 private:
  // Places the pairs below `old_root` (already copied to out_[new_root]).
  void place_treelet(uint32_t old_root, uint32_t new_root) {
    std::vector<std::pair<uint32_t, uint32_t>> level{{old_root, new_root}};  // (old, new)
    for (int d = 0; d < TF_BVH_TREELET_LEVELS; ++d) {
      std::vector<std::pair<uint32_t, uint32_t>> next;
      for (const auto& [old_node, new_node] : level) {
        if (in_[old_node].count > 0u) continue;
        uint32_t old_first = in_[old_node].first;
        uint32_t pair = static_cast<uint32_t>(out_.size());
        out_.push_back(in_[old_first]);
        out_.push_back(in_[old_first + 1u]);
        out_[new_node].first = pair;
        next.emplace_back(old_first, pair);
        next.emplace_back(old_first + 1u, pair + 1u);
      }
      level = std::move(next);
    }
    for (const auto& [old_node, new_node] : level) {
      if (in_[old_node].count == 0u) place_treelet(old_node, new_node);
    }
  }

  const std::vector<tf_bvh_node>& in_;
  std::vector<tf_bvh_node> out_;
};

std::vector<tf_bvh_node> layout_in_treelets(const std::vector<tf_bvh_node>& nodes) {
  return TreeletLayout(nodes).run();
}

class Builder {
 public:
  explicit Builder(const std::vector<PrimBounds>& bounds) {
    bounds_.reserve(bounds.size());
    for (const PrimBounds& b : bounds) bounds_.push_back(padded(b));
    centroid_.resize(bounds.size());
    for (size_t i = 0; i < bounds.size(); ++i) {
      for (int a = 0; a < 3; ++a) centroid_[i][a] = 0.5f * bounds[i].min[a] + 0.5f * bounds[i].max[a];
    }
    int log2n = 0;
    while ((size_t{1} << log2n) < bounds.size()) ++log2n;
    // Below this depth SAH decides; from it on, median splits halve every range, so the
    // deepest leaf stays within the traversal stack.
    median_depth_ = std::max(0, TF_BVH_STACK_SIZE - 4 - log2n);
  }

  Bvh build() {
    Bvh bvh;
    if (bounds_.empty()) return bvh;
    bvh.prim_index.resize(bounds_.size());
    for (size_t i = 0; i < bounds_.size(); ++i) bvh.prim_index[i] = static_cast<uint32_t>(i);
    bvh.nodes.reserve(2 * bounds_.size() + 1);
    // Root at 0 and an unused node at 1, so that every sibling pair starts at an even index
    // and shares one 64-byte cache line when the array is 64-byte aligned.
    bvh.nodes.emplace_back();
    bvh.nodes.emplace_back();
    build_node(&bvh, 0, 0, static_cast<uint32_t>(bounds_.size()), 0);
    bvh.nodes = layout_in_treelets(bvh.nodes);
    return bvh;
  }

 private:
  Box range_bounds(const Bvh& bvh, uint32_t begin, uint32_t end, Box* centroids) const {
    Box b;
    for (uint32_t i = begin; i < end; ++i) {
      uint32_t p = bvh.prim_index[i];
      b.grow(bounds_[p].min, bounds_[p].max);
      centroids->grow(centroid_[p].data(), centroid_[p].data());
    }
    return b;
  }

  static void make_leaf(tf_bvh_node* n, const Box& b, uint32_t begin, uint32_t count) {
    n->min_x = b.lo[0]; n->min_y = b.lo[1]; n->min_z = b.lo[2];
    n->max_x = b.hi[0]; n->max_y = b.hi[1]; n->max_z = b.hi[2];
    n->first = begin;
    n->count = count;
  }

  // Best SAH split of [begin, end): returns the split position (begin < mid < end) after
  // partitioning prim_index, or 0 when a leaf is cheaper or no split separates centroids.
  uint32_t sah_split(Bvh* bvh, uint32_t begin, uint32_t end, const Box& box, const Box& cbox) const {
    uint32_t count = end - begin;
    float best_cost = static_cast<float>(count);  // cost of a leaf
    int best_axis = -1;
    int best_bin = 0;
    for (int a = 0; a < 3; ++a) {
      float extent = cbox.hi[a] - cbox.lo[a];
      if (!(extent > 0.0f)) continue;
      std::array<Box, kBins> bin_box{};
      std::array<uint32_t, kBins> bin_count{};
      for (uint32_t i = begin; i < end; ++i) {
        uint32_t p = bvh->prim_index[i];
        int b = bin_of(centroid_[p][a], cbox.lo[a], extent);
        bin_box[b].grow(bounds_[p].min, bounds_[p].max);
        ++bin_count[b];
      }
      // Sweep from the right, then evaluate each boundary from the left.
      std::array<float, kBins> right_area{};
      std::array<uint32_t, kBins> right_count{};
      Box acc;
      uint32_t n = 0;
      for (int b = kBins - 1; b > 0; --b) {
        acc.grow(bin_box[b]);
        n += bin_count[b];
        right_area[b] = acc.area();
        right_count[b] = n;
      }
      Box left;
      uint32_t left_n = 0;
      float inv_area = 1.0f / box.area();
      for (int b = 1; b < kBins; ++b) {
        left.grow(bin_box[b - 1]);
        left_n += bin_count[b - 1];
        if (left_n == 0 || right_count[b] == 0) continue;
        float cost = kTraversalCost + (left.area() * static_cast<float>(left_n) +
                                       right_area[b] * static_cast<float>(right_count[b])) * inv_area;
        if (cost < best_cost) {
          best_cost = cost;
          best_axis = a;
          best_bin = b;
        }
      }
    }
    if (best_axis < 0) return 0;
    float extent = cbox.hi[best_axis] - cbox.lo[best_axis];
    auto first = bvh->prim_index.begin() + begin;
    auto mid = std::stable_partition(first, bvh->prim_index.begin() + end, [&](uint32_t p) {
      return bin_of(centroid_[p][best_axis], cbox.lo[best_axis], extent) < best_bin;
    });
    return begin + static_cast<uint32_t>(mid - first);
  }

  // Median split along the widest centroid axis; ties keep their current order.
  uint32_t median_split(Bvh* bvh, uint32_t begin, uint32_t end, const Box& cbox) const {
    int axis = 0;
    for (int a = 1; a < 3; ++a) {
      if (cbox.hi[a] - cbox.lo[a] > cbox.hi[axis] - cbox.lo[axis]) axis = a;
    }
    std::stable_sort(bvh->prim_index.begin() + begin, bvh->prim_index.begin() + end,
                     [&](uint32_t x, uint32_t y) { return centroid_[x][axis] < centroid_[y][axis]; });
    return begin + (end - begin) / 2;
  }

  static int bin_of(float c, float lo, float extent) {
    int b = static_cast<int>((c - lo) / extent * static_cast<float>(kBins));
    return std::clamp(b, 0, kBins - 1);
  }

  void build_node(Bvh* bvh, uint32_t node, uint32_t begin, uint32_t end, int depth) {
    Box cbox;
    Box box = range_bounds(*bvh, begin, end, &cbox);
    uint32_t count = end - begin;
    uint32_t mid = 0;
    if (count > 1) {
      if (depth < median_depth_) mid = sah_split(bvh, begin, end, box, cbox);
      if (mid == 0 && count > kMaxLeafSize) mid = median_split(bvh, begin, end, cbox);
    }
    if (mid == 0) {
      make_leaf(&bvh->nodes[node], box, begin, count);
      return;
    }
    uint32_t left = static_cast<uint32_t>(bvh->nodes.size());
    bvh->nodes.emplace_back();
    bvh->nodes.emplace_back();
    make_leaf(&bvh->nodes[node], box, left, 0);  // interior: count 0, children at left, left+1
    build_node(bvh, left, begin, mid, depth + 1);
    build_node(bvh, left + 1, mid, end, depth + 1);
  }

  std::vector<PrimBounds> bounds_;  // padded
  std::vector<std::array<float, 3>> centroid_;
  int median_depth_ = 0;
};

}  // namespace

Bvh build_bvh(const std::vector<PrimBounds>& bounds) { return Builder(bounds).build(); }

}  // namespace tf
