// pbrt-v4's MeasuredBxDF (kernels/render/measured_bxdf.h) on tables made from analytic BRDFs
// by an independent tabulation (measured_tabulation.h):
//   - f of a tabulated Lambertian and of a tabulated rough GGX conductor (its vndf warp not the
//     identity) matches the analytic BRDF, computed in double precision, within the error of
//     bilinear interpolation of the tables, as isotropic files and as anisotropic ones;
//   - every sample's f and pdf equal f and pdf evaluated for its direction (so the weights
//     f cos / pdf agree), and the pdf integrates over the hemisphere to the fraction of samples
//     the sampler returns (it rejects directions below the surface, as pbrt does);
//   - white furnace: a Lambertian table of albedo 1 reflects all light, by quadrature of f cos,
//     by the sampler's weights, and through the path tracer (a sphere in a uniform
//     environment);
//   - the host check refuses blocks that would make the kernel read outside them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/render/bsdf.h"
#include "kernels/render/measured_host.h"
#include "tests/kernels/render/measured_tabulation.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

constexpr double kPi = 3.14159265358979323846;
const std::array<double, 3> kRho{0.8, 0.5, 0.2};

Brdf lambertian(std::array<double, 3> rho) {
  return [rho](const Dir&, const Dir&) {
    return std::array<double, 3>{rho[0] / kPi, rho[1] / kPi, rho[2] / kPi};
  };
}

// The kernel's view of a block.
struct Measured {
  std::vector<float> block;
  tf_bsdf bsdf{};
  explicit Measured(const Tabulated& t) {
    Result<std::vector<float>> b = build_measured_block(t.tables());
    EXPECT_TRUE(b) << b.message();
    if (b) block = std::move(b.value());
    bsdf.type = TF_MAT_MEASURED;
    bsdf.measured = block.data();
  }
};

Dir direction(double theta, double phi) {
  return {std::sin(theta) * std::cos(phi), std::sin(theta) * std::sin(phi), std::cos(theta)};
}
tf_vec3 to_vec(const Dir& d) {
  return v3(static_cast<float>(d.x), static_cast<float>(d.y), static_cast<float>(d.z));
}

// Largest and mean relative error of f against `truth` over random pairs with polar angles
// up to max_theta (both on +z, or both mirrored to -z).
void expect_f_matches(const Measured& m, const Brdf& truth, double max_theta, double max_error,
                      double mean_error) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double worst = 0, sum = 0;
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    const Dir wo = direction(max_theta * u(rng), 2 * kPi * u(rng));
    const Dir wi = direction(max_theta * u(rng), 2 * kPi * u(rng));
    const std::array<double, 3> want = truth(wo, wi);
    tf_vec3 a = to_vec(wo), b = to_vec(wi);
    if (i % 2 == 1) a = v3_neg(a), b = v3_neg(b);
    const tf_vec3 got = tf_bsdf_f(&m.bsdf, a, b);
    const double scale = std::max({want[0], want[1], want[2]});
    for (int c = 0; c < 3; ++c) {
      const double e = std::abs(static_cast<double>(v3_axis(got, c)) - want[c]) / scale;
      worst = std::max(worst, e);
      sum += e / 3;
    }
    EXPECT_TRUE(v3_is_zero(tf_bsdf_f(&m.bsdf, a, v3_neg(b)))) << "f across the surface";
  }
  EXPECT_LT(worst, max_error);
  EXPECT_LT(sum / n, mean_error);
}

TEST(MeasuredBxdf, LambertianTableGivesRhoOverPi) {
  const Measured m(tabulate(lambertian(kRho), 1.0, false, 33, 16, 1.5));
  expect_f_matches(m, lambertian(kRho), 1.2, 0.03, 0.004);
}

TEST(MeasuredBxdf, GgxConductorTableMatchesTheAnalyticBrdf) {
  const Brdf gold = ggx_conductor(0.5, {0.95, 0.64, 0.54});
  const Measured m(tabulate(gold, 0.5, true, 49, 24, 1.5));
  expect_f_matches(m, gold, 1.2, 0.06, 0.01);
}

