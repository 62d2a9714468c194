/* BVH traversal: closest hit and occlusion. The result never depends on the BVH layout:
 * every primitive whose hit could tie with the best so far is still tested (box entries equal
 * to the best t are visited), and equal t goes to the smaller primitive id. */
#ifndef TF_KERNELS_RENDER_BVH_TRAVERSE_H
#define TF_KERNELS_RENDER_BVH_TRAVERSE_H

#include "intersect.h"
#include "scene_view.h"

/* Deepest BVH that traversal supports; finalize_kernel_scene() builds within it. */
#define TF_BVH_STACK_SIZE 64
#define TF_NO_PRIM 0xFFFFFFFFu

typedef struct tf_hit {
  float t;
  tf_u32 prim; /* TF_NO_PRIM: no hit */
  float b1, b2; /* triangles: barycentrics of vertices 1 and 2 */
} tf_hit;

TF_FN tf_vec3 tf_vertex_pos(const tf_scene_view* s, tf_u32 i) {
  TF_GLOBAL const tf_vertex* v = s->vertices + i;
  return v3(v->px, v->py, v->pz);
}

/* Tests primitive `id` against the ray over (tmin, tmax); fills t/b1/b2 on a hit. */
TF_FN int tf_intersect_prim(const tf_scene_view* s, tf_ray ray, tf_u32 id, float tmin, float tmax,
                            float* t, float* b1, float* b2) {
  if (id < s->header.triangle_count) {
    TF_GLOBAL const tf_triangle* tri = s->triangles + id;
    return tf_intersect_triangle(ray, tf_vertex_pos(s, tri->v0), tf_vertex_pos(s, tri->v1),
                                 tf_vertex_pos(s, tri->v2), tmin, tmax, t, b1, b2);
  }
  TF_GLOBAL const tf_sphere* sp = s->spheres + (id - s->header.triangle_count);
  *b1 = 0.0f;
  *b2 = 0.0f;
  return tf_intersect_sphere(ray, v3(sp->cx, sp->cy, sp->cz), sp->radius, tmin, tmax, t);
}

TF_FN tf_vec3 tf_inverse_dir(tf_vec3 d) { return v3(1.0f / d.x, 1.0f / d.y, 1.0f / d.z); }

/* Closest hit with tmin < t < tmax. hit.prim == TF_NO_PRIM when nothing is hit. */
TF_FN tf_hit tf_closest_hit(const tf_scene_view* s, tf_ray ray, float tmin, float tmax) {
  tf_hit best;
  best.t = tmax;
  best.prim = TF_NO_PRIM;
  best.b1 = 0.0f;
  best.b2 = 0.0f;
  if (s->header.node_count == 0u) return best;
  tf_vec3 inv_d = tf_inverse_dir(ray.d);
  tf_u32 stack[TF_BVH_STACK_SIZE];
  int sp = 0;
  if (tf_intersect_box(ray.o, inv_d, s->nodes, tmin, tmax) == TF_FLOAT_MAX) return best;
  tf_u32 node = 0u;
  for (;;) {
    TF_GLOBAL const tf_bvh_node* n = s->nodes + node;
    if (n->count > 0u) {
      for (tf_u32 i = n->first; i < n->first + n->count; ++i) {
        tf_u32 id = s->prim_index[i];
        float t;
        float b1;
        float b2;
        if (tf_intersect_prim(s, ray, id, tmin, tmax, &t, &b1, &b2) &&
            (t < best.t || (t == best.t && id < best.prim))) {
          best.t = t;
          best.prim = id;
          best.b1 = b1;
          best.b2 = b2;
        }
      }
    } else {
      tf_u32 c0 = n->first;
      tf_u32 c1 = n->first + 1u;
      float t0 = tf_intersect_box(ray.o, inv_d, s->nodes + c0, tmin, best.t);
      float t1 = tf_intersect_box(ray.o, inv_d, s->nodes + c1, tmin, best.t);
      if (t0 != TF_FLOAT_MAX && t1 != TF_FLOAT_MAX) {
        /* Near child first; the far one waits on the stack. */
        tf_u32 near_c = t1 < t0 ? c1 : c0;
        tf_u32 far_c = t1 < t0 ? c0 : c1;
        if (sp < TF_BVH_STACK_SIZE) stack[sp++] = far_c;
        node = near_c;
        continue;
      }
      if (t0 != TF_FLOAT_MAX) {
        node = c0;
        continue;
      }
      if (t1 != TF_FLOAT_MAX) {
        node = c1;
        continue;
      }
    }
    /* Pop, skipping nodes that can no longer hold a hit at or before the best t. */
    for (;;) {
      if (sp == 0) return best;
      node = stack[--sp];
      if (tf_intersect_box(ray.o, inv_d, s->nodes + node, tmin, best.t) != TF_FLOAT_MAX) break;
    }
  }
}

/* 1 when any primitive is hit with tmin < t < tmax (shadow rays). */
TF_FN int tf_occluded(const tf_scene_view* s, tf_ray ray, float tmin, float tmax) {
  if (s->header.node_count == 0u) return 0;
  tf_vec3 inv_d = tf_inverse_dir(ray.d);
  tf_u32 stack[TF_BVH_STACK_SIZE];
  int sp = 0;
  stack[sp++] = 0u;
  while (sp > 0) {
    TF_GLOBAL const tf_bvh_node* n = s->nodes + stack[--sp];
    if (tf_intersect_box(ray.o, inv_d, n, tmin, tmax) == TF_FLOAT_MAX) continue;
    if (n->count > 0u) {
      for (tf_u32 i = n->first; i < n->first + n->count; ++i) {
        float t;
        float b1;
        float b2;
        if (tf_intersect_prim(s, ray, s->prim_index[i], tmin, tmax, &t, &b1, &b2)) return 1;
      }
    } else if (sp + 2 <= TF_BVH_STACK_SIZE) {
      stack[sp++] = n->first + 1u;
      stack[sp++] = n->first;
    }
  }
  return 0;
}

#endif
