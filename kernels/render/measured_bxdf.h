/* pbrt-v4's MeasuredBxDF: the reflectance of RGL measured materials (Dupuy & Jakob 2018, "An
 * Adaptive Parameterization for Efficient Material Acquisition and Representation"), read
 * from tensor files by formats/scene/measured_bsdf.h and packed by the host into one block of
 * the texel pool (tf_material.measured = 1 + its offset; tf_bsdf.measured points at it).
 *
 * Model: for wo and wi on the same side, with the half vector wm in unit coordinates
 * u_wm = (sqrt(theta_m 2/pi), (phi_m [- phi_o when isotropic] + pi) / 2pi mod 1) and
 * (sx, sy) = vndf.Invert(u_wm | phi_o, theta_o) its position in the sampling domain,
 *   f = max(0, rgb(sx, sy | phi_o, theta_o)) ndf(u_wm) / (4 sigma(u_wo) |cos theta_i|),
 *   pdf = vndf_pdf(u_wm) luminance(sx, sy) / (4 (wo . wm) max(2 pi^2 u_wm.x sin theta_m, 1e-6)),
 * and sampling warps (u1, u0) (pbrt's swap of the sample's components) through the luminance
 * distribution, then through the vndf, to u_wm, and reflects wo about wm. Everything is
 * conditioned on wo, the direction sampling starts from, as pbrt-v4 does since its fix of f
 * and PDF to match Sample_f (pbrt-v4 pull request 215): f and pdf agree with what sampling
 * returns, so the integrator's MIS weights are consistent. Directions below the surface are
 * mirrored with wo, as pbrt does; the BxDF reflects only and is never a delta BSDF.
 *
 * The frame is the renderer's shading frame (integrator.h): for anisotropic files the
 * azimuth phi = 0 lies along that frame's x axis.
 *
 * Block layout (offsets from the block start, in floats; header entries are floats holding
 * exact integers, block sizes stay below 2^24): TF_MEASURED_* below. The host validates every
 * block (measured_host.h), so the kernel's reads stay inside it. */
#ifndef TF_KERNELS_RENDER_MEASURED_BXDF_H
#define TF_KERNELS_RENDER_MEASURED_BXDF_H

#include "bxdfs.h"
#include "piecewise_linear_2d.h"

#define TF_MEASURED_N_PHI 0u      /* phi_i nodes (1 or 2: isotropic) */
#define TF_MEASURED_N_THETA 1u    /* theta_i nodes */
#define TF_MEASURED_ISOTROPIC 2u  /* 1: u_wm's azimuth is relative to phi_o */
#define TF_MEASURED_PHI_GRID 3u   /* offset of the phi_i nodes (radians, increasing) */
#define TF_MEASURED_THETA_GRID 4u /* offset of the theta_i nodes (radians, increasing) */
/* Table t's six entries: w, h, data, marginal and conditional offsets (marginal and
 * conditional 0 for tables that are not sampled), scale. */
#define TF_MEASURED_TABLE(t) (5u + 6u * (t))
#define TF_MEASURED_NDF 0u       /* no parameters */
#define TF_MEASURED_SIGMA 1u     /* no parameters */
#define TF_MEASURED_VNDF 2u      /* a distribution; slices per (phi_i, theta_i) node: 1 */
#define TF_MEASURED_LUMINANCE 3u /* a distribution; 1 slice per node */
#define TF_MEASURED_RGB 4u       /* 3 slices per node: red, green, blue */
#define TF_MEASURED_TABLE_COUNT 5u
#define TF_MEASURED_HEADER_SIZE TF_MEASURED_TABLE(TF_MEASURED_TABLE_COUNT)

TF_FN tf_u32 tf_measured_entry(TF_GLOBAL const float* block, tf_u32 i) { return (tf_u32)block[i]; }

TF_FN tf_pl2d tf_measured_table(TF_GLOBAL const float* block, tf_u32 table) {
  TF_GLOBAL const float* e = block + TF_MEASURED_TABLE(table);
  tf_pl2d t;
  t.w = (tf_u32)e[0];
  t.h = (tf_u32)e[1];
  t.data = block + (tf_u32)e[2];
  t.marginal = block + (tf_u32)e[3];
  t.conditional = block + (tf_u32)e[4];
  t.scale = e[5];
  return t;
}

