/* Unidirectional volumetric path tracing with next-event estimation and multiple importance
 * sampling (power heuristic), as pbrt-v4's VolPathIntegrator.
 *
 * Path depth follows pbrt's "maxdepth": emission seen directly counts at depth 0, and a path
 * scatters at most max_depth times; a scattering event in a medium counts as a bounce, crossing
 * an interface surface does not. Russian roulette starts after TF_RR_START_DEPTH bounces and
 * draws its decision from the RNG, so it is deterministic.
 *
 * Media (medium.h, medium_tracking.h, medium_trace.h): a ray in a medium samples a free-flight
 * distance towards the next surface (hero-channel spectral MIS over the RGB channels; delta
 * tracking in heterogeneous media); at a scattering point the path does next-event estimation
 * with the Henyey-Greenstein phase function, MIS-weighted against phase sampling, and
 * continues in a phase-sampled direction. Shadow rays cross interface surfaces and carry the
 * transmittance of every medium segment (exact in homogeneous media, ratio-tracked in
 * heterogeneous ones). Emissive media add their emission along the path's free flights while
 * depth < max_depth, as pbrt does (medium_emission.h); the flag keeps other media's work as it
 * was. A path entering a "subsurface" interior with a reflectance texture through a surface
 * takes its albedo from the texture at that hit while inside (subsurface_albedo.h).
 *
 * Random dimensions per sample: 0-1 pixel position, 2-3 lens; bounce b uses
 * TF_DIM_BOUNCE(b) + 0 light choice, +1..2 light point, +3 BSDF lobe, +4..5 BSDF or phase
 * direction, +6 Russian roulette (a bounce scatters at a surface or in a medium, never both).
 * In scenes with media the hero channel is TF_DIM_HERO and the k-th free-flight number of a
 * path (k = 0, 1, ...) is TF_DIM_FLIGHT(k): from 2^30 up, above every bounce dimension
 * (max_depth <= 2^16) and below the layered BSDFs' walks (TF_DIM_LAYERED, bsdf.h, 2^31 up);
 * a homogeneous medium draws one per segment, delta tracking two per collision. The k-th
 * number of the path's ratio-tracked shadow rays (heterogeneous media, medium_tracking.h) is
 * TF_DIM_SHADOW_TRACK(k), from 2^30 + 2^29 up. */
#ifndef TF_KERNELS_RENDER_INTEGRATOR_H
#define TF_KERNELS_RENDER_INTEGRATOR_H

#include "../device/rng.h"
#include "bsdf.h"
#include "hair_surface.h"
#include "lights.h"
#include "medium_trace.h"
#include "subsurface_albedo.h"
#include "texture_graph.h"

#define TF_RR_START_DEPTH 3u
#define TF_DIM_BOUNCE(b) (4u + 8u * (b))
#define TF_DIM_HERO 0x40000000u
#define TF_DIM_FLIGHT(k) (0x40000001u + (k))
#define TF_DIM_SHADOW_TRACK(k) (0x60000000u + (k))
/* Shadow rays towards finite lights stop this fraction short of the sampled point. */
#define TF_SHADOW_SHORTEN 1.0e-4f

/* Everything a path needs to draw its random numbers. */
typedef struct tf_sample_id {
  tf_u32 frame, px, py, sample;
} tf_sample_id;

TF_FN float tf_rand(const tf_sample_id* id, tf_u32 dim) {
  return tf_rng_float(id->frame, id->px, id->py, id->sample, dim);
}

/* The BSDF of sf's material at sf (textures evaluated, roughness textures included; alphas
 * clamped as pbrt does). */
