/* Image environment lights: direction <-> map coordinates for the two mappings, nearest-texel
 * radiance, and importance sampling from the 2D distribution built by finalize_kernel_scene().
 *
 * Map coordinates (u, v) in [0,1)^2 address texel (floor(u * width), floor(v * height)), row 0
 * first in `texels`. Lookups are nearest-texel so that the radiance is constant on exactly the
 * buckets of the sampling distribution (whose bucket (col, row) is that texel).
 *   equirect:   u = phi / 2pi with phi = atan2(y, x) in [0, 2pi), v = theta / pi with
 *               theta = acos(z) (row 0 is +z); d(omega) = 2 pi^2 sin(theta) du dv.
 *   octahedral: pbrt-v4's equal-area square <-> sphere mapping (Clarberg 2008);
 *               d(omega) = 4 pi du dv.
 * The map direction is world_to_light (row-major rotation) times the world direction. */
#ifndef TF_KERNELS_RENDER_ENV_MAP_H
#define TF_KERNELS_RENDER_ENV_MAP_H

#include "sampling.h"
#include "scene_view.h"

TF_FN tf_vec3 tf_env_to_map(TF_GLOBAL const tf_light* l, tf_vec3 d) {
  TF_GLOBAL const float* m = l->world_to_light;
  return v3(m[0] * d.x + m[1] * d.y + m[2] * d.z, m[3] * d.x + m[4] * d.y + m[5] * d.z,
            m[6] * d.x + m[7] * d.y + m[8] * d.z);
}

TF_FN tf_vec3 tf_env_to_world(TF_GLOBAL const tf_light* l, tf_vec3 d) {
  TF_GLOBAL const float* m = l->world_to_light;
  return v3(m[0] * d.x + m[3] * d.y + m[6] * d.z, m[1] * d.x + m[4] * d.y + m[7] * d.z,
            m[2] * d.x + m[5] * d.y + m[8] * d.z);
}

/* pbrt-v4 EqualAreaSphereToSquare, with atan computed by tf_atan2f. */
TF_FN void tf_octahedral_from_dir(tf_vec3 d, float* u, float* v) {
  float x = tf_absf(d.x);
  float y = tf_absf(d.y);
  float z = tf_absf(d.z);
  float r = tf_sqrt_safe(1.0f - z);
  float a = tf_maxf(x, y);
  float b = tf_minf(x, y);
  float phi = a == 0.0f ? 0.0f : tf_atan2f(b, a) * (2.0f * TF_INV_PI);
  if (x < y) phi = 1.0f - phi;
  float vv = phi * r;
  float uu = r - vv;
  if (d.z < 0.0f) {
    float tmp = uu;
    uu = 1.0f - vv;
    vv = 1.0f - tmp;
  }
  *u = 0.5f * (tf_copysignf(uu, d.x) + 1.0f);
  *v = 0.5f * (tf_copysignf(vv, d.y) + 1.0f);
}

/* pbrt-v4 EqualAreaSquareToSphere. */
TF_FN tf_vec3 tf_octahedral_to_dir(float u, float v) {
  float su = 2.0f * u - 1.0f;
  float sv = 2.0f * v - 1.0f;
  float up = tf_absf(su);
  float vp = tf_absf(sv);
  float signed_distance = 1.0f - (up + vp);
  float d = tf_absf(signed_distance);
  float r = 1.0f - d;
  float phi = (r == 0.0f ? 1.0f : (vp - up) / r + 1.0f) * TF_PI_OVER_4;
  float z = tf_copysignf(1.0f - r * r, signed_distance);
  float cos_phi = tf_copysignf(tf_cosf(phi), su);
  float sin_phi = tf_copysignf(tf_sinf(phi), sv);
  float s = r * tf_sqrt_safe(2.0f - r * r);
  return v3(cos_phi * s, sin_phi * s, z);
}

