// The portable transcendentals stay within their documented error of double-precision libm
// over dense grids, and give C99's answers for special values.
#include "kernels/device/portable_math.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace {

// |got - exact| in units of the float spacing at `exact` (2^-149 at and below the subnormal
// range). Infinite or NaN disagreements count as an infinite error.
double ulp_error(float got, double exact) {
  const double infinity = std::numeric_limits<double>::infinity();
  if (std::isnan(exact) || std::isnan(got)) return std::isnan(exact) && std::isnan(got) ? 0.0 : infinity;
  double rounded = static_cast<double>(static_cast<float>(exact));
  if (std::isinf(rounded) || std::isinf(got)) return static_cast<double>(got) == rounded ? 0.0 : infinity;
  int exponent = 0;
  std::frexp(exact == 0.0 ? 1e-50 : exact, &exponent);
  double ulp = std::max(std::ldexp(1.0, exponent - 24), std::ldexp(1.0, -149));
  return std::fabs(static_cast<double>(got) - exact) / ulp;
}

struct Worst {
  double ulp = 0.0;
  std::string where;
};

using Unary = std::function<float(float)>;
using Reference = std::function<double(double)>;

Worst worst_unary(const std::vector<float>& xs, const Unary& f, const Reference& ref) {
  Worst w;
  for (float x : xs) {
    double exact = ref(static_cast<double>(x));
    float got = f(x);
    double e = ulp_error(got, exact);
    if (e > w.ulp) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "x = %.9g (bits 0x%08x): got %.9g, exact %.17g",
                    static_cast<double>(x), tf_float_bits(x), static_cast<double>(got), exact);
      w.ulp = e;
      w.where = buf;
    }
  }
  return w;
}

// n evenly spaced points of [lo, hi].
std::vector<float> linear_grid(float lo, float hi, int n) {
  std::vector<float> xs;
  for (int i = 0; i < n; ++i) {
    double t = static_cast<double>(i) / (n - 1);
    xs.push_back(static_cast<float>(static_cast<double>(lo) + t * (static_cast<double>(hi) - static_cast<double>(lo))));
  }
  return xs;
}

// n floats with evenly spaced bit patterns in [lo_bits, hi_bits] (log-uniform coverage of the
// magnitudes, subnormals included), with both signs when `both_signs`.
std::vector<float> bit_grid(uint32_t lo_bits, uint32_t hi_bits, int n, bool both_signs) {
  std::vector<float> xs;
  for (int i = 0; i < n; ++i) {
    uint32_t bits = lo_bits + static_cast<uint32_t>((static_cast<uint64_t>(hi_bits - lo_bits) * i) / (n - 1));
    xs.push_back(tf_bits_float(bits));
    if (both_signs) xs.push_back(tf_bits_float(bits | 0x80000000u));
  }
  return xs;
}

// The floats nearest to k * pi/2 for |k| <= kmax, and `spread` neighbours on each side: where
// the argument reduction of sin/cos/tan loses accuracy if it is not exact.
std::vector<float> near_multiples_of_half_pi(int kmax, int spread) {
  std::vector<float> xs;
  for (int k = -kmax; k <= kmax; ++k) {
    float c = static_cast<float>(k * 1.5707963267948966);
    for (int d = -spread; d <= spread; ++d) {
      xs.push_back(tf_bits_float(tf_float_bits(c) + static_cast<uint32_t>(d)));
    }
  }
  return xs;
}

void append(std::vector<float>* xs, const std::vector<float>& more) { xs->insert(xs->end(), more.begin(), more.end()); }

std::vector<float> trig_points() {
  std::vector<float> xs = linear_grid(-8192.0f, 8192.0f, 400001);
  append(&xs, near_multiples_of_half_pi(5215, 2));
  append(&xs, bit_grid(0x00000001u, 0x3fc90fdbu, 20001, true));  // tiny .. pi/2
  return xs;
}

#define EXPECT_WITHIN_ULP(worst, bound) \
  EXPECT_LE((worst).ulp, (bound)) << "worst case: " << (worst).ulp << " ulp at " << (worst).where

TEST(PortableMath, SinWithin2UlpOnDomain) {
  Worst w = worst_unary(trig_points(), tf_sinf, [](double x) { return std::sin(x); });
  EXPECT_WITHIN_ULP(w, 2.0);
}

TEST(PortableMath, CosWithin2UlpOnDomain) {
  Worst w = worst_unary(trig_points(), tf_cosf, [](double x) { return std::cos(x); });
  EXPECT_WITHIN_ULP(w, 2.0);
}

