/* Unidirectional path tracing with next-event estimation and multiple importance sampling
 * (power heuristic), as pbrt-v4's PathIntegrator.
 *
 * Path depth follows pbrt's "maxdepth": emission seen directly counts at depth 0, and a path
 * scatters at most max_depth times. Russian roulette starts after TF_RR_START_DEPTH bounces and
 * draws its decision from the RNG, so it is deterministic.
 *
 * Random dimensions per sample: 0-1 pixel position, 2-3 lens; bounce b uses
 * TF_DIM_BOUNCE(b) + 0 light choice, +1..2 light point, +3 BSDF lobe, +4..5 BSDF direction,
 * +6 Russian roulette. */
#ifndef TF_KERNELS_RENDER_INTEGRATOR_H
#define TF_KERNELS_RENDER_INTEGRATOR_H

#include "../device/rng.h"
#include "bsdf.h"
#include "lights.h"
#include "texture.h"

#define TF_RR_START_DEPTH 3u
#define TF_DIM_BOUNCE(b) (4u + 8u * (b))
/* Shadow rays towards finite lights stop this fraction short of the sampled point. */
#define TF_SHADOW_SHORTEN 1.0e-4f

/* Everything a path needs to draw its random numbers. */
typedef struct tf_sample_id {
  tf_u32 frame, px, py, sample;
} tf_sample_id;

TF_FN float tf_rand(const tf_sample_id* id, tf_u32 dim) {
  return tf_rng_float(id->frame, id->px, id->py, id->sample, dim);
}

/* The BSDF of material `m` at surface sf (textures evaluated, alphas clamped as pbrt does). */
TF_FN tf_bsdf tf_make_bsdf(const tf_scene_view* s, const tf_surface* sf) {
  TF_GLOBAL const tf_material* m = s->materials + sf->material;
  tf_bsdf b;
  b.type = m->type;
  b.color = m->texture >= 0 ? tf_texture_eval(s, m->texture, sf->u, sf->v) : v3(m->r, m->g, m->b);
  b.eta = v3(m->eta_r, m->eta_g, m->eta_b);
  b.k = v3(m->k_r, m->k_g, m->k_b);
  if ((m->flags & TF_MAT_USE_REFLECTANCE) != 0u) { /* conductors, coated or not */
    b.eta = v3s(1.0f);
    b.k = v3(tf_k_from_reflectance(b.color.x), tf_k_from_reflectance(b.color.y),
             tf_k_from_reflectance(b.color.z));
  }
  b.ax = m->alpha_u;
  b.ay = m->alpha_v;
  tf_ggx_clamp_alphas(&b.ax, &b.ay);
  tf_bsdf_set_coating(&b, m);
  return b;
}

/* Orthonormal shading frame (t, b, n). */
typedef struct tf_frame {
  tf_vec3 t, b, n;
} tf_frame;

TF_FN tf_frame tf_frame_from_normal(tf_vec3 n) {
  tf_frame f;
  f.n = n;
  v3_basis(n, &f.t, &f.b);
  return f;
}
TF_FN tf_vec3 tf_to_local(const tf_frame* f, tf_vec3 w) { return v3(v3_dot(w, f->t), v3_dot(w, f->b), v3_dot(w, f->n)); }
TF_FN tf_vec3 tf_to_world(const tf_frame* f, tf_vec3 w) {
  return v3_add(v3_add(v3_scale(f->t, w.x), v3_scale(f->b, w.y)), v3_scale(f->n, w.z));
}

/* Next-event estimation at surface sf: one light sample, MIS-weighted against the BSDF.
 * Returns the unweighted-by-beta contribution; counts the shadow ray in *rays. */
TF_FN tf_vec3 tf_sample_direct(const tf_scene_view* s, const tf_surface* sf, const tf_bsdf* bsdf,
                               const tf_frame* frame, tf_vec3 wo, const tf_sample_id* id, tf_u32 dim,
                               tf_u32* rays) {
  tf_vec3 zero = v3s(0.0f);
  float pmf;
  tf_u32 n_lights = s->header.light_count;
  tf_u32 li = tf_dist1d_sample_discrete(s->distribution, n_lights, tf_rand(id, dim), &pmf);
  if (pmf <= 0.0f) return zero;
  tf_light_sample ls;
  tf_sample_light(s, s->lights + li, sf->p, tf_rand(id, dim + 1u), tf_rand(id, dim + 2u), &ls);
  if (ls.pdf <= 0.0f || v3_is_zero(ls.L)) return zero;
  tf_vec3 wi = tf_to_local(frame, ls.wi);
  tf_vec3 f = v3_scale(tf_bsdf_f(bsdf, wo, wi), tf_absf(wi.z));
  if (v3_is_zero(f)) return zero;
  tf_ray shadow;
  shadow.o = tf_offset_origin(sf->p, sf->ng, ls.wi);
  float tmax = TF_FLOAT_MAX;
  shadow.d = ls.wi;
  if (ls.dist != TF_FLOAT_MAX) {
    tf_vec3 target = v3_madd(sf->p, ls.wi, ls.dist);
    tf_vec3 d = v3_sub(target, shadow.o);
    float len = v3_length(d);
    if (len <= 0.0f) return zero;
    shadow.d = v3_scale(d, 1.0f / len);
    tmax = len * (1.0f - TF_SHADOW_SHORTEN);
  }
  *rays += 1u;
  if (tf_occluded(s, shadow, 0.0f, tmax)) return zero;
  float light_pdf = pmf * ls.pdf;
  float w = ls.is_delta ? 1.0f : tf_power_heuristic(light_pdf, tf_bsdf_pdf(bsdf, wo, wi));
  return v3_scale(v3_mul(f, ls.L), w / light_pdf);
}

