/* pbrt-v4's alpha cut-outs (Shape "alpha"; GeometricPrimitive::Intersect and IntersectP): a
 * ray ignores a hit on a triangle flagged TF_PRIM_ALPHA where the float texture alpha_tex of
 * the triangle's material gives a < 1, unless a > 0 and u <= a for a uniform u that depends
 * only on the ray (pbrt hashes its origin and direction; here Philox4x32-10 of their bit
 * patterns: integer operations only, so every backend cuts the same hits). Binary masks
 * (a in {0, 1}, the usual leaf or fence texture) need no u. Traversal then goes on to the next
 * hit along the same ray, as pbrt's re-spawned ray does, for closest-hit and shadow rays alike.
 *
 * The texture sees what shading would see at that hit (tf_triangle_tex_ctx, shared with
 * surface.h): the barycentric point, the interpolated uv and the unit winding normal (only
 * directionmix reads it, through |n . dir|, so its orientation does not matter). */
#ifndef TF_KERNELS_RENDER_ALPHA_CUTOUT_H
#define TF_KERNELS_RENDER_ALPHA_CUTOUT_H

#include "../device/rng.h"
#include "camera.h"
#include "texture_graph.h"
#include "triangle_geometry.h"

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
  tf_tex_ctx ctx = tf_triangle_tex_ctx(s, prim, b1, b2);
  tf_u32 tex = s->materials[tri->material].alpha_tex;
  float alpha = tf_texture_graph_eval(s, (tf_i32)tex - 1, &ctx).x;
  if (alpha >= 1.0f) return 0;
  if (alpha <= 0.0f) return 1;
  return tf_alpha_hash_float(ray.o, ray.d) > alpha;
}

#endif
