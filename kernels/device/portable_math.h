/* Portable float32 transcendentals: the same bits on every backend (CPU, CUDA, OpenCL).
 *
 * Built only from IEEE-exact operations (+ - * / sqrt, comparisons, conversions, integer and
 * bit operations), so that the determinism contract of DESIGN.md holds: no libm, no device
 * builtins, no fused multiply-add (FP_CONTRACT is off everywhere). Range reductions use
 * Cody-Waite splits of constants into parts whose products with the reduction integer are
 * exact; the polynomials are the single-precision minimax fits of the Cephes library
 * (S. L. Moshier, "Methods and Programs for Mathematical Functions", 1989).
 *
 * Error bounds are |result - exact value| in ulp, the spacing of floats at the exact value
 * (2^-149 in the subnormal range); 0.5 ulp would be correct rounding. "Measured" is the worst
 * case over every float of the domain (pow and atan2: dense random pairs); the tests in
 * tests/kernels/device/portable_math_test.cpp check the stated bounds against
 * double-precision libm over dense grids.
 *
 * Every function is pure (no state, no errno), so any thread may call it.
 * Special values: every function returns a result for every input, never traps. Where C99
 * returns NaN (log of a negative number, acos(2), ...) these functions return TF_NAN_BITS as
 * a float, one fixed bit pattern on every backend: the bits of arithmetic NaNs differ between
 * x86 and GPUs and even between compilers (which operand's payload survives), and results
 * are compared by hash.
 */
#ifndef TF_KERNELS_DEVICE_PORTABLE_MATH_H
#define TF_KERNELS_DEVICE_PORTABLE_MATH_H

#include "platform.h"

#define TF_NAN_BITS 0x7fc00000u
#define TF_INF_BITS 0x7f800000u

TF_FN float tf_nanf(void) { return tf_bits_float(TF_NAN_BITS); }
TF_FN float tf_inff(void) { return tf_bits_float(TF_INF_BITS); }
TF_FN int tf_isnanf(float x) { return (tf_float_bits(x) & 0x7fffffffu) > TF_INF_BITS; }
TF_FN int tf_isinff(float x) { return (tf_float_bits(x) & 0x7fffffffu) == TF_INF_BITS; }
/* 1 when the sign bit is set (also for -0 and negative NaNs). */
TF_FN int tf_signbitf(float x) { return (tf_float_bits(x) >> 31) != 0u; }
/* |x| with the sign of s (bit operation: exact for every input). */
TF_FN float tf_copysignf(float x, float s) {
  return tf_bits_float((tf_float_bits(x) & 0x7fffffffu) | (tf_float_bits(s) & 0x80000000u));
}

/* 2^n for n in [-126, 127] (exact, built from the exponent field). */
TF_FN float tf_pow2i(int n) { return tf_bits_float((tf_u32)(n + 127) << 23); }

/* x * 2^n with one rounding. Precondition: 0.5 <= |x| <= 4 and n in [-152, 129] (the
 * range the exponential functions produce); the result may overflow to infinity or round
 * into the subnormals, each correctly rounded. */
TF_FN float tf_scale_pow2(float x, int n) {
  if (n > 127) {
    x = x * 4.0f; /* exact */
    n -= 2;
  }
  if (n < -126) {
    x = x * tf_pow2i(n + 64); /* stays normal: exact */
    n = -64;
  }
  return x * tf_pow2i(n);
}

/* Splits a positive finite x into m * 2^e with m in [0.5, 1) (subnormals included).
 * Exact. Precondition: x > 0 and finite. */
TF_FN float tf_frexp_positive(float x, int* e) {
  int bias = 126;
  if (x < 1.17549435e-38f) { /* subnormal: scale into the normals first (exact) */
    x = x * 16777216.0f;     /* 2^24 */
    bias += 24;
  }
  tf_u32 b = tf_float_bits(x);
  *e = (int)((b >> 23) & 0xffu) - bias;
  return tf_bits_float((b & 0x807fffffu) | 0x3f000000u);
}

