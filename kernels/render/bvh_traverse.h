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

/* Node layout for memory-level parallelism (a performance contract only; results never depend
 * on it): build_bvh() stores the sibling pairs of each treelet of TF_BVH_TREELET_LEVELS pair
 * levels, rooted at depths that are multiples of that count, contiguously from the root's
 * `first`. Traversal prefetches the whole treelet when it reaches its root. */
#define TF_BVH_TREELET_LEVELS 4
#define TF_BVH_TREELET_PAIRS ((1 << TF_BVH_TREELET_LEVELS) - 1)

/* A hint with no effect on results: the CPU build prefetches, the others ignore it. */
#if defined(TF_CPU) && defined(__GNUC__)
#define TF_PREFETCH(p) __builtin_prefetch((const void*)(p))
#else
#define TF_PREFETCH(p) ((void)(p))
#endif

/* Starts loading the sibling pairs of the treelet whose first pair is s->nodes[first]. */
TF_FN void tf_prefetch_treelet(const tf_scene_view* s, tf_u32 first) {
  tf_u32 end = first + 2u * (tf_u32)TF_BVH_TREELET_PAIRS;
  if (end > s->header.node_count) end = s->header.node_count;
  for (tf_u32 i = first; i < end; i += 2u) TF_PREFETCH(s->nodes + i);
}

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

/* Tests primitives prim_index[first .. first + count) and keeps the closest hit in *best
 * (equal t: the smaller primitive id). */
TF_FN void tf_closest_in_leaf(const tf_scene_view* s, tf_ray ray, tf_u32 first, tf_u32 count,
                              float tmin, float tmax, tf_hit* best) {
  for (tf_u32 i = first; i < first + count; ++i) {
    tf_u32 id = s->prim_index[i];
    float t;
    float b1;
    float b2;
    if (tf_intersect_prim(s, ray, id, tmin, tmax, &t, &b1, &b2) &&
        (t < best->t || (t == best->t && id < best->prim))) {
      best->t = t;
      best->prim = id;
      best->b1 = b1;
      best->b2 = b2;
    }
  }
}

/* Closest hit with tmin < t < tmax. hit.prim == TF_NO_PRIM when nothing is hit.
 *
 * Both children of an interior node are box-tested; the nearer one is visited next and the
 * other waits on the stack with its entry distance. A node is visited while its entry
 * distance is <= the best t so far (not <: a primitive at exactly the best t with a smaller
 * id must still be tested). */
TF_FN tf_hit tf_closest_hit(const tf_scene_view* s, tf_ray ray, float tmin, float tmax) {
  tf_hit best;
  best.t = tmax;
  best.prim = TF_NO_PRIM;
  best.b1 = 0.0f;
  best.b2 = 0.0f;
  if (s->header.node_count == 0u) return best;
  tf_box_ray box_ray = tf_make_box_ray(ray);
  if (tf_intersect_box(&box_ray, s->nodes, tmin, tmax) == TF_FLOAT_MAX) return best;
  tf_u32 stack_node[TF_BVH_STACK_SIZE];
  float stack_entry[TF_BVH_STACK_SIZE];
  int stack_depth[TF_BVH_STACK_SIZE];
  int sp = 0;
  tf_u32 node = 0u;
  int depth = 0;
  for (;;) {
    TF_GLOBAL const tf_bvh_node* n = s->nodes + node;
    if (n->count == 0u) {
      tf_u32 c0 = n->first;
      if (depth % TF_BVH_TREELET_LEVELS == 0) tf_prefetch_treelet(s, c0);
      float t0 = tf_intersect_box(&box_ray, s->nodes + c0, tmin, best.t);
      float t1 = tf_intersect_box(&box_ray, s->nodes + c0 + 1u, tmin, best.t);
      ++depth;
      if (t0 != TF_FLOAT_MAX) {
        if (t1 != TF_FLOAT_MAX) {
          /* Equal entries: the first child first, as a fixed rule. */
          int second_nearer = t1 < t0;
          if (sp < TF_BVH_STACK_SIZE) {
            stack_node[sp] = second_nearer ? c0 : c0 + 1u;
            stack_entry[sp] = second_nearer ? t0 : t1;
            stack_depth[sp] = depth;
            ++sp;
          }
          node = second_nearer ? c0 + 1u : c0;
        } else {
          node = c0;
        }
        continue;
      }
      if (t1 != TF_FLOAT_MAX) {
        node = c0 + 1u;
        continue;
      }
    } else {
      tf_closest_in_leaf(s, ray, n->first, n->count, tmin, tmax, &best);
    }
    /* Pop, skipping nodes entered beyond the best t found since they were pushed. */
    for (;;) {
      if (sp == 0) return best;
      --sp;
      if (stack_entry[sp] <= best.t) break;
    }
    node = stack_node[sp];
    depth = stack_depth[sp];
  }
}

/* 1 when any primitive is hit with tmin < t < tmax (shadow rays). */
TF_FN int tf_occluded(const tf_scene_view* s, tf_ray ray, float tmin, float tmax) {
  if (s->header.node_count == 0u) return 0;
  tf_box_ray box_ray = tf_make_box_ray(ray);
  if (tf_intersect_box(&box_ray, s->nodes, tmin, tmax) == TF_FLOAT_MAX) return 0;
  tf_u32 stack_node[TF_BVH_STACK_SIZE];
  int stack_depth[TF_BVH_STACK_SIZE];
  int sp = 0;
  tf_u32 node = 0u;
  int depth = 0;
  for (;;) {
    TF_GLOBAL const tf_bvh_node* n = s->nodes + node;
    if (n->count == 0u) {
      tf_u32 c0 = n->first;
      if (depth % TF_BVH_TREELET_LEVELS == 0) tf_prefetch_treelet(s, c0);
      int hit0 = tf_intersect_box(&box_ray, s->nodes + c0, tmin, tmax) != TF_FLOAT_MAX;
      int hit1 = tf_intersect_box(&box_ray, s->nodes + c0 + 1u, tmin, tmax) != TF_FLOAT_MAX;
      ++depth;
      if (hit0 && hit1 && sp < TF_BVH_STACK_SIZE) {
        stack_node[sp] = c0 + 1u;
        stack_depth[sp] = depth;
        ++sp;
      }
      if (hit0 || hit1) {
        node = hit0 ? c0 : c0 + 1u;
        continue;
      }
    } else {
      for (tf_u32 i = n->first; i < n->first + n->count; ++i) {
        float t;
        float b1;
        float b2;
        if (tf_intersect_prim(s, ray, s->prim_index[i], tmin, tmax, &t, &b1, &b2)) return 1;
      }
    }
    if (sp == 0) return 0;
    --sp;
    node = stack_node[sp];
    depth = stack_depth[sp];
  }
}

#endif
