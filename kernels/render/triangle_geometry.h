/* Geometry of a point on a triangle, shared by hit shading (surface.h) and alpha cut-outs
 * (alpha_cutout.h), so that an alpha texture sees exactly what shading would see at the same
 * hit: the barycentric point, the interpolated uv (pbrt's default triangle uv (0,0), (1,0),
 * (1,1) without vertex uvs) and the unit winding normal. */
#ifndef TF_KERNELS_RENDER_TRIANGLE_GEOMETRY_H
#define TF_KERNELS_RENDER_TRIANGLE_GEOMETRY_H

#include "scene_view.h"
#include "texture_graph.h"

TF_FN tf_vec3 tf_vertex_pos(const tf_scene_view* s, tf_u32 i) {
  TF_GLOBAL const tf_vertex* v = s->vertices + i;
  return v3(v->px, v->py, v->pz);
}

/* The unit normal of triangle `id` by its winding, (p1 - p0) x (p2 - p0), or (0, 0, 1) when the
 * triangle is degenerate; its area through *area. */
TF_FN tf_vec3 tf_triangle_winding_normal(const tf_scene_view* s, tf_u32 id, float* area) {
  TF_GLOBAL const tf_triangle* tri = s->triangles + id;
  tf_vec3 p0 = tf_vertex_pos(s, tri->v0);
  tf_vec3 c =
      v3_cross(v3_sub(tf_vertex_pos(s, tri->v1), p0), v3_sub(tf_vertex_pos(s, tri->v2), p0));
  float len = v3_length(c);
  *area = 0.5f * len;
  return len > 0.0f ? v3_scale(c, 1.0f / len) : v3(0.0f, 0.0f, 1.0f);
}

/* What textures see at barycentrics (b1, b2) of triangle `prim`: point, winding normal, uv. */
TF_FN tf_tex_ctx tf_triangle_tex_ctx(const tf_scene_view* s, tf_u32 prim, float b1, float b2) {
  TF_GLOBAL const tf_triangle* tri = s->triangles + prim;
  TF_GLOBAL const tf_vertex* a = s->vertices + tri->v0;
  TF_GLOBAL const tf_vertex* b = s->vertices + tri->v1;
  TF_GLOBAL const tf_vertex* c = s->vertices + tri->v2;
  float b0 = 1.0f - b1 - b2;
  float area;
  tf_tex_ctx ctx;
  ctx.p =
      v3_add(v3_add(v3_scale(v3(a->px, a->py, a->pz), b0), v3_scale(v3(b->px, b->py, b->pz), b1)),
             v3_scale(v3(c->px, c->py, c->pz), b2));
  ctx.n = tf_triangle_winding_normal(s, prim, &area);
  if ((tri->flags & TF_TRI_HAS_UV) != 0u) {
    ctx.u = b0 * a->u + b1 * b->u + b2 * c->u;
    ctx.v = b0 * a->v + b1 * b->v + b2 * c->v;
  } else {
    ctx.u = b1 + b2;
    ctx.v = b2;
  }
  return ctx;
}

#endif
