/* Emission of participating media (tf_medium.emissive != 0), as pbrt-v4's VolPathIntegrator
 * adds it: at every collision of a camera path with a medium, while depth < max_depth, before
 * choosing absorption, scattering or a null collision, the path gains
 *   beta * sigma_a(p) * Le(p) / sigma_maj(p), weighed by 1 / average(r)
 * with beta and the spectral MIS ratios r (medium.h) as they were before the collision, and
 * sigma_maj the rate at which collisions were drawn. The emitted radiance Le(p):
 *   homogeneous: le (pbrt's "Le" times "Lescale", as the renderer's RGB);
 *   grids: f(p) * le, or f(p) * E(kelvin(p)) where a temperature grid is given, with f the
 *     Lescale grid's lookup (1 without one; pbrt's `scale > 0` test included), kelvin the
 *     temperature grid's lookup mapped by (t - temp_shift) * temp_scale, and zero at or below
 *     100 K (pbrt's cutoff). E is a table of the emission per kelvin (the host's evaluation of
 *     pbrt's peak-normalised BlackbodySpectrum times its "Lescale", as the film sees it),
 *     interpolated linearly: a blackbody's RGB is smooth in the temperature, so the table's
 *     error is far below float noise at the host's spacing.
 * Clouds do not emit (pbrt's CloudMedium has no Le).
 *
 * Homogeneous media draw their free flights exactly (medium.h), so their collisions are real
 * ones at rate sigma_t: a scattering medium adds beta T(t) sigma_a Le / p_h at the sampled
 * point (pbrt's estimator with sigma_maj = sigma_t), and a purely absorbing one, which
 * passes with its exact transmittance, adds its exact integral
 *   integral_0^t_max T(t) sigma_a Le dt = Le (1 - T(t_max))   (sigma_t = sigma_a).
 * Grid media add the estimator at each delta-tracking collision (medium_tracking.h). */
#ifndef TF_KERNELS_RENDER_MEDIUM_EMISSION_H
#define TF_KERNELS_RENDER_MEDIUM_EMISSION_H

#include "medium.h"
#include "medium_grid.h"

TF_FN tf_vec3 tf_medium_le(TF_GLOBAL const tf_medium* m) {
  return v3(m->le[0], m->le[1], m->le[2]);
}

/* E(kelvin) from the medium's table (header comment), clamped to its range. */
TF_FN tf_vec3 tf_blackbody_table(const tf_scene_view* s, TF_GLOBAL const tf_medium* m,
                                 float kelvin) {
  float last = (float)(m->bb_count - 1u);
  float x = (kelvin - m->bb_t0) / (m->bb_t1 - m->bb_t0) * last;
  x = x > 0.0f ? tf_minf(x, last) : 0.0f;
  tf_u32 i = (tf_u32)x;
  if (i > m->bb_count - 2u) i = m->bb_count - 2u;
  float f = x - (float)i;
  TF_GLOBAL const float* e = s->densities + m->bb_offset + 3u * i;
  return v3(tf_lerpf(f, e[0], e[3]), tf_lerpf(f, e[1], e[4]), tf_lerpf(f, e[2], e[5]));
}

/* Le(q) of grid medium m at medium-space point q (header comment). */
TF_FN tf_vec3 tf_grid_emission(const tf_scene_view* s, TF_GLOBAL const tf_medium* m, tf_vec3 q) {
  float scale = 1.0f;
  if (m->lescale_n[0] != 0u) {
    scale = tf_grid_lookup(s, m->lescale_offset, m->lescale_n[0], m->lescale_n[1], m->lescale_n[2],
                           m->p0, m->p1, q);
    if (!(scale > 0.0f)) return v3s(0.0f);
  }
  if (m->temp_n[0] == 0u) return v3_scale(tf_medium_le(m), scale);
  float t = tf_grid_lookup(s, m->temp_offset, m->temp_n[0], m->temp_n[1], m->temp_n[2], m->temp_p0,
                           m->temp_p1, q);
  float kelvin = (t - m->temp_shift) * m->temp_scale;
  if (!(kelvin > 100.0f)) return v3s(0.0f);
  return v3_scale(tf_blackbody_table(s, m, kelvin), scale);
}

/* The emission homogeneous medium m adds over one free flight of tf_medium_sample towards
 * t_max for hero channel `hero` (header comment): beta0 and r0 are the throughput and ratios
 * before the flight, r1 the ratios after it, `scattered` and t its result. */
TF_FN tf_vec3 tf_homogeneous_emission(TF_GLOBAL const tf_medium* m, float t_max, int hero,
                                      int scattered, float t, tf_vec3 beta0, tf_vec3 r0,
                                      tf_vec3 r1) {
  tf_vec3 sigma_t = tf_medium_sigma_t(m);
  if (v3_is_zero(tf_medium_sigma_s(m))) {
    tf_vec3 emitted = v3_sub(v3s(1.0f), tf_beer_lambert(sigma_t, t_max));
    return v3_mul(tf_mis_beta(beta0, r0), v3_mul(tf_medium_le(m), emitted));
  }
  if (!scattered) return v3s(0.0f);
  tf_vec3 tr = tf_beer_lambert(sigma_t, t);
  float pdf = v3_axis(sigma_t, hero) * v3_axis(tr, hero);
  if (!(pdf > 0.0f)) return v3s(0.0f);
  tf_vec3 sigma_a = v3(m->sigma_a_r, m->sigma_a_g, m->sigma_a_b);
  tf_vec3 beta = v3_scale(v3_mul(beta0, tr), 1.0f / pdf);
  return tf_mis_beta(v3_mul(beta, v3_mul(sigma_a, tf_medium_le(m))), r1);
}

#endif