// For wo at several polar angles: every sample agrees with f and pdf at its direction, and
// the pdf's integral over the hemisphere (midpoint rule in cos theta and phi) equals the
// fraction of a stratified set of sample numbers that gives a direction. `max_error`: the
// relative difference allowed between a sample's f and pdf and those evaluated: rounding,
// which grows for half vectors within 0.01 radians of the normal, whose azimuth the
// recomputed half vector changes most (anisotropic tables depend on that azimuth).
void expect_sampling_consistent(const Measured& m, double max_error) {
  for (double theta_o : {0.1, 0.6, 1.0, 1.3}) {
    const tf_vec3 wo = to_vec(direction(theta_o, 0.7));
    const int k = 200;
    int accepted = 0;
    for (int i = 0; i < k; ++i) {
      for (int j = 0; j < k; ++j) {
        tf_bsdf_sample s;
        const float u0 = (i + 0.5f) / k, u1 = (j + 0.5f) / k;
        if (!tf_bsdf_sample_f(&m.bsdf, wo, 0.5f, u0, u1, &s)) continue;
        ++accepted;
        const float pdf = tf_bsdf_pdf(&m.bsdf, wo, s.wi);
        const tf_vec3 f = tf_bsdf_f(&m.bsdf, wo, s.wi);
        const double e =
            std::max(std::abs(s.pdf - pdf) / pdf, v3_length(v3_sub(s.f, f)) / v3_length(f));
        ASSERT_LT(e, max_error) << "theta_o " << theta_o << " u " << u0 << " " << u1;
      }
    }
    const int n = 600;
    double integral = 0;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        const double c = (i + 0.5) / n, phi = 2 * kPi * (j + 0.5) / n;
        const double s = std::sqrt(1 - c * c);
        const tf_vec3 wi = to_vec({s * std::cos(phi), s * std::sin(phi), c});
        integral += static_cast<double>(tf_bsdf_pdf(&m.bsdf, wo, wi)) * 2 * kPi /
                    (static_cast<double>(n) * n);
      }
    }
    EXPECT_NEAR(integral, static_cast<double>(accepted) / (k * k), 0.005) << theta_o;
  }
}

TEST(MeasuredBxdf, SamplesAgreeWithFAndPdfAndThePdfIntegratesToTheirShare) {
  expect_sampling_consistent(
      Measured(tabulate(ggx_conductor(0.5, {0.95, 0.64, 0.54}), 0.5, true, 49, 24, 1.5)), 1e-3);
}

// The same BRDFs tabulated as anisotropic files (13 phi_i nodes, absolute azimuths): the
// parameter blend over phi_i and the absolute azimuth of the half vector. Between phi_i nodes
// 30 degrees apart the kernel blends two rotated copies of the tables, as pbrt does, so the
// largest errors are several times those of the isotropic files; the mean stays small.
TEST(MeasuredBxdf, AnisotropicFilesOfTheSameBrdfs) {
  const Measured lambert(tabulate(lambertian(kRho), 1.0, false, 33, 16, 1.5, 13));
  expect_f_matches(lambert, lambertian(kRho), 1.2, 0.1, 0.012);
  const Brdf gold = ggx_conductor(0.5, {0.95, 0.64, 0.54});
  const Measured m(tabulate(gold, 0.5, true, 33, 16, 1.5, 13));
  expect_f_matches(m, gold, 1.2, 0.14, 0.004);
  expect_sampling_consistent(m, 1e-2);
}

