/* Anisotropic Trowbridge-Reitz (GGX) microfacet distribution in the local shading frame
 * (z = normal), with visible-normal sampling (Heitz 2018), as in pbrt-v4. */
#ifndef TF_KERNELS_RENDER_MICROFACET_H
#define TF_KERNELS_RENDER_MICROFACET_H

#include "sampling.h"

/* Below this roughness a surface is treated as perfectly smooth (a delta BSDF). */
#define TF_SMOOTH_ALPHA 1.0e-3f

TF_FN int tf_ggx_effectively_smooth(float ax, float ay) { return tf_maxf(ax, ay) < TF_SMOOTH_ALPHA; }

/* pbrt's alpha floor: a rough surface keeps alphas >= 1e-4 so that D stays finite. */
TF_FN void tf_ggx_clamp_alphas(float* ax, float* ay) {
  if (tf_ggx_effectively_smooth(*ax, *ay)) return;
  *ax = tf_maxf(*ax, 1.0e-4f);
  *ay = tf_maxf(*ay, 1.0e-4f);
}

/* D(m) = 1 / (pi ax ay (mx^2/ax^2 + my^2/ay^2 + mz^2)^2), an algebraic form of pbrt's D
 * that needs no trigonometry. */
TF_FN float tf_ggx_d(tf_vec3 m, float ax, float ay) {
  float x = m.x / ax;
  float y = m.y / ay;
  float s = x * x + y * y + m.z * m.z;
  float denom = TF_PI * ax * ay * s * s;
  return denom > 0.0f ? 1.0f / denom : 0.0f;
}

/* Smith Lambda(w); +inf-like (TF_FLOAT_MAX) at grazing incidence. */
TF_FN float tf_ggx_lambda(tf_vec3 w, float ax, float ay) {
  float z2 = w.z * w.z;
  if (z2 == 0.0f) return TF_FLOAT_MAX;
  float x = w.x * ax;
  float y = w.y * ay;
  float a2tan2 = (x * x + y * y) / z2;
  return (tf_sqrt(1.0f + a2tan2) - 1.0f) / 2.0f;
}

TF_FN float tf_ggx_g1(tf_vec3 w, float ax, float ay) { return 1.0f / (1.0f + tf_ggx_lambda(w, ax, ay)); }

TF_FN float tf_ggx_g(tf_vec3 wo, tf_vec3 wi, float ax, float ay) {
  return 1.0f / (1.0f + tf_ggx_lambda(wo, ax, ay) + tf_ggx_lambda(wi, ax, ay));
}

/* Density of visible normal m seen from w: G1(w) / |cos w| * D(m) * |w . m|. */
TF_FN float tf_ggx_pdf_visible(tf_vec3 w, tf_vec3 m, float ax, float ay) {
  float cos_w = tf_absf(w.z);
  if (cos_w == 0.0f) return 0.0f;
  return tf_ggx_g1(w, ax, ay) / cos_w * tf_ggx_d(m, ax, ay) * tf_absf(v3_dot(w, m));
}

/* Samples a visible normal (in the +z hemisphere) as seen from direction w. */
TF_FN tf_vec3 tf_ggx_sample_visible(tf_vec3 w, float ax, float ay, float u0, float u1) {
  tf_vec3 wh = v3_normalize(v3(ax * w.x, ay * w.y, w.z));
  if (wh.z < 0.0f) wh = v3_neg(wh);
  tf_vec3 t1 = wh.z < 0.99999f ? v3_normalize(v3(-wh.y, wh.x, 0.0f)) : v3(1.0f, 0.0f, 0.0f);
  tf_vec3 t2 = v3_cross(wh, t1);
  /* Uniform polar disk sample, its y warped towards the visible half. */
  float r = tf_sqrt(u0);
  float phi = 2.0f * TF_PI * u1;
  float px = r * tf_cosf(phi);
  float py = r * tf_sinf(phi);
  float h = tf_sqrt_safe(1.0f - px * px);
  float s = (1.0f + wh.z) / 2.0f;
  py = (1.0f - s) * h + s * py;
  float pz = tf_sqrt_safe(1.0f - px * px - py * py);
  tf_vec3 nh = v3_add(v3_add(v3_scale(t1, px), v3_scale(t2, py)), v3_scale(wh, pz));
  return v3_normalize(v3(ax * nh.x, ay * nh.y, tf_maxf(1.0e-6f, nh.z)));
}

#endif
