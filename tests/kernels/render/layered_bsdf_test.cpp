// The layered BSDFs (coated diffuse, coated conductor) against independent truth:
// - white furnace: an index-matched coating (eta 1) over a white diffuse base with no
//   absorption reflects all energy, with and without a scattering (albedo 1) medium;
// - energy: a real coating (eta 1.5) never reflects more than it receives, and a smooth one over
//   a white base loses nothing (every path leaves eventually);
// - eval/pdf consistency: the albedo from uniform sampling of f() equals the albedo from
//   sample_f(), both Monte Carlo estimates, within their standard errors;
// - an index-matched smooth coating over a conductor is the bare conductor: the sampled weight
//   is the conductor's Fresnel reflectance (computed here with std::complex) and f() equals the
//   bare rough conductor's;
// - every estimate is a pure function of its random key;
// - through the path tracer (next-event estimation with f, MIS with pdf, BSDF sampling): a
//   lossless coated sphere in a white furnace is invisible.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <iterator>
#include <string>

#include "kernels/render/bsdf.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

constexpr double kPi = 3.14159265358979323846;

tf_bsdf coated_diffuse(float reflectance, float eta, float coat_alpha) {
  tf_bsdf b{};
  b.type = TF_MAT_COATED_DIFFUSE;
  b.color = v3s(reflectance);
  b.coat_eta = eta;
  b.coat_ax = b.coat_ay = coat_alpha;
  b.thickness = 0.0f;  // no absorption
  b.g = 0.0f;
  b.albedo = v3s(0.0f);
  b.max_depth = 10;
  b.n_samples = 1;
  return b;
}

tf_bsdf coated_conductor(float eta, float k, float alpha, float coat_eta, float coat_alpha) {
  tf_bsdf b = coated_diffuse(0.0f, coat_eta, coat_alpha);
  b.type = TF_MAT_COATED_CONDUCTOR;
  b.eta = v3s(eta);
  b.k = v3s(k);
  b.ax = b.ay = alpha;
  return b;
}

tf_vec3 incident(double cos_t) {
  const double s = std::sqrt(1.0 - cos_t * cos_t);
  return v3(static_cast<float>(s * 0.6), static_cast<float>(s * 0.8), static_cast<float>(cos_t));
}

// Keys the walks of `b` to sample i (of pixel (7, 3), frame 1) and returns uniform numbers of
// that sample's own dimensions.
float key(tf_bsdf* b, uint32_t i, uint32_t dim) {
  tf_bsdf_key_rng(b, 1, 7, 3, i, 0);
  return tf_rng_float(1, 7, 3, i, dim);
}

struct Estimate {
  double mean = 0, se = 0;
};

Estimate finish(double sum, double sum_sq, int n) {
  Estimate e;
  e.mean = sum / n;
  e.se = std::sqrt(std::max(0.0, sum_sq / n - e.mean * e.mean) / n);
  return e;
}

// Directional albedo (red channel) from sample_f: the mean of f |cos| / pdf.
Estimate albedo_by_sampling(tf_bsdf b, tf_vec3 wo, int n) {
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const uint32_t s = static_cast<uint32_t>(i);
    const float uc = key(&b, s, 0);
    tf_bsdf_sample bs;
    if (!tf_bsdf_sample_f(&b, wo, uc, tf_rng_float(1, 7, 3, s, 1), tf_rng_float(1, 7, 3, s, 2),
                          &bs)) {
      continue;
    }
    const double w = bs.pdf > 0 ? bs.f.x * std::abs(bs.wi.z) / bs.pdf : 0.0;
    sum += w;
    sum_sq += w * w;
  }
  return finish(sum, sum_sq, n);
}

