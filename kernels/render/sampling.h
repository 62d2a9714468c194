/* Warping uniform random numbers to directions and points, MIS weights, and sampling of the
 * piecewise-constant distributions that finalize_kernel_scene() stores in `distribution`.
 *
 * Every function maps u in [0,1)^n deterministically; pdfs are with respect to solid angle
 * (directions) or area (points) unless stated otherwise. */
#ifndef TF_KERNELS_RENDER_SAMPLING_H
#define TF_KERNELS_RENDER_SAMPLING_H

#include "../device/portable_math.h"
#include "../device/vec3.h"

/* Concentric (Shirley-Chiu) map of [0,1)^2 to the unit disk; writes (x, y). */
TF_FN void tf_sample_disk_concentric(float u0, float u1, float* x, float* y) {
  float a = 2.0f * u0 - 1.0f;
  float b = 2.0f * u1 - 1.0f;
  if (a == 0.0f && b == 0.0f) {
    *x = 0.0f;
    *y = 0.0f;
    return;
  }
  float r;
  float theta;
  if (tf_absf(a) > tf_absf(b)) {
    r = a;
    theta = TF_PI_OVER_4 * (b / a);
  } else {
    r = b;
    theta = TF_PI_OVER_2 - TF_PI_OVER_4 * (a / b);
  }
  *x = r * tf_cosf(theta);
  *y = r * tf_sinf(theta);
}

/* Cosine-weighted direction on the +z hemisphere; pdf = cos(theta) / pi. */
TF_FN tf_vec3 tf_sample_cosine_hemisphere(float u0, float u1) {
  float x;
  float y;
  tf_sample_disk_concentric(u0, u1, &x, &y);
  return v3(x, y, tf_sqrt_safe(1.0f - x * x - y * y));
}

/* Uniform direction on the unit sphere; pdf = 1 / (4 pi). */
TF_FN tf_vec3 tf_sample_uniform_sphere(float u0, float u1) {
  float z = 1.0f - 2.0f * u0;
  float r = tf_sqrt_safe(1.0f - z * z);
  float phi = 2.0f * TF_PI * u1;
  return v3(r * tf_cosf(phi), r * tf_sinf(phi), z);
}

/* Uniform direction in the cone around +z with cos(half angle) = cos_max;
 * pdf = 1 / (2 pi (1 - cos_max)). */
TF_FN tf_vec3 tf_sample_uniform_cone(float u0, float u1, float cos_max) {
  float cos_t = (1.0f - u0) + u0 * cos_max;
  float sin_t = tf_sqrt_safe(1.0f - cos_t * cos_t);
  float phi = 2.0f * TF_PI * u1;
  return v3(sin_t * tf_cosf(phi), sin_t * tf_sinf(phi), cos_t);
}

/* Uniform barycentrics (b0, b1) on a triangle (Heitz 2019, low distortion). */
TF_FN void tf_sample_triangle(float u0, float u1, float* b0, float* b1) {
  if (u0 < u1) {
    *b0 = u0 / 2.0f;
    *b1 = u1 - *b0;
  } else {
    *b1 = u1 / 2.0f;
    *b0 = u0 - *b1;
  }
}

/* Power heuristic with beta = 2 for one sample of each of two strategies. Returns 0 when
 * both pdfs are 0, and stays finite when a pdf is huge. */
TF_FN float tf_power_heuristic(float pdf_a, float pdf_b) {
  if (pdf_a <= 0.0f) return 0.0f;
  if (pdf_b <= 0.0f) return 1.0f;
  float r = pdf_b / pdf_a; /* weight = 1 / (1 + r^2), written to avoid overflow of pdf^2 */
  return 1.0f / (1.0f + r * r);
}

/* 1D piecewise-constant distribution with n buckets over [0,1), stored at `base`:
 *   base[0 .. n)        func   (non-negative bucket values)
 *   base[n .. 2n+1)     cdf    (cdf[0] = 0, cdf[n] = 1 when integral > 0)
 *   base[2n+1]          integral (mean of func)
 * Size: 2n + 2 floats. An all-zero distribution has integral 0 and is never sampled. */
#define TF_DIST1D_SIZE(n) (2u * (n) + 2u)

TF_FN float tf_dist1d_integral(TF_GLOBAL const float* base, tf_u32 n) { return base[2u * n + 1u]; }

