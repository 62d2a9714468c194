// BSDF sampling against evaluation: for each material, sampled directions follow tf_bsdf_pdf
// (chi-square over sphere bins against the pdf integrated over each bin), the pdf integrates
// to at most one, sampling returns the same f and pdf as evaluation, and the importance-sampled
// estimate of the integral of f*|cos| equals a uniform-sphere estimate. Fresnel terms are
// checked against closed forms.
#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "kernels/render/bsdf.h"

namespace tf::test {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct BsdfCase {
  std::string name;
  tf_bsdf bsdf;
  tf_vec3 wo;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BsdfCase& c, std::ostream* os) { *os << c.name; }

tf_bsdf make(tf_u32 type, float color, float eta, float k, float ax, float ay) {
  tf_bsdf b{};
  b.type = type;
  b.color = v3s(color);
  b.eta = v3s(eta);
  b.k = v3s(k);
  b.ax = ax;
  b.ay = ay;
  return b;
}

std::vector<BsdfCase> cases() {
  tf_vec3 above = v3_normalize(v3(0.3f, 0.2f, 0.9f));
  tf_vec3 oblique = v3_normalize(v3(-0.8f, 0.1f, 0.5f));
  tf_vec3 below = v3_normalize(v3(0.4f, -0.3f, -0.7f));
  return {
      {"DiffuseAbove", make(TF_MAT_DIFFUSE, 0.7f, 1, 0, 0, 0), above},
      {"DiffuseBelow", make(TF_MAT_DIFFUSE, 0.7f, 1, 0, 0, 0), below},
      {"RoughConductor", make(TF_MAT_CONDUCTOR, 0, 0.2f, 3.9f, 0.5f, 0.5f), oblique},
      {"AnisotropicConductor", make(TF_MAT_CONDUCTOR, 0, 1.4f, 2.0f, 0.25f, 0.7f), above},
      {"RoughDielectricOutside", make(TF_MAT_DIELECTRIC, 0, 1.5f, 0, 0.4f, 0.4f), oblique},
      {"RoughDielectricInside", make(TF_MAT_DIELECTRIC, 0, 1.5f, 0, 0.4f, 0.4f), below},
      {"RoughDielectricLowEta", make(TF_MAT_DIELECTRIC, 0, 1.0f / 1.33f, 0, 0.3f, 0.5f), above},
  };
}

tf_vec3 dir_from(double cos_t, double phi) {
  double s = std::sqrt(std::max(0.0, 1.0 - cos_t * cos_t));
  return v3(static_cast<float>(s * std::cos(phi)), static_cast<float>(s * std::sin(phi)),
            static_cast<float>(cos_t));
}

constexpr int kThetaBins = 10;  // uniform in cos(theta) over [-1, 1]: equal solid angle
constexpr int kPhiBins = 20;

int bin_of(tf_vec3 w) {
  int ti = std::clamp(static_cast<int>((w.z + 1.0f) * 0.5f * kThetaBins), 0, kThetaBins - 1);
  double phi = std::atan2(static_cast<double>(w.y), static_cast<double>(w.x));
  if (phi < 0) phi += 2 * kPi;
  int pi = std::clamp(static_cast<int>(phi / (2 * kPi) * kPhiBins), 0, kPhiBins - 1);
  return ti * kPhiBins + pi;
}

// Integral of the pdf over each bin (midpoint rule on a 16x16 grid per bin).
std::vector<double> integrate_pdf(const BsdfCase& c) {
  constexpr int kSub = 16;
  std::vector<double> out(kThetaBins * kPhiBins, 0.0);
  double dcos = 2.0 / (kThetaBins * kSub);
  double dphi = 2 * kPi / (kPhiBins * kSub);
  for (int i = 0; i < kThetaBins * kSub; ++i) {
    for (int j = 0; j < kPhiBins * kSub; ++j) {
      tf_vec3 wi = dir_from(-1.0 + (i + 0.5) * dcos, (j + 0.5) * dphi);
      out[(i / kSub) * kPhiBins + j / kSub] += tf_bsdf_pdf(&c.bsdf, c.wo, wi) * dcos * dphi;
    }
  }
  return out;
}

// Upper quantile of the chi-square distribution (Wilson-Hilferty), z = 3.719: p = 1e-4.
double chi2_critical(int dof) {
  double k = dof;
  double t = 1.0 - 2.0 / (9.0 * k) + 3.719 * std::sqrt(2.0 / (9.0 * k));
  return k * t * t * t;
}

class BsdfSampling : public ::testing::TestWithParam<BsdfCase> {};

TEST_P(BsdfSampling, SampledDirectionsFollowThePdf) {
  const BsdfCase& c = GetParam();
  constexpr int kSamples = 200000;
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> u01(0.0f, 0.99999994f);
  std::vector<double> observed(kThetaBins * kPhiBins + 1, 0.0);  // last: no sample produced
  for (int n = 0; n < kSamples; ++n) {
    tf_bsdf_sample s;
    float uc = u01(rng), u0 = u01(rng), u1 = u01(rng);
    if (tf_bsdf_sample_f(&c.bsdf, c.wo, uc, u0, u1, &s) && s.pdf > 0.0f) {
      observed[bin_of(s.wi)] += 1.0;
    } else {
      observed.back() += 1.0;
    }
  }
  std::vector<double> expected = integrate_pdf(c);
  double total = 0.0;
  for (double& e : expected) {
    total += e;
    e *= kSamples;
  }
  expected.push_back(std::max(0.0, 1.0 - total) * kSamples);
  // Pool bins expected to hold fewer than 5 samples.
  double chi2 = 0.0, pooled_obs = 0.0, pooled_exp = 0.0;
  int dof = -1;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i] < 5.0) {
      pooled_obs += observed[i];
      pooled_exp += expected[i];
      continue;
    }
    chi2 += (observed[i] - expected[i]) * (observed[i] - expected[i]) / expected[i];
    ++dof;
  }
  if (pooled_exp >= 5.0) {
    chi2 += (pooled_obs - pooled_exp) * (pooled_obs - pooled_exp) / pooled_exp;
    ++dof;
  } else {
    EXPECT_LT(pooled_obs, 20.0) << "samples land where the pdf is ~0";
  }
  ASSERT_GT(dof, 10);
  EXPECT_LT(chi2, chi2_critical(dof)) << c.name << ": dof " << dof;
}

