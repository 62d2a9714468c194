/* Layered BSDFs (pbrt-v4's LayeredBxDF, two-sided): a dielectric coating over an opaque base
 * (TF_MAT_COATED_DIFFUSE: a diffuse base; TF_MAT_COATED_CONDUCTOR: a conductor with its own
 * roughness), with a homogeneous medium of unit extinction between them: `thickness` deep,
 * scattering with `albedo` by a Henyey-Greenstein phase function of asymmetry `g` (albedo all
 * zero: it only absorbs, by exp(-thickness / |cos|) per crossing).
 *
 * There is no closed form: f, pdf and sample_f are Monte Carlo estimates by random walks
 * between the two interfaces (Guo et al. 2018, "Position-free Monte Carlo simulation for
 * arbitrary layered BSDFs", in pbrt-v4's formulation). tf_layered_f averages n_samples walks of
 * at most max_depth events each, with next-event estimation towards wi and Russian roulette;
 * its expectation is the layered BSDF. Its two ways of leaving through a rough coating (towards
 * the light's presampled direction, or a base/phase sample evaluated at the coating) are MIS
 * weighted with the densities both strategies give the same internal direction; pbrt-v4 weights
 * the second with the reverse direction's density, which biases f away from sample_f.
 * tf_layered_pdf is pbrt's approximate density (mixed with a uniform one so that it is never 0
 * in the reflection hemisphere). tf_layered_sample_f follows one walk; the sample it returns carries the density of tf_layered_pdf (f rescaled
 * so that f / pdf is the walk's unbiased weight), so a path tracer can weight it by MIS like
 * any other sample. The base is opaque: every estimate is 0 for transmission.
 *
 * Random numbers: every walk draws from b->rng (rng.h: dimension after dimension of one
 * (frame, pixel, sample) key), each of f, pdf and sample_f from its own range of
 * TF_LAYERED_CALL_DIMS dimensions, so an estimate is a pure function of the directions and
 * the key, the same on every backend. */
#ifndef TF_KERNELS_RENDER_LAYERED_BSDF_H
#define TF_KERNELS_RENDER_LAYERED_BSDF_H

#include "bxdfs.h"
#include "hg_phase.h"
#include "sampling.h"

/* Dimensions reserved per estimate (f, pdf, sample_f, and the pdf of a sample); walks that
 * draw more (many events times many samples) run into the next range: the estimates are then
 * correlated, still unbiased and deterministic. */
#define TF_LAYERED_CALL_DIMS 4096u
#define TF_LAYERED_CALL_F 0u
#define TF_LAYERED_CALL_PDF 1u
#define TF_LAYERED_CALL_SAMPLE 2u
#define TF_LAYERED_CALL_SAMPLE_PDF 3u
/* Dimensions of one bounce's layered walks (the four ranges above). */
#define TF_LAYERED_BOUNCE_DIMS (4u * TF_LAYERED_CALL_DIMS)

/* pbrt clamps the thickness to the smallest normal float: crossing it attenuates nothing. */
#define TF_LAYER_MIN_THICKNESS 1.17549435e-38f

TF_FN int tf_is_layered(tf_u32 type) {
  return type == TF_MAT_COATED_DIFFUSE || type == TF_MAT_COATED_CONDUCTOR;
}

TF_FN tf_bsdf tf_layered_top(const tf_bsdf* b) {
  tf_bsdf top = *b;
  top.type = TF_MAT_DIELECTRIC;
  top.eta = v3s(b->coat_eta);
  top.ax = b->coat_ax;
  top.ay = b->coat_ay;
  return top;
}

TF_FN tf_bsdf tf_layered_bottom(const tf_bsdf* b) {
  tf_bsdf bottom = *b;
  bottom.type = b->type == TF_MAT_COATED_DIFFUSE ? TF_MAT_DIFFUSE : TF_MAT_CONDUCTOR;
  return bottom;
}

TF_FN int tf_layered_has_medium(const tf_bsdf* b) { return !v3_is_zero(b->albedo); }

