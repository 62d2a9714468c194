// Homogeneous media against closed forms: Beer-Lambert transmittance through an absorbing
// slab (exact: that estimator is deterministic) and the unscattered part through a scattering
// slab (Monte Carlo, tolerance from the estimator's analytic variance); the Henyey-Greenstein
// phase function's normalisation and mean cosine g; energy conservation of a non-absorbing
// medium in a white furnace; and finalize_kernel_scene's checks of medium references.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "kernels/device/rng.h"
#include "kernels/render/hg_phase.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

constexpr double kPi = 3.14159265358979323846;

uint32_t add_medium(KernelScene* s, std::array<float, 3> sigma_a, std::array<float, 3> sigma_s,
                    float g) {
  tf_medium m{};
  m.sigma_a_r = sigma_a[0], m.sigma_a_g = sigma_a[1], m.sigma_a_b = sigma_a[2];
  m.sigma_s_r = sigma_s[0], m.sigma_s_g = sigma_s[1], m.sigma_s_b = sigma_s[2];
  m.g = g;
  s->media.push_back(m);
  return static_cast<uint32_t>(s->media.size());  // 1 + index
}

// Makes the two triangles of the quad starting at `first` an interface between media
// (1 + index, 0: vacuum): `inside` behind its winding normal, `outside` in front.
void make_interface_quad(KernelScene* s, uint32_t first, uint32_t inside, uint32_t outside) {
  for (uint32_t i = first; i < first + 2; ++i) {
    s->triangles[i].flags |= TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(inside, outside);
  }
}

// A slab of medium `medium` between z = 0 and z = thickness, bounded by two large interface
// quads (both with normal +z, so the back one has the slab outside and the front one inside),
// seen straight down from z = 10 with a tiny field of view against a uniform environment of
// radiance 1.
KernelScene slab_scene(uint32_t width, float thickness, std::array<float, 3> sigma_a,
                       std::array<float, 3> sigma_s) {
  KernelScene s;
  s.camera = make_camera({0, 0, 10}, {0, 0, -1}, {0, 1, 0}, width, width, 1e-3f);
  const uint32_t medium = add_medium(&s, sigma_a, sigma_s, 0.0f);
  const uint32_t m = add_material(&s, diffuse(0.5f));
  make_interface_quad(&s, add_quad(&s, {-100, -100, 0}, {200, 0, 0}, {0, 200, 0}, m), 0, medium);
  make_interface_quad(&s, add_quad(&s, {-100, -100, thickness}, {200, 0, 0}, {0, 200, 0}, m),
                      medium, 0);
  add_env_uniform(&s, 1.0f);
  return s;
}

TEST(Medium, AbsorbingSlabTransmitsBeerLambertExactly) {
  const std::array<float, 3> sigma_a{0.2f, 0.7f, 1.5f};
  const float d = 1.5f;
  KernelScene s = slab_scene(4, d, sigma_a, {0, 0, 0});
  std::vector<float> rgb = render_mean(&s, 8, 5);
  for (size_t i = 0; i < rgb.size(); ++i) {
    // Rays are within 0.06 degrees of the normal: their path length exceeds d by < 1e-6.
    const double expected = std::exp(-sigma_a[i % 3] * d);
    EXPECT_NEAR(rgb[i], expected, 2e-5 * expected) << "channel " << i % 3;
  }
}

TEST(Medium, CameraInsideAbsorbingSphereSeesAttenuatedEnvironment) {
  KernelScene s;
  s.camera = make_camera({0, 0, 0}, {0, 0, 1}, {0, 1, 0}, 8, 8, 1.0f);
  const std::array<float, 3> sigma_a{0.1f, 0.5f, 1.0f};
  const uint32_t medium = add_medium(&s, sigma_a, {0, 0, 0}, 0.0f);
  const float r = 2.0f;
  add_sphere(&s, {0, 0, 0}, r, add_material(&s, diffuse(0.5f)));
  s.spheres[0].flags = TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(medium, 0);
  s.header.camera_medium = medium;
  add_env_uniform(&s, 1.0f);
  std::vector<float> rgb = render_mean(&s, 4, 5);
  for (size_t i = 0; i < rgb.size(); ++i) {
    const double expected = std::exp(-sigma_a[i % 3] * r);
    EXPECT_NEAR(rgb[i], expected, 2e-5 * expected) << "channel " << i % 3;
  }
}

TEST(Medium, ScatteringSlabTransmitsItsUnscatteredPart) {
  // maxdepth 0: a path that scatters ends, so the image is the collimated transmittance
  // exp(-sigma_t d). Each sample passes with probability P = mean_k exp(-sigma_t[k] d) and
  // then weighs T_c / P, so its variance is T_c^2 / P - T_c^2.
  const std::array<float, 3> sigma_a{0.1f, 0.2f, 0.3f};
  const std::array<float, 3> sigma_s{0.4f, 0.8f, 1.6f};
  const float d = 1.0f;
  const uint32_t width = 16, spp = 256;
  KernelScene s = slab_scene(width, d, sigma_a, sigma_s);
  std::vector<float> rgb = render_mean(&s, spp, 0);
  std::array<double, 3> t{};
  for (int c = 0; c < 3; ++c) t[c] = std::exp(-(sigma_a[c] + sigma_s[c]) * d);
  const double pass = (t[0] + t[1] + t[2]) / 3.0;
  const double n = static_cast<double>(width) * width * spp;
  for (int c = 0; c < 3; ++c) {
    const double stderr_ = std::sqrt((t[c] * t[c] / pass - t[c] * t[c]) / n);
    EXPECT_NEAR(pixel_stat(rgb, c).mean, t[c], 5.0 * stderr_) << "channel " << c;
  }
}

