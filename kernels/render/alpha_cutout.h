/* pbrt-v4's alpha cut-outs (Shape "alpha"; GeometricPrimitive::Intersect and IntersectP): a
 * ray ignores a hit on a triangle flagged TF_PRIM_ALPHA where the float texture alpha_tex of
 * the triangle's material gives a < 1, unless a > 0 and u <= a for a uniform u that depends
 * only on the ray (pbrt hashes its origin and direction; here Philox4x32-10 of their bit
 * patterns: integer operations only, so every backend cuts the same hits). Binary masks
 * (a in {0, 1}, the usual leaf or fence texture) need no u. Traversal then goes on to the next
 * hit along the same ray, as pbrt's re-spawned ray does, for closest-hit and shadow rays alike.
 *
 * The texture sees what shading would see at that hit (surface.h): the barycentric point, the
 * interpolated uv (pbrt's default triangle uv without vertex uvs) and the unit winding normal
 * (only directionmix reads it, through |n . dir|, so its orientation does not matter). */
#ifndef TF_KERNELS_RENDER_ALPHA_CUTOUT_H
#define TF_KERNELS_RENDER_ALPHA_CUTOUT_H

#include "../device/rng.h"
#include "camera.h"
#include "texture_graph.h"

/* The uniform number of ray (o, d) in [0, 1). */
TF_FN float tf_alpha_hash_float(tf_vec3 o, tf_vec3 d) {
  tf_philox4 r = tf_philox4x32_10(tf_float_bits(o.x), tf_float_bits(o.y), tf_float_bits(o.z),
                                  tf_float_bits(d.x), tf_float_bits(d.y), tf_float_bits(d.z));
  return tf_u32_to_unit_float(r.v[0]);
}

/* 1 when the ray passes through triangle `prim` at barycentrics (b1, b2). */
TF_FN int tf_alpha_cut(const tf_scene_view* s, tf_ray ray, tf_u32 prim, float b1, float b2) {
  TF_GLOBAL const tf_triangle* tri = s->triangles + prim;
  if ((tri->flags & TF_PRIM_ALPHA) == 0u) return 0;
  TF_GLOBAL const tf_vertex* a = s->vertices + tri->v0;
  TF_GLOBAL const tf_vertex* b = s->vertices + tri->v1;
  TF_GLOBAL const tf_vertex* c = s->vertices + tri->v2;
  float b0 = 1.0f - b1 - b2;
  tf_vec3 p0 = v3(a->px, a->py, a->pz);
  tf_vec3 p1 = v3(b->px, b->py, b->pz);
  tf_vec3 p2 = v3(c->px, c->py, c->pz);
  tf_tex_ctx ctx;
  ctx.p = v3_add(v3_add(v3_scale(p0, b0), v3_scale(p1, b1)), v3_scale(p2, b2));
  tf_vec3 w = v3_cross(v3_sub(p1, p0), v3_sub(p2, p0));
  float len = v3_length(w);
  ctx.n = len > 0.0f ? v3_scale(w, 1.0f / len) : v3(0.0f, 0.0f, 1.0f);
  if ((tri->flags & TF_TRI_HAS_UV) != 0u) {
    ctx.u = b0 * a->u + b1 * b->u + b2 * c->u;
    ctx.v = b0 * a->v + b1 * b->v + b2 * c->v;
  } else {
    ctx.u = b1 + b2;
    ctx.v = b2;
  }
  tf_u32 tex = s->materials[tri->material].alpha_tex;
  float alpha = tf_texture_graph_eval(s, (tf_i32)tex - 1, &ctx).x;
  if (alpha >= 1.0f) return 0;
  if (alpha <= 0.0f) return 1;
  return tf_alpha_hash_float(ray.o, ray.d) > alpha;
}

#endif
