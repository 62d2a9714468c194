/* Sampling and transmittance for heterogeneous media (medium_grid.h) by null-collision
 * tracking against a majorant, as pbrt-v4's VolPathIntegrator does with SampleT_maj.
 *
 * Majorant: one number per medium, m->majorant >= sigma_t(p) in every channel over the whole
 * box (finalize_kernel_scene sets it: the largest density times the largest channel of
 * sigma_a + sigma_s). pbrt keeps a majorant per wavelength and, for grids, a coarse grid of
 * them walked by a DDA; a single scalar majorant is simpler and exact, but takes more null
 * collisions in sparse regions of a dense medium. Because it is the same in every channel,
 * tentative collisions are spaced alike for every channel: pbrt's factors T_maj / T_maj[hero]
 * are 1 and its updates reduce to the ratios below.
 *
 * Delta tracking (camera and scattered rays): collisions at exponential spacing with rate
 * majorant along the part of the ray inside the box; at each, with the hero channel h of the
 * path (medium.h), absorption with probability sigma_a[h](p) / majorant ends the path, real
 * scattering with probability sigma_s[h](p) / majorant returns the point
 * with beta and r multiplied by sigma_s(p) / sigma_s[h](p), and otherwise a null collision
 * multiplies them by sigma_n(p) / sigma_n[h](p), sigma_n = majorant - sigma_t (clamped at 0).
 * Passing the box leaves beta and r unchanged. Each channel c then sees f_c / mean_k(p_k):
 * pbrt's hero-channel spectral MIS (its r_u), unbiased whichever hero is drawn. An emissive
 * medium adds its emission at each collision before the event is chosen (medium_emission.h):
 * with one majorant pbrt's T_maj / pdf is 1 / majorant and its r_e is r.
 *
 * Ratio tracking (shadow rays): the same collisions, transmittance multiplied by
 * sigma_n(p) / majorant per channel at each: an unbiased estimate of exp(-integral sigma_t)
 * in every channel at once, so shadow rays need no spectral MIS, and their light-versus-phase
 * MIS weights (integrator.h) stay those of the homogeneous case. pbrt's Russian roulette when
 * every channel falls below 0.05 (survival 1/4, weight 4) bounds the work.
 *
 * Random numbers come from a tf_track_rng: a path's own sequence of dimensions (the
 * integrator keys one for its free flights and one for its shadow rays), two per collision
 * (distance, event) in delta tracking, one per collision plus one per roulette in ratio
 * tracking. TF_MAX_COLLISIONS bounds the work of degenerate media (a huge majorant): a ray
 * that reaches it carries nothing. */
#ifndef TF_KERNELS_RENDER_MEDIUM_TRACKING_H
#define TF_KERNELS_RENDER_MEDIUM_TRACKING_H

#include "../device/rng.h"
#include "medium_emission.h"

#define TF_MAX_COLLISIONS 65536u

/* A sequence of random dimensions of one camera sample: the n-th draw is dimension first + n
 * of tf_rng_float(frame, px, py, sample, .). */
typedef struct tf_track_rng {
  tf_u32 frame, px, py, sample;
  tf_u32 next; /* the next dimension */
} tf_track_rng;

TF_FN float tf_track_rand(tf_track_rng* g) {
  float u = tf_rng_float(g->frame, g->px, g->py, g->sample, g->next);
  g->next += 1u;
  return u;
}

/* The distance to the next tentative collision at rate `majorant`. */
TF_FN float tf_track_step(float majorant, tf_track_rng* g) {
  return -tf_logf(1.0f - tf_track_rand(g)) / majorant;
}

/* The null-collision coefficient majorant - sigma_a - sigma_s, clamped at zero (pbrt's). */
TF_FN tf_vec3 tf_sigma_n(float majorant, tf_vec3 sigma_a, tf_vec3 sigma_s) {
  return v3_max(v3_sub(v3_sub(v3s(majorant), sigma_a), sigma_s), v3s(0.0f));
}

/* Delta tracking along o + t d (world space, d unit, o the true start of the segment) for
 * t in (0, t_max) (TF_FLOAT_MAX: no surface) through heterogeneous medium m, hero channel
 * `hero`. Returns 1 for a real scattering event at *t < t_max, else 0 with *t = t_max (passed,
 * or absorbed: then *beta is zero); updates *beta and *r as the header comment says. With
 * `emit` (m emits and the path may still gather light) adds m's emission, MIS-weighted, to
 * *le (medium_emission.h). */
