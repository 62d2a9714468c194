/* The single-layer BxDFs, in the local shading frame (z = shading normal): pbrt-v4's Diffuse,
 * DiffuseTransmission, Conductor, Dielectric and ThinDielectric BxDFs. bsdf.h dispatches to these and to the layered
 * BSDFs (layered_bsdf.h), which use them as their interfaces.
 *
 * Contract shared by every type: tf_bxdf_f and tf_bxdf_pdf cover the non-delta part only
 * (both 0 for delta BxDFs); tf_bxdf_sample_f returns 0 when no direction is produced, else
 * fills a tf_bsdf_sample whose pdf is a solid-angle density (or the discrete probability of
 * the chosen lobe when is_delta).
 *
 * `lobes` (TF_LOBE_*) restricts sampling and pdfs to reflection or transmission, as pbrt's
 * BxDFReflTransFlags: the pdf is then conditional on that lobe. `mode` is pbrt's TransportMode:
 * with TF_TRANSPORT_RADIANCE, dielectric transmission carries the 1/eta^2 radiance scaling;
 * with TF_TRANSPORT_IMPORTANCE it does not (the layered BSDF traces one side as importance). */
#ifndef TF_KERNELS_RENDER_BXDFS_H
#define TF_KERNELS_RENDER_BXDFS_H

#include "../device/rng.h"
#include "fresnel.h"
#include "microfacet.h"
#include "scene_types.h"

#define TF_LOBE_REFLECTION 1u
#define TF_LOBE_TRANSMISSION 2u
#define TF_LOBE_ALL 3u

#define TF_TRANSPORT_RADIANCE 0u
#define TF_TRANSPORT_IMPORTANCE 1u

typedef struct tf_bsdf {
  tf_u32 type;   /* TF_MAT_* */
  tf_vec3 color; /* diffuse reflectance (coated diffuse: of the base) */
  tf_vec3 trans; /* diffuse transmission: transmittance */
  tf_vec3 eta;   /* conductor (and coated conductor's base): real IOR per channel;
                    dielectric: eta in x */
  tf_vec3 k;     /* conductor: imaginary IOR per channel */
  float ax, ay;  /* GGX alphas (coated conductor: of the base) */
  /* Hair only (hair_bsdf.h; sigma_a in color, eta in eta.x): where the ray met the fibre
     (h in [-1, 1]), longitudinal and azimuthal roughness, scale tilt in degrees. */
  float hair_h, beta_m, beta_n, hair_alpha;
  /* Layered BSDFs only (layered_bsdf.h): the coating and the medium under it. */
  float coat_eta, coat_ax, coat_ay;
  float thickness, g; /* medium thickness (> 0) and Henyey-Greenstein asymmetry */
  tf_vec3 albedo;     /* medium single-scattering albedo; all 0: purely absorbing */
  tf_u32 max_depth, n_samples;
  tf_sampler rng; /* positioned at the first random dimension of the layered walks */
  TF_GLOBAL const float* measured; /* TF_MAT_MEASURED only: its tables (measured_bxdf.h) */
} tf_bsdf;

typedef struct tf_bsdf_sample {
  tf_vec3 f;
  tf_vec3 wi;
  float pdf;
  int is_delta;
  float eta; /* relative IOR crossed (transmission), else 1 */
} tf_bsdf_sample;

TF_FN int tf_same_hemisphere(tf_vec3 a, tf_vec3 b) { return a.z * b.z > 0.0f; }
TF_FN tf_vec3 tf_reflect(tf_vec3 wo, tf_vec3 n) {
  return v3_madd(v3_neg(wo), n, 2.0f * v3_dot(wo, n));
}

/* Refraction of wi through the interface with normal n (either side); *etap = relative IOR
 * actually crossed. Returns 0 on total internal reflection. */
