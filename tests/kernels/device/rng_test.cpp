// The counter-based RNG: the published Philox4x32-10 bit for bit, uniform, uncorrelated between
// neighbouring keys, never 1.0f, and the sequential sampler equal to the keyed function.
#include "kernels/device/rng.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

namespace {

// Upper critical value of the chi-square distribution with `dof` degrees of freedom at tail
// probability 1e-6 (Wilson-Hilferty approximation; z = 4.7534 is the normal 1e-6 quantile).
double chi_square_critical_1e6(int dof) {
  const double z = 4.7534;
  double k = dof;
  double c = 1.0 - 2.0 / (9.0 * k) + z * std::sqrt(2.0 / (9.0 * k));
  return k * c * c * c;
}

// Chi-square statistic of `n` draws bucketed into `bins` equal cells of [0, 1).
double chi_square_uniform(int n, int bins, const std::function<float(int)>& draw) {
  std::vector<int> counts(static_cast<size_t>(bins), 0);
  for (int i = 0; i < n; ++i) {
    float u = draw(i);
    int b = static_cast<int>(static_cast<double>(u) * bins);
    counts[static_cast<size_t>(b)] += 1;
  }
  double expected = static_cast<double>(n) / bins;
  double chi2 = 0.0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  return chi2;
}

// Pearson correlation of n pairs (a(i), b(i)).
double correlation(int n, const std::function<float(int)>& a, const std::function<float(int)>& b) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (int i = 0; i < n; ++i) {
    double x = a(i);
    double y = b(i);
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  double cov = sab / n - (sa / n) * (sb / n);
  double va = saa / n - (sa / n) * (sa / n);
  double vb = sbb / n - (sb / n) * (sb / n);
  return cov / std::sqrt(va * vb);
}

TEST(Rng, PhiloxMatchesRandom123KnownAnswers) {
  // Random123 kat_vectors: counter[4] key[2] -> output[4].
  struct Case {
    std::array<tf_u32, 4> ctr;
    std::array<tf_u32, 2> key;
    std::array<tf_u32, 4> out;
  };
  const Case cases[] = {
      {{0u, 0u, 0u, 0u}, {0u, 0u}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
       {0xffffffffu, 0xffffffffu},
       {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
       {0xa4093822u, 0x299f31d0u},
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
  };
  for (const Case& c : cases) {
    tf_philox4 r = tf_philox4x32_10(c.ctr[0], c.ctr[1], c.ctr[2], c.ctr[3], c.key[0], c.key[1]);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(r.v[i], c.out[static_cast<size_t>(i)]) << "word " << i;
  }
}

TEST(Rng, FloatIsNeverOneAndCoversTheEnds) {
  EXPECT_EQ(tf_u32_to_unit_float(0u), 0.0f);
  EXPECT_EQ(tf_u32_to_unit_float(0xffffffffu), 0.99999994f);  // 1 - 2^-24
  EXPECT_LT(tf_u32_to_unit_float(0xffffffffu), 1.0f);
  for (tf_u32 i = 0; i < 200000u; ++i) {
    float u = tf_rng_float(7u, i % 640u, i / 640u, 3u, i % 37u);
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
  }
}

TEST(Rng, UniformAlongEveryKeyComponent) {
  const int n = 1 << 18;
  const int bins = 256;
  const double critical = chi_square_critical_1e6(bins - 1);
  struct Axis {
    const char* name;
    std::function<float(int)> draw;
  };
  const tf_u32 w = 512u;
  const Axis axes[] = {
      {"dimension", [](int i) { return tf_rng_float(1u, 10u, 20u, 5u, static_cast<tf_u32>(i)); }},
      {"sample", [](int i) { return tf_rng_float(1u, 10u, 20u, static_cast<tf_u32>(i), 3u); }},
      {"pixel", [w](int i) { return tf_rng_float(1u, static_cast<tf_u32>(i) % w, static_cast<tf_u32>(i) / w, 0u, 0u); }},
      {"frame", [](int i) { return tf_rng_float(static_cast<tf_u32>(i), 0u, 0u, 0u, 0u); }},
  };
  for (const Axis& axis : axes) {
    double chi2 = chi_square_uniform(n, bins, axis.draw);
    EXPECT_LT(chi2, critical) << "along " << axis.name;
  }
}

TEST(Rng, EveryOutputBitIsBalanced) {
  const int n = 1 << 18;
  std::array<int, 32> ones{};
  for (int i = 0; i < n; ++i) {
    tf_u32 u = tf_rng_u32(2u, static_cast<tf_u32>(i) & 255u, static_cast<tf_u32>(i) >> 8, 1u, 4u);
    for (int b = 0; b < 32; ++b) ones[static_cast<size_t>(b)] += static_cast<int>((u >> b) & 1u);
  }
  // Binomial(n, 1/2): mean n/2, standard deviation sqrt(n)/2; allow 5.5 sigma.
  double tolerance = 5.5 * std::sqrt(static_cast<double>(n)) / 2.0;
  for (int b = 0; b < 32; ++b) {
    EXPECT_NEAR(ones[static_cast<size_t>(b)], n / 2, tolerance) << "bit " << b;
  }
}

TEST(Rng, NeighbouringKeysAreUncorrelated) {
  const int n = 1 << 18;
  // The sample correlation of independent uniforms has standard deviation 1/sqrt(n).
  const double limit = 5.5 / std::sqrt(static_cast<double>(n));
  auto px = [](int i) { return static_cast<tf_u32>(i) % 1024u; };
  auto py = [](int i) { return static_cast<tf_u32>(i) / 1024u; };
  EXPECT_LT(std::fabs(correlation(
                n, [&](int i) { return tf_rng_float(0u, px(i), py(i), 0u, 0u); },
                [&](int i) { return tf_rng_float(0u, px(i) + 1u, py(i), 0u, 0u); })),
            limit)
      << "pixel x, x + 1";
  EXPECT_LT(std::fabs(correlation(
                n, [&](int i) { return tf_rng_float(0u, px(i), py(i), 0u, 0u); },
                [&](int i) { return tf_rng_float(0u, px(i), py(i) + 1u, 0u, 0u); })),
            limit)
      << "pixel y, y + 1";
  EXPECT_LT(std::fabs(correlation(
                n, [&](int i) { return tf_rng_float(0u, px(i), py(i), 0u, 3u); },
                [&](int i) { return tf_rng_float(0u, px(i), py(i), 0u, 4u); })),
            limit)
      << "dimension 3, 4 (across a Philox block)";
  EXPECT_LT(std::fabs(correlation(
                n, [&](int i) { return tf_rng_float(0u, px(i), py(i), 0u, 0u); },
                [&](int i) { return tf_rng_float(0u, px(i), py(i), 0u, 1u); })),
            limit)
      << "dimension 0, 1 (inside a Philox block)";
  EXPECT_LT(std::fabs(correlation(
                n, [&](int i) { return tf_rng_float(0u, 5u, 9u, static_cast<tf_u32>(i), 2u); },
                [&](int i) { return tf_rng_float(0u, 5u, 9u, static_cast<tf_u32>(i) + 1u, 2u); })),
            limit)
      << "sample s, s + 1";
  EXPECT_LT(std::fabs(correlation(
                n, [&](int i) { return tf_rng_float(static_cast<tf_u32>(i), 5u, 9u, 0u, 0u); },
                [&](int i) { return tf_rng_float(static_cast<tf_u32>(i) + 1u, 5u, 9u, 0u, 0u); })),
            limit)
      << "frame f, f + 1";
}

TEST(Rng, SamplerDrawsTheKeyedSequence) {
  tf_sampler s = tf_sampler_start(3u, 100u, 200u, 17u);
  for (tf_u32 dim = 0; dim < 50u; ++dim) {
    ASSERT_EQ(tf_sampler_next(&s), tf_rng_float(3u, 100u, 200u, 17u, dim)) << "dimension " << dim;
  }
  EXPECT_EQ(s.dim, 50u);
}

}  // namespace
