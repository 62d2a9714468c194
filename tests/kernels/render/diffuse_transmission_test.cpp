// pbrt-v4's DiffuseTransmissionBxDF (bxdfs.h): Lambertian reflection R / pi on the side of wo
// and Lambertian transmission T / pi on the other. Checked against independent truth:
// integrating f |cos| over uniformly drawn directions (not the BxDF's own sampler) gives R
// above and T below; the sampler's pdf matches tf_bsdf_pdf and integrates to 1; and a closed
// sphere with R + T = 1 in a white furnace is invisible through the path tracer.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/render/bsdf.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

constexpr double kPi = 3.14159265358979323846;

tf_bsdf diffuse_transmission(tf_vec3 r, tf_vec3 t) {
  tf_bsdf b{};
  b.type = TF_MAT_DIFFUSE_TRANSMISSION;
  b.color = r;
  b.trans = t;
  return b;
}

TEST(DiffuseTransmission, ReflectedAndTransmittedFractionsAreRAndT) {
  const tf_bsdf b = diffuse_transmission(v3(0.3f, 0.6f, 0.1f), v3(0.5f, 0.2f, 0.7f));
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (tf_vec3 wo : {v3(0.0f, 0.0f, 1.0f), v3_normalize(v3(0.6f, -0.2f, -0.5f))}) {
    double up[3] = {}, down[3] = {}, pdf_sum = 0.0;
    constexpr int n = 400000;
    for (int i = 0; i < n; ++i) {
      tf_vec3 wi = uniform_sphere(u(rng), u(rng));
      tf_vec3 f = tf_bsdf_f(&b, wo, wi);
      double w = std::abs(wi.z) * 4.0 * kPi / n;  // divided by the uniform pdf 1 / (4 pi)
      double* side = tf_same_hemisphere(wo, wi) ? up : down;
      side[0] += f.x * w, side[1] += f.y * w, side[2] += f.z * w;
      pdf_sum += tf_bsdf_pdf(&b, wo, wi) * 4.0 * kPi / n;
    }
    EXPECT_NEAR(up[0], 0.3, 0.005);
    EXPECT_NEAR(up[1], 0.6, 0.005);
    EXPECT_NEAR(up[2], 0.1, 0.005);
    EXPECT_NEAR(down[0], 0.5, 0.005);
    EXPECT_NEAR(down[1], 0.2, 0.005);
    EXPECT_NEAR(down[2], 0.7, 0.005);
    EXPECT_NEAR(pdf_sum, 1.0, 0.01);
  }
}

TEST(DiffuseTransmission, SamplesPickLobesByTheirLargestChannelWithMatchingPdfs) {
  // pbrt: P(reflect) = max(R) / (max(R) + max(T)) = 0.6 / (0.6 + 0.7).
  const tf_bsdf b = diffuse_transmission(v3(0.3f, 0.6f, 0.1f), v3(0.5f, 0.2f, 0.7f));
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const tf_vec3 wo = v3_normalize(v3(0.2f, 0.3f, 0.8f));
  int reflected = 0, produced = 0;
  constexpr int n = 200000;
  for (int i = 0; i < n; ++i) {
    tf_bsdf_sample s;
    if (!tf_bsdf_sample_f(&b, wo, u(rng), u(rng), u(rng), &s)) continue;
    ++produced;
    reflected += s.wi.z > 0.0f;
    EXPECT_FALSE(s.is_delta);
    ASSERT_NEAR(s.pdf, tf_bsdf_pdf(&b, wo, s.wi), 1e-5f * s.pdf);
    tf_vec3 f = tf_bsdf_f(&b, wo, s.wi);
    ASSERT_EQ(f.x, s.f.x);
  }
  EXPECT_GT(produced, n - 10);
  EXPECT_NEAR(static_cast<double>(reflected) / produced, 0.6 / 1.3, 0.005);
}

TEST(DiffuseTransmission, LosslessSphereIsInvisibleInAWhiteFurnace) {
  KernelScene s;
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 32, 32, 0.1f);
  tf_material m{};
  m.type = TF_MAT_DIFFUSE_TRANSMISSION;
  m.texture = -1;
  m.r = 0.7f, m.g = 0.4f, m.b = 0.1f;
  m.trans_r = 0.3f, m.trans_g = 0.6f, m.trans_b = 0.9f;
  add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, m));
  add_env_uniform(&s, 1.0f);
  std::vector<float> rgb = render_mean(&s, 16, 64, 4);
  for (int c = 0; c < 3; ++c) {
    Stat st = pixel_stat(rgb, c);
    EXPECT_LT(st.stderr_, 0.01);
    EXPECT_NEAR(st.mean, 1.0, 5.0 * st.stderr_ + 1e-5) << "channel " << c;
  }
}

}  // namespace
}  // namespace tf::test
