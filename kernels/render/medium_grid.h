/* Densities of heterogeneous media (tf_medium kinds TF_MEDIUM_GRID and TF_MEDIUM_CLOUD,
 * scene_types.h): the density d(p) >= 0 that scales a medium's sigma_a and sigma_s at a point
 * p of its own space (pbrt-v4's GridMedium and CloudMedium, media.h), and the ray's overlap
 * with the box [p0, p1] outside which d is zero. Pure functions of their arguments; the
 * tracking that samples and integrates along rays is in medium_tracking.h.
 *
 * Grid ("uniformgrid"): pbrt-v4's SampledGrid<Float>::Lookup of the point's offset in the box
 * (u = (p - p0) / (p1 - p0)): samples are cell-centred, so the continuous index is
 * u * n - 1/2 per axis; the eight samples around it are interpolated trilinearly with pbrt's
 * Lerp((1 - t) a + t b), in the order x, then y, then z, and samples outside [0, n) read zero.
 * Cloud ("cloud"): pbrt-v4's CloudMedium::Density: the point scaled by "frequency", displaced
 * twice by the finite-difference gradient of Perlin noise (pbrt's DNoise, step 0.01) when
 * "wispiness" > 0, five octaves of noise, thinned with altitude and clamped to [0, 1]. The
 * noise is texture_noise.h's, pbrt's table, so values match pbrt's up to float rounding. */
#ifndef TF_KERNELS_RENDER_MEDIUM_GRID_H
#define TF_KERNELS_RENDER_MEDIUM_GRID_H

#include "../device/portable_math.h"
#include "../device/vec3.h"
#include "scene_types.h"
#include "scene_view.h"
#include "texture_noise.h"

/* p (world) in the medium's space: medium_from_world applied as a point. */
TF_FN tf_vec3 tf_medium_point(TF_GLOBAL const tf_medium* m, tf_vec3 p) {
  TF_GLOBAL const float* x = m->medium_from_world;
  return v3(x[0] * p.x + x[1] * p.y + x[2] * p.z + x[3],
            x[4] * p.x + x[5] * p.y + x[6] * p.z + x[7],
            x[8] * p.x + x[9] * p.y + x[10] * p.z + x[11]);
}

/* d (world) in the medium's space: medium_from_world applied as a vector (not normalized, so
 * that a ray keeps its parameter t: pbrt's Transform::ApplyInverse of a ray). */
TF_FN tf_vec3 tf_medium_vector(TF_GLOBAL const tf_medium* m, tf_vec3 d) {
  TF_GLOBAL const float* x = m->medium_from_world;
  return v3(x[0] * d.x + x[1] * d.y + x[2] * d.z, x[4] * d.x + x[5] * d.y + x[6] * d.z,
            x[8] * d.x + x[9] * d.y + x[10] * d.z);
}

/* The parameter interval [*t0, *t1] of [0, t_max] over which o + t d (medium space) lies in
 * the medium's box; returns 0 when it is empty. */
TF_FN int tf_medium_clip(TF_GLOBAL const tf_medium* m, tf_vec3 o, tf_vec3 d, float t_max, float* t0,
                         float* t1) {
  float a = 0.0f, b = t_max;
  for (int axis = 0; axis < 3; ++axis) {
    float oa = v3_axis(o, axis), da = v3_axis(d, axis);
    float lo = m->p0[axis], hi = m->p1[axis];
    if (da == 0.0f) {
      if (oa < lo || oa > hi) return 0;
      continue;
    }
    float tn = (lo - oa) / da, tf = (hi - oa) / da;
    a = tf_maxf(a, tf_minf(tn, tf));
    b = tf_minf(b, tf_maxf(tn, tf));
  }
  *t0 = a;
  *t1 = b;
  return a < b;
}

/* Sample (x, y, z) of the grid of n[0] x n[1] x n[2] samples at densities[offset ..], zero
 * outside the grid. */
TF_FN float tf_grid_sample(const tf_scene_view* s, tf_u32 offset, tf_u32 nx, tf_u32 ny, tf_u32 nz,
                           tf_i32 x, tf_i32 y, tf_i32 z) {
  if (x < 0 || y < 0 || z < 0 || x >= (tf_i32)nx || y >= (tf_i32)ny || z >= (tf_i32)nz) {
    return 0.0f;
  }
  return s->densities[offset + (tf_u32)x + nx * ((tf_u32)y + ny * (tf_u32)z)];
}

