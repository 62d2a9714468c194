/* pbrt-v4's HairBxDF: the hair scattering model of Chiang et al. 2016 ("A Practical and
 * Controllable Hair and Fur Model for Production Path Tracing") as pbrt-v4 implements it
 * (src/pbrt/bxdfs.h/.cpp), with the same constants, lobes and sampling.
 *
 * Frame: x runs along the fibre (the surface's dp/du), z is the shading normal, y = z cross x
 * (integrator.h builds it). theta is the angle from the normal plane of the fibre (sin theta
 * = w.x), phi the azimuth around it (atan2(w.z, w.y)). h in [-1, 1] is where the ray met the
 * fibre's cross-section (pbrt: h = -1 + 2 v of the hit's uv).
 *
 * Parameters (tf_bsdf): color = sigma_a, the absorption per unit fibre diameter (RGB);
 * eta.x = the fibre's IOR; beta_m, beta_n in [0, 1] the longitudinal and azimuthal roughness;
 * hair_alpha the scale tilt in degrees; hair_h = h.
 *
 * f = sum over p = 0..3 of M_p(theta_i, theta_o') A_p N_p(phi) / |cos theta_i(normal)|, where
 *   - M_p is the longitudinal lobe of d'Eon et al. 2011 (with the Bessel I0 term, evaluated in
 *     log space when v <= 0.1), its variance v_p from beta_m (v_1 = v_0 / 4, v_2 = v_3 =
 *     4 v_0), and theta_o' tilted by the scales: -2 alpha for R, alpha for TT, 4 alpha for TRT;
 *   - A_p the attenuation: the dielectric Fresnel f at cos theta_o cos gamma_o, then
 *     (1 - f)^2 T, (1 - f)^2 T^2 f, and all longer paths summed in A_3 (T = exp(-2 sigma_a
 *     cos gamma_t / cos theta_t), the transmittance of one crossing of the fibre);
 *   - N_p the azimuthal lobe: a logistic of scale s (from beta_n) trimmed to [-pi, pi] around
 *     Phi(p) = 2 p gamma_t - 2 gamma_o + p pi; the residual A_3 term is uniform in phi.
 * The division by |wi.z| cancels the integrator's cosine, as in pbrt: f |cos| is the model's
 * scattering function. Sampling picks the lobe p with probability proportional to the mean of
 * A_p over the channels, then theta_i from M_p and phi_i from N_p; the pdf is the matching
 * mixture, and the sample's f shares its lobe terms (pbrt evaluates f once more; the values
 * agree up to rounding). Hair is never a delta BSDF. Only portable math (portable_math.h) is
 * used. */
#ifndef TF_KERNELS_RENDER_HAIR_BSDF_H
#define TF_KERNELS_RENDER_HAIR_BSDF_H

#include "bxdfs.h"

#define TF_HAIR_P_MAX 3

/* The per-BSDF constants of the model (pbrt's HairBxDF constructor). */
typedef struct tf_hair {
  float h, gamma_o, eta;
  tf_vec3 sigma_a;
  float v[TF_HAIR_P_MAX + 1];
  float s;
  float sin2k_alpha[TF_HAIR_P_MAX], cos2k_alpha[TF_HAIR_P_MAX];
} tf_hair;

/* Terms that depend on wo alone. */
typedef struct tf_hair_wo {
  float sin_o, cos_o, phi_o, gamma_t;
  tf_vec3 ap[TF_HAIR_P_MAX + 1];
  float ap_pdf[TF_HAIR_P_MAX + 1]; /* lobe probabilities: mean of A_p over the channels */
} tf_hair_wo;

TF_FN float tf_safe_asinf(float x) { return tf_asinf(tf_clampf(x, -1.0f, 1.0f)); }

TF_FN float tf_pow_int(float x, int n) {
  float r = 1.0f;
  for (int i = 0; i < n; ++i) r *= x;
  return r;
}