/* Bucket i with cdf[i] <= u < cdf[i+1], skipping empty buckets. */
TF_FN tf_u32 tf_dist1d_find(TF_GLOBAL const float* base, tf_u32 n, float u) {
  TF_GLOBAL const float* cdf = base + n;
  tf_u32 lo = 0u;
  tf_u32 hi = n; /* invariant: cdf[lo] <= u, answer in [lo, hi) */
  while (hi - lo > 1u) {
    tf_u32 mid = (lo + hi) / 2u;
    if (cdf[mid] <= u) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  /* Only rounding can leave lo on an empty bucket; fall back to the nearest non-empty one
     below, whose cdf range ends where u lies. */
  while (lo > 0u && base[lo] <= 0.0f) lo -= 1u;
  return lo;
}

/* Discrete sample: the bucket index; *pmf = its probability. */
TF_FN tf_u32 tf_dist1d_sample_discrete(TF_GLOBAL const float* base, tf_u32 n, float u, float* pmf) {
  tf_u32 i = tf_dist1d_find(base, n, u);
  float integral = tf_dist1d_integral(base, n);
  *pmf = integral > 0.0f ? base[i] / (integral * (float)n) : 0.0f;
  return i;
}

TF_FN float tf_dist1d_pmf(TF_GLOBAL const float* base, tf_u32 n, tf_u32 i) {
  float integral = tf_dist1d_integral(base, n);
  return integral > 0.0f ? base[i] / (integral * (float)n) : 0.0f;
}

/* Continuous sample in [0,1); *pdf = density with respect to x, *bucket = its bucket. */
TF_FN float tf_dist1d_sample_continuous(TF_GLOBAL const float* base, tf_u32 n, float u,
                                        float* pdf, tf_u32* bucket) {
  tf_u32 i = tf_dist1d_find(base, n, u);
  TF_GLOBAL const float* cdf = base + n;
  float integral = tf_dist1d_integral(base, n);
  float width = cdf[i + 1u] - cdf[i];
  float du = width > 0.0f ? (u - cdf[i]) / width : 0.0f;
  du = tf_clampf(du, 0.0f, 0.99999994f);
  *pdf = integral > 0.0f ? base[i] / integral : 0.0f;
  *bucket = i;
  float x = ((float)i + du) / (float)n;
  return tf_minf(x, 0.99999994f);
}

/* 2D piecewise-constant distribution over [0,1)^2 with nu x nv buckets at `base`:
 * nv conditional 1D distributions of nu buckets (row r at base + r * TF_DIST1D_SIZE(nu)),
 * then the marginal 1D distribution of nv buckets (the rows' integrals). */
#define TF_DIST2D_SIZE(nu, nv) ((nv) * TF_DIST1D_SIZE(nu) + TF_DIST1D_SIZE(nv))

/* Samples (x, y) in [0,1)^2; returns the density with respect to area in [0,1)^2 (0 when
 * the distribution is empty). */
TF_FN float tf_dist2d_sample(TF_GLOBAL const float* base, tf_u32 nu, tf_u32 nv, float u0,
                             float u1, float* x, float* y) {
  TF_GLOBAL const float* marginal = base + nv * TF_DIST1D_SIZE(nu);
  float pdf_y;
  float pdf_x;
  tf_u32 row;
  tf_u32 col;
  *y = tf_dist1d_sample_continuous(marginal, nv, u1, &pdf_y, &row);
  *x = tf_dist1d_sample_continuous(base + row * TF_DIST1D_SIZE(nu), nu, u0, &pdf_x, &col);
  return pdf_x * pdf_y;
}

/* Density of the 2D distribution at (x, y) in [0,1)^2. */
TF_FN float tf_dist2d_pdf(TF_GLOBAL const float* base, tf_u32 nu, tf_u32 nv, float x, float y) {
  TF_GLOBAL const float* marginal = base + nv * TF_DIST1D_SIZE(nu);
  float total = tf_dist1d_integral(marginal, nv);
  if (total <= 0.0f) return 0.0f;
  tf_u32 col = (tf_u32)tf_clampf(x * (float)nu, 0.0f, (float)(nu - 1u));
  tf_u32 row = (tf_u32)tf_clampf(y * (float)nv, 0.0f, (float)(nv - 1u));
  return base[row * TF_DIST1D_SIZE(nu) + col] / total;
}

#endif
