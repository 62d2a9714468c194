/* Homogeneous participating media (tf_medium, scene_types.h): transmittance and free-flight
 * distance sampling. Pure functions of their arguments; the phase function is in hg_phase.h,
 * the scene-level parts (interfaces, shadow rays) are in medium_trace.h.
 *
 * Distance sampling with RGB coefficients (hero-channel spectral MIS, as pbrt-v4's
 * VolPathIntegrator does with wavelengths): a path picks one hero channel h uniformly and
 * draws every free-flight distance with density sigma_t[h] exp(-sigma_t[h] t). Besides the
 * throughput beta = f / p_h it carries r = (p_0, p_1, p_2) / p_h, the densities with which each
 * channel's own strategy would have drawn the same path; contributions are weighed by
 * 1 / average(r), so that each channel sees f / average_k(p_k): the balance heuristic over
 * the three one-channel strategies, unbiased whichever hero was chosen, with weights bounded
 * over the whole path (no product of per-event weights). Surface and phase sampling do not
 * depend on the channel, so they leave r unchanged. Per event:
 *   scattering at t < t_max: beta *= sigma_s T(t) / p_h, r *= sigma_t T(t) / p_h,
 *                            p_h = sigma_t[h] T_h(t);
 *   passing to t_max:        beta *= T(t_max) / p_h, r *= T(t_max) / p_h, p_h = T_h(t_max),
 * with T(t) = exp(-sigma_t t). A purely absorbing medium (sigma_s = 0) cannot scatter, so it
 * passes with the exact Beer-Lambert transmittance as a deterministic factor of beta. */
#ifndef TF_KERNELS_RENDER_MEDIUM_H
#define TF_KERNELS_RENDER_MEDIUM_H

#include "../device/portable_math.h"
#include "../device/vec3.h"
#include "scene_types.h"

TF_FN tf_vec3 tf_medium_sigma_s(TF_GLOBAL const tf_medium* m) {
  return v3(m->sigma_s_r, m->sigma_s_g, m->sigma_s_b);
}

TF_FN tf_vec3 tf_medium_sigma_t(TF_GLOBAL const tf_medium* m) {
  return v3_add(v3(m->sigma_a_r, m->sigma_a_g, m->sigma_a_b), tf_medium_sigma_s(m));
}

/* exp(-sigma_t * dist) per channel; dist may be TF_FLOAT_MAX (0 where sigma_t > 0). */
TF_FN tf_vec3 tf_beer_lambert(tf_vec3 sigma_t, float dist) {
  return v3(tf_expf(-sigma_t.x * dist), tf_expf(-sigma_t.y * dist), tf_expf(-sigma_t.z * dist));
}

TF_FN float tf_v3_average(tf_vec3 v) { return (v.x + v.y + v.z) / 3.0f; }

/* v / pdf, or zero when pdf is not positive (the event has no density, so no weight). */
TF_FN tf_vec3 tf_v3_over_pdf(tf_vec3 v, float pdf) {
  return pdf > 0.0f ? v3_scale(v, 1.0f / pdf) : v3s(0.0f);
}

/* The throughput that contributions use: beta weighed by the spectral MIS ratios r (exactly
 * beta while r = (1, 1, 1), as in scenes without media). */
TF_FN tf_vec3 tf_mis_beta(tf_vec3 beta, tf_vec3 r) {
  return v3_scale(beta, 1.0f / tf_v3_average(r));
}

/* Samples where a ray travelling through a medium of scattering sigma_s and extinction sigma_t
 * (values, so that callers may pass coefficients of their own) towards a surface at distance
 * t_max (TF_FLOAT_MAX: none) scatters, for hero channel `hero` (0..2) and a uniform number u.
 * Returns 1 for a scattering event at *t < t_max, 0 for passing to t_max; multiplies *beta
 * and *r by the factors of the header comment (zero when the event has no density). */
TF_FN int tf_medium_sample(tf_vec3 sigma_s, tf_vec3 sigma_t, float t_max, int hero, float u,
                           float* t, tf_vec3* beta, tf_vec3* r) {
  if (v3_is_zero(sigma_s)) {
    *t = t_max;
    *beta = v3_mul(*beta, tf_beer_lambert(sigma_t, t_max));
    return 0;
  }
  float st = v3_axis(sigma_t, hero);
  float dist = st > 0.0f ? -tf_logf(1.0f - u) / st : TF_FLOAT_MAX;
  int scattered = dist < t_max;
  *t = scattered ? dist : t_max;
  tf_vec3 tr = tf_beer_lambert(sigma_t, *t);
  tf_vec3 density = scattered ? v3_mul(sigma_t, tr) : tr;
  float pdf = v3_axis(density, hero);
  *beta = v3_mul(*beta, tf_v3_over_pdf(scattered ? v3_mul(sigma_s, tr) : tr, pdf));
  *r = v3_mul(*r, tf_v3_over_pdf(density, pdf));
  return scattered;
}

#endif
