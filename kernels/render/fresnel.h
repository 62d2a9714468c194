/* Fresnel reflectance for dielectrics and conductors (unpolarized light; pbrt-v4 conventions:
 * eta = transmitted IOR / incident IOR, cos_i measured on the incident side). */
#ifndef TF_KERNELS_RENDER_FRESNEL_H
#define TF_KERNELS_RENDER_FRESNEL_H

#include "../device/vec3.h"

/* Dielectric reflectance for incident cosine cos_i (negative: arriving from inside, where
 * the relative IOR is 1/eta). Total internal reflection returns 1. */
TF_FN float tf_fresnel_dielectric(float cos_i, float eta) {
  cos_i = tf_clampf(cos_i, -1.0f, 1.0f);
  if (cos_i < 0.0f) {
    eta = 1.0f / eta;
    cos_i = -cos_i;
  }
  float sin2_i = 1.0f - cos_i * cos_i;
  float sin2_t = sin2_i / (eta * eta);
  if (sin2_t >= 1.0f) return 1.0f;
  float cos_t = tf_sqrt_safe(1.0f - sin2_t);
  float r_parl = (eta * cos_i - cos_t) / (eta * cos_i + cos_t);
  float r_perp = (cos_i - eta * cos_t) / (cos_i + eta * cos_t);
  return (r_parl * r_parl + r_perp * r_perp) / 2.0f;
}

/* Minimal complex arithmetic for the conductor Fresnel term. */
typedef struct tf_complex {
  float re, im;
} tf_complex;

TF_FN tf_complex tf_cx(float re, float im) { tf_complex c; c.re = re; c.im = im; return c; }
TF_FN tf_complex tf_cx_add(tf_complex a, tf_complex b) { return tf_cx(a.re + b.re, a.im + b.im); }
TF_FN tf_complex tf_cx_sub(tf_complex a, tf_complex b) { return tf_cx(a.re - b.re, a.im - b.im); }
TF_FN tf_complex tf_cx_mul(tf_complex a, tf_complex b) {
  return tf_cx(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}
TF_FN tf_complex tf_cx_div(tf_complex a, tf_complex b) {
  float scale = 1.0f / (b.re * b.re + b.im * b.im);
  return tf_cx(scale * (a.re * b.re + a.im * b.im), scale * (a.im * b.re - a.re * b.im));
}
TF_FN float tf_cx_norm(tf_complex a) { return a.re * a.re + a.im * a.im; }
/* Principal square root. */
TF_FN tf_complex tf_cx_sqrt(tf_complex z) {
  float n = tf_sqrt(tf_cx_norm(z));
  if (n == 0.0f) return tf_cx(0.0f, 0.0f);
  float t1 = tf_sqrt(0.5f * (n + tf_absf(z.re)));
  float t2 = 0.5f * z.im / t1;
  if (z.re >= 0.0f) return tf_cx(t1, t2);
  return tf_cx(tf_absf(t2), z.im >= 0.0f ? t1 : -t1);
}

/* Conductor reflectance for one channel with complex IOR eta + i k; cos_i in [0, 1]. */
TF_FN float tf_fresnel_complex(float cos_i, float eta, float k) {
  cos_i = tf_clampf(cos_i, 0.0f, 1.0f);
  tf_complex e = tf_cx(eta, k);
  tf_complex c = tf_cx(cos_i, 0.0f);
  tf_complex sin2_t = tf_cx_div(tf_cx(1.0f - cos_i * cos_i, 0.0f), tf_cx_mul(e, e));
  tf_complex cos_t = tf_cx_sqrt(tf_cx_sub(tf_cx(1.0f, 0.0f), sin2_t));
  tf_complex e_cos_i = tf_cx_mul(e, c);
  tf_complex e_cos_t = tf_cx_mul(e, cos_t);
  tf_complex r_parl = tf_cx_div(tf_cx_sub(e_cos_i, cos_t), tf_cx_add(e_cos_i, cos_t));
  tf_complex r_perp = tf_cx_div(tf_cx_sub(c, e_cos_t), tf_cx_add(c, e_cos_t));
  return (tf_cx_norm(r_parl) + tf_cx_norm(r_perp)) / 2.0f;
}

/* Per-channel conductor reflectance. */
TF_FN tf_vec3 tf_fresnel_conductor(float cos_i, tf_vec3 eta, tf_vec3 k) {
  return v3(tf_fresnel_complex(cos_i, eta.x, k.x), tf_fresnel_complex(cos_i, eta.y, k.y),
            tf_fresnel_complex(cos_i, eta.z, k.z));
}

/* pbrt-v4's conductor "reflectance" parameterization: eta = 1 and the k whose normal-incidence
 * reflectance equals r (r clamped to [0, 0.9999]). */
TF_FN float tf_k_from_reflectance(float r) {
  r = tf_clampf(r, 0.0f, 0.9999f);
  return 2.0f * tf_sqrt(r) / tf_sqrt(1.0f - r);
}

#endif
