// BVH: traversal against brute force over every primitive (closest hit with ties to the
// smaller id, occlusion), structural invariants, depth bound, and deterministic builds.
#include <gtest/gtest.h>

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

TEST(Bvh, BuildIsDeterministicAndWellFormed) {
  KernelScene a = random_scene(9), b = random_scene(9);
  ASSERT_TRUE(finalize_kernel_scene(&a).is_ok());
  ASSERT_TRUE(finalize_kernel_scene(&b).is_ok());
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  EXPECT_EQ(0, std::memcmp(a.nodes.data(), b.nodes.data(), a.nodes.size() * sizeof(tf_bvh_node)));
  EXPECT_EQ(a.prim_index, b.prim_index);
  EXPECT_EQ(a.distribution, b.distribution);
  // Every primitive exactly once.
  std::vector<int> seen(a.triangles.size() + a.spheres.size(), 0);
  for (uint32_t p : a.prim_index) ++seen.at(p);
  for (int c : seen) EXPECT_EQ(c, 1);
  // Children lie inside their parent; sibling pairs start at even indices (node 1 unused).
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const tf_bvh_node& n = a.nodes[i];
    if (n.count > 0 || i == 1) continue;
    EXPECT_EQ(n.first % 2, 0u);
    for (uint32_t c = n.first; c < n.first + 2; ++c) {
      const tf_bvh_node& k = a.nodes.at(c);
      EXPECT_TRUE(k.min_x >= n.min_x && k.min_y >= n.min_y && k.min_z >= n.min_z &&
                  k.max_x <= n.max_x && k.max_y <= n.max_y && k.max_z <= n.max_z);
    }
  }
}

int depth_of(const std::vector<tf_bvh_node>& nodes, uint32_t i) {
  if (nodes[i].count > 0) return 1;
  return 1 + std::max(depth_of(nodes, nodes[i].first), depth_of(nodes, nodes[i].first + 1));
}

TEST(Bvh, DegenerateInputStaysWithinTheTraversalStack) {
  // 5000 coincident boxes plus a geometric series of nested ones: SAH alone would build a
  // very deep tree.
  std::vector<PrimBounds> bounds;
  for (int i = 0; i < 5000; ++i) bounds.push_back({{0, 0, 0}, {1, 1, 1}});
  float e = 1.0f;
  for (int i = 0; i < 3000; ++i, e *= 0.995f) bounds.push_back({{e, e, e}, {e + 1e-3f, e + 1e-3f, e + 1e-3f}});
  Bvh bvh = build_bvh(bounds);
  EXPECT_LE(depth_of(bvh.nodes, 0), TF_BVH_STACK_SIZE - 1);
  EXPECT_EQ(bvh.prim_index.size(), bounds.size());
}

}  // namespace
}  // namespace tf::test
