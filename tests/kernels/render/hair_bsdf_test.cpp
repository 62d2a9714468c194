// pbrt-v4's HairBxDF (kernels/render/hair_bsdf.h), checked as pbrt-v4's own hair tests check
// it, against properties rather than values printed from the code:
//   - white furnace: without absorption the fibre loses nothing, so the integral of f |cos|
//     over the sphere is 1 for any wo, h and roughness (uniform directions, not the sampler);
//   - with sigma_a = 0 the lobe probabilities equal the attenuations A_p, so every sample's
//     weight f |cos| / pdf is 1;
//   - the sampler's directions are distributed as the pdf says (chi-square against the pdf
//     integrated over bins by quadrature), its pdf and f match the evaluation functions, and
//     the pdf integrates to 1;
//   - with absorption, the sampled estimate of the integral of f |cos| agrees with the uniform
//     one and is below 1;
//   - through the path tracer (fibre frame and h from the hit), lossless hair on a sphere and on
//     a quad is invisible in a white furnace.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/render/bsdf.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

constexpr double kPi = 3.14159265358979323846;

tf_bsdf hair(float h, tf_vec3 sigma_a, float beta_m, float beta_n, float alpha) {
  tf_bsdf b{};
  b.type = TF_MAT_HAIR;
  b.color = sigma_a;
  b.eta = v3s(1.55f);
  b.hair_h = h;
  b.beta_m = beta_m;
  b.beta_n = beta_n;
  b.hair_alpha = alpha;
  return b;
}

struct Estimate {
  double mean, stderr_;
};

// The integral of f |cos| (channel 0) over the sphere, by uniform directions.
Estimate uniform_albedo(const tf_bsdf& b, tf_vec3 wo, std::mt19937& rng, int n) {
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < n; ++i) {
    tf_vec3 wi = uniform_sphere(u(rng), u(rng));
    double x = tf_bsdf_f(&b, wo, wi).x * std::abs(wi.z) * 4.0 * kPi;
    sum += x;
    sum2 += x * x;
  }
  double mean = sum / n;
  return {mean, std::sqrt(std::max(0.0, sum2 / n - mean * mean) / n)};
}

TEST(HairBsdf, WhiteFurnaceConservesEnergyWithoutAbsorption) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (float beta_m : {0.1f, 0.3f, 0.5f, 0.7f, 0.9f}) {
    for (float beta_n : {0.1f, 0.3f, 0.5f, 0.7f, 0.9f}) {
      const float alpha = beta_n > 0.5f ? 2.0f : 0.0f;
      const tf_bsdf b = hair(-1.0f + 2.0f * u(rng), v3s(0.0f), beta_m, beta_n, alpha);
      const tf_vec3 wo = uniform_sphere(u(rng), u(rng));
      const Estimate e = uniform_albedo(b, wo, rng, 200000);
      EXPECT_NEAR(e.mean, 1.0, 5.0 * e.stderr_ + 0.01)
          << "beta_m " << beta_m << " beta_n " << beta_n << " +- " << e.stderr_;
    }
  }
}

TEST(HairBsdf, SampleWeightsAreOneWithoutAbsorption) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (float beta_m : {0.1f, 0.4f, 0.8f}) {
    for (float beta_n : {0.1f, 0.4f, 0.8f}) {
      const tf_bsdf b = hair(-1.0f + 2.0f * u(rng), v3s(0.0f), beta_m, beta_n, 2.0f);
      for (int i = 0; i < 2000; ++i) {
        const tf_vec3 wo = uniform_sphere(u(rng), u(rng));
        tf_bsdf_sample s;
        ASSERT_TRUE(tf_bsdf_sample_f(&b, wo, u(rng), u(rng), u(rng), &s));
        if (!(s.pdf > 0.0f) || std::abs(s.wi.x) > 0.9999f) continue;
        EXPECT_FALSE(s.is_delta);
        const double w = s.f.x * std::abs(s.wi.z) / s.pdf;
        EXPECT_NEAR(w, 1.0, 2e-3) << "beta_m " << beta_m << " beta_n " << beta_n;
      }
    }
  }
}