TEST(PortableMath, TanWithin3UlpOnDomain) {
  Worst w = worst_unary(trig_points(), tf_tanf, [](double x) { return std::tan(x); });
  EXPECT_WITHIN_ULP(w, 3.0);
}

TEST(PortableMath, SincosMatchesSinAndCos) {
  for (float x : linear_grid(-100.0f, 100.0f, 10001)) {
    float s = 0.0f;
    float c = 0.0f;
    tf_sincosf(x, &s, &c);
    ASSERT_EQ(tf_float_bits(s), tf_float_bits(tf_sinf(x))) << x;
    ASSERT_EQ(tf_float_bits(c), tf_float_bits(tf_cosf(x))) << x;
  }
}

TEST(PortableMath, SinCosStayInRangeBeyondDomain) {
  for (float x : bit_grid(0x46000001u, 0x7f7fffffu, 100001, true)) {  // 8192 .. FLT_MAX
    ASSERT_LE(std::fabs(tf_sinf(x)), 1.0f) << x;
    ASSERT_LE(std::fabs(tf_cosf(x)), 1.0f) << x;
    ASSERT_FALSE(std::isnan(tf_tanf(x))) << x;
  }
}

TEST(PortableMath, ExpWithin1Ulp) {
  std::vector<float> xs = linear_grid(-103.9f, 88.72f, 400001);
  append(&xs, bit_grid(0x00000001u, 0x3f800000u, 20001, true));  // |x| <= 1
  Worst w = worst_unary(xs, tf_expf, [](double x) { return std::exp(x); });
  EXPECT_WITHIN_ULP(w, 1.0);
}

TEST(PortableMath, Exp2Within2UlpAndExactOnIntegers) {
  std::vector<float> xs = linear_grid(-150.0f, 127.99f, 400001);
  append(&xs, bit_grid(0x00000001u, 0x3f800000u, 20001, true));
  Worst w = worst_unary(xs, tf_exp2f, [](double x) { return std::exp2(x); });
  EXPECT_WITHIN_ULP(w, 2.0);
  for (int n = -149; n <= 127; ++n) {
    ASSERT_EQ(static_cast<double>(tf_exp2f(static_cast<float>(n))), std::ldexp(1.0, n)) << n;
  }
}

TEST(PortableMath, LogWithin1UlpOnAllPositiveFloats) {
  std::vector<float> xs = bit_grid(0x00000001u, 0x7f7fffffu, 400001, false);
  append(&xs, linear_grid(0.5f, 2.0f, 100001));  // around 1, where log is small
  Worst w = worst_unary(xs, tf_logf, [](double x) { return std::log(x); });
  EXPECT_WITHIN_ULP(w, 1.0);
}

TEST(PortableMath, Log2Within2UlpAndExactOnPowersOfTwo) {
  std::vector<float> xs = bit_grid(0x00000001u, 0x7f7fffffu, 400001, false);
  append(&xs, linear_grid(0.5f, 2.0f, 100001));
  Worst w = worst_unary(xs, tf_log2f, [](double x) { return std::log2(x); });
  EXPECT_WITHIN_ULP(w, 2.0);
  for (int n = -149; n <= 127; ++n) {
    ASSERT_EQ(tf_log2f(static_cast<float>(std::ldexp(1.0, n))), static_cast<float>(n)) << n;
  }
}

TEST(PortableMath, PowWithinDocumentedBound) {
  double worst_excess = 0.0;
  std::string where;
  for (float x : bit_grid(0x358637bdu, 0x49742400u, 1001, false)) {  // 1e-6 .. 1e6
    for (float y : linear_grid(-8.0f, 8.0f, 401)) {
      double exact = std::pow(static_cast<double>(x), static_cast<double>(y));
      if (exact > 3.4e38 || exact < 1.2e-38) continue;  // the bound is for normal results
      double amplification = std::fabs(static_cast<double>(y) * std::log2(static_cast<double>(x)));
      double excess = ulp_error(tf_powf(x, y), exact) - (2.0 + 1.5 * amplification);
      if (excess > worst_excess) {
        worst_excess = excess;
        where = "x = " + std::to_string(x) + ", y = " + std::to_string(y);
      }
    }
  }
  EXPECT_LE(worst_excess, 0.0) << "exceeds 2 + 1.5 |y log2 x| ulp by " << worst_excess << " at " << where;
}

