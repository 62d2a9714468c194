#include "kernels/render/bvh_build.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "kernels/render/bvh_traverse.h"

namespace tf {
namespace {

constexpr int kBins = 16;
constexpr uint32_t kMaxLeafSize = 4;      // binary SAH leaves
constexpr uint32_t kMaxWideLeafSize = 6;  // wide leaves: binary subtrees up to this size
// SAH cost of a node visit relative to one primitive test. Higher than a binary BVH would use:
// a wide node tests four boxes, while a leaf's triangles are contiguous records, so larger
// leaves pay (benchmarks/README.md, "Ray tracing").
constexpr float kTraversalCost = 2.0f;
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

// A node of the binary tree that SAH builds before it is collapsed into 4-wide nodes: its
// box, its primitives prim_index[begin, begin + count) (a subtree's primitives are one
// range), and its children at left and left + 1 (0: a leaf).
struct BinaryNode {
  Box box;
  uint32_t begin = 0;
  uint32_t count = 0;
  uint32_t left = 0;
};

// Builds the binary SAH tree: nodes_[0] is the root, prim_index_ the primitives in leaf
// order.
class BinaryBuilder {
 public:
  explicit BinaryBuilder(const std::vector<PrimBounds>& bounds) {
    bounds_.reserve(bounds.size());
    for (const PrimBounds& b : bounds) bounds_.push_back(padded(b));
    centroid_.resize(bounds.size());
    for (size_t i = 0; i < bounds.size(); ++i) {
      for (int a = 0; a < 3; ++a) centroid_[i][a] = 0.5f * bounds[i].min[a] + 0.5f * bounds[i].max[a];
    }
    int log2n = 0;
    while ((size_t{1} << log2n) < bounds.size()) ++log2n;
    // Below this depth SAH decides; from it on, median splits halve every range, so the
    // deepest leaf stays within TF_BVH_MAX_DEPTH levels.
    median_depth_ = std::max(0, TF_BVH_MAX_DEPTH - 4 - log2n);
  }

  // Non-empty input only.
  void build(std::vector<BinaryNode>* nodes, std::vector<uint32_t>* prim_index) {
    nodes_ = nodes;
    prim_index_ = prim_index;
    prim_index->resize(bounds_.size());
    for (size_t i = 0; i < bounds_.size(); ++i) (*prim_index)[i] = static_cast<uint32_t>(i);
    nodes->reserve(2 * bounds_.size());
    nodes->emplace_back();
    build_node(0, 0, static_cast<uint32_t>(bounds_.size()), 0);
  }

 private:
  Box range_bounds(uint32_t begin, uint32_t end, Box* centroids) const {
    Box b;
    for (uint32_t i = begin; i < end; ++i) {
      uint32_t p = (*prim_index_)[i];
      b.grow(bounds_[p].min, bounds_[p].max);
      centroids->grow(centroid_[p].data(), centroid_[p].data());
    }
    return b;
  }

  // Best SAH split of [begin, end): returns the split position (begin < mid < end) after
  // partitioning prim_index, or 0 when a leaf is cheaper or no split separates centroids.
  uint32_t sah_split(uint32_t begin, uint32_t end, const Box& box, const Box& cbox) const {
    std::vector<uint32_t>& prim_index = *prim_index_;
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
        uint32_t p = prim_index[i];
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
    auto first = prim_index.begin() + begin;
    auto mid = std::stable_partition(first, prim_index.begin() + end, [&](uint32_t p) {
      return bin_of(centroid_[p][best_axis], cbox.lo[best_axis], extent) < best_bin;
    });
    return begin + static_cast<uint32_t>(mid - first);
  }

  // Median split along the widest centroid axis; ties keep their current order.
  uint32_t median_split(uint32_t begin, uint32_t end, const Box& cbox) const {
    int axis = 0;
    for (int a = 1; a < 3; ++a) {
      if (cbox.hi[a] - cbox.lo[a] > cbox.hi[axis] - cbox.lo[axis]) axis = a;
    }
    std::stable_sort(prim_index_->begin() + begin, prim_index_->begin() + end,
                     [&](uint32_t x, uint32_t y) { return centroid_[x][axis] < centroid_[y][axis]; });
    return begin + (end - begin) / 2;
  }

  static int bin_of(float c, float lo, float extent) {
    int b = static_cast<int>((c - lo) / extent * static_cast<float>(kBins));
    return std::clamp(b, 0, kBins - 1);
  }

  void build_node(uint32_t node, uint32_t begin, uint32_t end, int depth) {
    Box cbox;
    Box box = range_bounds(begin, end, &cbox);
    uint32_t count = end - begin;
    uint32_t mid = 0;
    if (count > 1) {
      if (depth < median_depth_) mid = sah_split(begin, end, box, cbox);
      if (mid == 0 && count > kMaxLeafSize) mid = median_split(begin, end, cbox);
    }
    if (mid == 0) {
      (*nodes_)[node] = BinaryNode{box, begin, count, 0};
      return;
    }
    uint32_t left = static_cast<uint32_t>(nodes_->size());
    nodes_->emplace_back();
    nodes_->emplace_back();
    (*nodes_)[node] = BinaryNode{box, begin, count, left};
    build_node(left, begin, mid, depth + 1);
    build_node(left + 1, mid, end, depth + 1);
  }