TF_FN int tf_refract(tf_vec3 wi, tf_vec3 n, float eta, float* etap, tf_vec3* wt) {
  float cos_i = v3_dot(n, wi);
  if (cos_i < 0.0f) {
    eta = 1.0f / eta;
    cos_i = -cos_i;
    n = v3_neg(n);
  }
  float sin2_i = tf_maxf(0.0f, 1.0f - cos_i * cos_i);
  float sin2_t = sin2_i / (eta * eta);
  if (sin2_t >= 1.0f) return 0;
  float cos_t = tf_sqrt_safe(1.0f - sin2_t);
  *wt = v3_madd(v3_scale(wi, -1.0f / eta), n, cos_i / eta - cos_t);
  *etap = eta;
  return 1;
}

TF_FN int tf_bxdf_is_delta(const tf_bsdf* b) {
  if (b->type == TF_MAT_DIFFUSE || b->type == TF_MAT_DIFFUSE_TRANSMISSION) return 0;
  if (b->type == TF_MAT_THIN_DIELECTRIC) return 1;
  if (b->type == TF_MAT_DIELECTRIC && b->eta.x == 1.0f) return 1;
  return tf_ggx_effectively_smooth(b->ax, b->ay);
}

/* Probabilities of choosing reflection (*pr) and transmission (*pt) given Fresnel reflectance
 * r, restricted to `lobes`. Returns 0 when no allowed lobe has any probability. */
TF_FN int tf_lobe_probs(float r, tf_u32 lobes, float* pr, float* pt) {
  *pr = (lobes & TF_LOBE_REFLECTION) != 0u ? r : 0.0f;
  *pt = (lobes & TF_LOBE_TRANSMISSION) != 0u ? 1.0f - r : 0.0f;
  return *pr + *pt > 0.0f;
}

/* Radiance scaling of transmission through relative IOR etap (none for importance). */
TF_FN float tf_transmission_scale(float etap, tf_u32 mode) {
  return mode == TF_TRANSPORT_RADIANCE ? 1.0f / (etap * etap) : 1.0f;
}

/* ---- rough dielectric: the generalized half vector of (wo, wi), facing +z ---- */
TF_FN int tf_dielectric_half_vector(tf_vec3 wo, tf_vec3 wi, float eta, tf_vec3* wm, float* etap) {
  int reflect = wi.z * wo.z > 0.0f;
  *etap = 1.0f;
  if (!reflect) *etap = wo.z > 0.0f ? eta : 1.0f / eta;
  tf_vec3 m = v3_madd(wo, wi, *etap);
  if (wi.z == 0.0f || wo.z == 0.0f || v3_length_sq(m) == 0.0f) return 0;
  m = v3_normalize(m);
  if (m.z < 0.0f) m = v3_neg(m);
  /* Discard back-facing microfacets. */
  if (v3_dot(m, wi) * wi.z < 0.0f || v3_dot(m, wo) * wo.z < 0.0f) return 0;
  *wm = m;
  return 1;
}

/* ---- diffuse transmission (pbrt-v4's DiffuseTransmissionBxDF): R / pi on wo's side, T / pi
 * on the other; lobes are sampled in proportion to the largest channel of R and of T ---- */

/* Probabilities of the reflection (*pr) and transmission (*pt) lobes, restricted to `lobes`,
 * normalised to sum to 1. Returns 0 when neither has any. */
TF_FN int tf_diffuse_trans_probs(const tf_bsdf* b, tf_u32 lobes, float* pr, float* pt) {
  float r = (lobes & TF_LOBE_REFLECTION) != 0u ? v3_max_component(b->color) : 0.0f;
  float t = (lobes & TF_LOBE_TRANSMISSION) != 0u ? v3_max_component(b->trans) : 0.0f;
  if (!(r + t > 0.0f)) return 0;
  *pr = r / (r + t);
  *pt = t / (r + t);
  return 1;
}

TF_FN float tf_diffuse_trans_pdf(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi, tf_u32 lobes) {
  float pr, pt;
  if (!tf_diffuse_trans_probs(b, lobes, &pr, &pt)) return 0.0f;
  return (tf_same_hemisphere(wo, wi) ? pr : pt) * tf_absf(wi.z) * TF_INV_PI;
}