TEST(HairBsdf, SampledPdfAndValueMatchEvaluation) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const tf_bsdf b = hair(0.4f, v3(0.3f, 0.8f, 1.6f), 0.3f, 0.4f, 2.0f);
  for (int i = 0; i < 20000; ++i) {
    const tf_vec3 wo = uniform_sphere(u(rng), u(rng));
    tf_bsdf_sample s;
    if (!tf_bsdf_sample_f(&b, wo, u(rng), u(rng), u(rng), &s) || std::abs(s.wi.x) > 0.999f) {
      continue;
    }
    EXPECT_NEAR(std::sqrt(v3_length_sq(s.wi)), 1.0, 1e-5);
    const float pdf = tf_bsdf_pdf(&b, wo, s.wi);
    EXPECT_NEAR(s.pdf, pdf, 1e-3f * pdf + 1e-6f);
    const tf_vec3 f = tf_bsdf_f(&b, wo, s.wi);
    EXPECT_NEAR(s.f.y, f.y, 1e-3f * f.y + 1e-6f);
  }
}

TEST(HairBsdf, PdfIntegratesToOne) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  const tf_bsdf b = hair(-0.6f, v3(0.2f, 0.5f, 1.0f), 0.5f, 0.5f, 2.0f);
  for (int k = 0; k < 4; ++k) {
    const tf_vec3 wo = uniform_sphere(u(rng), u(rng));
    double sum = 0.0;
    constexpr int n = 400000;
    for (int i = 0; i < n; ++i) {
      sum += tf_bsdf_pdf(&b, wo, uniform_sphere(u(rng), u(rng))) * 4.0 * kPi / n;
    }
    EXPECT_NEAR(sum, 1.0, 0.02);
  }
}

// Directions parameterized by x = sin theta (= wi.x) and phi: an equal-area map of the sphere
// (d omega = dx dphi), binned nx by nphi.
int direction_bin(tf_vec3 w, int nx, int nphi) {
  double phi = std::atan2(w.z, w.y) + kPi;
  int ix = std::min(nx - 1, static_cast<int>((w.x + 1.0) * 0.5 * nx));
  int ip = std::min(nphi - 1, static_cast<int>(phi / (2.0 * kPi) * nphi));
  return std::max(0, ix) * nphi + std::max(0, ip);
}

TEST(HairBsdf, SamplesAreDistributedAsThePdf) {
  constexpr int nx = 10, nphi = 20, sub = 40;  // bins, and quadrature points per bin side
  const tf_bsdf b = hair(0.3f, v3(0.4f, 0.6f, 1.2f), 0.4f, 0.4f, 2.0f);
  const tf_vec3 wo = v3_normalize(v3(0.3f, 0.5f, 0.8f));
  // Expected probability of each bin: midpoint quadrature of the pdf over dx dphi.
  std::vector<double> expected(nx * nphi, 0.0);
  const double dx = 2.0 / (nx * sub), dphi = 2.0 * kPi / (nphi * sub);
  double total = 0.0;
  for (int i = 0; i < nx * sub; ++i) {
    const double x = -1.0 + (i + 0.5) * dx;
    const double r = std::sqrt(1.0 - x * x);
    for (int j = 0; j < nphi * sub; ++j) {
      const double phi = -kPi + (j + 0.5) * dphi;
      const tf_vec3 wi = v3(static_cast<float>(x), static_cast<float>(r * std::cos(phi)),
                            static_cast<float>(r * std::sin(phi)));
      const double p = tf_bsdf_pdf(&b, wo, wi) * dx * dphi;
      expected[(i / sub) * nphi + j / sub] += p;
      total += p;
    }
  }
  EXPECT_NEAR(total, 1.0, 0.01);
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  constexpr int n = 400000;
  std::vector<double> observed(nx * nphi, 0.0);
  for (int i = 0; i < n; ++i) {
    tf_bsdf_sample s;
    if (tf_bsdf_sample_f(&b, wo, u(rng), u(rng), u(rng), &s)) {
      observed[direction_bin(s.wi, nx, nphi)] += 1.0;
    }
  }
  // Pearson's chi-square over bins expecting at least 5 samples; the rest pooled.
  double chi2 = 0.0, pooled_e = 0.0, pooled_o = 0.0;
  int dof = 0;
  for (int k = 0; k < nx * nphi; ++k) {
    const double e = expected[k] / total * n;
    if (e < 5.0) {
      pooled_e += e;
      pooled_o += observed[k];
      continue;
    }
    chi2 += (observed[k] - e) * (observed[k] - e) / e;
    ++dof;
  }
  if (pooled_e >= 5.0) {
    chi2 += (pooled_o - pooled_e) * (pooled_o - pooled_e) / pooled_e;
    ++dof;
  }
  dof -= 1;
  ASSERT_GT(dof, 50);
  // Wilson-Hilferty: the chi-square quantile at z = 4.5 standard deviations.
  const double z = 4.5, c = 2.0 / (9.0 * dof);
  const double limit = dof * std::pow(1.0 - c + z * std::sqrt(c), 3.0);
  EXPECT_LT(chi2, limit) << "dof " << dof;
}

