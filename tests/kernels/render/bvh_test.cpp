// BVH: traversal against brute force over every primitive (closest hit with ties to the
// smaller id, occlusion), structural invariants, depth bound, and deterministic builds.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <random>

#include "kernels/render/bvh_build.h"
#include "kernels/render/render_pixel.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

// Random triangles and spheres, exact duplicates (ties at equal t) and a grid of quads that
// share edges and vertices (rays through them tie as well).
KernelScene random_scene(uint32_t seed) {
  KernelScene s;
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 1, 1, 0.5f);
  uint32_t m = add_material(&s, diffuse(0.5f));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pos(-1.0f, 1.0f), size(-0.3f, 0.3f);
  for (int i = 0; i < 300; ++i) {
    V3 p{pos(rng), pos(rng), pos(rng)};
    add_quad(&s, p, {size(rng), size(rng), size(rng)}, {size(rng), size(rng), size(rng)}, m);
  }
  for (int i = 0; i < 30; ++i) s.triangles.push_back(s.triangles[static_cast<size_t>(i) * 7]);
  for (int y = 0; y < 10; ++y) {
    for (int x = 0; x < 10; ++x) {
      add_quad(&s, {-1.0f + 0.2f * x, -1.0f + 0.2f * y, 0.5f}, {0.2f, 0, 0}, {0, 0.2f, 0}, m);
    }
  }
  for (int i = 0; i < 60; ++i) add_sphere(&s, {pos(rng), pos(rng), pos(rng)}, 0.05f + 0.1f * std::abs(size(rng)), m);
  for (int i = 0; i < 5; ++i) s.spheres.push_back(s.spheres[static_cast<size_t>(i)]);
  return s;
}

tf_hit brute_force(const tf_scene_view& v, tf_ray ray, float tmax) {
  tf_hit best{tmax, TF_NO_PRIM, 0, 0};
  for (tf_u32 id = 0; id < v.header.triangle_count + v.header.sphere_count; ++id) {
    float t, b1, b2;
    if (tf_intersect_prim(&v, ray, id, 0.0f, tmax, &t, &b1, &b2) && (t < best.t || (t == best.t && id < best.prim))) {
      best = {t, id, b1, b2};
    }
  }
  return best;
}

std::vector<tf_ray> test_rays(const KernelScene& s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> pos(-2.0f, 2.0f), u(0.0f, 0.99999994f);
  std::vector<tf_ray> rays;
  for (int i = 0; i < 4000; ++i) {
    tf_ray r;
    r.o = v3(pos(rng), pos(rng), pos(rng));
    r.d = tf_sample_uniform_sphere(u(rng), u(rng));
    rays.push_back(r);
  }
  // Through grid vertices and edge midpoints (ties between neighbouring triangles), and
  // axis-parallel directions (zero components, infinite inverse).
  for (const tf_vertex& vx : s.vertices) {
    if (vx.pz != 0.5f) continue;
    tf_ray r;
    r.o = v3(vx.px * 0.5f, vx.py * 0.5f, -1.5f);
    r.d = v3_normalize(v3_sub(v3(vx.px, vx.py, vx.pz), r.o));
    rays.push_back(r);
    r.o = v3(vx.px + 0.1f, vx.py, 3.0f);
    r.d = v3(0.0f, 0.0f, -1.0f);
    rays.push_back(r);
  }
  return rays;
}

TEST(Bvh, ClosestHitEqualsBruteForce) {
  KernelScene s = random_scene(1);
  ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
  tf_scene_view v = make_host_scene_view(s);
  int hits = 0;
  for (const tf_ray& r : test_rays(s, 2)) {
    tf_hit a = tf_closest_hit(&v, r, 0.0f, TF_FLOAT_MAX);
    tf_hit b = brute_force(v, r, TF_FLOAT_MAX);
    ASSERT_EQ(a.prim, b.prim) << "t " << a.t << " vs " << b.t << ", origin " << r.o.x << "," << r.o.y << ","
                              << r.o.z << ", direction " << r.d.x << "," << r.d.y << "," << r.d.z;
    ASSERT_EQ(a.t, b.t);
    ASSERT_EQ(a.b1, b.b1);
    ASSERT_EQ(a.b2, b.b2);
    hits += a.prim != TF_NO_PRIM;
  }
  EXPECT_GT(hits, 1000);
}