TF_FN tf_vec3 tf_bxdf_f(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi, tf_u32 mode) {
  tf_vec3 zero = v3s(0.0f);
  if (tf_bxdf_is_delta(b)) return zero;
  if (b->type == TF_MAT_DIFFUSE_TRANSMISSION) {
    return v3_scale(tf_same_hemisphere(wo, wi) ? b->color : b->trans, TF_INV_PI);
  }
  if (b->type == TF_MAT_DIFFUSE) {
    return tf_same_hemisphere(wo, wi) ? v3_scale(b->color, TF_INV_PI) : zero;
  }
  if (b->type == TF_MAT_CONDUCTOR) {
    if (!tf_same_hemisphere(wo, wi)) return zero;
    float cos_o = tf_absf(wo.z);
    float cos_i = tf_absf(wi.z);
    tf_vec3 wm = v3_add(wi, wo);
    if (v3_length_sq(wm) == 0.0f) return zero;
    wm = v3_normalize(wm);
    tf_vec3 fr = tf_fresnel_conductor(tf_absf(v3_dot(wo, wm)), b->eta, b->k);
    float s = tf_ggx_d(wm, b->ax, b->ay) * tf_ggx_g(wo, wi, b->ax, b->ay) / (4.0f * cos_i * cos_o);
    return v3_scale(fr, s);
  }
  /* Rough dielectric. */
  float eta = b->eta.x;
  tf_vec3 wm;
  float etap;
  if (!tf_dielectric_half_vector(wo, wi, eta, &wm, &etap)) return zero;
  float fr = tf_fresnel_dielectric(v3_dot(wo, wm), eta);
  float d = tf_ggx_d(wm, b->ax, b->ay);
  float g = tf_ggx_g(wo, wi, b->ax, b->ay);
  if (tf_same_hemisphere(wo, wi)) return v3s(d * g * fr / tf_absf(4.0f * wi.z * wo.z));
  float denom_sqrt = v3_dot(wi, wm) + v3_dot(wo, wm) / etap;
  float denom = denom_sqrt * denom_sqrt * wi.z * wo.z;
  float ft = d * (1.0f - fr) * g * tf_absf(v3_dot(wi, wm) * v3_dot(wo, wm) / denom);
  return v3s(ft * tf_transmission_scale(etap, mode));
}

TF_FN float tf_bxdf_pdf(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi, tf_u32 lobes) {
  if (tf_bxdf_is_delta(b)) return 0.0f;
  if (b->type == TF_MAT_DIFFUSE_TRANSMISSION) return tf_diffuse_trans_pdf(b, wo, wi, lobes);
  if (b->type == TF_MAT_DIFFUSE || b->type == TF_MAT_CONDUCTOR) {
    if ((lobes & TF_LOBE_REFLECTION) == 0u || !tf_same_hemisphere(wo, wi)) return 0.0f;
    if (b->type == TF_MAT_DIFFUSE) return tf_absf(wi.z) * TF_INV_PI;
    tf_vec3 wm = v3_add(wo, wi);
    if (v3_length_sq(wm) == 0.0f) return 0.0f;
    wm = v3_normalize(wm);
    if (wm.z < 0.0f) wm = v3_neg(wm);
    return tf_ggx_pdf_visible(wo, wm, b->ax, b->ay) / (4.0f * tf_absf(v3_dot(wo, wm)));
  }
  float eta = b->eta.x;
  tf_vec3 wm;
  float etap;
  if (!tf_dielectric_half_vector(wo, wi, eta, &wm, &etap)) return 0.0f;
  float pr;
  float pt;
  if (!tf_lobe_probs(tf_fresnel_dielectric(v3_dot(wo, wm), eta), lobes, &pr, &pt)) return 0.0f;
  float pdf_m = tf_ggx_pdf_visible(wo, wm, b->ax, b->ay);
  if (tf_same_hemisphere(wo, wi)) return pdf_m / (4.0f * tf_absf(v3_dot(wo, wm))) * pr / (pr + pt);
  float denom_sqrt = v3_dot(wi, wm) + v3_dot(wo, wm) / etap;
  float dwm_dwi = tf_absf(v3_dot(wi, wm)) / (denom_sqrt * denom_sqrt);
  return pdf_m * dwm_dwi * pt / (pr + pt);
}

