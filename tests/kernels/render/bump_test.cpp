// Bump mapping (bump.h): a displacement d(u, v) = a u + b v on a flat quad whose uv spans it
// linearly tilts the shading normal as the height field's normal, (-a/Lx, -b/Ly, 1)
// normalised for a quad of side lengths Lx, Ly (with pbrt-v4's shading frame of vertex
// normals, see below); a constant displacement leaves renders bit for bit as they are
// without it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/render/surface.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

// A square texture of n x n texels holding 1 + a u + b v at each texel centre (row 0 at
// v = 1; positive, as image values are): bilinear lookups reproduce the plane exactly between
// texel centres.
int32_t add_ramp_texture(KernelScene* s, float a, float b) {
  constexpr uint32_t n = 8;
  tf_texture t{};
  t.type = TF_TEX_IMAGE;
  t.width = t.height = n;
  t.offset = static_cast<uint32_t>(s->texels.size());
  t.r = t.g = t.b = 1.0f;
  t.uscale = t.vscale = 1.0f;
  for (uint32_t y = 0; y < n; ++y) {
    for (uint32_t x = 0; x < n; ++x) {
      float u = (static_cast<float>(x) + 0.5f) / n, v = 1.0f - (static_cast<float>(y) + 0.5f) / n;
      for (int c = 0; c < 3; ++c) s->texels.push_back(1.0f + a * u + b * v);
    }
  }
  s->textures.push_back(t);
  return static_cast<int32_t>(s->textures.size() - 1);
}

// The quad [-1, 3] x [-1, 1] in z = 0 (Lx = 4, Ly = 2) with u = (x + 1) / 4, v = (y + 1) / 2,
// optionally with vertex normals +z, displaced by texture `tex`.
KernelScene ramp_quad(float a, float b, bool with_normals) {
  KernelScene s;
  s.camera = make_camera({0, 0, 5}, {0, 0, -1}, {0, 1, 0}, 1, 1, 0.5f);
  tf_material m = diffuse(0.5f);
  uint32_t mat = add_material(&s, m);
  add_quad(&s, {-1, -1, 0}, {4, 0, 0}, {0, 2, 0}, mat);
  for (tf_vertex& v : s.vertices) {
    v.u = (v.px + 1.0f) / 4.0f;
    v.v = (v.py + 1.0f) / 2.0f;
    v.nx = 0.0f, v.ny = 0.0f, v.nz = 1.0f;
  }
  for (tf_triangle& t : s.triangles)
    t.flags |= TF_TRI_HAS_UV | (with_normals ? TF_TRI_HAS_NORMALS : 0u);
  s.materials[mat].displacement = static_cast<uint32_t>(add_ramp_texture(&s, a, b)) + 1u;
  return s;
}

tf_vec3 shading_normal_at(const KernelScene& s, float x, float y, float from_z) {
  tf_scene_view v = make_host_scene_view(s);
  tf_ray ray;
  ray.o = v3(x, y, from_z);
  ray.d = v3(0.0f, 0.0f, from_z > 0.0f ? -1.0f : 1.0f);
  tf_hit hit = tf_closest_hit(&v, ray, 0.0f, TF_FLOAT_MAX);
  EXPECT_NE(hit.prim, TF_NO_PRIM);
  return tf_surface_at(&v, ray, hit).ns;
}

void expect_normal(tf_vec3 n, double ex, double ey, double ez) {
  double len = std::sqrt(ex * ex + ey * ey + ez * ez);
  EXPECT_NEAR(n.x, ex / len, 2e-3);
  EXPECT_NEAR(n.y, ey / len, 2e-3);
  EXPECT_NEAR(n.z, ez / len, 2e-3);
}

TEST(Bump, LinearRampTiltsTheShadingNormalAsTheHeightField) {
  for (bool with_normals : {false, true}) {
    SCOPED_TRACE(with_normals ? "vertex normals" : "no vertex normals");
    const float a = 0.8f, b = -0.3f;
    KernelScene s = ramp_quad(a, b, with_normals);
    ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
    // h(x, y) = a (x + 1) / 4 + b (y + 1) / 2: the upward normal is (-a/4, -b/2, 1). With
    // vertex normals pbrt-v4's triangle takes the shading dp/dv as ns x dp/du, of |dp/du| = 4
    // (not |dp/dv| = 2): the v slope is then read over 4 units, (-a/4, -b/4, 1).
    const double ey = with_normals ? -b / 4.0 : -b / 2.0;
    for (float x : {-0.2f, 0.6f, 1.7f}) {
      for (float y : {-0.4f, 0.1f, 0.5f}) {
        expect_normal(shading_normal_at(s, x, y, 1.0f), -a / 4.0, ey, 1.0);
      }
    }
  }
}

TEST(Bump, RampSeenFromBelowKeepsTheNormalOnTheGeometricSide) {
  const float a = 0.8f;
  KernelScene s = ramp_quad(a, 0.0f, false);
  for (tf_triangle& t : s.triangles) t.flags |= TF_PRIM_FLIP_NORMAL;  // geometric normal -z
  ASSERT_TRUE(finalize_kernel_scene(&s).is_ok());
  // Displacing along -z by a u lowers the surface where u grows: the -z side's normal of the
  // height field z = -a (x + 1) / 4 is -(a/4, 0, 1).
  expect_normal(shading_normal_at(s, 0.6f, 0.1f, -1.0f), -a / 4.0, 0.0, -1.0);
}

// A lit box of tilted quads rendered with and without a constant displacement.
std::vector<float> render_tilted_quads(bool displaced) {
  KernelScene s;
  s.camera = make_camera({0.3f, 0.4f, 4}, {0, 0, -1}, {0, 1, 0}, 12, 10, 0.6f);
  tf_material m = diffuse(0.7f);
  if (displaced) {
    tf_texture t{};
    t.type = TF_TEX_CONSTANT;
    t.r = t.g = t.b = 0.37f;
    s.textures.push_back(t);
    m.displacement = 1u;
  }
  uint32_t mat = add_material(&s, m);
  add_quad(&s, {-2, -1.3f, -1}, {4, 0.4f, -0.3f}, {0.2f, 3, -0.7f}, mat);
  add_quad(&s, {-1.5f, -1, 0.2f}, {1.1f, 0.3f, 0.6f}, {-0.2f, 1.2f, 0.1f}, mat);
  add_point_light(&s, {0.5f, 1.5f, 2.5f}, 6.0f);
  add_env_uniform(&s, 0.2f);
  return render_mean(&s, 4, 4);
}

TEST(Bump, ConstantDisplacementChangesNothing) {
  std::vector<float> plain = render_tilted_quads(false);
  std::vector<float> displaced = render_tilted_quads(true);
  ASSERT_EQ(plain.size(), displaced.size());
  EXPECT_EQ(0, std::memcmp(plain.data(), displaced.data(), plain.size() * sizeof(float)));
  EXPECT_GT(pixel_stat(plain, 1).mean, 0.0);
}

}  // namespace
}  // namespace tf::test