TF_FN int tf_layered_is_delta(const tf_bsdf* b) {
  tf_bsdf top = tf_layered_top(b);
  tf_bsdf bottom = tf_layered_bottom(b);
  return tf_bxdf_is_delta(&top) && tf_bxdf_is_delta(&bottom) && !tf_layered_has_medium(b);
}

/* The random numbers of estimate `call`. */
TF_FN tf_sampler tf_layered_rng(const tf_bsdf* b, tf_u32 call) {
  tf_sampler s = b->rng;
  s.dim += call * TF_LAYERED_CALL_DIMS;
  return s;
}

/* Transmittance through depth dz of the unit-extinction medium along w. */
TF_FN float tf_layer_tr(float dz, tf_vec3 w) {
  if (tf_absf(dz) <= TF_LAYER_MIN_THICKNESS) return 1.0f;
  if (w.z == 0.0f) return 0.0f;
  return tf_expf(-tf_absf(dz / w.z));
}

/* Distance along z to the next scattering event for direction w (unit extinction). */
TF_FN float tf_layer_sample_dz(tf_vec3 w, float u) { return -tf_logf(1.0f - u) * tf_absf(w.z); }

/* A sample of `iface` from wo (three random numbers); 0 unless it is usable. */
TF_FN int tf_layer_sample(const tf_bsdf* iface, tf_vec3 wo, tf_u32 mode, tf_u32 lobes,
                          tf_sampler* rng, tf_bsdf_sample* out) {
  float uc = tf_sampler_next(rng);
  float u0 = tf_sampler_next(rng);
  float u1 = tf_sampler_next(rng);
  if (!tf_bxdf_sample_f(iface, wo, uc, u0, u1, mode, lobes, out)) return 0;
  return !v3_is_zero(out->f) && out->pdf > 0.0f && out->wi.z != 0.0f;
}