  std::vector<PrimBounds> bounds_;  // padded
  std::vector<std::array<float, 3>> centroid_;
  int median_depth_ = 0;
  std::vector<BinaryNode>* nodes_ = nullptr;
  std::vector<uint32_t>* prim_index_ = nullptr;
};

// Collapses the binary tree into 4-wide nodes (tf_bvh_node). A binary subtree of at most
// kMaxWideLeafSize primitives becomes one leaf (its primitives are one range of prim_index,
// re-sorted by id so that its triangles come first): a wide node's four box tests cost more
// than a binary node's, so leaves grow. Each wide node takes the two children of a binary
// interior node and keeps replacing its interior child of largest surface area (the one most
// rays enter; ties: the lower slot) by that child's two children until it has four slots;
// when only leaves are left, it opens the largest small subtree instead (its box test is free
// in a slot that would stay empty), until none is left. The interior children of a wide node
// are stored next to each other, depth first, so a node's children are close in memory.
class WideCollapse {
 public:
  WideCollapse(const std::vector<BinaryNode>& binary, std::vector<uint32_t>* prim_index,
               uint32_t triangle_count)
      : binary_(binary), prim_index_(*prim_index), triangle_count_(triangle_count) {}

  std::vector<tf_bvh_node> run() {
    out_.emplace_back();
    if (is_leaf(0)) {
      // A single leaf: the root holds it in slot 0.
      fill(0, {0, kNone, kNone, kNone});
    } else {
      place(0, 0);
    }
    return std::move(out_);
  }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  bool is_leaf(uint32_t b) const { return binary_[b].left == 0 || binary_[b].count <= kMaxWideLeafSize; }

  // Among slots [0, used): the binary interior node of largest area that is not a leaf, or
  // with `leaves`, that is a leaf (a small subtree, opened when a slot would stay empty).
  // -1 when there is none.
  int widest_slot(const std::array<uint32_t, TF_BVH_WIDTH>& slots, uint32_t used, bool leaves) const {
    int widest = -1;
    for (uint32_t i = 0; i < used; ++i) {
      if (binary_[slots[i]].left == 0 || is_leaf(slots[i]) != leaves) continue;
      if (widest < 0 || binary_[slots[i]].box.area() > binary_[slots[widest]].box.area()) {
        widest = static_cast<int>(i);
      }
    }
    return widest;
  }

  // Fills out_[wide] from binary interior node `b`, then places its interior children.
  void place(uint32_t b, uint32_t wide) {
    std::array<uint32_t, TF_BVH_WIDTH> slots{binary_[b].left, binary_[b].left + 1u, kNone, kNone};
    for (uint32_t used = 2; used < TF_BVH_WIDTH; ++used) {
      int widest = widest_slot(slots, used, false);
      if (widest < 0) widest = widest_slot(slots, used, true);
      if (widest < 0) break;
      uint32_t expanded = slots[widest];
      slots[widest] = binary_[expanded].left;
      slots[used] = binary_[expanded].left + 1u;
    }
    std::array<uint32_t, TF_BVH_WIDTH> wide_child = fill(wide, slots);
    for (uint32_t i = 0; i < TF_BVH_WIDTH; ++i) {
      if (wide_child[i] != kNone) place(slots[i], wide_child[i]);
    }
  }

  // Writes the slots (binary node ids, kNone: empty) into out_[wide] and reserves the
  // wide nodes of its interior children, whose indices it returns (kNone for other slots).
  std::array<uint32_t, TF_BVH_WIDTH> fill(uint32_t wide, const std::array<uint32_t, TF_BVH_WIDTH>& slots) {
    std::array<uint32_t, TF_BVH_WIDTH> wide_child{kNone, kNone, kNone, kNone};
    tf_bvh_node n{};
    for (uint32_t i = 0; i < TF_BVH_WIDTH; ++i) {
      Box box;  // empty slot: inverted box
      uint32_t child = 0;
      uint32_t leaf = 0;
      if (slots[i] != kNone) {
        const BinaryNode& c = binary_[slots[i]];
        box = c.box;
        if (!is_leaf(slots[i])) {
          child = wide_child[i] = static_cast<uint32_t>(out_.size());
          out_.emplace_back();
          leaf = TF_BVH_INTERIOR;
        } else {
          child = c.begin;
          leaf = make_leaf(c.begin, c.count);
        }
      }
      n.min_x[i] = box.lo[0]; n.min_y[i] = box.lo[1]; n.min_z[i] = box.lo[2];
      n.max_x[i] = box.hi[0]; n.max_y[i] = box.hi[1]; n.max_z[i] = box.hi[2];
      n.child[i] = child;
      n.leaf[i] = leaf;
    }
    out_[wide] = n;
    return wide_child;
  }

  // Sorts the leaf's entries by id (triangles first) and returns its TF_BVH_LEAF_* code.
  uint32_t make_leaf(uint32_t begin, uint32_t count) {
    std::sort(prim_index_.begin() + begin, prim_index_.begin() + begin + count);
    uint32_t triangles = 0;
    while (triangles < count && prim_index_[begin + triangles] < triangle_count_) ++triangles;
    return triangles | (count - triangles) << 16;
  }

  const std::vector<BinaryNode>& binary_;
  std::vector<uint32_t>& prim_index_;
  uint32_t triangle_count_;
  std::vector<tf_bvh_node> out_;
};

}  // namespace

Bvh build_bvh(const std::vector<PrimBounds>& bounds, uint32_t triangle_count) {
  Bvh bvh;
  if (bounds.empty()) return bvh;
  std::vector<BinaryNode> binary;
  BinaryBuilder(bounds).build(&binary, &bvh.prim_index);
  bvh.nodes = WideCollapse(binary, &bvh.prim_index, triangle_count).run();
  return bvh;
}

}  // namespace tf
