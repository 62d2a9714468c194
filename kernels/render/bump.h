/* Bump mapping: a material's float "displacement" texture d(u, v) perturbs the shading normal
 * as pbrt-v4's BumpMap (src/pbrt/materials.h) does. The displaced surface p + d n has the
 * partial derivatives
 *   dp'/du = dp/du + (dd/du) n + d dn/du,   dp'/dv = dp/dv + (dd/dv) n + d dn/dv,
 * the bumped shading normal is normalize(dp'/du x dp'/dv), turned to the geometric normal's
 * side (pbrt's SetShadingGeometry, orientation not authoritative). dd/du and dd/dv are forward
 * differences over du = dv = TF_BUMP_DELTA: pbrt's step when the ray carries no differentials,
 * which our kernel never does; the shifted lookups move (u, v) and the point p (by du dp/du,
 * dv dp/dv) as pbrt's do. The texture (texture_graph.h) is read as a float from its first
 * channel (pbrt-v4 reads a float image texture's channel 0; float textures hold their value
 * in all channels).
 *
 * dp/du, dp/dv, dn/du, dn/dv are pbrt's shading derivatives: for a triangle, from its vertex
 * uv (pbrt's default (0,0), (1,0), (1,1) without them), and with vertex normals the shading
 * frame pbrt derives from them (ss = (ns x dp/du) x ns, ts = ns x dp/du); for a sphere, those
 * of pbrt's full sphere (phi_max = 2 pi, theta from pi to 0) in world axes, as its uv.
 *
 * When d has no gradient and the surface no normal derivative term (d dn/du = d dn/dv = 0) the
 * bumped normal is the shading normal itself, which is then kept bit for bit. */
#ifndef TF_KERNELS_RENDER_BUMP_H
#define TF_KERNELS_RENDER_BUMP_H

#include "bvh_traverse.h"
#include "texture_graph.h"

#define TF_BUMP_DELTA 0.0005f

/* Shading derivatives of a surface point (see above). */
typedef struct tf_shading_derivs {
  tf_vec3 dpdu, dpdv, dndu, dndv;
} tf_shading_derivs;

TF_FN tf_vec3 tf_vertex_normal(const tf_scene_view* s, tf_u32 i) {
  TF_GLOBAL const tf_vertex* v = s->vertices + i;
  return v3(v->nx, v->ny, v->nz);
}

/* The uv of corner `i` of triangle `tri` (pbrt's defaults without vertex uv). */
TF_FN void tf_triangle_corner_uv(const tf_scene_view* s, TF_GLOBAL const tf_triangle* tri, tf_u32 i,
                                 float* u, float* v) {
  if ((tri->flags & TF_TRI_HAS_UV) != 0u) {
    TF_GLOBAL const tf_vertex* vx = s->vertices + (i == 0u ? tri->v0 : i == 1u ? tri->v1 : tri->v2);
    *u = vx->u;
    *v = vx->v;
    return;
  }
  *u = i == 0u ? 0.0f : 1.0f;
  *v = i == 2u ? 1.0f : 0.0f;
}

/* a * x - b * y for vectors x, y: pbrt's solution of the uv system. */
TF_FN tf_vec3 tf_diff_of_products(float a, tf_vec3 x, float b, tf_vec3 y) {
  return v3_sub(v3_scale(x, a), v3_scale(y, b));
}

/* Shading derivatives of triangle `id` whose shading normal is ns (unit) and geometric
 * normal ng. */