// Directional albedo (red channel) of the non-delta part from f() at uniformly distributed
// directions of the reflection hemisphere: the mean of f |cos| * 2 pi.
Estimate albedo_by_uniform_eval(tf_bsdf b, tf_vec3 wo, int n) {
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const uint32_t s = static_cast<uint32_t>(i);
    const double z = key(&b, s, 0);
    const double phi = 2 * kPi * tf_rng_float(1, 7, 3, s, 1);
    const double r = std::sqrt(std::max(0.0, 1 - z * z));
    const tf_vec3 wi =
        v3(static_cast<float>(r * std::cos(phi)), static_cast<float>(r * std::sin(phi)),
           static_cast<float>(wo.z > 0 ? z : -z));
    const double w = tf_bsdf_f(&b, wo, wi).x * std::abs(wi.z) * 2 * kPi;
    sum += w;
    sum_sq += w * w;
  }
  return finish(sum, sum_sq, n);
}

TEST(LayeredBsdf, IndexMatchedCoatingOverWhiteBaseReflectsEverything) {
  for (double cos_t : {1.0, 0.7, 0.3, 0.1}) {
    const Estimate e = albedo_by_sampling(coated_diffuse(1.0f, 1.0f, 0.0f), incident(cos_t), 20000);
    EXPECT_NEAR(e.mean, 1.0, 3 * e.se + 1e-4) << "cos " << cos_t;
  }
}

TEST(LayeredBsdf, LosslessScatteringMediumReflectsEverything) {
  tf_bsdf b = coated_diffuse(1.0f, 1.0f, 0.0f);
  b.thickness = 0.5f;
  b.albedo = v3s(1.0f);
  b.g = 0.5f;
  b.max_depth = 1000;  // so that no walk is cut short
  for (double cos_t : {0.9, 0.4}) {
    const Estimate e = albedo_by_sampling(b, incident(cos_t), 20000);
    EXPECT_NEAR(e.mean, 1.0, 3 * e.se + 1e-4) << "cos " << cos_t;
  }
}

TEST(LayeredBsdf, RealCoatingConservesEnergy) {
  for (double cos_t : {1.0, 0.5, 0.15}) {
    // Smooth coating over a white base: light bounces inside until it leaves; nothing absorbs.
    tf_bsdf smooth = coated_diffuse(1.0f, 1.5f, 0.0f);
    smooth.max_depth = 200;
    const Estimate s = albedo_by_sampling(smooth, incident(cos_t), 40000);
    EXPECT_LE(s.mean, 1.0 + 3 * s.se + 1e-4) << "smooth, cos " << cos_t;
    EXPECT_NEAR(s.mean, 1.0, 3 * s.se + 2e-3) << "smooth, cos " << cos_t;
    // Rough coating: single-scattering microfacets lose energy (much of it inside, where
    // microfacets beyond the critical angle reflect light into the surface), never gain any.
    tf_bsdf rough = coated_diffuse(1.0f, 1.5f, 0.5f);
    rough.max_depth = 200;
    const Estimate r = albedo_by_sampling(rough, incident(cos_t), 40000);
    EXPECT_LE(r.mean, 1.0 + 3 * r.se) << "rough, cos " << cos_t;
    EXPECT_GT(r.mean, 0.4) << "rough, cos " << cos_t;
    // The default absorbing layer (thickness 0.01, albedo 0) absorbs some.
    tf_bsdf absorbing = coated_diffuse(1.0f, 1.5f, 0.5f);
    absorbing.thickness = 0.01f;
    const Estimate a = albedo_by_sampling(absorbing, incident(cos_t), 40000);
    EXPECT_LT(a.mean, r.mean + 3 * (a.se + r.se)) << "absorbing, cos " << cos_t;
  }
}

TEST(LayeredBsdf, UniformEvaluationAgreesWithSampling) {
  tf_bsdf diffuse = coated_diffuse(0.8f, 1.5f, 0.3f);
  diffuse.thickness = 0.2f;
  diffuse.albedo = v3s(0.6f);
  diffuse.g = 0.3f;
  tf_bsdf conductor = coated_conductor(0.2f, 3.0f, 0.4f, 1.4f, 0.2f);
  for (tf_bsdf b : {diffuse, conductor}) {
    // f() also counts paths one event longer than sample_f() follows (its next-event
    // connections): with few events the two truncations differ; with many, neither truncates.
    b.max_depth = 100;
    for (double cos_t : {0.9, 0.4}) {
      const Estimate s = albedo_by_sampling(b, incident(cos_t), 40000);
      const Estimate u = albedo_by_uniform_eval(b, incident(cos_t), 40000);
      EXPECT_NEAR(s.mean, u.mean, 3 * std::hypot(s.se, u.se) + 1e-3)
          << "type " << b.type << ", cos " << cos_t;
    }
  }
}