/* Radiance along camera ray `ray` for one sample; adds every ray cast to *rays. */
TF_FN tf_vec3 tf_trace_path(const tf_scene_view* s, tf_ray ray, const tf_sample_id* id, tf_u32* rays) {
  tf_vec3 L = v3s(0.0f);
  tf_vec3 beta = v3s(1.0f);
  float eta_scale = 1.0f;
  int specular = 1;       /* the previous vertex was the camera or a delta BSDF: no MIS */
  float prev_pdf = 0.0f;  /* BSDF density of the last bounce */
  tf_vec3 prev_p = ray.o; /* where the last bounce started */
  TF_GLOBAL const float* select = s->distribution;
  tf_u32 n_lights = s->header.light_count;
  for (tf_u32 depth = 0u;; ++depth) {
    tf_hit hit = tf_closest_hit(s, ray, 0.0f, TF_FLOAT_MAX);
    *rays += 1u;
    if (hit.prim == TF_NO_PRIM) {
      if (s->header.env_light >= 0) {
        float pdf_l;
        tf_vec3 le = tf_env_radiance(s, s->lights + s->header.env_light, ray.d, &pdf_l);
        float w = specular ? 1.0f
                           : tf_power_heuristic(prev_pdf, tf_dist1d_pmf(select, n_lights, (tf_u32)s->header.env_light) * pdf_l);
        L = v3_add(L, v3_scale(v3_mul(beta, le), w));
      }
      break;
    }
    tf_surface sf = tf_surface_at(s, ray, hit);
    if (sf.light >= 0) {
      tf_vec3 le = tf_area_light_emission(s->lights + sf.light, sf.ng, v3_neg(ray.d));
      if (!v3_is_zero(le)) {
        float w = 1.0f;
        if (!specular) {
          float pdf_l = tf_dist1d_pmf(select, n_lights, (tf_u32)sf.light) *
                        tf_area_light_pdf(s, hit.prim, prev_p, sf.p, sf.ng);
          w = tf_power_heuristic(prev_pdf, pdf_l);
        }
        L = v3_add(L, v3_scale(v3_mul(beta, le), w));
      }
    }
    if (depth >= s->header.max_depth) break;

    tf_bsdf bsdf = tf_make_bsdf(s, &sf);
    tf_bsdf_key_rng(&bsdf, id->frame, id->px, id->py, id->sample, depth);
    tf_frame frame = tf_frame_from_normal(sf.ns);
    tf_vec3 wo = tf_to_local(&frame, v3_neg(ray.d));
    tf_u32 dim = TF_DIM_BOUNCE(depth);
    if (n_lights > 0u && !tf_bsdf_is_delta(&bsdf)) {
      L = v3_add(L, v3_mul(beta, tf_sample_direct(s, &sf, &bsdf, &frame, wo, id, dim, rays)));
    }
    tf_bsdf_sample bs;
    if (!tf_bsdf_sample_f(&bsdf, wo, tf_rand(id, dim + 3u), tf_rand(id, dim + 4u),
                          tf_rand(id, dim + 5u), &bs)) {
      break;
    }
    if (!(bs.pdf > 0.0f) || v3_is_zero(bs.f)) break;
    beta = v3_mul(beta, v3_scale(bs.f, tf_absf(bs.wi.z) / bs.pdf));
    specular = bs.is_delta;
    prev_pdf = bs.pdf;
    prev_p = sf.p;
    eta_scale *= bs.eta * bs.eta;
    tf_vec3 wi = tf_to_world(&frame, bs.wi);
    ray.o = tf_offset_origin(sf.p, sf.ng, wi);
    ray.d = v3_normalize(wi);

    float rr = v3_max_component(beta) * eta_scale;
    if (depth + 1u >= TF_RR_START_DEPTH && rr < 1.0f) {
      float q = tf_maxf(0.0f, 1.0f - rr);
      if (tf_rand(id, dim + 6u) < q) break;
      beta = v3_scale(beta, 1.0f / (1.0f - q));
    }
  }
  return L;
}

#endif
