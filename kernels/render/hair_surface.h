/* What the hair BSDF (hair_bsdf.h) needs of a hit: the fibre's direction and where across the
 * fibre the ray met it.
 *
 * pbrt-v4's HairMaterial takes h = -1 + 2 v from the hit's uv and builds the BSDF frame from
 * the shading dp/du (x axis) and the shading normal (z axis), for every shape: on its curves u
 * runs along the curve and v across it. This renderer's hair lies on triangles (tessellated
 * curves keep that uv layout) and spheres, so the same rule applies to their uv: a triangle's
 * interpolated uv (pbrt's default (0,0), (1,0), (1,1) without vertex uv) and dp/du from it
 * (bump.h), a sphere's pbrt uv (v = 1 - theta / pi) and its dp/du. */
#ifndef TF_KERNELS_RENDER_HAIR_SURFACE_H
#define TF_KERNELS_RENDER_HAIR_SURFACE_H

#include "surface.h"

/* The fibre tangent (dp/du, not normalized, possibly zero at a degenerate point) at surface sf
 * of primitive `prim`; *h = 2 v - 1 clamped to [-1, 1]. */
TF_FN tf_vec3 tf_fibre_at(const tf_scene_view* s, tf_u32 prim, const tf_surface* sf, float* h) {
  if (prim < s->header.triangle_count) {
    *h = tf_clampf(2.0f * sf->v - 1.0f, -1.0f, 1.0f);
    return tf_triangle_derivs(s, prim, sf->ns, sf->ng).dpdu;
  }
  TF_GLOBAL const tf_sphere* sp = s->spheres + (prim - s->header.triangle_count);
  tf_vec3 q = v3_sub(sf->p, v3(sp->cx, sp->cy, sp->cz));
  float v = 1.0f - tf_acosf(tf_clampf(q.z / sp->radius, -1.0f, 1.0f)) * TF_INV_PI;
  *h = tf_clampf(2.0f * v - 1.0f, -1.0f, 1.0f);
  return tf_sphere_derivs(q, sp->radius).dpdu;
}

#endif
