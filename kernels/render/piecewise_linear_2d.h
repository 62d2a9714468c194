/* pbrt-v4's PiecewiseLinear2D (src/pbrt/util/sampling.h, from Dupuy & Jakob 2018): a density
 * on [0,1]^2 given by a w x h grid of values (x fastest) and bilinear in between, sampled
 * through a marginal distribution over rows and a conditional one over columns, optionally
 * depending on two parameters (phi_i, theta_i) on grids of their own, between whose nodes the
 * tables are blended linearly. Used by the measured BxDF (measured_bxdf.h).
 *
 * The tables are built on the host (formats/scene/measured_tables.h), which normalises the
 * distributions and builds their CDFs as pbrt does; the kernel only reads them:
 *   - data: slices * w * h values (one w x h table per parameter node);
 *   - marginal: slices * h values, the CDF over rows (distributions only);
 *   - conditional: slices * w * h values, each row's CDF over columns (distributions only).
 * Evaluate returns the bilinear value times `scale` ((w-1)(h-1) for distributions, whose data
 * pbrt keeps divided by it; 1 for tables of plain values).
 *
 * Bounds: w, h >= 2 and every slice the parameter lookup names lies in the tables (checked
 * on the host, kernels/render/measured_host.h); every index below is clamped into the table,
 * whatever the position or parameter (NaN included), so reads stay inside. Arithmetic is
 * plain + - * / and sqrt in a fixed order (no fused multiply-add), the same on every backend;
 * pbrt's fma steps are written as a product plus a product, a rounding apart. */
#ifndef TF_KERNELS_RENDER_PIECEWISE_LINEAR_2D_H
#define TF_KERNELS_RENDER_PIECEWISE_LINEAR_2D_H

#include "../device/platform.h"

/* One table in device memory. */
typedef struct tf_pl2d {
  TF_GLOBAL const float* data;
  TF_GLOBAL const float* marginal;
  TF_GLOBAL const float* conditional;
  tf_u32 w, h;
  float scale;
} tf_pl2d;

/* Where the parameters fall: the slice of the lower nodes, the slice strides to the upper
 * node of phi and of theta (0 where a grid has one node), and the blend weights. */
typedef struct tf_pl2d_param {
  tf_u32 slice, stride_phi, stride_theta;
  float w_phi0, w_phi1, w_theta0, w_theta1;
} tf_pl2d_param;

/* pbrt's FindInterval over values[0 .. n-1] (increasing): the largest i in [0, n-2] with
 * values[i] <= x, 0 when there is none, by bisection. */
TF_FN tf_u32 tf_find_interval(TF_GLOBAL const float* values, tf_u32 n, float x) {
  tf_u32 first = 1u;
  tf_u32 size = n - 2u;
  while (size > 0u && n > 2u) {
    tf_u32 step = size >> 1;
    tf_u32 middle = first + step;
    int pred = values[middle] <= x;
    first = pred ? middle + 1u : first;
    size = pred ? size - (step + 1u) : step;
  }
  return first - 1u > n - 2u ? n - 2u : first - 1u;
}

/* Interval and weights of x on a grid of n >= 1 increasing nodes. */
TF_FN void tf_pl2d_axis(TF_GLOBAL const float* grid, tf_u32 n, float x, tf_u32* index, float* w0,
                        float* w1) {
  *index = 0u;
  *w0 = 1.0f;
  *w1 = 0.0f;
  if (n < 2u) return;
  tf_u32 i = tf_find_interval(grid, n, x);
  float t = tf_clampf((x - grid[i]) / (grid[i + 1u] - grid[i]), 0.0f, 1.0f);
  *index = i;
  *w1 = t;
  *w0 = 1.0f - t;
}

/* The parameter lookup for (phi, theta) on grids of n_phi and n_theta nodes, for tables with
 * `per_node` consecutive slices per node (slice of node (p, t): (p * n_theta + t) * per_node),
 * at slice `channel` of each node. */
TF_FN tf_pl2d_param tf_pl2d_params(TF_GLOBAL const float* phi_grid, tf_u32 n_phi,
                                   TF_GLOBAL const float* theta_grid, tf_u32 n_theta, float phi,
                                   float theta, tf_u32 per_node, tf_u32 channel) {
  tf_pl2d_param p;
  tf_u32 ip, it;
  tf_pl2d_axis(phi_grid, n_phi, phi, &ip, &p.w_phi0, &p.w_phi1);
  tf_pl2d_axis(theta_grid, n_theta, theta, &it, &p.w_theta0, &p.w_theta1);
  p.slice = (ip * n_theta + it) * per_node + channel;
  p.stride_phi = n_phi > 1u ? n_theta * per_node : 0u;
  p.stride_theta = n_theta > 1u ? per_node : 0u;
  return p;
}