TEST(Bvh, TiesGoToTheSmallerPrimitiveId) {
  KernelScene s = random_scene(1);
  ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
  tf_scene_view v = make_host_scene_view(s);
  // Triangle 7 * i + 0 has an exact duplicate at 600 + i: aim at its centroid.
  int checked = 0;
  for (uint32_t i = 0; i < 30; ++i) {
    const tf_triangle& t = s.triangles[7 * i];
    tf_vec3 c = v3_scale(v3_add(v3_add(tf_vertex_pos(&v, t.v0), tf_vertex_pos(&v, t.v1)), tf_vertex_pos(&v, t.v2)), 1.0f / 3.0f);
    tf_ray r;
    r.o = v3(3.0f, 2.5f, -3.0f);
    r.d = v3_normalize(v3_sub(c, r.o));
    tf_hit a = tf_closest_hit(&v, r, 0.0f, TF_FLOAT_MAX);
    tf_hit b = brute_force(v, r, TF_FLOAT_MAX);
    EXPECT_EQ(a.prim, b.prim);
    if (a.prim == 7 * i) ++checked;  // the duplicate (larger id) never wins
    EXPECT_NE(a.prim, 600 + i);
  }
  EXPECT_GT(checked, 5);
}

TEST(Bvh, OcclusionEqualsBruteForce) {
  KernelScene s = random_scene(4);
  ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
  tf_scene_view v = make_host_scene_view(s);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> tmax(0.01f, 4.0f);
  for (const tf_ray& r : test_rays(s, 6)) {
    float t = tmax(rng);
    EXPECT_EQ(tf_occluded(&v, r, 0.0f, t) != 0, brute_force(v, r, t).prim != TF_NO_PRIM);
  }
}

// Checks the subtree of wide node `node` (whose box, as its parent's slot stores it, is
// `box` = min xyz, max xyz): every child box lies inside its parent's, every node is reached
// once, and every leaf entry belongs to one leaf whose box holds the primitive.
struct WideTreeCheck {
  const KernelScene& s;
  std::vector<int> node_seen;
  std::vector<int> entry_seen;
  std::vector<std::array<float, 6>> prim_box;  // min xyz, max xyz, from the scene itself

  explicit WideTreeCheck(const KernelScene& scene)
      : s(scene), node_seen(scene.nodes.size(), 0), entry_seen(scene.prim_index.size(), 0) {
    for (const tf_triangle& t : s.triangles) {
      const tf_vertex* v[3] = {&s.vertices[t.v0], &s.vertices[t.v1], &s.vertices[t.v2]};
      prim_box.push_back({std::min({v[0]->px, v[1]->px, v[2]->px}), std::min({v[0]->py, v[1]->py, v[2]->py}),
                          std::min({v[0]->pz, v[1]->pz, v[2]->pz}), std::max({v[0]->px, v[1]->px, v[2]->px}),
                          std::max({v[0]->py, v[1]->py, v[2]->py}), std::max({v[0]->pz, v[1]->pz, v[2]->pz})});
    }
    for (const tf_sphere& sp : s.spheres) {
      prim_box.push_back({sp.cx - sp.radius, sp.cy - sp.radius, sp.cz - sp.radius, sp.cx + sp.radius,
                          sp.cy + sp.radius, sp.cz + sp.radius});
    }
  }

  static bool inside(const std::array<float, 6>& in, const std::array<float, 6>& out) {
    return in[0] >= out[0] && in[1] >= out[1] && in[2] >= out[2] && in[3] <= out[3] && in[4] <= out[4] &&
           in[5] <= out[5];
  }

  void node(uint32_t i, const std::array<float, 6>& box) {
    ASSERT_LT(i, s.nodes.size());
    ++node_seen[i];
    const tf_bvh_node& n = s.nodes[i];
    for (int k = 0; k < TF_BVH_WIDTH; ++k) {
      std::array<float, 6> b{n.min_x[k], n.min_y[k], n.min_z[k], n.max_x[k], n.max_y[k], n.max_z[k]};
      if (n.leaf[k] == TF_BVH_INTERIOR) {
        EXPECT_TRUE(inside(b, box)) << "node " << i << " slot " << k;
        node(n.child[k], b);
      } else {
        leaf(n.child[k], n.leaf[k], b);
      }
    }
  }

  void leaf(uint32_t first, uint32_t code, const std::array<float, 6>& box) {
    uint32_t triangles = TF_BVH_LEAF_TRIANGLES(code), spheres = TF_BVH_LEAF_SPHERES(code);
    if (triangles + spheres == 0) {  // empty slot: rays miss it
      EXPECT_GT(box[0], box[3]);
      return;
    }
    for (uint32_t e = first; e < first + triangles + spheres; ++e) {
      ASSERT_LT(e, s.prim_index.size());
      ++entry_seen[e];
      uint32_t p = s.prim_index[e];
      EXPECT_EQ(p < s.triangles.size(), e < first + triangles) << "triangles come first in a leaf";
      EXPECT_TRUE(inside(prim_box.at(p), box)) << "primitive " << p;
    }
  }
};