TEST(LayeredBsdf, TwoSided) {
  tf_bsdf b = coated_diffuse(0.5f, 1.5f, 0.3f);
  key(&b, 5, 0);
  const tf_vec3 wo = incident(0.6), wi = v3_normalize(v3(-0.2f, 0.1f, 0.9f));
  const tf_vec3 above = tf_bsdf_f(&b, wo, wi);
  const tf_vec3 below = tf_bsdf_f(&b, v3_neg(wo), v3_neg(wi));
  EXPECT_EQ(above.x, below.x);
  EXPECT_GT(above.x, 0.0f);
  EXPECT_EQ(tf_bsdf_f(&b, wo, v3_neg(wi)).x, 0.0f);  // opaque base: no transmission
  EXPECT_EQ(tf_bsdf_pdf(&b, wo, v3_neg(wi)), 0.0f);
}

// Unpolarized Fresnel reflectance of a conductor with complex IOR eta + i k, in double.
double conductor_fresnel(double cos_i, double eta, double k) {
  const std::complex<double> n(eta, k);
  const double sin2 = 1 - cos_i * cos_i;
  const std::complex<double> cos_t = std::sqrt(1.0 - sin2 / (n * n));
  const std::complex<double> rs = (cos_i - n * cos_t) / (cos_i + n * cos_t);
  const std::complex<double> rp = (n * cos_i - cos_t) / (n * cos_i + cos_t);
  return (std::norm(rs) + std::norm(rp)) / 2;
}

TEST(LayeredBsdf, IndexMatchedSmoothCoatingIsTheBareConductor) {
  const float eta = 0.27f, k = 2.98f;  // gold, red channel
  tf_bsdf smooth = coated_conductor(eta, k, 0.0f, 1.0f, 0.0f);
  for (double cos_t : {1.0, 0.6, 0.2}) {
    key(&smooth, 0, 0);
    tf_bsdf_sample bs;
    ASSERT_TRUE(tf_bsdf_sample_f(&smooth, incident(cos_t), 0.5f, 0.5f, 0.5f, &bs));
    EXPECT_TRUE(bs.is_delta);
    EXPECT_NEAR(bs.wi.z, cos_t, 1e-6);
    EXPECT_NEAR(bs.f.x * std::abs(bs.wi.z) / bs.pdf, conductor_fresnel(cos_t, eta, k), 2e-5)
        << "cos " << cos_t;
  }
  EXPECT_TRUE(tf_bsdf_is_delta(&smooth));

  // A rough conductor under the same coating: f is the bare conductor's, direction by direction.
  tf_bsdf coated = coated_conductor(eta, k, 0.3f, 1.0f, 0.0f);
  tf_bsdf bare{};
  bare.type = TF_MAT_CONDUCTOR;
  bare.eta = v3s(eta);
  bare.k = v3s(k);
  bare.ax = bare.ay = 0.3f;
  EXPECT_FALSE(tf_bsdf_is_delta(&coated));
  for (int i = 0; i < 50; ++i) {
    const uint32_t s = static_cast<uint32_t>(i);
    key(&coated, s, 0);
    const tf_vec3 wo = incident(0.05 + 0.9 * tf_rng_float(2, 0, 0, s, 0));
    const tf_vec3 wi = v3_normalize(
        v3(tf_rng_float(2, 0, 0, s, 1) - 0.5f, tf_rng_float(2, 0, 0, s, 2) - 0.5f, 0.3f));
    const float want = tf_bsdf_f(&bare, wo, wi).x;
    EXPECT_NEAR(tf_bsdf_f(&coated, wo, wi).x, want, 1e-5f * want + 1e-6f) << "pair " << i;
  }
}