TEST(MeasuredBxdf, WhiteFurnaceOfAnAlbedoOneTable) {
  const Measured m(tabulate(lambertian({1, 1, 1}), 1.0, false, 33, 16, 1.5));
  for (double theta_o : {0.0, 0.5, 1.0}) {
    const tf_vec3 wo = to_vec(direction(theta_o, 2.0));
    const int n = 400;
    double quadrature = 0, weights = 0;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        const double c = (i + 0.5) / n, phi = 2 * kPi * (j + 0.5) / n;
        const double s = std::sqrt(1 - c * c);
        const tf_vec3 wi = to_vec({s * std::cos(phi), s * std::sin(phi), c});
        quadrature += static_cast<double>(tf_bsdf_f(&m.bsdf, wo, wi).y) * c * 2 * kPi /
                      (static_cast<double>(n) * n);
        tf_bsdf_sample smp;
        if (tf_bsdf_sample_f(&m.bsdf, wo, 0.5f, (i + 0.5f) / n, (j + 0.5f) / n, &smp)) {
          weights +=
              static_cast<double>(smp.f.y * smp.wi.z / smp.pdf) / (static_cast<double>(n) * n);
        }
      }
    }
    EXPECT_NEAR(quadrature, 1.0, 0.02) << theta_o;
    EXPECT_NEAR(weights, 1.0, 0.02) << theta_o;
  }
  KernelScene s;
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 16, 16, 0.1f);
  tf_material mat{};
  mat.type = TF_MAT_MEASURED;
  mat.texture = -1;
  mat.measured = static_cast<uint32_t>(s.texels.size()) + 1u;
  s.texels.insert(s.texels.end(), m.block.begin(), m.block.end());
  add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, mat));
  add_env_uniform(&s, 1.0f);
  const std::vector<float> rgb = render_mean(&s, 16, 8, 2);
  for (int c = 0; c < 3; ++c) {
    const Stat st = pixel_stat(rgb, c);
    EXPECT_NEAR(st.mean, 1.0, 0.02 + 5 * st.stderr_) << "channel " << c;
  }
}

TEST(MeasuredBxdf, HostCheckRefusesBlocksThatReachOutside) {
  const Tabulated t = tabulate(lambertian(kRho), 1.0, false, 5, 3, 1.5);
  Result<std::vector<float>> built = build_measured_block(t.tables());
  ASSERT_TRUE(built) << built.message();
  const std::vector<float>& good = built.value();
  EXPECT_TRUE(validate_measured_block(good, 0));
  std::vector<float> padded(7, 0.0f);
  padded.insert(padded.end(), good.begin(), good.end());
  EXPECT_TRUE(validate_measured_block(padded, 7));
  EXPECT_FALSE(validate_measured_block(padded, 8));
  EXPECT_FALSE(validate_measured_block(std::span<const float>(good).first(good.size() - 1), 0));
  // Every header entry out of range (scales: not positive and finite); tables that are not
  // sampled ignore their CDF entries.
  const uint32_t first = TF_MEASURED_TABLE(0);
  for (uint32_t i = 0; i < TF_MEASURED_HEADER_SIZE; ++i) {
    const uint32_t table = (i - first) / 6, entry = (i - first) % 6;
    const bool sampled = table == TF_MEASURED_VNDF || table == TF_MEASURED_LUMINANCE;
    if (i >= first && (entry == 3 || entry == 4) && !sampled) continue;
    const bool scale = i >= first && entry == 5;
    const std::vector<float> bad_values =
        scale ? std::vector<float>{-1.0f, 0.0f, INFINITY}
              : std::vector<float>{1e9f, static_cast<float>(good.size()), -1.0f, 0.5f};
    for (float bad : bad_values) {
      std::vector<float> b = good;
      b[i] = bad;
      EXPECT_FALSE(validate_measured_block(b, 0)) << "entry " << i << " = " << bad;
    }
  }
  std::vector<float> zero_sigma = good;
  zero_sigma[static_cast<size_t>(good[TF_MEASURED_TABLE(TF_MEASURED_SIGMA) + 2])] = 0.0f;
  EXPECT_FALSE(validate_measured_block(zero_sigma, 0));
  Tabulated empty = t;
  std::fill(empty.vndf.begin(), empty.vndf.begin() + 25, 0.0f);
  EXPECT_FALSE(build_measured_block(empty.tables()));
}

}  // namespace
}  // namespace tf::test