TF_FN tf_hair tf_hair_setup(const tf_bsdf* b) {
  tf_hair c;
  c.h = b->hair_h;
  c.gamma_o = tf_safe_asinf(c.h);
  c.eta = b->eta.x;
  c.sigma_a = b->color;
  float bm = b->beta_m;
  float sv = 0.726f * bm + 0.812f * bm * bm + 3.7f * tf_pow_int(bm, 20);
  c.v[0] = sv * sv;
  c.v[1] = 0.25f * c.v[0];
  c.v[2] = 4.0f * c.v[0];
  c.v[3] = c.v[2];
  float bn = b->beta_n;
  c.s = 0.626657069f * (0.265f * bn + 1.194f * bn * bn + 5.372f * tf_pow_int(bn, 22));
  c.sin2k_alpha[0] = tf_sinf(b->hair_alpha * (TF_PI / 180.0f));
  c.cos2k_alpha[0] = tf_sqrt_safe(1.0f - c.sin2k_alpha[0] * c.sin2k_alpha[0]);
  for (int i = 1; i < TF_HAIR_P_MAX; ++i) {
    c.sin2k_alpha[i] = 2.0f * c.cos2k_alpha[i - 1] * c.sin2k_alpha[i - 1];
    c.cos2k_alpha[i] =
        c.cos2k_alpha[i - 1] * c.cos2k_alpha[i - 1] - c.sin2k_alpha[i - 1] * c.sin2k_alpha[i - 1];
  }
  return c;
}

/* Modified Bessel function of the first kind, order 0 (10 terms of its series). */
TF_FN float tf_bessel_i0(float x) {
  float val = 0.0f;
  float x2i = 1.0f;
  float ifact = 1.0f;
  float i4 = 1.0f;
  for (int i = 0; i < 10; ++i) {
    if (i > 1) ifact *= (float)i;
    val += x2i / (i4 * ifact * ifact);
    x2i *= x * x;
    i4 *= 4.0f;
  }
  return val;
}

TF_FN float tf_log_bessel_i0(float x) {
  if (x > 12.0f) {
    return x + 0.5f * (-tf_logf(2.0f * TF_PI) + tf_logf(1.0f / x) + 1.0f / (8.0f * x));
  }
  return tf_logf(tf_bessel_i0(x));
}

/* The longitudinal lobe M_p. */
TF_FN float tf_hair_mp(float cos_i, float cos_o, float sin_i, float sin_o, float v) {
  float a = cos_i * cos_o / v;
  float b = sin_i * sin_o / v;
  if (v <= 0.1f) {
    return tf_expf(tf_log_bessel_i0(a) - b - 1.0f / v + 0.6931f + tf_logf(1.0f / (2.0f * v)));
  }
  float sinh = 0.5f * (tf_expf(1.0f / v) - tf_expf(-1.0f / v));
  return tf_expf(-b) * tf_bessel_i0(a) / (sinh * 2.0f * v);
}

/* theta_o rotated by the scale tilt of lobe p < TF_HAIR_P_MAX (R: -2 alpha, TT: alpha,
 * TRT: 4 alpha); lobe TF_HAIR_P_MAX keeps theta_o. */
TF_FN void tf_hair_tilt(const tf_hair* c, int p, float sin_o, float cos_o, float* sin_p,
                        float* cos_p) {
  if (p >= TF_HAIR_P_MAX) {
    *sin_p = sin_o;
    *cos_p = cos_o;
    return;
  }
  int k = p == 0 ? 1 : (p == 1 ? 0 : 2);
  float sign = p == 0 ? -1.0f : 1.0f;
  *sin_p = sin_o * c->cos2k_alpha[k] + sign * (cos_o * c->sin2k_alpha[k]);
  *cos_p = cos_o * c->cos2k_alpha[k] - sign * (sin_o * c->sin2k_alpha[k]);
}

TF_FN float tf_hair_phi(int p, float gamma_o, float gamma_t) {
  return 2.0f * (float)p * gamma_t - 2.0f * gamma_o + (float)p * TF_PI;
}

TF_FN float tf_logistic(float x, float s) {
  x = tf_absf(x);
  float e = tf_expf(-x / s);
  return e / (s * (1.0f + e) * (1.0f + e));
}

TF_FN float tf_logistic_cdf(float x, float s) { return 1.0f / (1.0f + tf_expf(-x / s)); }

TF_FN float tf_trimmed_logistic(float x, float s, float a, float b) {
  return tf_logistic(x, s) / (tf_logistic_cdf(b, s) - tf_logistic_cdf(a, s));
}

TF_FN float tf_sample_trimmed_logistic(float u, float s, float a, float b) {
  float k = tf_logistic_cdf(b, s) - tf_logistic_cdf(a, s);
  float x = -s * tf_logf(1.0f / (u * k + tf_logistic_cdf(a, s)) - 1.0f);
  return tf_clampf(x, a, b);
}

