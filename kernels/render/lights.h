/* Light sampling and emission.
 *
 * Light selection: distribution[0 .. TF_DIST1D_SIZE(light_count)) is a 1D distribution over
 * the lights (by power, built by finalize_kernel_scene()); a light is picked with
 * tf_dist1d_sample_discrete and its probability is tf_dist1d_pmf.
 * Area lights: triangles are sampled uniformly by area; spheres uniformly by solid angle
 * within the cone they subtend (by area when the shading point is inside). */
#ifndef TF_KERNELS_RENDER_LIGHTS_H
#define TF_KERNELS_RENDER_LIGHTS_H

#include "emitter_texture.h"
#include "env_map.h"
#include "surface.h"

typedef struct tf_light_sample {
  tf_vec3 L;       /* radiance arriving along -wi (delta lights: irradiance-like, no pdf) */
  tf_vec3 wi;      /* unit direction from the shading point towards the light */
  float pdf;       /* solid-angle density, excluding the selection probability; 1 for delta */
  float dist;      /* distance to the sampled point; TF_FLOAT_MAX for lights at infinity */
  int is_delta;
} tf_light_sample;

TF_FN tf_vec3 tf_light_rgb(TF_GLOBAL const tf_light* l) { return v3(l->r, l->g, l->b); }

/* Radiance emitted by an area light towards direction w_out from a point with oriented
 * geometric normal ng. */
TF_FN tf_vec3 tf_area_light_emission(TF_GLOBAL const tf_light* l, tf_vec3 ng, tf_vec3 w_out) {
  float c = v3_dot(ng, w_out);
  if (c > 0.0f || (l->two_sided != 0u && c < 0.0f)) return tf_light_rgb(l);
  return v3s(0.0f);
}

/* tf_area_light_emission at point p of primitive prim ((b1, b2): its barycentrics on a
 * triangle), times the light's emission texture when it has one (emitter_texture.h). */
TF_FN tf_vec3 tf_area_light_le(const tf_scene_view* s, TF_GLOBAL const tf_light* l, tf_u32 prim,
                               float b1, float b2, tf_vec3 p, tf_vec3 ng, tf_vec3 w_out) {
  tf_vec3 le = tf_area_light_emission(l, ng, w_out);
  if (l->texture < 0 || v3_is_zero(le)) return le;
  return v3_mul(le, tf_emission_texture(s, l, prim, b1, b2, p));
}

/* Cone that sphere (c, r) subtends from ref: 1 - cos(theta_max) and sin^2(theta_max), or 0
 * when ref is inside the sphere. Written as sin^2 / (1 + cos) for precision on small cones. */
TF_FN int tf_sphere_cone(tf_vec3 ref, tf_vec3 c, float r, float* one_minus_cos, float* sin2_max) {
  float dc2 = v3_length_sq(v3_sub(c, ref));
  if (dc2 <= r * r) return 0;
  *sin2_max = r * r / dc2;
  float cos_max = tf_sqrt_safe(1.0f - *sin2_max);
  *one_minus_cos = *sin2_max / (1.0f + cos_max);
  return 1;
}

/* Solid-angle density with which tf_sample_light would pick point p_light (normal n_light)
 * on area light primitive `prim` from ref (excluding the selection probability). */
TF_FN float tf_area_light_pdf(const tf_scene_view* s, tf_u32 prim, tf_vec3 ref, tf_vec3 p_light,
                              tf_vec3 n_light) {
  tf_vec3 d = v3_sub(p_light, ref);
  float dist2 = v3_length_sq(d);
  float cos_l = tf_absf(v3_dot(n_light, d)) / tf_sqrt(dist2);
  float area;
  if (prim < s->header.triangle_count) {
    tf_triangle_normal(s, prim, n_light, &area);
  } else {
    TF_GLOBAL const tf_sphere* sp = s->spheres + (prim - s->header.triangle_count);
    float omc;
    float sin2;
    if (tf_sphere_cone(ref, v3(sp->cx, sp->cy, sp->cz), sp->radius, &omc, &sin2)) {
      return 1.0f / (2.0f * TF_PI * omc);
    }
    area = 4.0f * TF_PI * sp->radius * sp->radius;
  }
  if (cos_l <= 0.0f || area <= 0.0f) return 0.0f;
  return dist2 / (cos_l * area);
}

