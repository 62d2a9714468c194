// Alpha cut-outs (kernels/render/alpha_cutout.h) through the BVH traversal: a quad cut by a
// checkerboard lets exactly the rays through its transparent squares (pbrt-v4's
// Checkerboard: tex1 where floor(s) + floor(t) is even), a constant alpha stops the share of
// rays it names, shadow rays agree with closest hits ray by ray, and a flagged triangle
// without an alpha texture is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/render/bvh_traverse.h"
#include "kernels/render/kernel_scene.h"
#include "scene_builder.h"

namespace tf::test {
namespace {

constexpr float kFrontZ = 0.0f, kBackZ = 1.0f;

// The unit square at z = kFrontZ with uv = (x, y), cut by float texture 0, in front of a large
// opaque quad at z = kBackZ.
KernelScene cut_square(const tf_texture& alpha) {
  KernelScene s;
  s.camera = make_camera({0.5f, 0.5f, -2.0f}, {0, 0, 1}, {0, 1, 0}, 4, 4, 0.5f);
  s.textures.push_back(alpha);
  tf_material front = diffuse(0.5f);
  front.alpha_tex = 1;
  const uint32_t front_id = add_material(&s, front);
  const uint32_t back_id = add_material(&s, diffuse(0.5f));
  const float corners[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
  for (const auto& c : corners) {
    tf_vertex v{};
    v.px = c[0], v.py = c[1], v.pz = kFrontZ;
    v.u = c[0], v.v = c[1];
    s.vertices.push_back(v);
  }
  const uint32_t triangles[2][3] = {{0, 1, 2}, {0, 2, 3}};
  for (const auto& t : triangles) {
    tf_triangle tri{};
    tri.v0 = t[0], tri.v1 = t[1], tri.v2 = t[2];
    tri.material = front_id;
    tri.light = -1;
    tri.flags = TF_TRI_HAS_UV | TF_PRIM_ALPHA;
    s.triangles.push_back(tri);
  }
  add_quad(&s, {-5, -5, kBackZ}, {10, 0, 0}, {0, 10, 0}, back_id);
  return s;
}

tf_texture checkerboard(float scale) {
  tf_texture t{};
  t.type = TF_TEX_CHECKERBOARD;
  t.mapping = TF_MAP_UV;
  t.count = 1;
  t.r = t.g = t.b = 1.0f;     // tex1: opaque
  t.r2 = t.g2 = t.b2 = 0.0f;  // tex2: cut out
  t.uscale = t.vscale = scale;
  return t;
}

tf_texture constant(float a) {
  tf_texture t{};
  t.type = TF_TEX_CONSTANT;
  t.count = 1;
  t.r = t.g = t.b = a;
  return t;
}

tf_ray ray_along_z(float x, float y) {
  tf_ray r;
  r.o = v3(x, y, -1.0f);
  r.d = v3(0.0f, 0.0f, 1.0f);
  return r;
}

TEST(AlphaCutout, CheckerboardLetsRaysThroughItsTransparentSquares) {
  KernelScene s = cut_square(checkerboard(4.0f));
  ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
  EXPECT_EQ(s.header.alpha_prims, 2u);
  const tf_scene_view view = make_host_scene_view(s);
  int opaque = 0, open = 0;
  for (int i = 0; i < 32; ++i) {
    for (int j = 0; j < 32; ++j) {
      const float x = (i + 0.5f) / 32, y = (j + 0.5f) / 32;  // never on a square's edge
      const bool stops =
          (static_cast<int>(std::floor(4 * x)) + static_cast<int>(std::floor(4 * y))) % 2 == 0;
      const tf_hit hit = tf_closest_hit(&view, ray_along_z(x, y), 0.0f, 100.0f);
      ASSERT_NE(hit.prim, TF_NO_PRIM);
      EXPECT_FLOAT_EQ(hit.t, (stops ? kFrontZ : kBackZ) + 1.0f) << x << ", " << y;
      EXPECT_EQ(tf_occluded(&view, ray_along_z(x, y), 0.0f, 1.5f), stops ? 1 : 0) << x << ", " << y;
      (stops ? opaque : open) += 1;
    }
  }
  EXPECT_EQ(opaque, 512);
  EXPECT_EQ(open, 512);
}

TEST(AlphaCutout, ConstantAlphaStopsItsShareOfRays) {
  const float alpha = 0.3f;
  KernelScene s = cut_square(constant(alpha));
  ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
  const tf_scene_view view = make_host_scene_view(s);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  const int n = 20000;
  int stopped = 0;
  for (int k = 0; k < n; ++k) {
    // Rays from random points behind the camera side towards random points of the square.
    tf_ray r;
    r.o = v3(unit(rng) * 2 - 0.5f, unit(rng) * 2 - 0.5f, -1.0f - unit(rng));
    const tf_vec3 target = v3(0.05f + 0.9f * unit(rng), 0.05f + 0.9f * unit(rng), kFrontZ);
    r.d = v3_normalize(v3_sub(target, r.o));
    const tf_hit hit = tf_closest_hit(&view, r, 0.0f, 100.0f);
    ASSERT_NE(hit.prim, TF_NO_PRIM);
    const bool front = hit.prim < 2;
    stopped += front;
    // The same ray meets the same cut: again, and as a shadow ray up to the back quad.
    EXPECT_EQ(tf_closest_hit(&view, r, 0.0f, 100.0f).prim, hit.prim);
    const float to_back = (kBackZ - r.o.z) / r.d.z;
    EXPECT_EQ(tf_occluded(&view, r, 0.0f, 0.99f * to_back), front ? 1 : 0);
  }
  const double share = static_cast<double>(stopped) / n;
  const double sigma = std::sqrt(alpha * (1 - alpha) / n);
  EXPECT_NEAR(share, alpha, 4 * sigma);
}

TEST(AlphaCutout, OpaqueAndZeroAlphaNeedNoHash) {
  for (float a : {0.0f, 1.0f}) {
    KernelScene s = cut_square(constant(a));
    ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
    const tf_scene_view view = make_host_scene_view(s);
    const tf_hit hit = tf_closest_hit(&view, ray_along_z(0.3f, 0.6f), 0.0f, 100.0f);
    EXPECT_FLOAT_EQ(hit.t, (a > 0 ? kFrontZ : kBackZ) + 1.0f) << a;
  }
}

TEST(AlphaCutout, ScenesWithoutCutoutsSkipTheTest) {
  KernelScene s = cut_square(constant(0.0f));
  for (tf_triangle& t : s.triangles) t.flags &= ~TF_PRIM_ALPHA;
  ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
  EXPECT_EQ(s.header.alpha_prims, 0u);
  const tf_scene_view view = make_host_scene_view(s);
  EXPECT_FLOAT_EQ(tf_closest_hit(&view, ray_along_z(0.3f, 0.6f), 0.0f, 100.0f).t, 1.0f);
}

TEST(AlphaCutout, FlaggedTriangleNeedsAnAlphaTexture) {
  KernelScene s = cut_square(constant(0.5f));
  s.materials[s.triangles[0].material].alpha_tex = 0;
  Status st = finalize_kernel_scene(&s);
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("alpha texture"), std::string::npos) << st.message();
  KernelScene t = cut_square(constant(0.5f));
  t.materials[t.triangles[0].material].alpha_tex = 2;  // one texture only
  EXPECT_FALSE(finalize_kernel_scene(&t).is_ok());
}

}  // namespace
}  // namespace tf::test
