// White furnace: objects inside a uniform environment of radiance 1. A convex diffuse object
// of albedo a reflects exactly a (its reflected rays all escape); an ideal (thin) dielectric
// neither absorbs nor emits, so it is invisible. Tolerances are 5 standard errors of the
// mean over pixels, each pixel an independent estimate.
#include <gtest/gtest.h>

#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

// 32x32 film filled by a unit sphere at the origin (silhouette tangent 0.2 > 0.1).
KernelScene furnace_with(const tf_material& m) {
  KernelScene s;
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 32, 32, 0.1f);
  add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, m));
  add_env_uniform(&s, 1.0f);
  return s;
}

// slack: allowance for a known deterministic deviation (none unless stated).
void expect_mean(const std::vector<float>& rgb, double expected, double max_stderr, double slack = 1e-5) {
  for (int c = 0; c < 3; ++c) {
    Stat st = pixel_stat(rgb, c);
    EXPECT_LT(st.stderr_, max_stderr) << "too noisy to be a meaningful check";
    EXPECT_NEAR(st.mean, expected, 5.0 * st.stderr_ + slack) << "channel " << c;
  }
}

TEST(WhiteFurnace, DiffuseSphereReflectsItsAlbedo) {
  KernelScene s = furnace_with(diffuse(0.5f));
  expect_mean(render_mean(&s, 16, 8, 4), 0.5, 0.001);
}

TEST(WhiteFurnace, SmoothDielectricSphereIsInvisible) {
  KernelScene s = furnace_with(dielectric(1.5f, 0.0f));
  expect_mean(render_mean(&s, 8, 64, 4), 1.0, 0.002);
}

TEST(WhiteFurnace, ThinDielectricSphereIsInvisible) {
  tf_material m = dielectric(1.5f, 0.0f);
  m.type = TF_MAT_THIN_DIELECTRIC;
  KernelScene s = furnace_with(m);
  expect_mean(render_mean(&s, 8, 64, 4), 1.0, 0.002);
}

TEST(WhiteFurnace, PerfectConductorSphereIsInvisible) {
  // A huge extinction coefficient makes the conductor's Fresnel reflectance 1 - O(1/k) at
  // every angle (below 1e-3 off for k = 1e4).
  KernelScene s = furnace_with(conductor(1.0f, 1.0e4f, 0.0f));
  expect_mean(render_mean(&s, 4, 8), 1.0, 0.002, 1e-3);
}

}  // namespace
}  // namespace tf::test