TEST_P(BsdfSampling, PdfIntegratesToAtMostOne) {
  const BsdfCase& c = GetParam();
  double total = 0.0;
  for (double v : integrate_pdf(c)) total += v;
  EXPECT_LE(total, 1.0 + 2e-3);
  if (c.bsdf.type == TF_MAT_DIFFUSE) {
    EXPECT_NEAR(total, 1.0, 2e-3);
  }
  EXPECT_GT(total, 0.5) << "most samples should succeed";
}

TEST_P(BsdfSampling, SampleAgreesWithEvaluation) {
  const BsdfCase& c = GetParam();
  std::mt19937 rng(99);
  std::uniform_real_distribution<float> u01(0.0f, 0.99999994f);
  for (int n = 0; n < 2000; ++n) {
    tf_bsdf_sample s;
    float uc = u01(rng), u0 = u01(rng), u1 = u01(rng);
    if (!tf_bsdf_sample_f(&c.bsdf, c.wo, uc, u0, u1, &s)) continue;
    ASSERT_FALSE(s.is_delta);
    float pdf = tf_bsdf_pdf(&c.bsdf, c.wo, s.wi);
    tf_vec3 f = tf_bsdf_f(&c.bsdf, c.wo, s.wi);
    EXPECT_NEAR(s.pdf, pdf, 1e-3f * pdf + 1e-6f);
    EXPECT_NEAR(s.f.x, f.x, 1e-3f * f.x + 1e-6f);
    EXPECT_NEAR(s.f.z, f.z, 1e-3f * f.z + 1e-6f);
  }
}

TEST_P(BsdfSampling, ImportanceSamplingMatchesUniformSampling) {
  const BsdfCase& c = GetParam();
  constexpr int kSamples = 200000;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u01(0.0f, 0.99999994f);
  double is_sum = 0, is_sum2 = 0, un_sum = 0, un_sum2 = 0, energy = 0;
  for (int n = 0; n < kSamples; ++n) {
    tf_bsdf_sample s;
    float uc = u01(rng), u0 = u01(rng), u1 = u01(rng);
    double v = 0.0;
    if (tf_bsdf_sample_f(&c.bsdf, c.wo, uc, u0, u1, &s) && s.pdf > 0.0f) {
      v = static_cast<double>(s.f.y) * std::abs(s.wi.z) / s.pdf;
      // Radiance is scaled by 1/eta^2 across an interface; energy is not.
      energy += v * s.eta * s.eta;
    }
    is_sum += v;
    is_sum2 += v * v;
    tf_vec3 wi = dir_from(1.0 - 2.0 * u01(rng), 2 * kPi * u01(rng));
    double w = static_cast<double>(tf_bsdf_f(&c.bsdf, c.wo, wi).y) * std::abs(wi.z) * 4 * kPi;
    un_sum += w;
    un_sum2 += w * w;
  }
  double is_mean = is_sum / kSamples, un_mean = un_sum / kSamples;
  double is_se = std::sqrt(std::max(0.0, is_sum2 / kSamples - is_mean * is_mean) / kSamples);
  double un_se = std::sqrt(std::max(0.0, un_sum2 / kSamples - un_mean * un_mean) / kSamples);
  EXPECT_NEAR(is_mean, un_mean, 5.0 * std::hypot(is_se, un_se)) << c.name;
  EXPECT_LE(energy / kSamples, 1.0 + 1e-3) << "energy conservation";
  if (c.bsdf.type == TF_MAT_DIFFUSE) {
    EXPECT_NEAR(is_mean, 0.7, 1e-5);  // cosine sampling of a Lambertian is exact
  }
}