TEST(Bvh, BuildIsDeterministicAndWellFormed) {
  KernelScene a = random_scene(9), b = random_scene(9);
  ASSERT_TRUE(finalize_kernel_scene(&a).is_ok());
  ASSERT_TRUE(finalize_kernel_scene(&b).is_ok());
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  EXPECT_EQ(0, std::memcmp(a.nodes.data(), b.nodes.data(), a.nodes.size() * sizeof(tf_bvh_node)));
  EXPECT_EQ(a.prim_index, b.prim_index);
  EXPECT_EQ(a.distribution, b.distribution);
  // Every primitive exactly once in prim_index.
  std::vector<int> seen(a.triangles.size() + a.spheres.size(), 0);
  for (uint32_t p : a.prim_index) ++seen.at(p);
  for (int c : seen) EXPECT_EQ(c, 1);
  // A tree: every node and every leaf entry reached exactly once from the root.
  WideTreeCheck check(a);
  check.node(0, {-TF_FLOAT_MAX, -TF_FLOAT_MAX, -TF_FLOAT_MAX, TF_FLOAT_MAX, TF_FLOAT_MAX, TF_FLOAT_MAX});
  for (int c : check.node_seen) EXPECT_EQ(c, 1);
  for (int c : check.entry_seen) EXPECT_EQ(c, 1);
}

TEST(Bvh, LeafTrianglesHoldTheVertexAndEdgesOfTheirPrimitive) {
  KernelScene s = random_scene(3);
  ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
  ASSERT_EQ(s.leaf_triangles.size(), s.prim_index.size());
  for (size_t i = 0; i < s.prim_index.size(); ++i) {
    if (s.prim_index[i] >= s.triangles.size()) continue;
    const tf_triangle& t = s.triangles[s.prim_index[i]];
    const tf_vertex &v0 = s.vertices[t.v0], &v1 = s.vertices[t.v1], &v2 = s.vertices[t.v2];
    const tf_leaf_triangle& l = s.leaf_triangles[i];
    EXPECT_EQ(l.p0_x, v0.px);
    EXPECT_EQ(l.p0_z, v0.pz);
    EXPECT_EQ(l.e1_x, v1.px - v0.px);
    EXPECT_EQ(l.e1_y, v1.py - v0.py);
    EXPECT_EQ(l.e2_y, v2.py - v0.py);
    EXPECT_EQ(l.e2_z, v2.pz - v0.pz);
  }
}

// Scenes of no to eight primitives (quads and spheres): an empty scene hits nothing, a single
// leaf sits in the root's first slot, then the root holds a few leaves; traversal still
// equals brute force.
TEST(Bvh, TinyScenesEqualBruteForce) {
  for (int prims = 0; prims <= 5; ++prims) {
    KernelScene s;
    s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 1, 1, 0.5f);
    uint32_t m = add_material(&s, diffuse(0.5f));
    for (int i = 0; i < prims; i += 2) add_quad(&s, {-0.5f + 0.1f * i, -0.5f, 0.2f * i}, {1, 0, 0}, {0, 1, 0}, m);
    for (int i = 1; i < prims; i += 2) add_sphere(&s, {0.3f * i - 0.5f, 0.1f, -0.3f * i}, 0.25f, m);
    ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
    tf_scene_view v = make_host_scene_view(s);
    for (const tf_ray& r : test_rays(s, 11 + static_cast<uint32_t>(prims))) {
      tf_hit a = tf_closest_hit(&v, r, 0.0f, TF_FLOAT_MAX);
      tf_hit b = brute_force(v, r, TF_FLOAT_MAX);
      ASSERT_EQ(a.prim, b.prim) << prims << " primitives";
      ASSERT_EQ(a.t, b.t);
      EXPECT_EQ(tf_occluded(&v, r, 0.0f, TF_FLOAT_MAX) != 0, b.prim != TF_NO_PRIM);
    }
  }
}

// Interior wide levels on the deepest path (the root is level 0).
int wide_depth(const std::vector<tf_bvh_node>& nodes, uint32_t i) {
  int deepest = 0;
  for (int k = 0; k < TF_BVH_WIDTH; ++k) {
    if (nodes[i].leaf[k] == TF_BVH_INTERIOR) deepest = std::max(deepest, 1 + wide_depth(nodes, nodes[i].child[k]));
  }
  return deepest;
}

TEST(Bvh, DegenerateInputStaysWithinTheTraversalStack) {
  // 5000 coincident boxes plus a geometric series of nested ones: SAH alone would build a
  // very deep tree.
  std::vector<PrimBounds> bounds;
  for (int i = 0; i < 5000; ++i) bounds.push_back({{0, 0, 0}, {1, 1, 1}});
  float e = 1.0f;
  for (int i = 0; i < 3000; ++i, e *= 0.995f) bounds.push_back({{e, e, e}, {e + 1e-3f, e + 1e-3f, e + 1e-3f}});
  Bvh bvh = build_bvh(bounds, static_cast<uint32_t>(bounds.size()));
  // Traversal holds at most WIDTH - 1 items per interior level above the node at hand, plus
  // that node's WIDTH children.
  EXPECT_LE((TF_BVH_WIDTH - 1) * wide_depth(bvh.nodes, 0) + TF_BVH_WIDTH, TF_BVH_STACK_SIZE);
  EXPECT_EQ(bvh.prim_index.size(), bounds.size());
}

}  // namespace
}  // namespace tf::test