/* ---------------------------------------------------------------------------------------
 * sin, cos, tan
 * Domain for the stated accuracy: |x| <= 8192 (the reduction by multiples of pi/2 is exact
 * there). Over that domain tf_sinf and tf_cosf are within 2 ulp (measured over every float:
 * 1.56 and 1.55), tf_tanf within 3 ulp (2.80). Larger finite |x|: sin and cos give a value in [-1, 1]
 * and tan a value that is not NaN, without accuracy guarantee.
 * Infinite or NaN x: NaN.
 * --------------------------------------------------------------------------------------- */

#define TF_TRIG_REDUCTION_LIMIT 8192.0f

/* Reduces x to r in about [-pi/4, pi/4] with x = r + q * pi/2 (mod 2 pi); returns q in
 * 0..3. Precondition: x finite. pi/2 = 1.5703125 + 4.837512969970703125e-4
 * + 7.54953362047672271728515625e-8 + 2.563344068e-12 (+ 8.3e-20): the first three parts
 * have 8, 11 and 11 significant bits, so k * part is exact for |k| < 8192 and r is rounded
 * once at the end. */
TF_FN int tf_trig_reduce(float x, float* r) {
  float k = tf_floor(x * 0.636619772f + 0.5f);
  /* Quadrant from the float k: exact for every finite k (no integer overflow). */
  float q = k - 4.0f * tf_floor(k * 0.25f);
  float a = (x - k * 1.5703125f) - k * 4.837512969970703125e-4f; /* exact */
  float b = -(k * 7.54953362047672271728515625e-8f);              /* exact */
  /* a + b = hi + lo exactly (Knuth's TwoSum), so that r is rounded only once. */
  float hi = a + b;
  float b_virtual = hi - a;
  float lo = (a - (hi - b_virtual)) + (b - b_virtual);
  *r = hi + (lo - k * 2.563344068e-12f);
  return (int)q;
}