/* The parameter lookup of a table without parameters. */
TF_FN tf_pl2d_param tf_pl2d_no_params(void) {
  tf_pl2d_param p;
  p.slice = 0u;
  p.stride_phi = 0u;
  p.stride_theta = 0u;
  p.w_phi0 = 1.0f;
  p.w_phi1 = 0.0f;
  p.w_theta0 = 1.0f;
  p.w_theta1 = 0.0f;
  return p;
}

/* Entry `index` of a per-slice array of `slice_size` values, blended over the parameters. */
TF_FN float tf_pl2d_lookup(TF_GLOBAL const float* a, tf_u32 slice_size, const tf_pl2d_param* p,
                           tf_u32 index) {
  TF_GLOBAL const float* lo = a + p->slice * slice_size + index;
  TF_GLOBAL const float* hi = lo + p->stride_theta * slice_size;
  tf_u32 dp = p->stride_phi * slice_size;
  float v0 = lo[0] * p->w_phi0 + lo[dp] * p->w_phi1;
  float v1 = hi[0] * p->w_phi0 + hi[dp] * p->w_phi1;
  return v0 * p->w_theta0 + v1 * p->w_theta1;
}

/* The cell of position x in [0, 1] on n >= 2 nodes (clamped; NaN: cell 0) and the fraction
 * into it. */
TF_FN tf_u32 tf_pl2d_cell(float x, tf_u32 n, float* frac) {
  float s = tf_clampf(x * (float)(n - 1u), 0.0f, (float)(n - 1u));
  tf_u32 i = (tf_u32)s;
  if (i > n - 2u) i = n - 2u;
  *frac = s - (float)i;
  return i;
}

/* The bilinear value at (x, y), times the table's scale (pbrt's Evaluate). */
TF_FN float tf_pl2d_eval(const tf_pl2d* t, const tf_pl2d_param* p, float x, float y) {
  float fx, fy;
  tf_u32 ix = tf_pl2d_cell(x, t->w, &fx);
  tf_u32 iy = tf_pl2d_cell(y, t->h, &fy);
  tf_u32 size = t->w * t->h;
  tf_u32 i = iy * t->w + ix;
  float v00 = tf_pl2d_lookup(t->data, size, p, i);
  float v10 = tf_pl2d_lookup(t->data, size, p, i + 1u);
  float v01 = tf_pl2d_lookup(t->data, size, p, i + t->w);
  float v11 = tf_pl2d_lookup(t->data, size, p, i + t->w + 1u);
  float a = (1.0f - fx) * v00 + fx * v10;
  float b = (1.0f - fx) * v01 + fx * v11;
  return ((1.0f - fy) * a + fy * b) * t->scale;
}

/* The root in [0, 1] of the integral of a linear density from c0 to c1 reaching u (pbrt's
 * step of Sample; near-constant densities take the linear solution). */
TF_FN float tf_pl2d_invert_linear(float c0, float c1, float u) {
  int is_const = tf_absf(c0 - c1) < 1.0e-4f * (c0 + c1);
  if (is_const) return 2.0f * u / (c0 + c1);
  return (c0 - tf_sqrt_safe(c0 * c0 - 2.0f * u * (c0 - c1))) / (c0 - c1);
}

/* The largest i in [0, n-2] whose blended CDF value at `base + i` lies below u (the CDF
 * interpolated between the rows at `base` and `base + row_step` by fy). */
TF_FN tf_u32 tf_pl2d_find_cdf(TF_GLOBAL const float* cdf, tf_u32 slice_size, const tf_pl2d_param* p,
                              tf_u32 base, tf_u32 row_step, float fy, tf_u32 n, float u) {
  tf_u32 first = 1u;
  tf_u32 size = n - 2u;
  while (size > 0u && n > 2u) {
    tf_u32 step = size >> 1;
    tf_u32 middle = first + step;
    float c = (1.0f - fy) * tf_pl2d_lookup(cdf, slice_size, p, base + middle) +
              fy * tf_pl2d_lookup(cdf, slice_size, p, base + row_step + middle);
    int pred = c < u;
    first = pred ? middle + 1u : first;
    size = pred ? size - (step + 1u) : step;
  }
  return first - 1u > n - 2u ? n - 2u : first - 1u;
}