TEST(Medium, NonAbsorbingMediumInWhiteFurnaceIsInvisible) {
  // Albedo 1 in every channel (with different extinctions, so the spectral MIS weights are
  // exercised), a unit sphere bounded by an interface in a uniform environment of radiance 1:
  // every path eventually leaves, so the radiance is the environment's.
  KernelScene s;
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 32, 32, 0.1f);
  const uint32_t medium = add_medium(&s, {0, 0, 0}, {0.5f, 1.0f, 2.0f}, 0.4f);
  add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, diffuse(0.5f)));
  s.spheres[0].flags = TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(medium, 0);
  add_env_uniform(&s, 1.0f);
  std::vector<float> rgb = render_mean(&s, 16, 1000, 16);
  for (int c = 0; c < 3; ++c) {
    Stat st = pixel_stat(rgb, c);
    EXPECT_LT(st.stderr_, 0.003) << "too noisy to be a meaningful check";
    EXPECT_NEAR(st.mean, 1.0, 5.0 * st.stderr_) << "channel " << c;
  }
}

TEST(Medium, AbsorbingMediumInWhiteFurnaceIsDarker) {
  // The same sphere with absorption: the furnace check above must be able to fail.
  KernelScene s;
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 16, 16, 0.1f);
  const uint32_t medium = add_medium(&s, {0.5f, 0.5f, 0.5f}, {1.0f, 1.0f, 1.0f}, 0.0f);
  add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, diffuse(0.5f)));
  s.spheres[0].flags = TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(medium, 0);
  add_env_uniform(&s, 1.0f);
  std::vector<float> rgb = render_mean(&s, 16, 1000);
  EXPECT_LT(pixel_stat(rgb, 0).mean, 0.9);
}

TEST(HenyeyGreenstein, IntegratesToOneOverTheSphere) {
  for (float g : {-0.8f, -0.3f, 0.0f, 0.5f, 0.9f}) {
    // p depends on cos only: integral = 2 pi * integral over cos in [-1, 1] (midpoint rule).
    const int n = 200000;
    double sum = 0.0;
    for (int i = 0; i < n; ++i) sum += tf_hg(-1.0f + (2.0f * i + 1.0f) / n, g);
    EXPECT_NEAR(2.0 * kPi * sum * 2.0 / n, 1.0, 2e-3) << "g = " << g;
  }
}

TEST(HenyeyGreenstein, SampledDirectionsHaveMeanCosineG) {
  // The analytic mean cosine (between the propagation direction -wo and wi) of HG is g; the
  // returned pdf is the phase function itself.
  const tf_vec3 wo = v3_normalize(v3(0.3f, -0.5f, 0.8f));
  for (float g : {-0.6f, 0.0f, 0.3f, 0.85f}) {
    const uint32_t n = 100000;
    double sum = 0.0, sum2 = 0.0;
    for (uint32_t i = 0; i < n; ++i) {
      float pdf = 0.0f;
      tf_vec3 wi =
          tf_hg_sample(wo, g, tf_rng_float(7, i, 0, 0, 0), tf_rng_float(7, i, 0, 0, 1), &pdf);
      const double c = -v3_dot(wo, wi);
      sum += c;
      sum2 += c * c;
      ASSERT_NEAR(pdf, tf_hg_p(wo, wi, g), 1e-3 * pdf);
    }
    const double mean = sum / n;
    const double stderr_ = std::sqrt(std::max(0.0, sum2 / n - mean * mean) / n);
    EXPECT_NEAR(mean, g, 5.0 * stderr_ + 1e-4) << "g = " << g;
  }
}

TEST(Medium, FinalizeRejectsBadMediaAndReferences) {
  auto scene = [](float g, uint32_t camera_medium, uint32_t sphere_outside) {
    KernelScene s;
    s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 4, 4, 0.1f);
    add_medium(&s, {0, 0, 0}, {1, 1, 1}, g);
    add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, diffuse(0.5f)));
    s.spheres[0].flags = TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(1, sphere_outside);
    s.header.camera_medium = camera_medium;
    return s;
  };
  KernelScene good = scene(0.5f, 0, 0);
  EXPECT_TRUE(finalize_kernel_scene(&good).is_ok());
  EXPECT_EQ(good.header.medium_count, 1u);
  KernelScene bad_g = scene(1.0f, 0, 0);
  EXPECT_FALSE(finalize_kernel_scene(&bad_g).is_ok());
  KernelScene bad_camera = scene(0.5f, 2, 0);
  EXPECT_FALSE(finalize_kernel_scene(&bad_camera).is_ok());
  KernelScene bad_prim = scene(0.5f, 0, 2);
  EXPECT_FALSE(finalize_kernel_scene(&bad_prim).is_ok());
  KernelScene negative = scene(0.5f, 0, 0);
  negative.media[0].sigma_a_g = -1.0f;
  EXPECT_FALSE(finalize_kernel_scene(&negative).is_ok());
}

}  // namespace
}  // namespace tf::test