/* One walk's contribution to f(wo, wi) (wo, wi in the upper hemisphere), or 0. */
TF_FN tf_vec3 tf_layered_walk_f(const tf_bsdf* b, const tf_bsdf* top, const tf_bsdf* bottom,
                                tf_vec3 wo, tf_vec3 wi, tf_sampler* rng) {
  tf_vec3 f = v3s(0.0f);
  tf_bsdf_sample wos;
  tf_bsdf_sample wis;
  /* Into the layers along wo; the light's way in along wi, traced as importance. */
  if (!tf_layer_sample(top, wo, TF_TRANSPORT_RADIANCE, TF_LOBE_TRANSMISSION, rng, &wos)) return f;
  if (!tf_layer_sample(top, wi, TF_TRANSPORT_IMPORTANCE, TF_LOBE_TRANSMISSION, rng, &wis)) return f;
  int top_delta = tf_bxdf_is_delta(top);
  int bottom_delta = tf_bxdf_is_delta(bottom);
  int medium = tf_layered_has_medium(b);
  float thick = tf_maxf(b->thickness, TF_LAYER_MIN_THICKNESS);
  tf_vec3 beta = v3_scale(wos.f, tf_absf(wos.wi.z) / wos.pdf);
  tf_vec3 light = v3_scale(wis.f, 1.0f / wis.pdf); /* the light's weight along -wis.wi */
  tf_vec3 w = wos.wi;
  float z = thick;
  for (tf_u32 depth = 0u; depth < b->max_depth; ++depth) {
    if (depth > 3u && v3_max_component(beta) < 0.25f) {
      float q = tf_maxf(0.0f, 1.0f - v3_max_component(beta));
      if (tf_sampler_next(rng) < q) break;
      beta = v3_scale(beta, 1.0f / (1.0f - q));
    }
    if (!medium) {
      z = z == thick ? 0.0f : thick;
      beta = v3_scale(beta, tf_layer_tr(thick, w));
    } else {
      float dz = tf_layer_sample_dz(w, tf_sampler_next(rng));
      float zp = w.z > 0.0f ? z + dz : z - dz;
      if (zp == z) continue;
      if (0.0f < zp && zp < thick) {
        /* Scattering in the medium: next event towards the light, then a phase sample. */
        float wt = top_delta
                       ? 1.0f
                       : tf_power_heuristic(wis.pdf, tf_hg_p(v3_neg(w), v3_neg(wis.wi), b->g));
        float ph = tf_hg_p(v3_neg(w), v3_neg(wis.wi), b->g) * wt * tf_layer_tr(zp - thick, wis.wi);
        f = v3_add(f, v3_scale(v3_mul(v3_mul(beta, b->albedo), light), ph));
        float u0 = tf_sampler_next(rng);
        float u1 = tf_sampler_next(rng);
        float ps_pdf;
        tf_vec3 ps_wi = tf_hg_sample(v3_neg(w), b->g, u0, u1, &ps_pdf);
        if (!(ps_pdf > 0.0f) || ps_wi.z == 0.0f) continue;
        beta = v3_mul(beta, b->albedo); /* p / pdf == 1: HG is sampled exactly */
        w = ps_wi;
        z = zp;
        if (w.z > 0.0f && !top_delta) {
          tf_vec3 f_exit = tf_bxdf_f(top, v3_neg(w), wi, TF_TRANSPORT_RADIANCE);
          if (!v3_is_zero(f_exit)) {
            float exit_pdf = tf_bxdf_pdf(top, wi, v3_neg(w), TF_LOBE_TRANSMISSION);
            float s = tf_power_heuristic(ps_pdf, exit_pdf) * tf_layer_tr(zp - thick, w);
            f = v3_add(f, v3_scale(v3_mul(beta, f_exit), s));
          }
        }
        continue;
      }
      z = tf_clampf(zp, 0.0f, thick);
    }
    tf_bsdf_sample bs;
    if (z == thick) {
      /* Reflection back down at the coating. */
      if (!tf_layer_sample(top, v3_neg(w), TF_TRANSPORT_RADIANCE, TF_LOBE_REFLECTION, rng, &bs))
        break;
      beta = v3_mul(beta, v3_scale(bs.f, tf_absf(bs.wi.z) / bs.pdf));
      w = bs.wi;
      continue;
    }
    /* At the base: next event along the light's presampled direction, then a base sample. */
    if (!bottom_delta) {
      float wt = top_delta ? 1.0f
                           : tf_power_heuristic(wis.pdf, tf_bxdf_pdf(bottom, v3_neg(w),
                                                                     v3_neg(wis.wi), TF_LOBE_ALL));
      tf_vec3 fb = tf_bxdf_f(bottom, v3_neg(w), v3_neg(wis.wi), TF_TRANSPORT_RADIANCE);
      float s = tf_absf(wis.wi.z) * wt * tf_layer_tr(thick, wis.wi);
      f = v3_add(f, v3_scale(v3_mul(v3_mul(beta, fb), light), s));
    }
    if (!tf_layer_sample(bottom, v3_neg(w), TF_TRANSPORT_RADIANCE, TF_LOBE_REFLECTION, rng, &bs))
      break;
    beta = v3_mul(beta, v3_scale(bs.f, tf_absf(bs.wi.z) / bs.pdf));
    w = bs.wi;
    if (!top_delta) {
      tf_vec3 f_exit = tf_bxdf_f(top, v3_neg(w), wi, TF_TRANSPORT_RADIANCE);
      if (!v3_is_zero(f_exit)) {
        float wt = 1.0f;
        if (!bottom_delta) {
          wt = tf_power_heuristic(bs.pdf, tf_bxdf_pdf(top, wi, v3_neg(w), TF_LOBE_TRANSMISSION));
        }
        f = v3_add(f, v3_scale(v3_mul(beta, f_exit), wt * tf_layer_tr(thick, bs.wi)));
      }
    }
  }
  return f;
}