/* The azimuthal lobe N_p at azimuth difference phi. */
TF_FN float tf_hair_np(float phi, int p, float s, float gamma_o, float gamma_t) {
  float dphi = phi - tf_hair_phi(p, gamma_o, gamma_t);
  while (dphi > TF_PI) dphi -= 2.0f * TF_PI;
  while (dphi < -TF_PI) dphi += 2.0f * TF_PI;
  return tf_trimmed_logistic(dphi, s, -TF_PI, TF_PI);
}

/* The terms of wo: angles, gamma_t, A_p and the lobe probabilities. Returns 0 when no lobe
 * carries anything (then f, pdf and sampling are 0). */
TF_FN int tf_hair_wo_terms(const tf_hair* c, tf_vec3 wo, tf_hair_wo* t) {
  t->sin_o = wo.x;
  t->cos_o = tf_sqrt_safe(1.0f - wo.x * wo.x);
  t->phi_o = tf_atan2f(wo.z, wo.y);
  float sin_t = t->sin_o / c->eta;
  float cos_t = tf_sqrt_safe(1.0f - sin_t * sin_t);
  float etap = tf_sqrt_safe(c->eta * c->eta - t->sin_o * t->sin_o) / t->cos_o;
  float sin_gamma_t = c->h / etap;
  float cos_gamma_t = tf_sqrt_safe(1.0f - sin_gamma_t * sin_gamma_t);
  t->gamma_t = tf_safe_asinf(sin_gamma_t);
  float d = 2.0f * cos_gamma_t / cos_t;
  tf_vec3 tr =
      v3(tf_expf(-c->sigma_a.x * d), tf_expf(-c->sigma_a.y * d), tf_expf(-c->sigma_a.z * d));
  /* A_p: Fresnel at the first interface, then one crossing per further segment. */
  float cos_gamma_o = tf_sqrt_safe(1.0f - c->h * c->h);
  float f = tf_fresnel_dielectric(t->cos_o * cos_gamma_o, c->eta);
  t->ap[0] = v3s(f);
  t->ap[1] = v3_scale(tr, (1.0f - f) * (1.0f - f));
  for (int p = 2; p < TF_HAIR_P_MAX; ++p) t->ap[p] = v3_scale(v3_mul(t->ap[p - 1], tr), f);
  tf_vec3 last = v3_scale(v3_mul(t->ap[TF_HAIR_P_MAX - 1], tr), f);
  tf_vec3 rest = v3_sub(v3s(1.0f), v3_scale(tr, f));
  t->ap[TF_HAIR_P_MAX] =
      v3(rest.x != 0.0f ? last.x / rest.x : 0.0f, rest.y != 0.0f ? last.y / rest.y : 0.0f,
         rest.z != 0.0f ? last.z / rest.z : 0.0f);
  float sum = 0.0f;
  for (int p = 0; p <= TF_HAIR_P_MAX; ++p) {
    t->ap_pdf[p] = (t->ap[p].x + t->ap[p].y + t->ap[p].z) / 3.0f;
    sum += t->ap_pdf[p];
  }
  if (!(sum > 0.0f)) return 0;
  for (int p = 0; p <= TF_HAIR_P_MAX; ++p) t->ap_pdf[p] /= sum;
  return 1;
}

/* M_p N_p of every lobe for wi at (sin_i, cos_i) and azimuth difference phi; the last lobe's
 * N is 1 / (2 pi). */
TF_FN void tf_hair_lobes(const tf_hair* c, const tf_hair_wo* t, float sin_i, float cos_i, float phi,
                         float* w) {
  for (int p = 0; p < TF_HAIR_P_MAX; ++p) {
    float sin_p, cos_p;
    tf_hair_tilt(c, p, t->sin_o, t->cos_o, &sin_p, &cos_p);
    w[p] = tf_hair_mp(cos_i, tf_absf(cos_p), sin_i, sin_p, c->v[p]) *
           tf_hair_np(phi, p, c->s, c->gamma_o, t->gamma_t);
  }
  w[TF_HAIR_P_MAX] = tf_hair_mp(cos_i, t->cos_o, sin_i, t->sin_o, c->v[TF_HAIR_P_MAX]) * TF_INV_2PI;
}

TF_FN float tf_hair_pdf_terms(const tf_hair_wo* t, const float* w) {
  float pdf = 0.0f;
  for (int p = 0; p <= TF_HAIR_P_MAX; ++p) pdf += w[p] * t->ap_pdf[p];
  return pdf;
}