/* pbrt's theta2u and phi2u, and their inverses. */
TF_FN float tf_theta_to_u(float theta) { return tf_sqrt_safe(theta * (2.0f / TF_PI)); }
TF_FN float tf_phi_to_u(float phi) { return (phi + TF_PI) / (2.0f * TF_PI); }
TF_FN float tf_u_to_theta(float u) { return u * u * (TF_PI / 2.0f); }
TF_FN float tf_u_to_phi(float u) { return (2.0f * u - 1.0f) * TF_PI; }

/* What depends on wo (z > 0) alone: its angles and the parameter lookup of its tables. */
typedef struct tf_measured_wo {
  TF_GLOBAL const float* block;
  float theta, phi;
  tf_pl2d_param params; /* vndf and luminance */
  int isotropic;
} tf_measured_wo;

TF_FN tf_measured_wo tf_measured_setup(TF_GLOBAL const float* block, tf_vec3 wo) {
  tf_measured_wo m;
  m.block = block;
  m.theta = tf_acosf(tf_clampf(wo.z, -1.0f, 1.0f));
  m.phi = tf_atan2f(wo.y, wo.x);
  m.isotropic = tf_measured_entry(block, TF_MEASURED_ISOTROPIC) != 0u;
  m.params = tf_pl2d_params(block + tf_measured_entry(block, TF_MEASURED_PHI_GRID),
                            tf_measured_entry(block, TF_MEASURED_N_PHI),
                            block + tf_measured_entry(block, TF_MEASURED_THETA_GRID),
                            tf_measured_entry(block, TF_MEASURED_N_THETA), m.phi, m.theta, 1u, 0u);
  return m;
}

/* f at the sampling-domain point (sx, sy) whose half vector is u_wm = (ux, uy), for a wi with
 * |cos theta_i| = cos_i. */
TF_FN tf_vec3 tf_measured_value(const tf_measured_wo* m, float sx, float sy, float ux, float uy,
                                float cos_i) {
  tf_pl2d rgb = tf_measured_table(m->block, TF_MEASURED_RGB);
  tf_pl2d_param pc = m->params;
  pc.slice *= 3u;
  pc.stride_phi *= 3u;
  pc.stride_theta *= 3u;
  float c[3];
  for (tf_u32 i = 0u; i < 3u; ++i) {
    c[i] = tf_maxf(0.0f, tf_pl2d_eval(&rgb, &pc, sx, sy));
    pc.slice += 1u;
  }
  tf_pl2d_param none = tf_pl2d_no_params();
  tf_pl2d ndf = tf_measured_table(m->block, TF_MEASURED_NDF);
  tf_pl2d sigma = tf_measured_table(m->block, TF_MEASURED_SIGMA);
  float d = tf_pl2d_eval(&ndf, &none, ux, uy);
  float s = tf_pl2d_eval(&sigma, &none, tf_theta_to_u(m->theta), tf_phi_to_u(m->phi));
  return v3_scale(v3(c[0], c[1], c[2]), d / (4.0f * s * cos_i));
}

/* The density of wi = reflect(wo, wm) given the densities of the two warps at u_wm. */
TF_FN float tf_measured_pdf_of(tf_vec3 wo, tf_vec3 wm, float ux, float sin_m, float vndf_pdf,
                               float lum_pdf) {
  float jacobian = 4.0f * v3_dot(wo, wm) * tf_maxf(2.0f * TF_PI * TF_PI * ux * sin_m, 1.0e-6f);
  return vndf_pdf * lum_pdf / jacobian;
}

/* For wo, wi on the +z side: the half vector's unit coordinates (*ux, *uy), its point in the
 * sampling domain (*sx, *sy) and the vndf's density there. Returns 0 when wo + wi is 0. */
TF_FN int tf_measured_locate(const tf_measured_wo* m, tf_vec3 wo, tf_vec3 wi, tf_vec3* wm,
                             float* ux, float* uy, float* sx, float* sy, float* vndf_pdf) {
  tf_vec3 h = v3_add(wo, wi);
  if (v3_length_sq(h) == 0.0f) return 0;
  *wm = v3_normalize(h);
  float phi_m = tf_atan2f(wm->y, wm->x);
  *ux = tf_theta_to_u(tf_acosf(tf_clampf(wm->z, -1.0f, 1.0f)));
  *uy = tf_phi_to_u(m->isotropic ? phi_m - m->phi : phi_m);
  *uy = *uy - tf_floor(*uy);
  tf_pl2d vndf = tf_measured_table(m->block, TF_MEASURED_VNDF);
  *vndf_pdf = tf_pl2d_invert(&vndf, &m->params, *ux, *uy, sx, sy);
  return 1;
}