TF_FN tf_bsdf tf_make_bsdf(const tf_scene_view* s, const tf_surface* sf) {
  TF_GLOBAL const tf_material* m = s->materials + sf->material;
  tf_bsdf b;
  b.type = m->type;
  tf_tex_ctx tc = tf_surface_tex_ctx(sf);
  b.color = m->texture >= 0 ? tf_texture_graph_eval(s, m->texture, &tc) : v3(m->r, m->g, m->b);
  b.eta = v3(m->eta_r, m->eta_g, m->eta_b);
  b.k = v3(m->k_r, m->k_g, m->k_b);
  b.trans = v3(m->trans_r, m->trans_g, m->trans_b);
  if ((m->flags & TF_MAT_USE_REFLECTANCE) != 0u) { /* conductors, coated or not */
    b.eta = v3s(1.0f);
    b.k = v3(tf_k_from_reflectance(b.color.x), tf_k_from_reflectance(b.color.y),
             tf_k_from_reflectance(b.color.z));
  }
  b.ax = m->alpha_u;
  b.ay = m->alpha_v;
  b.hair_h = 0.0f; /* hair: set with its frame (tf_frame_at) */
  b.beta_m = m->beta_m;
  b.beta_n = m->beta_n;
  b.hair_alpha = m->hair_alpha;
  b.measured = s->texels + (m->type == TF_MAT_MEASURED ? m->measured - 1u : 0u);
  tf_bsdf_set_coating(&b, m);
  tf_material_alphas(s, m, &tc, &b.ax, &b.ay, &b.coat_ax, &b.coat_ay);
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

/* The frame of pbrt's BSDF for hair: x along tangent t (made orthogonal to n), y = n x t. */
TF_FN tf_frame tf_frame_from_xz(tf_vec3 t, tf_vec3 n) {
  tf_frame f;
  f.n = n;
  tf_vec3 x = v3_sub(t, v3_scale(n, v3_dot(t, n)));
  float len2 = v3_length_sq(x);
  if (!(len2 > 0.0f && len2 <= TF_FLOAT_MAX)) return tf_frame_from_normal(n);
  f.t = v3_scale(x, 1.0f / tf_sqrt(len2));
  f.b = v3_cross(n, f.t);
  return f;
}

/* The shading frame of bsdf at surface sf of primitive `prim`: around the shading normal, and
 * for hair along the fibre (hair_surface.h), which also sets the hair's h. */
TF_FN tf_frame tf_frame_at(const tf_scene_view* s, tf_u32 prim, const tf_surface* sf,
                           tf_bsdf* bsdf) {
  if (bsdf->type != TF_MAT_HAIR) return tf_frame_from_normal(sf->ns);
  return tf_frame_from_xz(tf_fibre_at(s, prim, sf, &bsdf->hair_h), sf->ns);
}

TF_FN tf_vec3 tf_to_local(const tf_frame* f, tf_vec3 w) { return v3(v3_dot(w, f->t), v3_dot(w, f->b), v3_dot(w, f->n)); }
TF_FN tf_vec3 tf_to_world(const tf_frame* f, tf_vec3 w) {
  return v3_add(v3_add(v3_scale(f->t, w.x), v3_scale(f->b, w.y)), v3_scale(f->n, w.z));
}

/* The light half of next-event estimation from point p: picks a light (dimension dim) and a
 * point on it (dim + 1, dim + 2). Returns 0 when the sample carries nothing; else fills *ls
 * and *light_pdf (selection probability times the light's density). */
TF_FN int tf_pick_light(const tf_scene_view* s, tf_vec3 p, const tf_sample_id* id, tf_u32 dim,
                        tf_light_sample* ls, float* light_pdf) {
  float pmf;
  tf_u32 n_lights = s->header.light_count;
  tf_u32 li = tf_dist1d_sample_discrete(s->distribution, n_lights, tf_rand(id, dim), &pmf);
  if (pmf <= 0.0f) return 0;
  tf_sample_light(s, s->lights + li, p, tf_rand(id, dim + 1u), tf_rand(id, dim + 2u), ls);
  if (ls->pdf <= 0.0f || v3_is_zero(ls->L)) return 0;
  *light_pdf = pmf * ls->pdf;
  return 1;
}

/* The random sequence of a path that starts at dimension `first` (medium_tracking.h). */
TF_FN tf_track_rng tf_track_rng_at(const tf_sample_id* id, tf_u32 first) {
  tf_track_rng g;
  g.frame = id->frame;
  g.px = id->px;
  g.py = id->py;
  g.sample = id->sample;
  g.next = first;
  return g;
}

/* Transmittance of the shadow ray from origin o (p, or p moved off its surface) to the light
 * point of *ls sampled from p, starting in `medium`; zero when blocked. Rays towards finite
 * lights stop TF_SHADOW_SHORTEN short of the light. Ratio tracking draws from *g. */
TF_FN tf_vec3 tf_light_visibility(const tf_scene_view* s, tf_vec3 o, tf_vec3 p,
                                  const tf_light_sample* ls, tf_u32 medium, tf_track_rng* g,
                                  tf_u32* rays) {
  tf_ray shadow;
  shadow.o = o;
  shadow.d = ls->wi;
  float tmax = TF_FLOAT_MAX;
  if (ls->dist != TF_FLOAT_MAX) {
    tf_vec3 target = v3_madd(p, ls->wi, ls->dist);
    tf_vec3 d = v3_sub(target, o);
    float len = v3_length(d);
    if (len <= 0.0f) return v3s(0.0f);
    shadow.d = v3_scale(d, 1.0f / len);
    tmax = len * (1.0f - TF_SHADOW_SHORTEN);
  }
  return tf_shadow_transmittance(s, shadow, tmax, tf_origin_lead(o, p, shadow.d), medium, g, rays);
}

/* Next-event estimation at surface sf (of a primitive with `flags`, reached in `medium`): one
 * light sample, MIS-weighted against the BSDF. Returns the unweighted-by-beta contribution;
 * counts the shadow rays in *rays; ratio tracking draws from *g. */
TF_FN tf_vec3 tf_sample_direct(const tf_scene_view* s, const tf_surface* sf, const tf_bsdf* bsdf,
                               const tf_frame* frame, tf_vec3 wo, tf_u32 flags, tf_u32 medium,
                               const tf_sample_id* id, tf_u32 dim, tf_track_rng* g,
                               tf_u32* rays) {
  tf_vec3 zero = v3s(0.0f);
  tf_light_sample ls;
  float light_pdf;
  if (!tf_pick_light(s, sf->p, id, dim, &ls, &light_pdf)) return zero;
  tf_vec3 wi = tf_to_local(frame, ls.wi);
  tf_vec3 f = v3_scale(tf_bsdf_f(bsdf, wo, wi), tf_absf(wi.z));
  if (v3_is_zero(f)) return zero;
  tf_vec3 tr = tf_light_visibility(s, tf_offset_origin(sf->p, sf->ng, ls.wi), sf->p, &ls,
                                   tf_medium_after(flags, sf->ng, ls.wi, medium), g, rays);
  if (v3_is_zero(tr)) return zero;
  float w = ls.is_delta ? 1.0f : tf_power_heuristic(light_pdf, tf_bsdf_pdf(bsdf, wo, wi));
  return v3_scale(v3_mul(v3_mul(f, ls.L), tr), w / light_pdf);
}

/* Next-event estimation at point p inside `medium` (phase asymmetry g) for a path arriving
 * along unit direction d: one light sample, MIS-weighted against phase sampling. */
TF_FN tf_vec3 tf_sample_direct_medium(const tf_scene_view* s, tf_vec3 p, tf_vec3 d, float g,
                                      tf_u32 medium, const tf_sample_id* id, tf_u32 dim,
                                      tf_track_rng* track, tf_u32* rays) {
  tf_vec3 zero = v3s(0.0f);
  tf_light_sample ls;
  float light_pdf;
  if (!tf_pick_light(s, p, id, dim, &ls, &light_pdf)) return zero;
  float phase = tf_hg_p(v3_neg(d), ls.wi, g);
  if (!(phase > 0.0f)) return zero;
  tf_vec3 tr = tf_light_visibility(s, p, p, &ls, medium, track, rays);
  if (v3_is_zero(tr)) return zero;
  float w = ls.is_delta ? 1.0f : tf_power_heuristic(light_pdf, phase);
  return v3_scale(v3_mul(ls.L, tr), phase * w / light_pdf);
}

/* Russian roulette after bounce `depth` (random dimension dim) on the MIS-weighted throughput:
 * returns 0 to end the path, else 1 with *beta reweighted for survival. */
TF_FN int tf_survives_roulette(tf_vec3* beta, tf_vec3 r, float eta_scale, tf_u32 depth,
                               const tf_sample_id* id, tf_u32 dim) {
  float rr = v3_max_component(tf_mis_beta(*beta, r)) * eta_scale;
  if (depth + 1u >= TF_RR_START_DEPTH && rr < 1.0f) {
    float q = tf_maxf(0.0f, 1.0f - rr);
    if (tf_rand(id, dim) < q) return 0;
    *beta = v3_scale(*beta, 1.0f / (1.0f - q));
  }
  return 1;
}

/* Radiance along camera ray `ray` for one sample; adds every ray cast to *rays. */
TF_FN tf_vec3 tf_trace_path(const tf_scene_view* s, tf_ray ray, const tf_sample_id* id, tf_u32* rays) {
  tf_vec3 L = v3s(0.0f);
  tf_vec3 beta = v3s(1.0f);
  tf_vec3 r = v3s(1.0f); /* spectral MIS ratios of the free-flight sampling (medium.h) */
  float eta_scale = 1.0f;
  int specular = 1;       /* the previous vertex was the camera or a delta BSDF: no MIS */
  float prev_pdf = 0.0f;  /* BSDF or phase density of the last bounce */
  tf_vec3 prev_p = ray.o; /* where the last bounce started */
  TF_GLOBAL const float* select = s->distribution;
  tf_u32 n_lights = s->header.light_count;
  tf_u32 medium = s->header.camera_medium; /* 1 + media[] index, 0: vacuum */
  tf_track_rng flight = tf_track_rng_at(id, TF_DIM_FLIGHT(0u));     /* free flights */
  tf_track_rng shadow = tf_track_rng_at(id, TF_DIM_SHADOW_TRACK(0u)); /* shadow rays */
  int hero = s->header.medium_count > 0u ? tf_mini((int)(tf_rand(id, TF_DIM_HERO) * 3.0f), 2) : 0;
  tf_u32 albedo_medium = 0u; /* the medium walked with `albedo` (subsurface_albedo.h), 0: none */
  tf_vec3 albedo = v3s(0.0f);
  tf_u32 crossings = 0u;                   /* interface surfaces passed by the current ray */
  float lead = 0.0f;                       /* ray.o lies this far beyond the true start */
  tf_u32 depth = 0u;
  for (;;) {
    tf_hit hit = tf_closest_hit(s, ray, 0.0f, TF_FLOAT_MAX);
    *rays += 1u;
    if (medium != 0u) {
      TF_GLOBAL const tf_medium* m = s->media + (medium - 1u);
      float t;
      int emit = m->emissive != 0u && depth < s->header.max_depth;
      tf_vec3 le = v3s(0.0f);
      int scattered = tf_medium_sample_any(
          s, m, v3_madd(ray.o, ray.d, -lead), ray.d,
          hit.prim == TF_NO_PRIM ? TF_FLOAT_MAX : hit.t + lead, hero, &flight, &t, &beta, &r,
          emit, &le, medium == albedo_medium, albedo);
      if (emit) L = v3_add(L, le);
      if (v3_is_zero(beta)) break;
      if (scattered) {
        if (depth >= s->header.max_depth) break;
        tf_vec3 p = v3_madd(ray.o, ray.d, t - lead);
        tf_u32 dim = TF_DIM_BOUNCE(depth);
        if (n_lights > 0u) {
          L = v3_add(L, v3_mul(tf_mis_beta(beta, r),
                               tf_sample_direct_medium(s, p, ray.d, m->g, medium, id, dim,
                                                       &shadow, rays)));
        }
        ray.d = v3_normalize(tf_hg_sample(v3_neg(ray.d), m->g, tf_rand(id, dim + 4u),
                                          tf_rand(id, dim + 5u), &prev_pdf));
        ray.o = p;
        lead = 0.0f;
        prev_p = p;
        specular = 0;
        if (!tf_survives_roulette(&beta, r, eta_scale, depth, id, dim + 6u)) break;
        depth += 1u;
        crossings = 0u;
        continue;
      }
    }
    if (hit.prim == TF_NO_PRIM) {
      if (s->header.env_light >= 0) {
        float pdf_l;
        tf_vec3 le = tf_env_radiance(s, s->lights + s->header.env_light, ray.d, &pdf_l);
        float w = specular ? 1.0f
                           : tf_power_heuristic(prev_pdf, tf_dist1d_pmf(select, n_lights, (tf_u32)s->header.env_light) * pdf_l);
        L = v3_add(L, v3_scale(v3_mul(tf_mis_beta(beta, r), le), w));
      }
      break;
    }
    tf_surface sf = tf_surface_at(s, ray, hit);
    tf_u32 flags = s->header.medium_count > 0u ? tf_prim_flags(s, hit.prim) : 0u;
    if ((flags & TF_PRIM_NO_SURFACE) != 0u) { /* an interface: pass it, change medium */
      crossings += 1u;
      if (crossings > TF_MAX_CROSSINGS) break;
      medium = tf_medium_after(flags, sf.ng, ray.d, medium);
      ray.o = tf_offset_origin(sf.p, sf.ng, ray.d);
      lead = tf_origin_lead(ray.o, sf.p, ray.d);
      continue;
    }
    if (sf.light >= 0) {
      tf_vec3 le = tf_area_light_le(s, s->lights + sf.light, hit.prim, hit.b1, hit.b2, sf.p, sf.ng,
                                    v3_neg(ray.d));
      if (!v3_is_zero(le)) {
        float w = 1.0f;
        if (!specular) {
          float pdf_l = tf_dist1d_pmf(select, n_lights, (tf_u32)sf.light) *
                        tf_area_light_pdf(s, hit.prim, prev_p, sf.p, sf.ng);
          w = tf_power_heuristic(prev_pdf, pdf_l);
        }
        L = v3_add(L, v3_scale(v3_mul(tf_mis_beta(beta, r), le), w));
      }
    }
    if (depth >= s->header.max_depth) break;

    tf_bsdf bsdf = tf_make_bsdf(s, &sf);
    tf_bsdf_key_rng(&bsdf, id->frame, id->px, id->py, id->sample, depth);
    tf_frame frame = tf_frame_at(s, hit.prim, &sf, &bsdf);
    tf_vec3 wo = tf_to_local(&frame, v3_neg(ray.d));
    tf_u32 dim = TF_DIM_BOUNCE(depth);
    if (n_lights > 0u && !tf_bsdf_is_delta(&bsdf)) {
      tf_vec3 direct =
          tf_sample_direct(s, &sf, &bsdf, &frame, wo, flags, medium, id, dim, &shadow, rays);
      L = v3_add(L, v3_mul(tf_mis_beta(beta, r), direct));
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
    lead = tf_origin_lead(ray.o, sf.p, ray.d);
    tf_u32 next = tf_medium_after(flags, sf.ng, ray.d, medium);
    if (next != medium) {
      albedo_medium = tf_entry_albedo(s->media, s->densities, next, bsdf.color, &albedo);
    }
    medium = next;
    if (!tf_survives_roulette(&beta, r, eta_scale, depth, id, dim + 6u)) break;
    depth += 1u;
    crossings = 0u;
  }
  return L;
}

#endif
