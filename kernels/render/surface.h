/* The local geometry at a ray hit: position, normals, uv, material and light. */
#ifndef TF_KERNELS_RENDER_SURFACE_H
#define TF_KERNELS_RENDER_SURFACE_H

#include "normal_map.h"
#include "mix_material.h"
#include "triangle_geometry.h"

typedef struct tf_surface {
  tf_vec3 p;
  tf_vec3 ng;    /* unit geometric normal, oriented as the emitting side of one-sided lights:
                    facing the shading normal when the triangle has normals, else the
                    winding/outward normal, flipped by TF_PRIM_FLIP_NORMAL */
  tf_vec3 ns;    /* unit shading normal, on the same side as ng (bump-mapped: bump.h) */
  float u, v;
  tf_u32 material; /* the material that shades the hit: a mix already resolved */
  tf_i32 light;  /* index into lights[], -1: not emissive */
} tf_surface;

/* Winding normal n of triangle `id` oriented as documented on tf_surface.ng. */
TF_FN tf_vec3 tf_orient_triangle_normal(const tf_scene_view* s, tf_u32 id, tf_vec3 n,
                                        tf_vec3 shading_n) {
  TF_GLOBAL const tf_triangle* tri = s->triangles + id;
  if ((tri->flags & TF_TRI_HAS_NORMALS) != 0u) {
    if (v3_dot(n, shading_n) < 0.0f) n = v3_neg(n);
  } else if ((tri->flags & TF_PRIM_FLIP_NORMAL) != 0u) {
    n = v3_neg(n);
  }
  return n;
}

/* Geometric normal of triangle `id` (unit), oriented as documented on tf_surface.ng, and its
 * area through *area. Shared by hit shading and light sampling. */
TF_FN tf_vec3 tf_triangle_normal(const tf_scene_view* s, tf_u32 id, tf_vec3 shading_n, float* area) {
  return tf_orient_triangle_normal(s, id, tf_triangle_winding_normal(s, id, area), shading_n);
}

/* Interpolated shading normal of triangle `id` at barycentrics (b1, b2); (0,0,0) when the
 * triangle has no normals. */
TF_FN tf_vec3 tf_triangle_shading_normal(const tf_scene_view* s, tf_u32 id, float b1, float b2) {
  TF_GLOBAL const tf_triangle* tri = s->triangles + id;
  if ((tri->flags & TF_TRI_HAS_NORMALS) == 0u) return v3s(0.0f);
  TF_GLOBAL const tf_vertex* a = s->vertices + tri->v0;
  TF_GLOBAL const tf_vertex* b = s->vertices + tri->v1;
  TF_GLOBAL const tf_vertex* c = s->vertices + tri->v2;
  float b0 = 1.0f - b1 - b2;
  tf_vec3 n = v3_add(v3_add(v3_scale(v3(a->nx, a->ny, a->nz), b0), v3_scale(v3(b->nx, b->ny, b->nz), b1)),
                     v3_scale(v3(c->nx, c->ny, c->nz), b2));
  return v3_normalize(n);
}

/* What textures see of surface sf. */
TF_FN tf_tex_ctx tf_surface_tex_ctx(const tf_surface* sf) {
  tf_tex_ctx c;
  c.p = sf->p;
  c.n = sf->ng;
  c.u = sf->u;
  c.v = sf->v;
  return c;
}

/* Perturbs sf's shading normal by its material's normal map (normal_map.h), else by its
 * displacement texture (bump.h). */
TF_FN void tf_perturb_surface(const tf_scene_view* s, const tf_shading_derivs* d, tf_surface* sf) {
  TF_GLOBAL const tf_material* m = s->materials + sf->material;
  tf_tex_ctx c = tf_surface_tex_ctx(sf);
  sf->ns = m->normal_map != 0u ? tf_normal_map_normal(s, (tf_i32)m->normal_map - 1, &c, sf->ns, d)
                               : tf_bump_normal(s, (tf_i32)m->displacement - 1, &c, sf->ns, d);
}

/* Sets sf->material to the material that shades a hit on primitive material `material` seen
 * along ray direction d (mix_material.h); returns 1 when that material perturbs the shading
 * normal (a normal map or a displacement texture). */