/* The table's values in the cell whose lower-left corner is at `offset`, blended along y by fy:
 * *c0 on its left edge, *c1 on its right. */
TF_FN void tf_pl2d_cell_columns(const tf_pl2d* t, tf_u32 size, const tf_pl2d_param* p,
                                tf_u32 offset, float fy, float* c0, float* c1) {
  tf_u32 w = t->w;
  float v00 = tf_pl2d_lookup(t->data, size, p, offset);
  float v10 = tf_pl2d_lookup(t->data, size, p, offset + 1u);
  float v01 = tf_pl2d_lookup(t->data, size, p, offset + w);
  float v11 = tf_pl2d_lookup(t->data, size, p, offset + w + 1u);
  *c0 = (1.0f - fy) * v00 + fy * v01;
  *c1 = (1.0f - fy) * v10 + fy * v11;
}

/* Warps the uniform sample (ux, uy) to a position (*x, *y) distributed by the table; returns
 * the density there (pbrt's Sample). */
TF_FN float tf_pl2d_sample(const tf_pl2d* t, const tf_pl2d_param* p, float ux, float uy, float* x,
                           float* y) {
  const float one_minus_eps = 0.99999994f;
  ux = tf_clampf(ux, 1.0f - one_minus_eps, one_minus_eps);
  uy = tf_clampf(uy, 1.0f - one_minus_eps, one_minus_eps);
  tf_u32 w = t->w;
  tf_u32 size = w * t->h;
  tf_u32 row = tf_pl2d_find_cdf(t->marginal, t->h, p, 0u, 0u, 0.0f, t->h, uy);
  uy -= tf_pl2d_lookup(t->marginal, t->h, p, row);
  tf_u32 offset = row * w;
  float r0 = tf_pl2d_lookup(t->conditional, size, p, offset + w - 1u);
  float r1 = tf_pl2d_lookup(t->conditional, size, p, offset + 2u * w - 1u);
  float fy = tf_pl2d_invert_linear(r0, r1, uy);
  ux *= (1.0f - fy) * r0 + fy * r1;
  tf_u32 col = tf_pl2d_find_cdf(t->conditional, size, p, offset, w, fy, w, ux);
  ux -= (1.0f - fy) * tf_pl2d_lookup(t->conditional, size, p, offset + col) +
        fy * tf_pl2d_lookup(t->conditional, size, p, offset + w + col);
  offset += col;
  float c0, c1;
  tf_pl2d_cell_columns(t, size, p, offset, fy, &c0, &c1);
  float fx = tf_pl2d_invert_linear(c0, c1, ux);
  *x = ((float)col + fx) / (float)(w - 1u);
  *y = ((float)row + fy) / (float)(t->h - 1u);
  return ((1.0f - fx) * c0 + fx * c1) * t->scale;
}

/* The inverse of tf_pl2d_sample: the uniform sample (*ux, *uy) that warps to (x, y); returns
 * the density at (x, y) (pbrt's Invert). */
TF_FN float tf_pl2d_invert(const tf_pl2d* t, const tf_pl2d_param* p, float x, float y, float* ux,
                           float* uy) {
  float fx, fy;
  tf_u32 ix = tf_pl2d_cell(x, t->w, &fx);
  tf_u32 iy = tf_pl2d_cell(y, t->h, &fy);
  tf_u32 w = t->w;
  tf_u32 size = w * t->h;
  tf_u32 offset = iy * w + ix;
  float c0, c1;
  tf_pl2d_cell_columns(t, size, p, offset, fy, &c0, &c1);
  float pdf = (1.0f - fx) * c0 + fx * c1;
  float sx = fx * (c0 + 0.5f * fx * (c1 - c0));
  sx += (1.0f - fy) * tf_pl2d_lookup(t->conditional, size, p, offset) +
        fy * tf_pl2d_lookup(t->conditional, size, p, offset + w);
  float r0 = tf_pl2d_lookup(t->conditional, size, p, iy * w + w - 1u);
  float r1 = tf_pl2d_lookup(t->conditional, size, p, iy * w + 2u * w - 1u);
  *ux = sx / ((1.0f - fy) * r0 + fy * r1);
  *uy = fy * (r0 + 0.5f * fy * (r1 - r0)) + tf_pl2d_lookup(t->marginal, t->h, p, iy);
  return pdf * t->scale;
}

#endif