TF_FN void tf_set_sample(tf_bsdf_sample* s, tf_vec3 f, tf_vec3 wi, float pdf, int is_delta,
                         float eta) {
  s->f = f;
  s->wi = wi;
  s->pdf = pdf;
  s->is_delta = is_delta;
  s->eta = eta;
}

/* Samples diffuse transmission: a lobe by uc, a cosine-distributed direction on its side. */
TF_FN int tf_sample_diffuse_trans(const tf_bsdf* b, tf_vec3 wo, float uc, float u0, float u1,
                                  tf_u32 lobes, tf_bsdf_sample* out) {
  float pr, pt;
  if (wo.z == 0.0f || !tf_diffuse_trans_probs(b, lobes, &pr, &pt)) return 0;
  int reflect = uc < pr;
  tf_vec3 wi = tf_sample_cosine_hemisphere(u0, u1);
  if ((wo.z < 0.0f) == (reflect != 0)) wi.z = -wi.z;
  if (wi.z == 0.0f) return 0;
  tf_vec3 f = v3_scale(reflect ? b->color : b->trans, TF_INV_PI);
  tf_set_sample(out, f, wi, (reflect ? pr : pt) * tf_absf(wi.z) * TF_INV_PI, 0, 1.0f);
  return 1;
}

/* Smooth dielectric (or eta == 1): choose reflection or refraction by Fresnel. */
TF_FN int tf_sample_smooth_dielectric(const tf_bsdf* b, tf_vec3 wo, float uc, tf_u32 mode,
                                      tf_u32 lobes, tf_bsdf_sample* out) {
  float eta = b->eta.x;
  float r = tf_fresnel_dielectric(wo.z, eta);
  float pr;
  float pt;
  if (!tf_lobe_probs(r, lobes, &pr, &pt)) return 0;
  if (uc < pr / (pr + pt)) {
    tf_vec3 wi = v3(-wo.x, -wo.y, wo.z);
    tf_set_sample(out, v3s(r / tf_absf(wi.z)), wi, pr / (pr + pt), 1, 1.0f);
    return 1;
  }
  tf_vec3 wi;
  float etap;
  if (!tf_refract(wo, v3(0.0f, 0.0f, 1.0f), eta, &etap, &wi) || wi.z == 0.0f) return 0;
  float ft = (1.0f - r) / tf_absf(wi.z) * tf_transmission_scale(etap, mode);
  tf_set_sample(out, v3s(ft), wi, pt / (pr + pt), 1, etap);
  return 1;
}

/* Thin dielectric: inter-reflection inside the slab folded into R and T; transmission
 * passes straight through. */
TF_FN int tf_sample_thin_dielectric(const tf_bsdf* b, tf_vec3 wo, float uc, tf_bsdf_sample* out) {
  float r = tf_fresnel_dielectric(tf_absf(wo.z), b->eta.x);
  float t = 1.0f - r;
  if (r < 1.0f) {
    r += t * t * r / (1.0f - r * r);
    t = 1.0f - r;
  }
  if (wo.z == 0.0f) return 0;
  if (uc < r / (r + t)) {
    tf_vec3 wi = v3(-wo.x, -wo.y, wo.z);
    tf_set_sample(out, v3s(r / tf_absf(wi.z)), wi, r / (r + t), 1, 1.0f);
    return 1;
  }
  tf_vec3 wi = v3_neg(wo);
  tf_set_sample(out, v3s(t / tf_absf(wi.z)), wi, t / (r + t), 1, 1.0f);
  return 1;
}

