/* Ray-primitive tests. Each result depends only on the ray and the primitive (never on the
 * BVH), so closest-hit ties can be broken by primitive id. */
#ifndef TF_KERNELS_RENDER_INTERSECT_H
#define TF_KERNELS_RENDER_INTERSECT_H

#include "camera.h"
#include "scene_types.h"

/* Möller-Trumbore, two-sided, on a triangle given as vertex p0 and edges e1 = p1 - p0,
 * e2 = p2 - p0 (as leaves store it). On a hit with tmin < t < tmax writes t and the
 * barycentrics of vertices 1 and 2 and returns 1; otherwise returns 0 and writes nothing.
 * Edges count as inside, so a ray through a shared edge hits both triangles at the same t. */
TF_FN int tf_intersect_triangle_edges(tf_ray ray, tf_vec3 p0, tf_vec3 e1, tf_vec3 e2, float tmin,
                                      float tmax, float* t_out, float* b1_out, float* b2_out) {
  tf_vec3 pvec = v3_cross(ray.d, e2);
  float det = v3_dot(e1, pvec);
  if (det == 0.0f || det != det) return 0;
  float inv_det = 1.0f / det;
  tf_vec3 tvec = v3_sub(ray.o, p0);
  float b1 = v3_dot(tvec, pvec) * inv_det;
  if (!(b1 >= 0.0f && b1 <= 1.0f)) return 0;
  tf_vec3 qvec = v3_cross(tvec, e1);
  float b2 = v3_dot(ray.d, qvec) * inv_det;
  if (!(b2 >= 0.0f && b1 + b2 <= 1.0f)) return 0;
  float t = v3_dot(e2, qvec) * inv_det;
  if (!(t > tmin && t < tmax)) return 0;
  *t_out = t;
  *b1_out = b1;
  *b2_out = b2;
  return 1;
}

/* The same test on vertex positions: bit for bit what tf_intersect_triangle_edges gives for
 * the record a leaf stores of this triangle. */
TF_FN int tf_intersect_triangle(tf_ray ray, tf_vec3 p0, tf_vec3 p1, tf_vec3 p2, float tmin,
                                float tmax, float* t_out, float* b1_out, float* b2_out) {
  return tf_intersect_triangle_edges(ray, p0, v3_sub(p1, p0), v3_sub(p2, p0), tmin, tmax, t_out,
                                     b1_out, b2_out);
}

/* Sphere (centre c, radius r) with a unit-length ray direction: the nearest root in
 * (tmin, tmax). The discriminant is computed from the perpendicular offset (Haines et al.,
 * Ray Tracing Gems ch. 7) to keep precision for distant spheres. */
TF_FN int tf_intersect_sphere(tf_ray ray, tf_vec3 c, float r, float tmin, float tmax,
                              float* t_out) {
  tf_vec3 oc = v3_sub(ray.o, c);
  float b = v3_dot(oc, ray.d);
  tf_vec3 perp = v3_madd(oc, ray.d, -b);
  float disc = r * r - v3_dot(perp, perp);
  if (!(disc >= 0.0f)) return 0;
  float cc = v3_dot(oc, oc) - r * r;
  float q = b > 0.0f ? -b - tf_sqrt(disc) : -b + tf_sqrt(disc);
  float t0 = q != 0.0f ? cc / q : 0.0f;
  float t1 = q;
  float near_t = tf_minf(t0, t1);
  float far_t = tf_maxf(t0, t1);
  if (near_t > tmin && near_t < tmax) {
    *t_out = near_t;
    return 1;
  }
  if (far_t > tmin && far_t < tmax) {
    *t_out = far_t;
    return 1;
  }
  return 0;
}

/* A ray prepared for slab tests: origin, reciprocal direction (+-inf on a zero component) and,
 * per axis, whether the direction is negative, which selects the box plane the ray enters
 * through. Computed once per ray by tf_make_box_ray(). */
typedef struct tf_box_ray {
  tf_vec3 o;
  tf_vec3 inv_d;
  int neg_x, neg_y, neg_z;
} tf_box_ray;

