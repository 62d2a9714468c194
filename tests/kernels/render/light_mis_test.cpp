// Light sampling against light hitting, the condition multiple importance sampling rests on:
// for every kind of light, the direct illumination at a point estimated by sampling the light
// (L cos / pdf), by sampling directions and hitting the light (cosine-weighted), and by the
// integrator's MIS combination of both agree; and the density that hitting code computes for
// a direction (tf_area_light_pdf, tf_env_radiance) equals the density of the light sample.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>

#include "kernels/render/render_pixel.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct Running {
  double sum = 0, sum2 = 0;
  int n = 0;
  void add(double v) { sum += v; sum2 += v * v; ++n; }
  double mean() const { return sum / n; }
  double se() const { return std::sqrt(std::max(0.0, sum2 / n - mean() * mean()) / n); }
};

// Radiance from `scene`'s lights arriving at the origin from direction w (unit), found by
// tracing a ray (area lights) or looking up the environment; *pdf_light: the density with
// which light sampling (selection included) picks w.
tf_vec3 radiance_by_hitting(const tf_scene_view& v, tf_vec3 w, float* pdf_light) {
  tf_ray ray;
  ray.o = v3s(0.0f);
  ray.d = w;
  tf_hit hit = tf_closest_hit(&v, ray, 0.0f, TF_FLOAT_MAX);
  *pdf_light = 0.0f;
  if (hit.prim == TF_NO_PRIM) {
    if (v.header.env_light < 0) return v3s(0.0f);
    float pdf;
    tf_vec3 le = tf_env_radiance(&v, v.lights + v.header.env_light, w, &pdf);
    *pdf_light = pdf * tf_dist1d_pmf(v.distribution, v.header.light_count, static_cast<tf_u32>(v.header.env_light));
    return le;
  }
  tf_surface sf = tf_surface_at(&v, ray, hit);
  if (sf.light < 0) return v3s(0.0f);
  *pdf_light = tf_dist1d_pmf(v.distribution, v.header.light_count, static_cast<tf_u32>(sf.light)) *
               tf_area_light_pdf(&v, hit.prim, ray.o, sf.p, sf.ng);
  return tf_area_light_emission(v.lights + sf.light, sf.ng, v3_neg(w));
}

void check_direct_lighting(KernelScene* s) {
  s->camera.width = s->camera.height = 1;
  ASSERT_TRUE(finalize_kernel_scene(s).is_ok());
  tf_scene_view v = make_host_scene_view(*s);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u01(0.0f, 0.99999994f);
  Running by_light, by_hitting, by_mis;
  int pdf_mismatch = 0;
  constexpr int kSamples = 100000;
  for (int i = 0; i < kSamples; ++i) {
    // Light sampling at the origin, normal +z, Lambertian of albedo 1 (f = 1/pi).
    float pmf;
    tf_u32 li = tf_dist1d_sample_discrete(v.distribution, v.header.light_count, u01(rng), &pmf);
    tf_light_sample ls;
    tf_sample_light(&v, v.lights + li, v3s(0.0f), u01(rng), u01(rng), &ls);
    double light_term = 0.0, light_mis = 0.0;
    tf_ray shadow;
    shadow.o = v3s(0.0f);
    shadow.d = ls.wi;
    float tmax = ls.dist == TF_FLOAT_MAX ? TF_FLOAT_MAX : ls.dist * (1.0f - TF_SHADOW_SHORTEN);
    if (ls.pdf > 0.0f && pmf > 0.0f && ls.wi.z > 0.0f && !tf_occluded(&v, shadow, 0.0f, tmax)) {
      double p_l = static_cast<double>(pmf) * ls.pdf;
      light_term = ls.L.y * ls.wi.z / p_l;
      float p_hit;
      tf_vec3 l_hit = radiance_by_hitting(v, ls.wi, &p_hit);
      if (std::abs(p_hit - p_l) > 1e-3 * p_l || std::abs(l_hit.y - ls.L.y) > 1e-4f * ls.L.y) ++pdf_mismatch;
      light_mis = light_term * tf_power_heuristic(static_cast<float>(p_l), ls.wi.z * TF_INV_PI);
    }
    // Cosine-weighted direction sampling, hitting the light.
    tf_vec3 w = tf_sample_cosine_hemisphere(u01(rng), u01(rng));
    float p_l;
    tf_vec3 le = radiance_by_hitting(v, w, &p_l);
    double hit_term = le.y * kPi;
    double hit_mis = hit_term * tf_power_heuristic(w.z * TF_INV_PI, p_l);
    by_light.add(light_term);
    by_hitting.add(hit_term);
    by_mis.add(light_mis + hit_mis);
  }
  EXPECT_LT(pdf_mismatch, kSamples / 200) << "light sample pdf differs from the hit pdf";
  EXPECT_GT(by_hitting.mean(), 0.0);
  EXPECT_NEAR(by_light.mean(), by_hitting.mean(), 5 * std::hypot(by_light.se(), by_hitting.se()));
  EXPECT_NEAR(by_mis.mean(), by_hitting.mean(), 5 * std::hypot(by_mis.se(), by_hitting.se()));
}