/* Two-sided: a direction pair below the surface is mirrored above it. */
TF_FN tf_vec3 tf_layered_f(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi) {
  if (wo.z < 0.0f) {
    wo = v3_neg(wo);
    wi = v3_neg(wi);
  }
  if (!tf_same_hemisphere(wo, wi) || b->n_samples == 0u) return v3s(0.0f);
  tf_bsdf top = tf_layered_top(b);
  tf_bsdf bottom = tf_layered_bottom(b);
  tf_sampler rng = tf_layered_rng(b, TF_LAYERED_CALL_F);
  /* Reflection at the coating itself, then the walks below it. */
  tf_vec3 f = v3_scale(tf_bxdf_f(&top, wo, wi, TF_TRANSPORT_RADIANCE), (float)b->n_samples);
  for (tf_u32 s = 0u; s < b->n_samples; ++s) {
    f = v3_add(f, tf_layered_walk_f(b, &top, &bottom, wo, wi, &rng));
  }
  return v3_scale(f, 1.0f / (float)b->n_samples);
}

/* One estimate of the density of the paths that enter at wo, reflect once at the base and
 * leave towards wi (wo, wi in the upper hemisphere). */
TF_FN float tf_layered_walk_pdf(const tf_bsdf* top, const tf_bsdf* bottom, tf_vec3 wo, tf_vec3 wi,
                                tf_sampler* rng) {
  tf_bsdf_sample wos;
  tf_bsdf_sample wis;
  int ok_o = tf_layer_sample(top, wo, TF_TRANSPORT_RADIANCE, TF_LOBE_TRANSMISSION, rng, &wos);
  int ok_i = tf_layer_sample(top, wi, TF_TRANSPORT_IMPORTANCE, TF_LOBE_TRANSMISSION, rng, &wis);
  if (!ok_o || !ok_i) return 0.0f;
  tf_vec3 down_o = v3_neg(wos.wi);
  if (tf_bxdf_is_delta(top)) return tf_bxdf_pdf(bottom, down_o, v3_neg(wis.wi), TF_LOBE_ALL);
  tf_bsdf_sample rs;
  if (!tf_layer_sample(bottom, down_o, TF_TRANSPORT_RADIANCE, TF_LOBE_ALL, rng, &rs)) return 0.0f;
  if (tf_bxdf_is_delta(bottom)) return tf_bxdf_pdf(top, v3_neg(rs.wi), wi, TF_LOBE_ALL);
  /* Both densities by MIS: the base's towards the light's direction, the coating's towards wi. */
  float r_pdf = tf_bxdf_pdf(bottom, down_o, v3_neg(wis.wi), TF_LOBE_ALL);
  float t_pdf = tf_bxdf_pdf(top, v3_neg(rs.wi), wi, TF_LOBE_ALL);
  return tf_power_heuristic(wis.pdf, r_pdf) * r_pdf + tf_power_heuristic(rs.pdf, t_pdf) * t_pdf;
}

TF_FN float tf_layered_pdf_call(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi, tf_u32 call) {
  if (wo.z < 0.0f) {
    wo = v3_neg(wo);
    wi = v3_neg(wi);
  }
  if (!tf_same_hemisphere(wo, wi) || b->n_samples == 0u) return 0.0f;
  tf_bsdf top = tf_layered_top(b);
  tf_bsdf bottom = tf_layered_bottom(b);
  tf_sampler rng = tf_layered_rng(b, call);
  float n = (float)b->n_samples;
  float sum = n * tf_bxdf_pdf(&top, wo, wi, TF_LOBE_REFLECTION);
  for (tf_u32 s = 0u; s < b->n_samples; ++s)
    sum += tf_layered_walk_pdf(&top, &bottom, wo, wi, &rng);
  /* pbrt's mix: 10% uniform over the sphere. */
  return 0.1f * TF_INV_4PI + 0.9f * (sum / n);
}

TF_FN float tf_layered_pdf(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi) {
  return tf_layered_pdf_call(b, wo, wi, TF_LAYERED_CALL_PDF);
}

/* The walk of one sample. *out gets its direction and f / pdf, the walk's weight; its pdf is
 * the product of the discrete probabilities of a walk of delta events only, else 1 (the
 * caller replaces it). The weight is tracked as one ratio: a product of many densities would
 * underflow. */