TF_FN tf_box_ray tf_make_box_ray(tf_ray ray) {
  tf_box_ray r;
  r.o = ray.o;
  r.inv_d = v3(1.0f / ray.d.x, 1.0f / ray.d.y, 1.0f / ray.d.z);
  /* The sign of the reciprocal, not of d: 1 / -0 is -inf, whose near plane is the max one. */
  r.neg_x = r.inv_d.x < 0.0f;
  r.neg_y = r.inv_d.y < 0.0f;
  r.neg_z = r.inv_d.z < 0.0f;
  return r;
}

/* Slab tests against the four child boxes of a BVH node: entry[i] is the entry distance of
 * slot i (clamped to tmin) when the ray overlaps its box within [tmin, tmax], else
 * TF_FLOAT_MAX. Straight-line code over the SoA arrays of the node, which compilers turn into
 * 4-wide SIMD (every operation is IEEE-exact, so each lane gives the scalar result).
 *
 * Per axis the near and far plane distances are exactly min(t0, t1) and max(t0, t1) of the two
 * slab planes (selected by the sign of inv_d). A NaN distance (0 * inf: the origin lies on a
 * slab plane of an axis-parallel ray) places no bound: each comparison below is written so
 * that a NaN operand leaves the running bound unchanged. The entry and exit distances are then
 * widened by a relative 1e-5 so that rounding never culls a box that holds a primitive hit;
 * widening is monotonic, so widening the maximum of the entries equals taking the maximum of
 * the widened entries. An entry of +inf or an exit of -inf (a ray parallel to a slab and
 * outside it, or an entry beyond the float range) stays infinite and misses: every primitive
 * lies strictly inside its padded box, so such a ray cannot hit one of them. (Widening would
 * turn it into NaN, which would place no bound and let such rays visit the whole tree.)
 * Empty slots have inverted boxes (min > max on every axis), whose entry exceeds their exit. */
TF_FN void tf_intersect_box4(const tf_box_ray* r, TF_GLOBAL const tf_bvh_node* n, float tmin,
                             float tmax, float* entry) {
  TF_GLOBAL const float* near_x = r->neg_x ? n->max_x : n->min_x;
  TF_GLOBAL const float* far_x = r->neg_x ? n->min_x : n->max_x;
  TF_GLOBAL const float* near_y = r->neg_y ? n->max_y : n->min_y;
  TF_GLOBAL const float* far_y = r->neg_y ? n->min_y : n->max_y;
  TF_GLOBAL const float* near_z = r->neg_z ? n->max_z : n->min_z;
  TF_GLOBAL const float* far_z = r->neg_z ? n->min_z : n->max_z;
  for (int i = 0; i < TF_BVH_WIDTH; ++i) {
    float tnx = (near_x[i] - r->o.x) * r->inv_d.x;
    float tfx = (far_x[i] - r->o.x) * r->inv_d.x;
    float tny = (near_y[i] - r->o.y) * r->inv_d.y;
    float tfy = (far_y[i] - r->o.y) * r->inv_d.y;
    float tnz = (near_z[i] - r->o.z) * r->inv_d.z;
    float tfz = (far_z[i] - r->o.z) * r->inv_d.z;
    float lo = -TF_FLOAT_MAX;
    float hi = TF_FLOAT_MAX;
    lo = tnx > lo ? tnx : lo;
    lo = tny > lo ? tny : lo;
    lo = tnz > lo ? tnz : lo;
    hi = tfx < hi ? tfx : hi;
    hi = tfy < hi ? tfy : hi;
    hi = tfz < hi ? tfz : hi;
    float lo_widened = lo - 1.0e-5f * tf_absf(lo);
    float hi_widened = hi + 1.0e-5f * tf_absf(hi);
    lo = lo_widened == lo_widened ? lo_widened : lo; /* NaN: lo is +inf, keep it */
    hi = hi_widened == hi_widened ? hi_widened : hi; /* NaN: hi is -inf, keep it */
    float t_enter = lo > tmin ? lo : tmin;
    float t_exit = hi < tmax ? hi : tmax;
    entry[i] = t_enter <= t_exit ? t_enter : TF_FLOAT_MAX;
  }
}

#endif