TEST(PortableMath, AtanWithin3UlpOnAllFloats) {
  std::vector<float> xs = bit_grid(0x00000001u, 0x7f7fffffu, 400001, true);
  append(&xs, linear_grid(-4.0f, 4.0f, 100001));
  Worst w = worst_unary(xs, tf_atanf, [](double x) { return std::atan(x); });
  EXPECT_WITHIN_ULP(w, 3.0);
}

TEST(PortableMath, Atan2Within4Ulp) {
  std::vector<float> coords = bit_grid(0x2edbe6ffu, 0x50f1a200u, 350, true);  // 1e-10 .. 3e10
  append(&coords, linear_grid(-2.0f, 2.0f, 301));
  Worst w;
  for (float y : coords) {
    for (float x : coords) {
      double e = ulp_error(tf_atan2f(y, x), std::atan2(static_cast<double>(y), static_cast<double>(x)));
      if (e > w.ulp) {
        w.ulp = e;
        w.where = "y = " + std::to_string(y) + ", x = " + std::to_string(x);
      }
    }
  }
  EXPECT_WITHIN_ULP(w, 4.0);
}

TEST(PortableMath, AsinWithin3UlpAcosWithin2Ulp) {
  std::vector<float> xs = linear_grid(-1.0f, 1.0f, 400001);
  append(&xs, bit_grid(0x00000001u, 0x3f800000u, 50001, true));  // tiny .. 1 by magnitude
  append(&xs, bit_grid(0x3f7f0000u, 0x3f800000u, 65537, true));  // every float near +-1
  Worst ws = worst_unary(xs, tf_asinf, [](double x) { return std::asin(x); });
  EXPECT_WITHIN_ULP(ws, 3.0);
  Worst wc = worst_unary(xs, tf_acosf, [](double x) { return std::acos(x); });
  EXPECT_WITHIN_ULP(wc, 2.0);
}

// NaN results carry one fixed bit pattern, so results hash the same on every backend.
void expect_canonical_nan(float v, const char* what) {
  EXPECT_EQ(tf_float_bits(v), TF_NAN_BITS) << what;
}

TEST(PortableMath, SpecialValuesFollowC99WithCanonicalNan) {
  const float inf = tf_inff();
  const float nan = tf_bits_float(0xffc00001u);  // a negative NaN with a payload
  expect_canonical_nan(tf_sinf(inf), "sin(inf)");
  expect_canonical_nan(tf_cosf(-inf), "cos(-inf)");
  expect_canonical_nan(tf_tanf(nan), "tan(nan)");
  expect_canonical_nan(tf_expf(nan), "exp(nan)");
  expect_canonical_nan(tf_logf(-1.0f), "log(-1)");
  expect_canonical_nan(tf_log2f(-inf), "log2(-inf)");
  expect_canonical_nan(tf_asinf(1.0000001f), "asin(1+)");
  expect_canonical_nan(tf_acosf(-1.0000001f), "acos(-1-)");
  expect_canonical_nan(tf_atanf(nan), "atan(nan)");
  expect_canonical_nan(tf_atan2f(nan, 1.0f), "atan2(nan, 1)");
  expect_canonical_nan(tf_powf(-2.0f, 0.5f), "pow(-2, 0.5)");
  expect_canonical_nan(tf_powf(nan, 2.0f), "pow(nan, 2)");

  EXPECT_EQ(tf_float_bits(tf_sinf(-0.0f)), 0x80000000u);
  EXPECT_EQ(tf_float_bits(tf_tanf(-0.0f)), 0x80000000u);
  EXPECT_EQ(tf_cosf(0.0f), 1.0f);
  EXPECT_EQ(tf_expf(inf), inf);
  EXPECT_EQ(tf_float_bits(tf_expf(-inf)), 0u);
  EXPECT_EQ(tf_expf(0.0f), 1.0f);
  EXPECT_EQ(tf_expf(89.0f), inf);
  EXPECT_EQ(tf_exp2f(128.0f), inf);
  EXPECT_EQ(tf_exp2f(-149.0f), tf_bits_float(1u));  // smallest subnormal
  EXPECT_EQ(tf_logf(0.0f), -inf);
  EXPECT_EQ(tf_logf(-0.0f), -inf);
  EXPECT_EQ(tf_logf(inf), inf);
  EXPECT_EQ(tf_logf(1.0f), 0.0f);
  EXPECT_EQ(tf_log2f(0.0f), -inf);
  EXPECT_EQ(tf_atanf(inf), 1.57079637f);
  EXPECT_EQ(tf_atanf(-inf), -1.57079637f);
  EXPECT_EQ(tf_asinf(1.0f), 1.57079637f);
  EXPECT_EQ(tf_acosf(1.0f), 0.0f);
  EXPECT_EQ(tf_acosf(-1.0f), 3.14159274f);
}