TF_FN tf_shading_derivs tf_triangle_derivs(const tf_scene_view* s, tf_u32 id, tf_vec3 ns,
                                           tf_vec3 ng) {
  TF_GLOBAL const tf_triangle* tri = s->triangles + id;
  float u0, v0, u1, v1, u2, v2;
  tf_triangle_corner_uv(s, tri, 0u, &u0, &v0);
  tf_triangle_corner_uv(s, tri, 1u, &u1, &v1);
  tf_triangle_corner_uv(s, tri, 2u, &u2, &v2);
  float du02 = u0 - u2, dv02 = v0 - v2, du12 = u1 - u2, dv12 = v1 - v2;
  tf_vec3 p2 = tf_vertex_pos(s, tri->v2);
  tf_vec3 dp02 = v3_sub(tf_vertex_pos(s, tri->v0), p2);
  tf_vec3 dp12 = v3_sub(tf_vertex_pos(s, tri->v1), p2);
  float det = du02 * dv12 - dv02 * du12;
  int degenerate = tf_absf(det) < 1.0e-9f;
  float inv = degenerate ? 0.0f : 1.0f / det;
  tf_shading_derivs d;
  d.dpdu = v3_scale(tf_diff_of_products(dv12, dp02, dv02, dp12), inv);
  d.dpdv = v3_scale(tf_diff_of_products(du02, dp12, du12, dp02), inv);
  if (degenerate || v3_length_sq(v3_cross(d.dpdu, d.dpdv)) == 0.0f) v3_basis(ng, &d.dpdu, &d.dpdv);
  d.dndu = v3s(0.0f);
  d.dndv = v3s(0.0f);
  if ((tri->flags & TF_TRI_HAS_NORMALS) == 0u) return d;
  tf_vec3 n0 = tf_vertex_normal(s, tri->v0), n1 = tf_vertex_normal(s, tri->v1);
  tf_vec3 n2 = tf_vertex_normal(s, tri->v2);
  if (degenerate) {
    tf_vec3 dn = v3_cross(v3_sub(n2, n0), v3_sub(n1, n0));
    if (v3_length_sq(dn) > 0.0f) v3_basis(v3_normalize(dn), &d.dndu, &d.dndv);
  } else {
    tf_vec3 dn1 = v3_sub(n0, n2), dn2 = v3_sub(n1, n2);
    d.dndu = v3_scale(tf_diff_of_products(dv12, dn1, dv02, dn2), inv);
    d.dndv = v3_scale(tf_diff_of_products(du02, dn2, du12, dn1), inv);
  }
  tf_vec3 ts = v3_cross(ns, d.dpdu);
  if (v3_length_sq(ts) > 0.0f) {
    d.dpdu = v3_cross(ts, ns);
    d.dpdv = ts;
  } else {
    v3_basis(ns, &d.dpdu, &d.dpdv);
  }
  return d;
}

/* Shading derivatives of a sphere of radius r at offset q = p - centre, polar angle from
 * cos_theta = q.z / r. */
TF_FN tf_shading_derivs tf_sphere_derivs(tf_vec3 q, float r) {
  tf_shading_derivs d;
  float rxy = tf_sqrt(q.x * q.x + q.y * q.y);
  float sin_theta = tf_clampf(rxy / r, 0.0f, 1.0f);
  float cos_phi = rxy > 0.0f ? q.x / rxy : 1.0f;
  float sin_phi = rxy > 0.0f ? q.y / rxy : 0.0f;
  d.dpdu = v3(-2.0f * TF_PI * q.y, 2.0f * TF_PI * q.x, 0.0f);
  d.dpdv = v3_scale(v3(q.z * cos_phi, q.z * sin_phi, -r * sin_theta), -TF_PI);
  d.dndu = v3_scale(d.dpdu, 1.0f / r);
  d.dndv = v3_scale(d.dpdv, 1.0f / r);
  return d;
}

/* Float texture `tex` at the point of c shifted by (du, dv) in uv and by `dp` in space. */
TF_FN float tf_float_texture_at(const tf_scene_view* s, tf_i32 tex, const tf_tex_ctx* c, float du,
                                float dv, tf_vec3 dp) {
  tf_tex_ctx shifted = *c;
  shifted.p = v3_add(c->p, dp);
  shifted.u = c->u + du;
  shifted.v = c->v + dv;
  return tf_texture_graph_eval(s, tex, &shifted).x;
}

/* The bump-mapped shading normal for displacement texture `tex` at the point of c (whose n is
 * the geometric normal), given the shading normal ns (on the side of c->n) and the shading
 * derivatives. Returns ns when the bumped normal is degenerate. */
TF_FN tf_vec3 tf_bump_normal(const tf_scene_view* s, tf_i32 tex, const tf_tex_ctx* c, tf_vec3 ns,
                             const tf_shading_derivs* d) {
  const float h = TF_BUMP_DELTA;
  float disp = tf_float_texture_at(s, tex, c, 0.0f, 0.0f, v3s(0.0f));
  float gu = (tf_float_texture_at(s, tex, c, h, 0.0f, v3_scale(d->dpdu, h)) - disp) / h;
  float gv = (tf_float_texture_at(s, tex, c, 0.0f, h, v3_scale(d->dpdv, h)) - disp) / h;
  tf_vec3 curl_u = v3_scale(d->dndu, disp), curl_v = v3_scale(d->dndv, disp);
  if (gu == 0.0f && gv == 0.0f && v3_is_zero(curl_u) && v3_is_zero(curl_v)) return ns;
  tf_vec3 dpdu = v3_add(v3_add(d->dpdu, v3_scale(ns, gu)), curl_u);
  tf_vec3 dpdv = v3_add(v3_add(d->dpdv, v3_scale(ns, gv)), curl_v);
  tf_vec3 n = v3_cross(dpdu, dpdv);
  float len2 = v3_length_sq(n);
  if (!(len2 > 0.0f && len2 <= TF_FLOAT_MAX)) return ns;
  n = v3_scale(n, 1.0f / tf_sqrt(len2));
  return v3_dot(n, c->n) < 0.0f ? v3_neg(n) : n;
}

#endif