TEST(HairBsdf, SampledAndUniformEstimatesAgreeWithAbsorption) {
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (float beta : {0.2f, 0.5f, 0.8f}) {
    const tf_bsdf b = hair(-1.0f + 2.0f * u(rng), v3s(0.25f), beta, beta, 2.0f);
    const tf_vec3 wo = uniform_sphere(u(rng), u(rng));
    const Estimate uniform = uniform_albedo(b, wo, rng, 300000);
    double sum = 0.0, sum2 = 0.0;
    constexpr int n = 100000;
    for (int i = 0; i < n; ++i) {
      tf_bsdf_sample s;
      if (!tf_bsdf_sample_f(&b, wo, u(rng), u(rng), u(rng), &s) || !(s.pdf > 0.0f)) continue;
      const double x = s.f.x * std::abs(s.wi.z) / s.pdf;
      sum += x;
      sum2 += x * x;
    }
    const double mean = sum / n;
    const double se = std::sqrt(std::max(0.0, sum2 / n - mean * mean) / n);
    EXPECT_LT(mean, 1.0);
    EXPECT_GT(mean, 0.05);
    EXPECT_NEAR(mean, uniform.mean, 5.0 * std::hypot(se, uniform.stderr_) + 0.005)
        << "beta " << beta;
  }
}

TEST(HairBsdf, LosslessHairIsInvisibleInAWhiteFurnace) {
  KernelScene s;
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 24, 24, 0.1f);
  tf_material m{};
  m.type = TF_MAT_HAIR;
  m.texture = -1;
  m.eta_r = 1.55f;
  m.beta_m = 0.3f, m.beta_n = 0.3f, m.hair_alpha = 2.0f;
  const uint32_t hair_material = add_material(&s, m);
  add_quad(&s, {-0.5f, -0.5f, 0.0f}, {1.0f, 0.1f, 0.0f}, {0.0f, 0.4f, 0.2f}, hair_material);
  add_sphere(&s, {0.0f, 0.25f, 0.0f}, 0.3f, hair_material);
  add_env_uniform(&s, 1.0f);
  const std::vector<float> rgb = render_mean(&s, 16, 100, 2);
  for (int c = 0; c < 3; ++c) {
    const Stat st = pixel_stat(rgb, c);
    EXPECT_LT(st.stderr_, 0.01);
    EXPECT_NEAR(st.mean, 1.0, 5.0 * st.stderr_ + 1e-3) << "channel " << c;
  }
}

TEST(HairBsdf, IsNeverDelta) {
  const tf_bsdf b = hair(0.0f, v3s(0.0f), 0.3f, 0.3f, 2.0f);
  EXPECT_FALSE(tf_bsdf_is_delta(&b));
}

}  // namespace
}  // namespace tf::test