TF_FN int tf_medium_sample_tracked(const tf_scene_view* s, TF_GLOBAL const tf_medium* m, tf_vec3 o,
                                   tf_vec3 d, float t_max, int hero, tf_track_rng* g, float* t,
                                   tf_vec3* beta, tf_vec3* r, int emit, tf_vec3* le) {
  *t = t_max;
  float majorant = m->majorant, t0, t1;
  tf_vec3 mo = tf_medium_point(m, o), md = tf_medium_vector(m, d);
  if (!(majorant > 0.0f) || !tf_medium_clip(m, mo, md, t_max, &t0, &t1)) return 0;
  tf_vec3 sigma_a = v3(m->sigma_a_r, m->sigma_a_g, m->sigma_a_b);
  tf_vec3 sigma_s = tf_medium_sigma_s(m);
  float tc = t0;
  for (tf_u32 k = 0u; k < TF_MAX_COLLISIONS; ++k) {
    tc += tf_track_step(majorant, g);
    if (!(tc < t1)) return 0;
    tf_vec3 q = v3_madd(mo, md, tc);
    float density = tf_medium_density(s, m, q);
    tf_vec3 ca = v3_scale(sigma_a, density), cs = v3_scale(sigma_s, density);
    if (emit) {
      tf_vec3 e = v3_scale(v3_mul(ca, tf_grid_emission(s, m, q)), 1.0f / majorant);
      *le = v3_add(*le, v3_mul(tf_mis_beta(*beta, *r), e));
    }
    float p_absorb = v3_axis(ca, hero) / majorant, p_scatter = v3_axis(cs, hero) / majorant;
    float u = tf_track_rand(g) * tf_maxf(1.0f, p_absorb + p_scatter);
    if (u < p_absorb) break;
    tf_vec3 w = u < p_absorb + p_scatter ? cs : tf_sigma_n(majorant, ca, cs);
    tf_vec3 ratio = tf_v3_over_pdf(w, v3_axis(w, hero));
    *beta = v3_mul(*beta, ratio);
    *r = v3_mul(*r, ratio);
    if (u < p_absorb + p_scatter) {
      *t = tc;
      return 1;
    }
    if (v3_is_zero(*beta)) return 0;
  }
  *beta = v3s(0.0f);
  return 0;
}

/* Ratio-tracking estimate of the transmittance along o + t d, t in (0, t_max), through
 * heterogeneous medium m (header comment). */
TF_FN tf_vec3 tf_medium_transmittance_tracked(const tf_scene_view* s, TF_GLOBAL const tf_medium* m,
                                              tf_vec3 o, tf_vec3 d, float t_max, tf_track_rng* g) {
  float majorant = m->majorant, t0, t1;
  tf_vec3 mo = tf_medium_point(m, o), md = tf_medium_vector(m, d);
  tf_vec3 tr = v3s(1.0f);
  if (!(majorant > 0.0f) || !tf_medium_clip(m, mo, md, t_max, &t0, &t1)) return tr;
  tf_vec3 sigma_a = v3(m->sigma_a_r, m->sigma_a_g, m->sigma_a_b);
  tf_vec3 sigma_s = tf_medium_sigma_s(m);
  float tc = t0;
  for (tf_u32 k = 0u; k < TF_MAX_COLLISIONS; ++k) {
    tc += tf_track_step(majorant, g);
    if (!(tc < t1)) return tr;
    float density = tf_medium_density(s, m, v3_madd(mo, md, tc));
    tf_vec3 sn = tf_sigma_n(majorant, v3_scale(sigma_a, density), v3_scale(sigma_s, density));
    tr = v3_mul(tr, v3_scale(sn, 1.0f / majorant));
    if (v3_max_component(tr) < 0.05f) {
      if (tf_track_rand(g) < 0.75f) return v3s(0.0f);
      tr = v3_scale(tr, 4.0f);
    }
  }
  return v3s(0.0f);
}

/* Free-flight sampling in medium m of any kind, for a segment starting at o (the true start)
 * along unit d up to t_max: tf_medium_sample (one draw) for homogeneous media, delta tracking
 * otherwise. Same contract as tf_medium_sample; with `emit`, adds m's emission to *le as
 * tf_medium_sample_tracked does. With `use_albedo` (homogeneous media with an albedo table,
 * subsurface_albedo.h), the medium scatters albedo * sigma_t instead of its own sigma_s. */
TF_FN int tf_medium_sample_any(const tf_scene_view* s, TF_GLOBAL const tf_medium* m, tf_vec3 o,
                               tf_vec3 d, float t_max, int hero, tf_track_rng* g, float* t,
                               tf_vec3* beta, tf_vec3* r, int emit, tf_vec3* le, int use_albedo,
                               tf_vec3 albedo) {
  if (m->kind == TF_MEDIUM_HOMOGENEOUS) {
    tf_vec3 beta0 = *beta, r0 = *r;
    tf_vec3 sigma_t = tf_medium_sigma_t(m);
    tf_vec3 sigma_s = use_albedo ? v3_mul(albedo, sigma_t) : tf_medium_sigma_s(m);
    int scattered = tf_medium_sample(sigma_s, sigma_t, t_max, hero, tf_track_rand(g), t, beta, r);
    if (emit) {
      *le = v3_add(*le, tf_homogeneous_emission(m, t_max, hero, scattered, *t, beta0, r0, *r));
    }
    return scattered;
  }
  return tf_medium_sample_tracked(s, m, o, d, t_max, hero, g, t, beta, r, emit, le);
}

/* The transmittance of a segment of length `length` (TF_FLOAT_MAX: unbounded) from o along
 * unit d in medium m: exact Beer-Lambert for homogeneous media, ratio tracking otherwise. */
TF_FN tf_vec3 tf_medium_transmittance_any(const tf_scene_view* s, TF_GLOBAL const tf_medium* m,
                                          tf_vec3 o, tf_vec3 d, float length, tf_track_rng* g) {
  if (m->kind == TF_MEDIUM_HOMOGENEOUS) return tf_beer_lambert(tf_medium_sigma_t(m), length);
  return tf_medium_transmittance_tracked(s, m, o, d, length, g);
}

#endif