TEST(LightSampling, TriangleLightMatchesHitting) {
  KernelScene s;
  uint32_t black = add_material(&s, diffuse(0.0f));
  add_quad(&s, {-0.5f, -1.0f, 1.0f}, {0, 1.2f, 0.3f}, {1.5f, 0, 0}, black, 2.0f);  // faces down
  check_direct_lighting(&s);
}

TEST(LightSampling, SphereLightFromOutsideMatchesHitting) {
  KernelScene s;
  add_sphere(&s, {0.5f, 0.2f, 1.5f}, 0.6f, add_material(&s, diffuse(0.0f)), 3.0f);
  add_sphere(&s, {-2.0f, 0.0f, 0.3f}, 0.2f, add_material(&s, diffuse(0.0f)), 1.0f);  // low, partly below horizon
  check_direct_lighting(&s);
}

TEST(LightSampling, UniformEnvironmentMatchesHitting) {
  KernelScene s;
  add_env_uniform(&s, 1.5f);
  check_direct_lighting(&s);
}

std::vector<float> test_image(uint32_t w, uint32_t h) {
  std::vector<float> rgb;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (uint32_t i = 0; i < w * h; ++i) {
    float v = u(rng);
    v = v * v * v * 8.0f;  // high dynamic range, some near-black texels
    if (i % 7 == 0) v = 0.0f;
    rgb.insert(rgb.end(), {v, 0.5f * v, 0.25f * v});
  }
  return rgb;
}

TEST(LightSampling, EquirectEnvironmentMatchesHitting) {
  KernelScene s;
  add_env_image(&s, TF_ENV_EQUIRECT, 16, 8, test_image(16, 8));
  check_direct_lighting(&s);
}

TEST(LightSampling, OctahedralEnvironmentMatchesHitting) {
  KernelScene s;
  add_env_image(&s, TF_ENV_OCTAHEDRAL, 12, 12, test_image(12, 12));
  check_direct_lighting(&s);
}

TEST(LightSampling, MixedLightsByPowerMatchHitting) {
  KernelScene s;
  uint32_t black = add_material(&s, diffuse(0.0f));
  add_quad(&s, {-0.5f, -1.0f, 1.0f}, {0, 1.2f, 0.3f}, {1.5f, 0, 0}, black, 2.0f);
  add_sphere(&s, {1.5f, 0.2f, 1.0f}, 0.3f, black, 5.0f);
  add_env_image(&s, TF_ENV_EQUIRECT, 16, 8, test_image(16, 8));
  check_direct_lighting(&s);
}

TEST(EnvMapping, DirectionsRoundTrip) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u01(0.0f, 0.99999994f);
  for (tf_u32 mapping : {TF_ENV_EQUIRECT, TF_ENV_OCTAHEDRAL}) {
    for (int i = 0; i < 2000; ++i) {
      tf_vec3 d = tf_sample_uniform_sphere(u01(rng), u01(rng));
      float u, v, jac;
      tf_env_map_uv(mapping, d, &u, &v);
      ASSERT_TRUE(u >= 0.0f && u <= 1.0f && v >= 0.0f && v <= 1.0f);
      tf_vec3 back = tf_env_map_dir(mapping, u, v, &jac);
      EXPECT_NEAR(back.x, d.x, 2e-4f);
      EXPECT_NEAR(back.y, d.y, 2e-4f);
      EXPECT_NEAR(back.z, d.z, 2e-4f);
    }
  }
}

}  // namespace
}  // namespace tf::test