INSTANTIATE_TEST_SUITE_P(Materials, BsdfSampling, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(Fresnel, DielectricMatchesClosedForms) {
  // Normal incidence: ((eta - 1) / (eta + 1))^2, 0.04 for glass.
  EXPECT_NEAR(tf_fresnel_dielectric(1.0f, 1.5f), 0.04f, 1e-6f);
  // Brewster's angle: the parallel polarization vanishes, R = r_perp^2 / 2.
  double eta = 1.5, ti = std::atan(eta), tt = std::asin(std::sin(ti) / eta);
  double r_perp = (std::cos(ti) - eta * std::cos(tt)) / (std::cos(ti) + eta * std::cos(tt));
  EXPECT_NEAR(tf_fresnel_dielectric(static_cast<float>(std::cos(ti)), 1.5f), r_perp * r_perp / 2, 1e-5);
  // Total internal reflection from inside beyond the critical angle.
  EXPECT_EQ(tf_fresnel_dielectric(-0.3f, 1.5f), 1.0f);
}

TEST(Fresnel, ConductorWithZeroKEqualsDielectric) {
  for (float c = 0.05f; c <= 1.0f; c += 0.05f) {
    EXPECT_NEAR(tf_fresnel_complex(c, 1.7f, 0.0f), tf_fresnel_dielectric(c, 1.7f), 1e-5f) << c;
  }
}

TEST(Fresnel, ConductorNormalIncidence) {
  // ((n - 1)^2 + k^2) / ((n + 1)^2 + k^2) for gold-like n = 0.2, k = 3.9.
  double n = 0.2, k = 3.9;
  EXPECT_NEAR(tf_fresnel_complex(1.0f, 0.2f, 3.9f), ((n - 1) * (n - 1) + k * k) / ((n + 1) * (n + 1) + k * k), 1e-5);
  // The reflectance parameterization reproduces its reflectance at normal incidence.
  EXPECT_NEAR(tf_fresnel_complex(1.0f, 1.0f, tf_k_from_reflectance(0.6f)), 0.6f, 1e-5f);
}

TEST(SmoothBsdfs, DielectricFollowsSnellAndFresnel) {
  tf_bsdf glass = make(TF_MAT_DIELECTRIC, 0, 1.5f, 0, 0, 0);
  tf_vec3 wo = v3_normalize(v3(0.5f, 0.0f, 0.8f));
  float r = tf_fresnel_dielectric(wo.z, 1.5f);
  tf_bsdf_sample s;
  ASSERT_TRUE(tf_bsdf_sample_f(&glass, wo, r * 0.5f, 0.3f, 0.3f, &s));  // reflection lobe
  EXPECT_TRUE(s.is_delta);
  EXPECT_NEAR(s.wi.z, wo.z, 1e-6f);
  EXPECT_NEAR(s.pdf, r, 1e-6f);
  ASSERT_TRUE(tf_bsdf_sample_f(&glass, wo, 0.5f + r * 0.5f, 0.3f, 0.3f, &s));  // refraction
  double sin_i = std::sqrt(1.0 - wo.z * wo.z), sin_t = std::sqrt(1.0 - s.wi.z * s.wi.z);
  EXPECT_LT(s.wi.z, 0.0f);
  EXPECT_NEAR(sin_t, sin_i / 1.5, 1e-5);
  EXPECT_NEAR(s.eta, 1.5f, 1e-6f);
  // Radiance transport: f * |cos| / pdf = 1 / eta^2 for the refracted lobe.
  EXPECT_NEAR(s.f.x * std::abs(s.wi.z) / s.pdf, 1.0 / 2.25, 1e-5);
  EXPECT_EQ(tf_bsdf_pdf(&glass, wo, s.wi), 0.0f);  // delta: no density for MIS
}

TEST(SmoothBsdfs, ThinDielectricConservesEnergy) {
  tf_bsdf thin = make(TF_MAT_THIN_DIELECTRIC, 0, 1.5f, 0, 0, 0);
  tf_vec3 wo = v3_normalize(v3(0.2f, 0.4f, 0.6f));
  double sum = 0;
  for (float uc : {0.01f, 0.99f}) {
    tf_bsdf_sample s;
    ASSERT_TRUE(tf_bsdf_sample_f(&thin, wo, uc, 0, 0, &s));
    sum += s.f.x * std::abs(s.wi.z);  // f|cos| per lobe = that lobe's R or T
  }
  EXPECT_NEAR(sum, 1.0, 1e-6);
}

}  // namespace
}  // namespace tf::test
