/* BVH traversal: closest hit and occlusion over the 4-wide nodes of scene_types.h. The result
 * never depends on the BVH layout: every primitive whose hit could tie with the best so far is
 * still tested (box entries equal to the best t are visited), and equal t goes to the smaller
 * primitive id. */
#ifndef TF_KERNELS_RENDER_BVH_TRAVERSE_H
#define TF_KERNELS_RENDER_BVH_TRAVERSE_H

#include "alpha_cutout.h"
#include "intersect.h"
#include "scene_view.h"

/* Deepest binary tree that build_bvh() collapses into wide nodes (levels, root = 1). A wide
 * interior node then lies at most TF_BVH_MAX_DEPTH - 2 wide levels deep, and traversal keeps
 * at most TF_BVH_WIDTH - 1 entries per level on its stack plus the TF_BVH_WIDTH children of
 * the node at hand, which TF_BVH_STACK_SIZE covers. */
#define TF_BVH_MAX_DEPTH 64
#define TF_BVH_STACK_SIZE ((TF_BVH_WIDTH - 1) * TF_BVH_MAX_DEPTH)
#define TF_NO_PRIM 0xFFFFFFFFu

/* A hint with no effect on results: the CPU build prefetches, the others ignore it. */
#if defined(TF_CPU) && defined(__GNUC__)
#define TF_PREFETCH(p) __builtin_prefetch((const void*)(p))
#else
#define TF_PREFETCH(p) ((void)(p))
#endif

typedef struct tf_hit {
  float t;
  tf_u32 prim; /* TF_NO_PRIM: no hit */
  float b1, b2; /* triangles: barycentrics of vertices 1 and 2 */
} tf_hit;

/* Tests primitive `id` against the ray over (tmin, tmax); fills t/b1/b2 on a hit. Reads the
 * scene's triangles and vertices: the reference that leaf tests agree with bit for bit. */
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

/* Leaf entry `i` (a triangle entry) against the ray, from its leaf_triangles record. */
TF_FN int tf_intersect_leaf_triangle(const tf_scene_view* s, tf_ray ray, tf_u32 i, float tmin,
                                     float tmax, float* t, float* b1, float* b2) {
  TF_GLOBAL const tf_leaf_triangle* lt = s->leaf_triangles + i;
  return tf_intersect_triangle_edges(ray, v3(lt->p0_x, lt->p0_y, lt->p0_z),
                                     v3(lt->e1_x, lt->e1_y, lt->e1_z),
                                     v3(lt->e2_x, lt->e2_y, lt->e2_z), tmin, tmax, t, b1, b2);
}

/* Keeps the hit (t, id) in *best when it is closer (equal t: the smaller primitive id). */
TF_FN void tf_keep_closer(tf_hit* best, float t, tf_u32 id, float b1, float b2) {
  if (t < best->t || (t == best->t && id < best->prim)) {
    best->t = t;
    best->prim = id;
    best->b1 = b1;
    best->b2 = b2;
  }
}

/* Tests the leaf with entries [first, first + triangles + spheres) over (tmin, tmax) and
 * keeps the closest hit in *best; the primitive id is read only on a hit, and a hit that an
 * alpha texture cuts out (alpha_cutout.h) is no hit. With stop_at_any (occlusion) it returns 1
 * at the first hit instead, leaving *best as it was; otherwise it returns 0. */
TF_FN int tf_test_leaf(const tf_scene_view* s, tf_ray ray, tf_u32 first, tf_u32 leaf, float tmin,
                       float tmax, tf_hit* best, int stop_at_any) {
  tf_u32 spheres_begin = first + TF_BVH_LEAF_TRIANGLES(leaf);
  tf_u32 end = spheres_begin + TF_BVH_LEAF_SPHERES(leaf);
  float t;
  float b1;
  float b2;
  for (tf_u32 i = first; i < spheres_begin; ++i) {
    if (tf_intersect_leaf_triangle(s, ray, i, tmin, tmax, &t, &b1, &b2)) {
      if (s->header.alpha_prims != 0u && tf_alpha_cut(s, ray, s->prim_index[i], b1, b2)) {
        continue;
      }
      if (stop_at_any) return 1;
      tf_keep_closer(best, t, s->prim_index[i], b1, b2);
    }
  }
  for (tf_u32 i = spheres_begin; i < end; ++i) {
    tf_u32 id = s->prim_index[i];
    if (tf_intersect_prim(s, ray, id, tmin, tmax, &t, &b1, &b2)) {
      if (stop_at_any) return 1;
      tf_keep_closer(best, t, id, b1, b2);
    }
  }
  return 0;
}

/* Items still to visit, nearest on top: a node or a leaf (child and leaf as in a
 * tf_bvh_node slot) and the distance at which the ray enters its box. */
typedef struct tf_bvh_stack {
  tf_u32 child[TF_BVH_STACK_SIZE];
  tf_u32 leaf[TF_BVH_STACK_SIZE];
  float entry[TF_BVH_STACK_SIZE];
  int size;
} tf_bvh_stack;

