/* The Henyey-Greenstein phase function with pbrt-v4's conventions: both directions point away
 * from the scattering point, so p(wo, wi) peaks at wi = -wo for g > 0 (forward scattering).
 * p integrates to 1 over the sphere, and tf_hg_sample draws wi with density exactly p. */
#ifndef TF_KERNELS_RENDER_HG_PHASE_H
#define TF_KERNELS_RENDER_HG_PHASE_H

#include "../device/portable_math.h"
#include "../device/vec3.h"

/* p as a function of cos_theta = dot(wo, wi); |g| < 1. */
TF_FN float tf_hg(float cos_theta, float g) {
  float denom = 1.0f + g * g + 2.0f * g * cos_theta;
  return TF_INV_4PI * (1.0f - g * g) / (denom * tf_sqrt_safe(denom));
}

TF_FN float tf_hg_p(tf_vec3 wo, tf_vec3 wi, float g) { return tf_hg(v3_dot(wo, wi), g); }

/* Samples wi for wo (unit) from (u0, u1); *pdf = tf_hg_p(wo, wi, g). */
TF_FN tf_vec3 tf_hg_sample(tf_vec3 wo, float g, float u0, float u1, float* pdf) {
  /* cos of the angle between wi and wo, inverted from the HG cdf. */
  float cos_theta;
  if (tf_absf(g) < 1.0e-3f) {
    cos_theta = 1.0f - 2.0f * u0;
  } else {
    float s = (1.0f - g * g) / (1.0f + g - 2.0f * g * u0);
    cos_theta = -(1.0f + g * g - s * s) / (2.0f * g);
  }
  cos_theta = tf_clampf(cos_theta, -1.0f, 1.0f);
  float sin_theta = tf_sqrt_safe(1.0f - cos_theta * cos_theta);
  float phi = 2.0f * TF_PI * u1;
  tf_vec3 t;
  tf_vec3 b;
  v3_basis(wo, &t, &b);
  tf_vec3 wi =
      v3_add(v3_add(v3_scale(t, sin_theta * tf_cosf(phi)), v3_scale(b, sin_theta * tf_sinf(phi))),
             v3_scale(wo, cos_theta));
  *pdf = tf_hg(cos_theta, g);
  return wi;
}

#endif