/* Samples a point on area light `l` as seen from ref. */
TF_FN void tf_sample_area_light(const tf_scene_view* s, TF_GLOBAL const tf_light* l, tf_vec3 ref,
                                float u0, float u1, tf_light_sample* out) {
  tf_vec3 p;
  tf_vec3 n;
  float b1 = 0.0f;
  float b2 = 0.0f;
  if (l->prim < s->header.triangle_count) {
    TF_GLOBAL const tf_triangle* tri = s->triangles + l->prim;
    float b0;
    tf_sample_triangle(u0, u1, &b0, &b1);
    b2 = 1.0f - b0 - b1;
    p = v3_add(v3_add(v3_scale(tf_vertex_pos(s, tri->v0), b0), v3_scale(tf_vertex_pos(s, tri->v1), b1)),
               v3_scale(tf_vertex_pos(s, tri->v2), b2));
    float area;
    n = tf_triangle_normal(s, l->prim, tf_triangle_shading_normal(s, l->prim, b1, b2), &area);
  } else {
    TF_GLOBAL const tf_sphere* sp = s->spheres + (l->prim - s->header.triangle_count);
    tf_vec3 c = v3(sp->cx, sp->cy, sp->cz);
    float omc;
    float sin2_max;
    if (tf_sphere_cone(ref, c, sp->radius, &omc, &sin2_max)) {
      /* pbrt-v4 Sphere::Sample(ctx): the cone direction, mapped to the sphere point. */
      float one_minus_cos = u0 * omc;
      float cos_t = 1.0f - one_minus_cos;
      float sin2_t = one_minus_cos * (2.0f - one_minus_cos);
      float sin_max = tf_sqrt(sin2_max);
      float cos_alpha = sin2_t / sin_max + cos_t * tf_sqrt_safe(1.0f - sin2_t / sin2_max);
      float sin_alpha = tf_sqrt_safe(1.0f - cos_alpha * cos_alpha);
      float phi = 2.0f * TF_PI * u1;
      tf_vec3 axis = v3_normalize(v3_sub(c, ref));
      tf_vec3 t;
      tf_vec3 b;
      v3_basis(axis, &t, &b);
      tf_vec3 w = v3_add(v3_add(v3_scale(t, sin_alpha * tf_cosf(phi)), v3_scale(b, sin_alpha * tf_sinf(phi))),
                         v3_scale(axis, cos_alpha));
      n = v3_neg(w);
    } else {
      n = tf_sample_uniform_sphere(u0, u1);
    }
    p = v3_madd(c, n, sp->radius);
    if ((sp->flags & TF_PRIM_FLIP_NORMAL) != 0u) n = v3_neg(n);
  }
  tf_vec3 d = v3_sub(p, ref);
  out->dist = v3_length(d);
  out->wi = out->dist > 0.0f ? v3_scale(d, 1.0f / out->dist) : v3(0.0f, 0.0f, 1.0f);
  out->pdf = tf_area_light_pdf(s, l->prim, ref, p, n);
  out->L = tf_area_light_le(s, l, l->prim, b1, b2, p, n, v3_neg(out->wi));
  out->is_delta = 0;
}

/* Spot cone falloff (pbrt-v4): smooth from the total width to the falloff start; a hard
 * edge when they coincide. */
TF_FN float tf_spot_falloff(float cos_total, float cos_falloff, float cos_t) {
  if (cos_total >= cos_falloff) return cos_t < cos_total ? 0.0f : 1.0f;
  return tf_smoothstepf(cos_total, cos_falloff, cos_t);
}

/* Samples light `l` from shading point ref. A sample with pdf == 0 or L == 0 carries nothing. */
TF_FN void tf_sample_light(const tf_scene_view* s, TF_GLOBAL const tf_light* l, tf_vec3 ref, float u0,
                           float u1, tf_light_sample* out) {
  out->L = v3s(0.0f);
  out->pdf = 0.0f;
  out->dist = TF_FLOAT_MAX;
  out->wi = v3(0.0f, 0.0f, 1.0f);
  out->is_delta = 0;
  if (l->type == TF_LIGHT_AREA) {
    tf_sample_area_light(s, l, ref, u0, u1, out);
  } else if (l->type == TF_LIGHT_POINT || l->type == TF_LIGHT_SPOT) {
    tf_vec3 d = v3_sub(v3(l->px, l->py, l->pz), ref);
    float dist2 = v3_length_sq(d);
    if (dist2 == 0.0f) return;
    out->dist = tf_sqrt(dist2);
    out->wi = v3_scale(d, 1.0f / out->dist);
    float falloff = 1.0f;
    if (l->type == TF_LIGHT_SPOT) {
      float cos_t = -v3_dot(out->wi, v3(l->dx, l->dy, l->dz));
      falloff = tf_spot_falloff(l->cos_total, l->cos_falloff, cos_t);
    }
    out->L = v3_scale(tf_light_rgb(l), falloff / dist2);
    out->pdf = 1.0f;
    out->is_delta = 1;
  } else if (l->type == TF_LIGHT_DISTANT) {
    out->wi = v3_normalize(v3(l->dx, l->dy, l->dz));
    out->L = tf_light_rgb(l);
    out->pdf = 1.0f;
    out->is_delta = 1;
  } else if (l->type == TF_LIGHT_ENV_UNIFORM) {
    out->wi = tf_sample_uniform_sphere(u0, u1);
    out->L = tf_light_rgb(l);
    out->pdf = TF_INV_4PI;
  } else if (l->type == TF_LIGHT_ENV_IMAGE) {
    out->L = tf_env_image_sample(s, l, u0, u1, &out->wi, &out->pdf);
  }
}

/* Radiance of environment light `l` arriving from world direction d (an escaping ray), and
 * the solid-angle density with which tf_sample_light picks d. */
TF_FN tf_vec3 tf_env_radiance(const tf_scene_view* s, TF_GLOBAL const tf_light* l, tf_vec3 d, float* pdf) {
  if (l->type == TF_LIGHT_ENV_IMAGE) return tf_env_image_radiance(s, l, d, pdf);
  *pdf = TF_INV_4PI;
  return tf_light_rgb(l);
}

#endif