/* The continuous sample index of offset u along an axis of n samples; 0 and *i = -2 (every
 * sample it touches outside) when u is far outside [0, 1] or not a number. */
TF_FN float tf_grid_index(float u, tf_u32 n, tf_i32* i) {
  float g = u * (float)n - 0.5f;
  if (!(g > -2.0f && g < (float)n + 1.0f)) {
    *i = -2;
    return 0.0f;
  }
  float f = tf_floor(g);
  *i = (tf_i32)f;
  return g - f;
}

/* pbrt's SampledGrid<Float>::Lookup (header comment) at medium-space point q of the grid of
 * nx x ny x nz samples at densities[offset ..] spread over the box [p0, p1]. */
TF_FN float tf_grid_lookup(const tf_scene_view* s, tf_u32 offset, tf_u32 nx, tf_u32 ny, tf_u32 nz,
                           TF_GLOBAL const float* p0, TF_GLOBAL const float* p1, tf_vec3 q) {
  tf_i32 ix, iy, iz;
  float dx = tf_grid_index((q.x - p0[0]) / (p1[0] - p0[0]), nx, &ix);
  float dy = tf_grid_index((q.y - p0[1]) / (p1[1] - p0[1]), ny, &iy);
  float dz = tf_grid_index((q.z - p0[2]) / (p1[2] - p0[2]), nz, &iz);
  float d[4];
  for (int k = 0; k < 4; ++k) { /* k = y step + 2 * z step */
    tf_i32 y = iy + (k & 1), z = iz + (k >> 1);
    d[k] = tf_lerpf(dx, tf_grid_sample(s, offset, nx, ny, nz, ix, y, z),
                    tf_grid_sample(s, offset, nx, ny, nz, ix + 1, y, z));
  }
  return tf_lerpf(dz, tf_lerpf(dy, d[0], d[1]), tf_lerpf(dy, d[2], d[3]));
}

/* A grid medium's density at medium-space point q. */
TF_FN float tf_grid_density(const tf_scene_view* s, TF_GLOBAL const tf_medium* m, tf_vec3 q) {
  return tf_grid_lookup(s, m->offset, m->nx, m->ny, m->nz, m->p0, m->p1, q);
}

/* pbrt's DNoise: the forward-difference gradient of Perlin noise with step 0.01. */
TF_FN tf_vec3 tf_dnoise(tf_vec3 p) {
  const float delta = 0.01f;
  float n = tf_noise_v3(p);
  return v3((tf_noise(p.x + delta, p.y, p.z) - n) / delta,
            (tf_noise(p.x, p.y + delta, p.z) - n) / delta,
            (tf_noise(p.x, p.y, p.z + delta) - n) / delta);
}

/* pbrt's CloudMedium::Density at medium-space point p (header comment); in [0, 1]. */
TF_FN float tf_cloud_density(TF_GLOBAL const tf_medium* m, tf_vec3 p) {
  tf_vec3 pp = v3_scale(p, m->frequency);
  if (m->wispiness > 0.0f) {
    float vomega = 0.05f * m->wispiness, vlambda = 10.0f;
    for (int i = 0; i < 2; ++i) {
      pp = v3_add(pp, v3_scale(tf_dnoise(v3_scale(pp, vlambda)), vomega));
      vomega *= 0.5f;
      vlambda *= 1.99f;
    }
  }
  float d = 0.0f, omega = 0.5f, lambda = 1.0f;
  for (int i = 0; i < 5; ++i) {
    d += omega * tf_noise_v3(v3_scale(pp, lambda));
    omega *= 0.5f;
    lambda *= 1.99f;
  }
  d = tf_clampf((1.0f - p.y) * 4.5f * m->density * d, 0.0f, 1.0f);
  d += 2.0f * tf_maxf(0.0f, 0.5f - p.y);
  return tf_clampf(d, 0.0f, 1.0f);
}

/* The density of heterogeneous medium m at medium-space point q inside its box. */
TF_FN float tf_medium_density(const tf_scene_view* s, TF_GLOBAL const tf_medium* m, tf_vec3 q) {
  return m->kind == TF_MEDIUM_GRID ? tf_grid_density(s, m, q) : tf_cloud_density(m, q);
}

#endif
