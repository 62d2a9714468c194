/* The BSDF of every material type, in the local shading frame (z = shading normal), for light
 * transport of radiance: the single-layer BxDFs (bxdfs.h), the layered ones
 * (layered_bsdf.h: coated diffuse, coated conductor), hair (hair_bsdf.h, whose frame's x
 * axis runs along the fibre) and measured materials (measured_bxdf.h).
 *
 * Contract shared by every type: tf_bsdf_f and tf_bsdf_pdf cover the non-delta part only
 * (both 0 for delta BSDFs); tf_bsdf_sample_f returns 0 when no direction is produced, else
 * fills a tf_bsdf_sample whose pdf is a solid-angle density (or the discrete probability of
 * the chosen lobe when is_delta). Layered BSDFs are stochastic estimates keyed by b->rng
 * (tf_bsdf_key_rng), so they are deterministic for a given key. */
#ifndef TF_KERNELS_RENDER_BSDF_H
#define TF_KERNELS_RENDER_BSDF_H

#include "hair_bsdf.h"
#include "layered_bsdf.h"
#include "measured_bxdf.h"

/* Keys the random walks of a layered BSDF to bounce `bounce` of one path sample: dimensions
 * TF_DIM_LAYERED(bounce) onwards of that (frame, pixel, sample), apart from the path's own. */
#define TF_DIM_LAYERED(bounce) (0x80000000u + (bounce) * TF_LAYERED_BOUNCE_DIMS)

TF_FN void tf_bsdf_key_rng(tf_bsdf* b, tf_u32 frame, tf_u32 px, tf_u32 py, tf_u32 sample,
                           tf_u32 bounce) {
  b->rng = tf_sampler_start(frame, px, py, sample);
  b->rng.dim = TF_DIM_LAYERED(bounce);
}

/* Copies the coating and medium of material m (meaningful for coated types only); the walks
 * start unkeyed (dimension 0 of key 0) until tf_bsdf_key_rng. */
TF_FN void tf_bsdf_set_coating(tf_bsdf* b, TF_GLOBAL const tf_material* m) {
  b->coat_eta = m->coat_eta;
  b->coat_ax = m->coat_alpha_u;
  b->coat_ay = m->coat_alpha_v;
  tf_ggx_clamp_alphas(&b->coat_ax, &b->coat_ay);
  b->thickness = m->thickness;
  b->g = m->hg_g;
  b->albedo = v3(m->albedo_r, m->albedo_g, m->albedo_b);
  b->max_depth = m->max_depth;
  b->n_samples = m->n_samples;
  b->rng = tf_sampler_start(0u, 0u, 0u, 0u);
}

TF_FN int tf_bsdf_is_delta(const tf_bsdf* b) {
  if (b->type == TF_MAT_HAIR || b->type == TF_MAT_MEASURED) return 0;
  return tf_is_layered(b->type) ? tf_layered_is_delta(b) : tf_bxdf_is_delta(b);
}

TF_FN tf_vec3 tf_bsdf_f(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi) {
  if (tf_is_layered(b->type)) return tf_layered_f(b, wo, wi);
  if (b->type == TF_MAT_HAIR) return tf_hair_f(b, wo, wi);
  if (b->type == TF_MAT_MEASURED) return tf_measured_f(b, wo, wi);
  return tf_bxdf_f(b, wo, wi, TF_TRANSPORT_RADIANCE);
}

TF_FN float tf_bsdf_pdf(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi) {
  if (tf_is_layered(b->type)) return tf_layered_pdf(b, wo, wi);
  if (b->type == TF_MAT_HAIR) return tf_hair_pdf(b, wo, wi);
  if (b->type == TF_MAT_MEASURED) return tf_measured_pdf(b, wo, wi);
  return tf_bxdf_pdf(b, wo, wi, TF_LOBE_ALL);
}

/* Samples wi given wo. uc picks a lobe; (u0, u1) the direction. */
TF_FN int tf_bsdf_sample_f(const tf_bsdf* b, tf_vec3 wo, float uc, float u0, float u1,
                           tf_bsdf_sample* out) {
  if (tf_is_layered(b->type)) return tf_layered_sample_f(b, wo, uc, u0, u1, out);
  if (b->type == TF_MAT_HAIR) return tf_hair_sample_f(b, wo, uc, u0, u1, out);
  if (b->type == TF_MAT_MEASURED) return tf_measured_sample_f(b, wo, u0, u1, out);
  return tf_bxdf_sample_f(b, wo, uc, u0, u1, TF_TRANSPORT_RADIANCE, TF_LOBE_ALL, out);
}

#endif