/* Pushes the slots of node n that the ray enters (entry[i] != TF_FLOAT_MAX) and starts
 * loading what they point to. Returns how many it pushed. A full stack drops slots; build_bvh
 * never builds a tree deep enough for that (TF_BVH_MAX_DEPTH). */
TF_FN int tf_push_entered(const tf_scene_view* s, tf_bvh_stack* st, TF_GLOBAL const tf_bvh_node* n,
                          const float* entry) {
  int pushed = 0;
  for (int i = 0; i < TF_BVH_WIDTH; ++i) {
    if (entry[i] == TF_FLOAT_MAX || st->size == TF_BVH_STACK_SIZE) continue;
    tf_u32 child = n->child[i];
    if (n->leaf[i] == TF_BVH_INTERIOR) {
      TF_PREFETCH(s->nodes + child);
      TF_PREFETCH((TF_GLOBAL const char*)(s->nodes + child) + 64);
    } else {
      TF_PREFETCH(s->leaf_triangles + child);
    }
    st->child[st->size] = child;
    st->leaf[st->size] = n->leaf[i];
    st->entry[st->size] = entry[i];
    ++st->size;
    ++pushed;
  }
  return pushed;
}

/* Orders the top `count` stack items so that the nearest entry is on top (insertion sort;
 * the order of equal entries is a fixed rule that results do not depend on). */
TF_FN void tf_sort_top(tf_bvh_stack* st, int count) {
  int base = st->size - count;
  for (int i = base + 1; i < st->size; ++i) {
    tf_u32 child = st->child[i];
    tf_u32 leaf = st->leaf[i];
    float entry = st->entry[i];
    int j = i;
    for (; j > base && st->entry[j - 1] < entry; --j) {
      st->child[j] = st->child[j - 1];
      st->leaf[j] = st->leaf[j - 1];
      st->entry[j] = st->entry[j - 1];
    }
    st->child[j] = child;
    st->leaf[j] = leaf;
    st->entry[j] = entry;
  }
}

/* Closest hit with tmin < t < tmax. hit.prim == TF_NO_PRIM when nothing is hit.
 *
 * The children a node's ray enters go on the stack, nearest on top; an item is visited while
 * its entry distance is <= the best t so far (not <: a primitive at exactly the best t with a
 * smaller id must still be tested). */
TF_FN tf_hit tf_closest_hit(const tf_scene_view* s, tf_ray ray, float tmin, float tmax) {
  tf_hit best;
  best.t = tmax;
  best.prim = TF_NO_PRIM;
  best.b1 = 0.0f;
  best.b2 = 0.0f;
  if (s->header.node_count == 0u) return best;
  tf_box_ray box_ray = tf_make_box_ray(ray);
  tf_bvh_stack st;
  st.size = 0;
  tf_u32 child = 0u;
  tf_u32 leaf = TF_BVH_INTERIOR;
  for (;;) {
    if (leaf == TF_BVH_INTERIOR) {
      TF_GLOBAL const tf_bvh_node* n = s->nodes + child;
      float entry[TF_BVH_WIDTH];
      tf_intersect_box4(&box_ray, n, tmin, best.t, entry);
      tf_sort_top(&st, tf_push_entered(s, &st, n, entry));
    } else {
      tf_test_leaf(s, ray, child, leaf, tmin, tmax, &best, 0);
    }
    /* Pop, skipping items entered beyond the best t found since they were pushed. */
    for (;;) {
      if (st.size == 0) return best;
      --st.size;
      if (st.entry[st.size] <= best.t) break;
    }
    child = st.child[st.size];
    leaf = st.leaf[st.size];
  }
}

/* 1 when any primitive is hit with tmin < t < tmax (shadow rays). */
TF_FN int tf_occluded(const tf_scene_view* s, tf_ray ray, float tmin, float tmax) {
  if (s->header.node_count == 0u) return 0;
  tf_hit ignored; /* tf_test_leaf stops at the first hit and leaves it untouched */
  ignored.t = tmax;
  ignored.prim = TF_NO_PRIM;
  ignored.b1 = 0.0f;
  ignored.b2 = 0.0f;
  tf_box_ray box_ray = tf_make_box_ray(ray);
  tf_bvh_stack st;
  st.size = 0;
  tf_u32 child = 0u;
  tf_u32 leaf = TF_BVH_INTERIOR;
  for (;;) {
    if (leaf == TF_BVH_INTERIOR) {
      TF_GLOBAL const tf_bvh_node* n = s->nodes + child;
      float entry[TF_BVH_WIDTH];
      tf_intersect_box4(&box_ray, n, tmin, tmax, entry);
      tf_push_entered(s, &st, n, entry);
    } else if (tf_test_leaf(s, ray, child, leaf, tmin, tmax, &ignored, 1)) {
      return 1;
    }
    if (st.size == 0) return 0;
    --st.size;
    child = st.child[st.size];
    leaf = st.leaf[st.size];
  }
}

#endif