TF_FN int tf_layered_walk_sample(const tf_bsdf* b, tf_vec3 wo, float uc, float u0, float u1,
                                 tf_bsdf_sample* out) {
  tf_bsdf top = tf_layered_top(b);
  tf_bsdf bottom = tf_layered_bottom(b);
  tf_bsdf_sample bs;
  if (!tf_bxdf_sample_f(&top, wo, uc, u0, u1, TF_TRANSPORT_RADIANCE, TF_LOBE_ALL, &bs)) return 0;
  if (v3_is_zero(bs.f) || !(bs.pdf > 0.0f) || bs.wi.z == 0.0f) return 0;
  if (bs.wi.z > 0.0f) { /* reflected by the coating */
    *out = bs;
    return 1;
  }
  tf_sampler rng = tf_layered_rng(b, TF_LAYERED_CALL_SAMPLE);
  int medium = tf_layered_has_medium(b);
  float thick = tf_maxf(b->thickness, TF_LAYER_MIN_THICKNESS);
  int specular = bs.is_delta;
  float delta_pdf = bs.pdf;
  tf_vec3 beta = v3_scale(bs.f, tf_absf(bs.wi.z) / bs.pdf);
  tf_vec3 w = bs.wi;
  float z = thick;
  for (tf_u32 depth = 0u; depth < b->max_depth; ++depth) {
    float rr = v3_max_component(beta);
    if (depth > 3u && rr < 0.25f) {
      float q = tf_maxf(0.0f, 1.0f - rr);
      if (tf_sampler_next(&rng) < q) return 0;
      beta = v3_scale(beta, 1.0f / (1.0f - q));
      delta_pdf *= 1.0f - q;
    }
    if (w.z == 0.0f) return 0;
    if (medium) {
      float zp = z + (w.z > 0.0f ? 1.0f : -1.0f) * tf_layer_sample_dz(w, tf_sampler_next(&rng));
      if (zp == z) return 0;
      if (0.0f < zp && zp < thick) {
        float u2 = tf_sampler_next(&rng);
        float u3 = tf_sampler_next(&rng);
        float ps_pdf;
        tf_vec3 ps_wi = tf_hg_sample(v3_neg(w), b->g, u2, u3, &ps_pdf);
        if (!(ps_pdf > 0.0f) || ps_wi.z == 0.0f) return 0;
        beta = v3_mul(beta, b->albedo); /* p / pdf == 1: HG is sampled exactly */
        specular = 0;
        w = ps_wi;
        z = zp;
        continue;
      }
      z = tf_clampf(zp, 0.0f, thick);
    } else {
      z = z == thick ? 0.0f : thick;
      beta = v3_scale(beta, tf_layer_tr(thick, w));
    }
    const tf_bsdf* iface = z == 0.0f ? &bottom : &top;
    if (!tf_layer_sample(iface, v3_neg(w), TF_TRANSPORT_RADIANCE, TF_LOBE_ALL, &rng, &bs)) return 0;
    beta = v3_mul(beta, v3_scale(bs.f, 1.0f / bs.pdf));
    delta_pdf *= bs.pdf;
    specular = specular && bs.is_delta;
    w = bs.wi;
    if (iface == &top && w.z > 0.0f) { /* left through the coating */
      float pdf = specular ? delta_pdf : 1.0f;
      tf_set_sample(out, v3_scale(beta, pdf), w, pdf, specular, 1.0f);
      return 1;
    }
    beta = v3_scale(beta, tf_absf(w.z));
  }
  return 0;
}

/* Samples wi given wo; the sample's pdf is tf_layered_pdf's (see the header comment), except
 * for delta samples, whose pdf is the walk's discrete probability. */
TF_FN int tf_layered_sample_f(const tf_bsdf* b, tf_vec3 wo, float uc, float u0, float u1,
                              tf_bsdf_sample* out) {
  int flip = wo.z < 0.0f;
  if (flip) wo = v3_neg(wo);
  if (!tf_layered_walk_sample(b, wo, uc, u0, u1, out)) return 0;
  if (!out->is_delta) {
    float pdf = tf_layered_pdf_call(b, wo, out->wi, TF_LAYERED_CALL_SAMPLE_PDF);
    out->f = v3_scale(out->f, pdf / out->pdf);
    out->pdf = pdf;
  }
  if (flip) out->wi = v3_neg(out->wi);
  return 1;
}

#endif