TEST(PortableMath, Atan2SpecialCasesFollowC99) {
  const float inf = tf_inff();
  const float pi = 3.14159274f;
  const float half_pi = 1.57079637f;
  EXPECT_EQ(tf_float_bits(tf_atan2f(0.0f, 0.0f)), 0x00000000u);
  EXPECT_EQ(tf_float_bits(tf_atan2f(-0.0f, 0.0f)), 0x80000000u);
  EXPECT_EQ(tf_atan2f(0.0f, -0.0f), pi);
  EXPECT_EQ(tf_atan2f(-0.0f, -0.0f), -pi);
  EXPECT_EQ(tf_atan2f(0.0f, -1.0f), pi);
  EXPECT_EQ(tf_atan2f(-0.0f, -1.0f), -pi);
  EXPECT_EQ(tf_atan2f(1.0f, 0.0f), half_pi);
  EXPECT_EQ(tf_atan2f(-1.0f, 0.0f), -half_pi);
  EXPECT_EQ(tf_atan2f(inf, inf), 0.785398185f);
  EXPECT_EQ(tf_atan2f(inf, -inf), 2.35619450f);
  EXPECT_EQ(tf_atan2f(-inf, -inf), -2.35619450f);
  EXPECT_EQ(tf_atan2f(1.0f, inf), 0.0f);
  EXPECT_EQ(tf_atan2f(1.0f, -inf), pi);
  EXPECT_EQ(tf_atan2f(inf, 5.0f), half_pi);
}

TEST(PortableMath, PowSpecialCasesFollowC99) {
  const float inf = tf_inff();
  const float nan = tf_nanf();
  EXPECT_EQ(tf_powf(nan, 0.0f), 1.0f);
  EXPECT_EQ(tf_powf(1.0f, nan), 1.0f);
  EXPECT_EQ(tf_powf(-1.0f, inf), 1.0f);
  EXPECT_EQ(tf_powf(-1.0f, -inf), 1.0f);
  EXPECT_EQ(tf_powf(-2.0f, 3.0f), -8.0f);
  EXPECT_EQ(tf_powf(-2.0f, 2.0f), 4.0f);
  EXPECT_EQ(tf_powf(-2.0f, -1.0f), -0.5f);
  EXPECT_EQ(tf_float_bits(tf_powf(-0.0f, 3.0f)), 0x80000000u);
  EXPECT_EQ(tf_float_bits(tf_powf(-0.0f, 2.0f)), 0u);
  EXPECT_EQ(tf_powf(0.0f, -1.0f), inf);
  EXPECT_EQ(tf_powf(-0.0f, -3.0f), -inf);
  EXPECT_EQ(tf_powf(0.5f, inf), 0.0f);
  EXPECT_EQ(tf_powf(2.0f, inf), inf);
  EXPECT_EQ(tf_powf(2.0f, -inf), 0.0f);
  EXPECT_EQ(tf_powf(inf, -2.0f), 0.0f);
  EXPECT_EQ(tf_powf(inf, 0.5f), inf);
  EXPECT_EQ(tf_powf(-inf, 3.0f), -inf);
  EXPECT_EQ(tf_powf(2.0f, 10.0f), 1024.0f);
  EXPECT_EQ(tf_powf(4.0f, 0.5f), 2.0f);
}

TEST(PortableMath, SmoothstepIsClampedMonotoneHermite) {
  EXPECT_EQ(tf_smoothstepf(0.2f, 0.8f, 0.1f), 0.0f);
  EXPECT_EQ(tf_smoothstepf(0.2f, 0.8f, 0.9f), 1.0f);
  EXPECT_FLOAT_EQ(tf_smoothstepf(0.2f, 0.8f, 0.5f), 0.5f);
  float previous = 0.0f;
  for (float x : linear_grid(0.0f, 1.0f, 1001)) {
    float t = std::clamp((x - 0.2f) / 0.6f, 0.0f, 1.0f);
    float v = tf_smoothstepf(0.2f, 0.8f, x);
    EXPECT_NEAR(v, t * t * (3.0f - 2.0f * t), 1e-6f) << x;
    EXPECT_GE(v, previous) << x;
    previous = v;
  }
}

}  // namespace