TEST(LayeredBsdf, EstimatesArePureFunctionsOfTheirKey) {
  tf_bsdf b = coated_diffuse(0.6f, 1.5f, 0.3f);
  b.thickness = 0.1f;
  b.albedo = v3s(0.5f);
  const tf_vec3 wo = incident(0.7), wi = v3_normalize(v3(0.3f, -0.4f, 0.8f));
  key(&b, 11, 0);
  const float f1 = tf_bsdf_f(&b, wo, wi).x, p1 = tf_bsdf_pdf(&b, wo, wi);
  key(&b, 11, 0);
  EXPECT_EQ(f1, tf_bsdf_f(&b, wo, wi).x);
  EXPECT_EQ(p1, tf_bsdf_pdf(&b, wo, wi));
  int differs = 0;
  for (uint32_t s = 12; s < 20; ++s) {
    key(&b, s, 0);
    differs += tf_bsdf_f(&b, wo, wi).x != f1;
  }
  EXPECT_GT(differs, 0);  // the walks do draw from the key
}

// A unit sphere filling a 32x32 film inside a uniform environment of radiance 1: a material
// that reflects all it receives is invisible (pixels 1 within 5 standard errors).
void expect_invisible_in_furnace(const tf_material& m) {
  KernelScene s;
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 32, 32, 0.1f);
  add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, m));
  add_env_uniform(&s, 1.0f);
  const std::vector<float> rgb = render_mean(&s, 8, 64, 4);
  for (int c = 0; c < 3; ++c) {
    const Stat st = pixel_stat(rgb, c);
    EXPECT_LT(st.stderr_, 0.005) << "too noisy to be a meaningful check";
    EXPECT_NEAR(st.mean, 1.0, 5.0 * st.stderr_ + 1e-4) << "channel " << c;
  }
}

tf_material white_coated(float coat_eta, float thickness, float albedo, uint32_t max_depth) {
  tf_material m = diffuse(1.0f);
  m.type = TF_MAT_COATED_DIFFUSE;
  m.coat_eta = coat_eta;
  m.thickness = thickness;
  m.albedo_r = m.albedo_g = m.albedo_b = albedo;
  m.hg_g = 0.4f;
  m.max_depth = max_depth;
  m.n_samples = 1;
  return m;
}

TEST(LayeredBsdfFurnace, IndexMatchedCoatingOverALosslessLayerIsInvisible) {
  expect_invisible_in_furnace(white_coated(1.0f, 0.3f, 1.0f, 1000));
}

TEST(LayeredBsdfFurnace, SmoothCoatingOverAWhiteBaseIsInvisible) {
  expect_invisible_in_furnace(white_coated(1.5f, 0.0f, 0.0f, 1000));
}

// The host rejects coatings the walk cannot run (a worker never receives one from the loader,
// but kernel scenes also arrive from elsewhere).
TEST(LayeredBsdfScene, FinalizeRejectsUnusableCoatings) {
  const tf_material good = white_coated(1.5f, 0.01f, 0.0f, 10);
  tf_material no_walks = good, bad_g = good, bad_albedo = good, bad_eta = good;
  no_walks.n_samples = 0;
  bad_g.hg_g = 1.0f;
  bad_albedo.albedo_g = 1.5f;
  bad_eta.coat_eta = 0.0f;
  const tf_material cases[] = {good, no_walks, bad_g, bad_albedo, bad_eta};
  for (size_t i = 0; i < std::size(cases); ++i) {
    KernelScene s;
    s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 4, 4, 0.1f);
    add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, cases[i]));
    const Status st = finalize_kernel_scene(&s);
    if (i == 0) {
      EXPECT_TRUE(st) << st.message();
    } else {
      ASSERT_FALSE(st) << "case " << i;
      EXPECT_NE(st.message().find("material 0 is coated"), std::string::npos) << st.message();
    }
  }
}

}  // namespace
}  // namespace tf::test