TF_FN int tf_surface_set_material(const tf_scene_view* s, tf_u32 material, tf_vec3 d,
                                  tf_surface* sf) {
  tf_tex_ctx c = tf_surface_tex_ctx(sf);
  sf->material = tf_resolve_material(s, material, &c, v3_neg(d));
  TF_GLOBAL const tf_material* m = s->materials + sf->material;
  return m->normal_map != 0u || m->displacement != 0u;
}

/* uv of the point of a sphere whose outward unit normal is n, pbrt's: u = phi / 2pi,
 * v = 1 - theta / pi. */
TF_FN void tf_sphere_uv(tf_vec3 n, float* u, float* v) {
  float phi = tf_atan2f(n.y, n.x);
  if (phi < 0.0f) phi += 2.0f * TF_PI;
  *u = phi * TF_INV_2PI;
  *v = 1.0f - tf_acosf(tf_clampf(n.z, -1.0f, 1.0f)) * TF_INV_PI;
}

/* Surface at a hit. Sphere uv (trigonometry) is computed only for materials that read it
 * (tf_material_reads_uv); a mix is resolved, then the chosen material's normal map or
 * displacement perturbs the shading normal (normal_map.h, bump.h). */
TF_FN tf_surface tf_surface_at(const tf_scene_view* s, tf_ray ray, tf_hit hit) {
  tf_surface sf;
  sf.u = 0.0f;
  sf.v = 0.0f;
  if (hit.prim < s->header.triangle_count) {
    TF_GLOBAL const tf_triangle* tri = s->triangles + hit.prim;
    tf_tex_ctx ctx = tf_triangle_tex_ctx(s, hit.prim, hit.b1, hit.b2);
    sf.p = ctx.p;
    sf.u = ctx.u;
    sf.v = ctx.v;
    tf_vec3 ns = tf_triangle_shading_normal(s, hit.prim, hit.b1, hit.b2);
    sf.ng = tf_orient_triangle_normal(s, hit.prim, ctx.n, ns);
    sf.ns = v3_is_zero(ns) ? sf.ng : ns;
    sf.light = tri->light;
    if (tf_surface_set_material(s, tri->material, ray.d, &sf)) {
      tf_shading_derivs d = tf_triangle_derivs(s, hit.prim, sf.ns, sf.ng);
      tf_perturb_surface(s, &d, &sf);
    }
    return sf;
  }
  TF_GLOBAL const tf_sphere* sp = s->spheres + (hit.prim - s->header.triangle_count);
  tf_vec3 c = v3(sp->cx, sp->cy, sp->cz);
  tf_vec3 n = v3_normalize(v3_sub(v3_madd(ray.o, ray.d, hit.t), c));
  sf.p = v3_madd(c, n, sp->radius); /* re-projected onto the sphere */
  TF_GLOBAL const tf_material* m = s->materials + sp->material;
  if (tf_material_reads_uv(m)) tf_sphere_uv(n, &sf.u, &sf.v);
  if ((sp->flags & TF_PRIM_FLIP_NORMAL) != 0u) n = v3_neg(n);
  sf.ng = n;
  sf.ns = n;
  sf.light = sp->light;
  if (tf_surface_set_material(s, sp->material, ray.d, &sf)) {
    tf_shading_derivs d = tf_sphere_derivs(v3_sub(sf.p, c), sp->radius);
    tf_perturb_surface(s, &d, &sf);
  }
  return sf;
}

/* A ray origin offset from surface point p off the surface, on the side of direction w, so
 * that the new ray does not hit its own surface again. The offset grows with |p|. */
TF_FN tf_vec3 tf_offset_origin(tf_vec3 p, tf_vec3 ng, tf_vec3 w) {
  float mag = tf_maxf(tf_absf(p.x), tf_maxf(tf_absf(p.y), tf_absf(p.z)));
  float eps = 1.0e-4f * (1.0f + mag);
  return v3_madd(p, ng, v3_dot(w, ng) < 0.0f ? -eps : eps);
}

#endif