/* Rough dielectric: sample a visible microfacet, then reflect or refract by its Fresnel. */
TF_FN int tf_sample_rough_dielectric(const tf_bsdf* b, tf_vec3 wo, float uc, float u0, float u1,
                                     tf_u32 mode, tf_u32 lobes, tf_bsdf_sample* out) {
  float eta = b->eta.x;
  if (wo.z == 0.0f) return 0;
  tf_vec3 wm = tf_ggx_sample_visible(wo, b->ax, b->ay, u0, u1);
  float r = tf_fresnel_dielectric(v3_dot(wo, wm), eta);
  float pr;
  float pt;
  if (!tf_lobe_probs(r, lobes, &pr, &pt)) return 0;
  float pdf_m = tf_ggx_pdf_visible(wo, wm, b->ax, b->ay);
  float d = tf_ggx_d(wm, b->ax, b->ay);
  tf_vec3 wi;
  if (uc < pr / (pr + pt)) {
    wi = tf_reflect(wo, wm);
    if (!tf_same_hemisphere(wo, wi)) return 0;
    float pdf = pdf_m / (4.0f * tf_absf(v3_dot(wo, wm))) * pr / (pr + pt);
    float f = d * tf_ggx_g(wo, wi, b->ax, b->ay) * r / tf_absf(4.0f * wi.z * wo.z);
    tf_set_sample(out, v3s(f), wi, pdf, 0, 1.0f);
    return 1;
  }
  float etap;
  if (!tf_refract(wo, wm, eta, &etap, &wi)) return 0;
  if (tf_same_hemisphere(wo, wi) || wi.z == 0.0f) return 0;
  float denom_sqrt = v3_dot(wi, wm) + v3_dot(wo, wm) / etap;
  float denom = denom_sqrt * denom_sqrt;
  float dwm_dwi = tf_absf(v3_dot(wi, wm)) / denom;
  float pdf = pdf_m * dwm_dwi * pt / (pr + pt);
  float ft = (1.0f - r) * d * tf_ggx_g(wo, wi, b->ax, b->ay) *
             tf_absf(v3_dot(wi, wm) * v3_dot(wo, wm) / (wi.z * wo.z * denom));
  tf_set_sample(out, v3s(ft * tf_transmission_scale(etap, mode)), wi, pdf, 0, etap);
  return 1;
}

/* Samples wi given wo. uc picks a lobe; (u0, u1) the direction. */
TF_FN int tf_bxdf_sample_f(const tf_bsdf* b, tf_vec3 wo, float uc, float u0, float u1, tf_u32 mode,
                           tf_u32 lobes, tf_bsdf_sample* out) {
  if (b->type == TF_MAT_THIN_DIELECTRIC) return tf_sample_thin_dielectric(b, wo, uc, out);
  if (b->type == TF_MAT_DIFFUSE_TRANSMISSION) {
    return tf_sample_diffuse_trans(b, wo, uc, u0, u1, lobes, out);
  }
  if (b->type == TF_MAT_DIELECTRIC) {
    if (tf_bxdf_is_delta(b)) return tf_sample_smooth_dielectric(b, wo, uc, mode, lobes, out);
    return tf_sample_rough_dielectric(b, wo, uc, u0, u1, mode, lobes, out);
  }
  /* Diffuse and conductor reflect only. */
  if (wo.z == 0.0f || (lobes & TF_LOBE_REFLECTION) == 0u) return 0;
  if (b->type == TF_MAT_DIFFUSE) {
    tf_vec3 wi = tf_sample_cosine_hemisphere(u0, u1);
    if (wo.z < 0.0f) wi.z = -wi.z;
    if (wi.z == 0.0f) return 0;
    tf_set_sample(out, v3_scale(b->color, TF_INV_PI), wi, tf_absf(wi.z) * TF_INV_PI, 0, 1.0f);
    return 1;
  }
  if (tf_bxdf_is_delta(b)) {
    tf_vec3 wi = v3(-wo.x, -wo.y, wo.z);
    tf_vec3 fr = tf_fresnel_conductor(tf_absf(wi.z), b->eta, b->k);
    tf_set_sample(out, v3_scale(fr, 1.0f / tf_absf(wi.z)), wi, 1.0f, 1, 1.0f);
    return 1;
  }
  tf_vec3 wm = tf_ggx_sample_visible(wo, b->ax, b->ay, u0, u1);
  tf_vec3 wi = tf_reflect(wo, wm);
  if (!tf_same_hemisphere(wo, wi)) return 0;
  float pdf = tf_ggx_pdf_visible(wo, wm, b->ax, b->ay) / (4.0f * tf_absf(v3_dot(wo, wm)));
  tf_set_sample(out, tf_bxdf_f(b, wo, wi, mode), wi, pdf, 0, 1.0f);
  return 1;
}

#endif