/* f from the lobes' M_p N_p for wi (whose normal component is wi_z). */
TF_FN tf_vec3 tf_hair_f_terms(const tf_hair_wo* t, const float* w, float wi_z) {
  tf_vec3 f = v3s(0.0f);
  for (int p = 0; p <= TF_HAIR_P_MAX; ++p) f = v3_add(f, v3_scale(t->ap[p], w[p]));
  float cos_n = tf_absf(wi_z);
  return cos_n > 0.0f ? v3_scale(f, 1.0f / cos_n) : f;
}

TF_FN tf_vec3 tf_hair_f(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi) {
  tf_hair c = tf_hair_setup(b);
  tf_hair_wo t;
  if (!tf_hair_wo_terms(&c, wo, &t)) return v3s(0.0f);
  float w[TF_HAIR_P_MAX + 1];
  float cos_i = tf_sqrt_safe(1.0f - wi.x * wi.x);
  tf_hair_lobes(&c, &t, wi.x, cos_i, tf_atan2f(wi.z, wi.y) - t.phi_o, w);
  return tf_hair_f_terms(&t, w, wi.z);
}

TF_FN float tf_hair_pdf(const tf_bsdf* b, tf_vec3 wo, tf_vec3 wi) {
  tf_hair c = tf_hair_setup(b);
  tf_hair_wo t;
  if (!tf_hair_wo_terms(&c, wo, &t)) return 0.0f;
  float w[TF_HAIR_P_MAX + 1];
  float cos_i = tf_sqrt_safe(1.0f - wi.x * wi.x);
  tf_hair_lobes(&c, &t, wi.x, cos_i, tf_atan2f(wi.z, wi.y) - t.phi_o, w);
  return tf_hair_pdf_terms(&t, w);
}

/* pbrt's SampleDiscrete over the lobe probabilities: the lobe of uc, and uc remapped to
 * [0, 1) within it. */
TF_FN int tf_hair_pick_lobe(const tf_hair_wo* t, float* uc) {
  float sum = 0.0f;
  for (int p = 0; p <= TF_HAIR_P_MAX; ++p) sum += t->ap_pdf[p];
  float up = *uc * sum;
  int p = 0;
  float below = 0.0f;
  while (p < TF_HAIR_P_MAX && below + t->ap_pdf[p] <= up) {
    below += t->ap_pdf[p];
    p += 1;
  }
  *uc = tf_minf((up - below) / t->ap_pdf[p], 0.99999994f);
  return p;
}

TF_FN int tf_hair_sample_f(const tf_bsdf* b, tf_vec3 wo, float uc, float u0, float u1,
                           tf_bsdf_sample* out) {
  tf_hair c = tf_hair_setup(b);
  tf_hair_wo t;
  if (!tf_hair_wo_terms(&c, wo, &t)) return 0;
  int p = tf_hair_pick_lobe(&t, &uc);
  if (!(t.ap_pdf[p] > 0.0f)) return 0;
  float sin_p, cos_p;
  tf_hair_tilt(&c, p, t.sin_o, t.cos_o, &sin_p, &cos_p);
  /* theta_i from M_p (d'Eon et al.'s sampling of the lobe around -theta_o'). */
  float v = c.v[p];
  float cos_theta = 1.0f + v * tf_logf(tf_maxf(u0, 1.0e-5f) + (1.0f - u0) * tf_expf(-2.0f / v));
  float sin_theta = tf_sqrt_safe(1.0f - cos_theta * cos_theta);
  float cos_phi = tf_cosf(2.0f * TF_PI * u1);
  float sin_i = -cos_theta * sin_p + sin_theta * cos_phi * cos_p;
  float cos_i = tf_sqrt_safe(1.0f - sin_i * sin_i);
  /* phi_i from N_p. */
  float dphi = p < TF_HAIR_P_MAX ? tf_hair_phi(p, c.gamma_o, t.gamma_t) +
                                       tf_sample_trimmed_logistic(uc, c.s, -TF_PI, TF_PI)
                                 : 2.0f * TF_PI * uc;
  float phi_i = t.phi_o + dphi;
  float sp, cp;
  tf_sincosf(phi_i, &sp, &cp);
  tf_vec3 wi = v3(sin_i, cos_i * cp, cos_i * sp);
  float w[TF_HAIR_P_MAX + 1];
  tf_hair_lobes(&c, &t, sin_i, cos_i, dphi, w);
  tf_set_sample(out, tf_hair_f_terms(&t, w, wi.z), wi, tf_hair_pdf_terms(&t, w), 0, 1.0f);
  return 1;
}

#endif