/* Polynomials on [-pi/4, pi/4]; z = r * r. */
TF_FN float tf_sin_poly(float r, float z) {
  return ((-1.9515295891e-4f * z + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * r + r;
}
TF_FN float tf_cos_poly(float z) {
  return ((2.443315711809948e-5f * z - 1.388731625493765e-3f) * z + 4.166664568298827e-2f) * z * z - 0.5f * z +
         1.0f;
}

/* sin and cos of x together (one range reduction). Writes both; see the block comment for
 * domain and accuracy. */
TF_FN void tf_sincosf(float x, float* s, float* c) {
  float ax = tf_absf(x);
  if (!(ax <= TF_FLOAT_MAX)) { /* infinity or NaN */
    *s = tf_nanf();
    *c = tf_nanf();
    return;
  }
  if (ax < 2.44140625e-4f) { /* 2^-12: sin x = x and cos x = 1 after rounding */
    *s = x;
    *c = 1.0f;
    return;
  }
  float r;
  int q = tf_trig_reduce(x, &r);
  float z = r * r;
  float sr = tf_sin_poly(r, z);
  float cr = tf_cos_poly(z);
  float sv = (q & 1) ? cr : sr;
  float cv = (q & 1) ? sr : cr;
  if (q == 1 || q == 2) cv = -cv;
  if (q >= 2) sv = -sv;
  if (ax > TF_TRIG_REDUCTION_LIMIT) { /* inaccurate reduction: keep the range sane */
    sv = tf_clampf(sv, -1.0f, 1.0f);
    cv = tf_clampf(cv, -1.0f, 1.0f);
  }
  *s = sv;
  *c = cv;
}

TF_FN float tf_sinf(float x) {
  float s;
  float c;
  tf_sincosf(x, &s, &c);
  return s;
}

TF_FN float tf_cosf(float x) {
  float s;
  float c;
  tf_sincosf(x, &s, &c);
  return c;
}

TF_FN float tf_tanf(float x) {
  float ax = tf_absf(x);
  if (!(ax <= TF_FLOAT_MAX)) return tf_nanf();
  if (ax < 2.44140625e-4f) return x; /* 2^-12: tan x = x after rounding */
  float r;
  int q = tf_trig_reduce(x, &r);
  float z = r * r;
  float t = r;
  if (tf_absf(r) > 1.0e-4f) {
    t = (((((9.38540185543e-3f * z + 3.11992232697e-3f) * z + 2.44301354525e-2f) * z + 5.34112807005e-2f) * z +
          1.33387994085e-1f) * z + 3.33331568548e-1f) * z * r + r;
  }
  /* Odd quadrants: tan(r + pi/2) = -1 / tan(r). r is never exactly 0 there for finite x
   * (pi/2 is irrational), and t = 0 would give an infinity, which is the limit anyway. */
  return (q & 1) ? -1.0f / t : t;
}

/* ---------------------------------------------------------------------------------------
 * exp, exp2, log, log2, pow
 * --------------------------------------------------------------------------------------- */

/* e^x. Within 1 ulp (measured: 0.99), subnormal results included (ulp = 2^-149 there).
 * x > 88.73: +inf; x < -103.98: +0; NaN: NaN. */
TF_FN float tf_expf(float x) {
  if (tf_isnanf(x)) return tf_nanf();
  if (x > 88.7228394f) return tf_inff();
  if (x < -103.972084f) return 0.0f;
  float k = tf_floor(x * 1.44269502f + 0.5f);
  /* ln 2 = 0.693359375 - 2.12194440e-4 (+ 1.6e-11); k * 0.693359375 is exact (|k| <= 150). */
  float r = (x - k * 0.693359375f) + k * 2.12194440e-4f;
  float z = r * r;
  float p = (((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r +
               4.1665795894e-2f) * r + 1.6666665459e-1f) * r + 5.0000001201e-1f) * z + r + 1.0f;
  return tf_scale_pow2(p, (int)k);
}

/* 2^x. Within 2 ulp (measured: 1.23; exact for integer x), subnormal results included.
 * x >= 128: +inf; x < -150: +0; NaN: NaN. */
TF_FN float tf_exp2f(float x) {
  if (tf_isnanf(x)) return tf_nanf();
  if (x >= 128.0f) return tf_inff();
  if (x < -150.0f) return 0.0f;
  float k = tf_floor(x + 0.5f);
  float r = x - k; /* exact, in [-0.5, 0.5] */
  float p = r * (((((1.535336188319500e-4f * r + 1.339887440266574e-3f) * r + 9.618437357674640e-3f) * r +
                    5.550332471162809e-2f) * r + 2.402264791363012e-1f) * r + 6.931472028550421e-1f) + 1.0f;
  return tf_scale_pow2(p, (int)k);
}

/* Shared core of log and log2 for positive finite x: x = (1 + *f) * 2^(*e) with *f in
 * [sqrt(1/2) - 1, sqrt(2) - 1]; returns ln(1 + f) - f (the part below f, so that callers add
 * the large terms last). */
TF_FN float tf_log_core(float x, float* f, float* e) {
  int ei;
  float m = tf_frexp_positive(x, &ei);
  if (m < 0.707106781f) {
    ei -= 1;
    m = m + m - 1.0f; /* exact */
  } else {
    m = m - 1.0f; /* exact */
  }
  float z = m * m;
  float y = ((((((((7.0376836292e-2f * m - 1.1514610310e-1f) * m + 1.1676998740e-1f) * m - 1.2420140846e-1f) * m +
                 1.4249322787e-1f) * m - 1.6668057665e-1f) * m + 2.0000714765e-1f) * m - 2.4999993993e-1f) * m +
            3.3333331174e-1f) * m * z;
  *f = m;
  *e = (float)ei;
  return y - 0.5f * z;
}

/* Natural logarithm. Within 1 ulp (measured: 0.89) for every positive finite x, subnormals
 * included. +0 and -0: -inf; x < 0: NaN; +inf: +inf; NaN: NaN. */
TF_FN float tf_logf(float x) {
  if (tf_isnanf(x) || x < 0.0f) return tf_nanf();
  if (x == 0.0f) return -tf_inff();
  if (x > TF_FLOAT_MAX) return x;
  float f;
  float e;
  float y = tf_log_core(x, &f, &e);
  /* ln 2 = 0.693359375 - 2.12194440e-4: e * 0.693359375 is exact (|e| < 150). */
  y = y - e * 2.12194440e-4f;
  return (f + y) + e * 0.693359375f;
}

/* Base-2 logarithm. Within 2 ulp (measured: 1.47) for every positive finite x; exact for
 * powers of two. Special values as tf_logf. */
TF_FN float tf_log2f(float x) {
  if (tf_isnanf(x) || x < 0.0f) return tf_nanf();
  if (x == 0.0f) return -tf_inff();
  if (x > TF_FLOAT_MAX) return x;
  float f;
  float e;
  float y = tf_log_core(x, &f, &e);
  /* log2(1 + f) = (y + f) * log2(e), with log2(e) = 1 + 0.442695041 to keep f exact. */
  float z = y * 0.442695041f;
  z = z + f * 0.442695041f;
  z = z + y;
  z = z + f;
  return z + e;
}

/* 1 when x is an odd integer (|x| < 2^24; larger floats are all even). */
TF_FN int tf_is_odd_integer(float x) {
  float ax = tf_absf(x);
  if (!(ax < 16777216.0f) || tf_floor(ax) != ax) return 0;
  return ((tf_i32)ax & 1) != 0;
}

/* x^y as 2^(y * log2 x). Within 2 + 1.5 * |y * log2(x)| ulp for normal results (the rounding
 * of log2 x and of the product is amplified by the exponential; measured: 2 + 1.28 |...|):
 * about 2 ulp for |y log2 x| <= 1, 150 ulp at |y log2 x| = 100. Fine for shading exponents
 * and gamma; not for high-accuracy work. Special values follow C99 F.9.4.4:
 * pow(x, +-0) = 1 and pow(1, y) = 1 for every x, y (NaN too); pow(-1, +-inf) = 1;
 * x < 0 with non-integer finite y: NaN; zero and infinite x give 0 or inf with the sign
 * rules for odd integer y; other NaN inputs: NaN. */
TF_FN float tf_powf(float x, float y) {
  if (y == 0.0f || x == 1.0f) return 1.0f;
  if (tf_isnanf(x) || tf_isnanf(y)) return tf_nanf();
  float ax = tf_absf(x);
  if (ax == 1.0f && tf_isinff(y)) return 1.0f; /* only x = -1 reaches here */
  int negate = 0;
  if (x < 0.0f) {
    if (tf_floor(y) != y) return tf_nanf(); /* finite non-integer y (infinities are integral) */
    negate = tf_is_odd_integer(y);
  } else if (x == 0.0f) {
    negate = tf_signbitf(x) && tf_is_odd_integer(y); /* pow(-0, odd) keeps the sign */
  }
  float r;
  if (ax == 0.0f) {
    r = y > 0.0f ? 0.0f : tf_inff();
  } else {
    float l = tf_log2f(ax); /* -149 .. 128 */
    r = tf_exp2f(y * l); /* never NaN: l != 0 when y is infinite (|x| = 1 returned above) */
  }
  return negate ? -r : r;
}

/* ---------------------------------------------------------------------------------------
 * atan, atan2, asin, acos
 * --------------------------------------------------------------------------------------- */

/* Arc tangent in [-pi/2, pi/2]. Within 3 ulp (measured: 2.83) for every finite x;
 * +-inf: +-pi/2 (rounded); NaN: NaN. */
TF_FN float tf_atanf(float x) {
  if (tf_isnanf(x)) return tf_nanf();
  float ax = tf_absf(x);
  float base = 0.0f;
  if (ax > 2.41421356f) { /* tan(3 pi / 8): atan x = pi/2 - atan(1/x) */
    base = 1.57079637f;
    ax = -1.0f / ax;
  } else if (ax > 0.414213562f) { /* tan(pi / 8): atan x = pi/4 + atan((x-1)/(x+1)) */
    base = 0.785398185f;
    ax = (ax - 1.0f) / (ax + 1.0f);
  }
  float z = ax * ax;
  float r = base + ((((8.05374449538e-2f * z - 1.38776856032e-1f) * z + 1.99777106478e-1f) * z -
                      3.33329491539e-1f) * z * ax + ax);
  return x < 0.0f ? -r : r;
}

/* Angle of (x, y) in [-pi, pi], as C99 atan2(y, x) including signed zeros and infinities.
 * Within 4 ulp (measured: 3.08) for finite inputs whose ratio does not underflow; NaN input:
 * NaN. */
TF_FN float tf_atan2f(float y, float x) {
  if (tf_isnanf(x) || tf_isnanf(y)) return tf_nanf();
  float ay = tf_absf(y);
  float ax = tf_absf(x);
  float r;
  if (ay == 0.0f && ax == 0.0f) {
    r = 0.0f;
  } else if (tf_isinff(ax) && tf_isinff(ay)) {
    r = 0.785398185f;
  } else if (ay > ax) {
    r = 1.57079637f - tf_atanf(ax / ay);
  } else {
    r = tf_atanf(ay / ax);
  }
  if (tf_signbitf(x)) r = 3.14159274f - r; /* left half plane, -0 included */
  return tf_copysignf(r, y);
}

/* asin(s) for s in [0, 0.5], z = s * s. */
TF_FN float tf_asin_poly(float s, float z) {
  return ((((4.2163199048e-2f * z + 2.4181311049e-2f) * z + 4.5470025998e-2f) * z + 7.4953002686e-2f) * z +
          1.6666752422e-1f) * z * s + s;
}

/* Arc sine in [-pi/2, pi/2]. Within 3 ulp (measured: 2.40) on [-1, 1]; |x| > 1 and NaN: NaN. */
TF_FN float tf_asinf(float x) {
  float a = tf_absf(x);
  if (!(a <= 1.0f)) return tf_nanf();
  float r;
  if (a > 0.5f) { /* asin a = pi/2 - 2 asin(sqrt((1 - a) / 2)) */
    float z = 0.5f * (1.0f - a); /* exact */
    r = tf_asin_poly(tf_sqrt(z), z);
    r = 1.57079637f - (r + r);
  } else {
    r = tf_asin_poly(a, a * a);
  }
  return x < 0.0f ? -r : r;
}

/* Arc cosine in [0, pi]. Within 2 ulp (measured: 1.28) on [-1, 1]; |x| > 1 and NaN: NaN. */
TF_FN float tf_acosf(float x) {
  if (!(tf_absf(x) <= 1.0f)) return tf_nanf();
  if (x < -0.5f) return 3.14159274f - 2.0f * tf_asinf(tf_sqrt(0.5f * (1.0f + x)));
  if (x > 0.5f) return 2.0f * tf_asinf(tf_sqrt(0.5f * (1.0f - x)));
  return 1.57079637f - tf_asinf(x);
}

/* ---------------------------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------------------------- */

/* Hermite step: 0 for x <= e0, 1 for x >= e1, 3t^2 - 2t^3 in between. Precondition:
 * e0 < e1. Exact arithmetic order fixed, so identical on every backend. */
TF_FN float tf_smoothstepf(float e0, float e1, float x) {
  float t = tf_clampf((x - e0) / (e1 - e0), 0.0f, 1.0f);
  return t * t * (3.0f - 2.0f * t);
}

#endif