/* A direction pair for f and pdf: both flipped to the +z side when wo is below, the tables set
 * up for wo and the half vector located (tf_measured_locate). Returns 0 when the pair has no
 * value (opposite hemispheres, or wo + wi = 0). */
typedef struct {
  tf_vec3 wo, wi, wm;
  tf_measured_wo m;
  float ux, uy, sx, sy, vndf_pdf;
} tf_measured_pair;

TF_FN int tf_measured_pair_at(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi, tf_measured_pair* q) {
  if (!tf_same_hemisphere(wo, wi)) return 0;
  if (wo.z < 0.0f) {
    wo = v3_neg(wo);
    wi = v3_neg(wi);
  }
  q->wo = wo;
  q->wi = wi;
  q->m = tf_measured_setup(b->measured, wo);
  return tf_measured_locate(&q->m, wo, wi, &q->wm, &q->ux, &q->uy, &q->sx, &q->sy,
                            &q->vndf_pdf);
}

TF_FN tf_vec3 tf_measured_f(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi) {
  tf_measured_pair q;
  if (!tf_measured_pair_at(b, wo, wi, &q)) return v3s(0.0f);
  return tf_measured_value(&q.m, q.sx, q.sy, q.ux, q.uy, q.wi.z);
}

TF_FN float tf_measured_pdf(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi) {
  tf_measured_pair q;
  if (!tf_measured_pair_at(b, wo, wi, &q)) return 0.0f;
  tf_pl2d lum = tf_measured_table(q.m.block, TF_MEASURED_LUMINANCE);
  float lum_pdf = tf_pl2d_eval(&lum, &q.m.params, q.sx, q.sy);
  float sin_m = tf_sqrt(q.wm.x * q.wm.x + q.wm.y * q.wm.y);
  return tf_measured_pdf_of(q.wo, q.wm, q.ux, sin_m, q.vndf_pdf, lum_pdf);
}

/* Samples wi given wo from (u0, u1); returns 0 when no direction above the surface (or no
 * positive finite density) results. */
TF_FN int tf_measured_sample_f(const tf_bsdf* b, tf_vec3 wo, float u0, float u1,
                               tf_bsdf_sample* out) {
  int flip = wo.z <= 0.0f;
  if (flip) wo = v3_neg(wo);
  tf_measured_wo m = tf_measured_setup(b->measured, wo);
  tf_pl2d lum = tf_measured_table(m.block, TF_MEASURED_LUMINANCE);
  tf_pl2d vndf = tf_measured_table(m.block, TF_MEASURED_VNDF);
  float sx, sy, ux, uy;
  float lum_pdf = tf_pl2d_sample(&lum, &m.params, u1, u0, &sx, &sy);
  float vndf_pdf = tf_pl2d_sample(&vndf, &m.params, sx, sy, &ux, &uy);
  float phi_m = tf_u_to_phi(uy) + (m.isotropic ? m.phi : 0.0f);
  float sin_m, cos_m, sin_p, cos_p;
  tf_sincosf(tf_u_to_theta(ux), &sin_m, &cos_m);
  tf_sincosf(phi_m, &sin_p, &cos_p);
  sin_m = tf_clampf(sin_m, -1.0f, 1.0f);
  tf_vec3 wm = v3(sin_m * cos_p, sin_m * sin_p, tf_clampf(cos_m, -1.0f, 1.0f));
  tf_vec3 wi = tf_reflect(wo, wm);
  if (!(wi.z > 0.0f)) return 0;
  float pdf = tf_measured_pdf_of(wo, wm, ux, sin_m, vndf_pdf, lum_pdf);
  if (!(pdf > 0.0f && pdf <= TF_FLOAT_MAX)) return 0;
  tf_vec3 f = tf_measured_value(&m, sx, sy, ux, uy, wi.z);
  tf_set_sample(out, f, flip ? v3_neg(wi) : wi, pdf, 0, 1.0f);
  return 1;
}

#endif