/* Map coordinates of a map-space direction. */
TF_FN void tf_env_map_uv(tf_u32 mapping, tf_vec3 d, float* u, float* v) {
  if (mapping == TF_ENV_OCTAHEDRAL) {
    tf_octahedral_from_dir(d, u, v);
    return;
  }
  float phi = tf_atan2f(d.y, d.x);
  if (phi < 0.0f) phi += 2.0f * TF_PI;
  *u = phi * TF_INV_2PI;
  *v = tf_acosf(tf_clampf(d.z, -1.0f, 1.0f)) * TF_INV_PI;
}

/* Map-space direction of (u, v); *jacobian = d(omega) / (du dv) (0 at the equirect poles). */
TF_FN tf_vec3 tf_env_map_dir(tf_u32 mapping, float u, float v, float* jacobian) {
  if (mapping == TF_ENV_OCTAHEDRAL) {
    *jacobian = 4.0f * TF_PI;
    return tf_octahedral_to_dir(u, v);
  }
  float theta = v * TF_PI;
  float phi = u * 2.0f * TF_PI;
  float sin_t = tf_sinf(theta);
  *jacobian = 2.0f * TF_PI * TF_PI * sin_t;
  return v3(sin_t * tf_cosf(phi), sin_t * tf_sinf(phi), tf_cosf(theta));
}

TF_FN tf_u32 tf_env_texel_index(float c, tf_u32 n) {
  return (tf_u32)tf_clampf(c * (float)n, 0.0f, (float)(n - 1u));
}

/* Radiance of the image environment light at map coordinates (u, v). */
TF_FN tf_vec3 tf_env_image_radiance_uv(const tf_scene_view* s, TF_GLOBAL const tf_light* l, float u,
                                       float v) {
  TF_GLOBAL const tf_texture* tex = s->textures + l->texture;
  tf_u32 x = tf_env_texel_index(u, tex->width);
  tf_u32 y = tf_env_texel_index(v, tex->height);
  TF_GLOBAL const float* p = s->texels + tex->offset + 3u * (y * tex->width + x);
  return v3(p[0] * tex->r * l->r, p[1] * tex->g * l->g, p[2] * tex->b * l->b);
}

/* Radiance arriving from world direction d, and the density (solid angle) with which
 * tf_env_image_sample would pick d. */
TF_FN tf_vec3 tf_env_image_radiance(const tf_scene_view* s, TF_GLOBAL const tf_light* l, tf_vec3 d,
                                    float* pdf) {
  TF_GLOBAL const tf_texture* tex = s->textures + l->texture;
  float u;
  float v;
  tf_env_map_uv(l->mapping, tf_env_to_map(l, d), &u, &v);
  float jacobian;
  tf_env_map_dir(l->mapping, u, v, &jacobian);
  float pdf_uv = tf_dist2d_pdf(s->distribution + l->distribution, tex->width, tex->height, u, v);
  *pdf = jacobian > 0.0f ? pdf_uv / jacobian : 0.0f;
  return tf_env_image_radiance_uv(s, l, u, v);
}

/* Importance-samples a world direction; returns its radiance, *pdf = solid-angle density
 * (0: nothing sampled). */
TF_FN tf_vec3 tf_env_image_sample(const tf_scene_view* s, TF_GLOBAL const tf_light* l, float u0,
                                  float u1, tf_vec3* wi, float* pdf) {
  TF_GLOBAL const tf_texture* tex = s->textures + l->texture;
  float u;
  float v;
  float pdf_uv = tf_dist2d_sample(s->distribution + l->distribution, tex->width, tex->height, u0,
                                  u1, &u, &v);
  float jacobian;
  tf_vec3 d = tf_env_map_dir(l->mapping, u, v, &jacobian);
  *wi = tf_env_to_world(l, d);
  *pdf = jacobian > 0.0f ? pdf_uv / jacobian : 0.0f;
  return tf_env_image_radiance_uv(s, l, u, v);
}

#endif
