// Normal mapping (normal_map.h) against pbrt-v4's definition evaluated in double precision: a
// uniform map texel (r, g, b) on a tilted quad gives the shading normal
// normalize(x n_t.x + y n_t.y + n n_t.z) with n_t = normalize(2 rgb - 1), x = dp/du / |dp/du|,
// y = n x x (pbrt's Frame::FromXZ); a flat map (0.5, 0.5, 1) leaves the geometric normal; a
// normal map wins over a displacement on the same material.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "kernels/render/surface.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

using D3 = std::array<double, 3>;

D3 cross(D3 a, D3 b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}

D3 normalized(D3 a) {
  const double l = std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
  return {a[0] / l, a[1] / l, a[2] / l};
}

// The quad p0 + s e1 + t e2 with uv = (s, t), so dp/du = e1; material with a 1x1 normal map of
// texel `rgb` (and a displacement texture when `bumped`).
constexpr V3 kP0{0, 0, 0}, kE1{2, 0, 1}, kE2{0, 1, 0};

KernelScene mapped_quad(D3 rgb, bool bumped) {
  KernelScene s;
  s.camera = make_camera({0, 0, 5}, {0, 0, -1}, {0, 1, 0}, 1, 1, 0.5f);
  tf_material m = diffuse(0.5f);
  tf_texture map{};
  map.type = TF_TEX_IMAGE;
  map.width = map.height = 1;
  map.r = map.g = map.b = 1.0f;
  map.uscale = map.vscale = 1.0f;
  map.count = 1;
  for (double c : rgb) s.texels.push_back(static_cast<float>(c));
  s.textures.push_back(map);
  m.normal_map = 1;
  if (bumped) {
    tf_texture ramp{};
    ramp.type = TF_TEX_CHECKERBOARD;  // tilts nothing where it is constant, but is evaluated
    ramp.r = ramp.g = ramp.b = 0.3f;
    ramp.uscale = ramp.vscale = 7.0f;
    ramp.count = 1;
    s.textures.push_back(ramp);
    m.displacement = 2;
  }
  const uint32_t mat = add_material(&s, m);
  add_quad(&s, kP0, kE1, kE2, mat);
  const float uv[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
  for (size_t i = 0; i < 4; ++i) s.vertices[i].u = uv[i][0], s.vertices[i].v = uv[i][1];
  for (tf_triangle& t : s.triangles) t.flags |= TF_TRI_HAS_UV;
  EXPECT_TRUE(finalize_kernel_scene(&s).is_ok());
  return s;
}

tf_vec3 shading_normal(const KernelScene& s) {
  tf_scene_view v = make_host_scene_view(s);
  // From the side of the winding normal e1 x e2 = (-1, 0, 2).
  const D3 n = normalized(cross({kE1.x, kE1.y, kE1.z}, {kE2.x, kE2.y, kE2.z}));
  const D3 at = {0.8, 0.4, 0.4};  // p0 + 0.4 e1 + 0.4 e2
  tf_ray ray;
  ray.o = v3(static_cast<float>(at[0] + 3 * n[0]), static_cast<float>(at[1] + 3 * n[1]),
             static_cast<float>(at[2] + 3 * n[2]));
  ray.d = v3(static_cast<float>(-n[0]), static_cast<float>(-n[1]), static_cast<float>(-n[2]));
  tf_hit hit = tf_closest_hit(&v, ray, 0.0f, TF_FLOAT_MAX);
  EXPECT_NE(hit.prim, TF_NO_PRIM);
  return tf_surface_at(&v, ray, hit).ns;
}

D3 expected(D3 rgb) {
  const D3 nt = normalized({2 * rgb[0] - 1, 2 * rgb[1] - 1, 2 * rgb[2] - 1});
  const D3 z = normalized(cross({kE1.x, kE1.y, kE1.z}, {kE2.x, kE2.y, kE2.z}));
  const D3 x = normalized({kE1.x, kE1.y, kE1.z});
  const D3 y = cross(z, x);
  D3 n{};
  for (int i = 0; i < 3; ++i) n[i] = x[i] * nt[0] + y[i] * nt[1] + z[i] * nt[2];
  return normalized(n);
}

void expect_near(tf_vec3 got, D3 want) {
  EXPECT_NEAR(got.x, want[0], 1e-5);
  EXPECT_NEAR(got.y, want[1], 1e-5);
  EXPECT_NEAR(got.z, want[2], 1e-5);
}

TEST(NormalMap, TexelGivesTheTangentSpaceNormal) {
  for (D3 rgb : {D3{0.7, 0.4, 0.9}, D3{0.2, 0.55, 0.8}, D3{0.5, 0.9, 0.6}}) {
    expect_near(shading_normal(mapped_quad(rgb, false)), expected(rgb));
  }
}

TEST(NormalMap, FlatMapKeepsTheGeometricNormal) {
  const D3 n = normalized(cross({kE1.x, kE1.y, kE1.z}, {kE2.x, kE2.y, kE2.z}));
  expect_near(shading_normal(mapped_quad({0.5, 0.5, 1.0}, false)), n);
}

TEST(NormalMap, MapBelowTheSurfaceIsTurnedToTheGeometricSide) {
  // n_t.z < 0 points into the surface; pbrt turns the shading normal to the geometric side.
  const D3 rgb{0.6, 0.5, 0.3};
  D3 want = expected(rgb);
  const D3 n = normalized(cross({kE1.x, kE1.y, kE1.z}, {kE2.x, kE2.y, kE2.z}));
  if (want[0] * n[0] + want[1] * n[1] + want[2] * n[2] < 0) want = {-want[0], -want[1], -want[2]};
  expect_near(shading_normal(mapped_quad(rgb, false)), want);
}

TEST(NormalMap, WinsOverADisplacement) {
  const D3 rgb{0.7, 0.4, 0.9};
  const tf_vec3 alone = shading_normal(mapped_quad(rgb, false));
  const tf_vec3 both = shading_normal(mapped_quad(rgb, true));
  EXPECT_EQ(alone.x, both.x);
  EXPECT_EQ(alone.y, both.y);
  EXPECT_EQ(alone.z, both.z);
}

}  // namespace
}  // namespace tf::test
