/* Ray-primitive tests. Each result depends only on the ray and the primitive (never on the
 * BVH), so closest-hit ties can be broken by primitive id. */
#ifndef TF_KERNELS_RENDER_INTERSECT_H
#define TF_KERNELS_RENDER_INTERSECT_H

#include "camera.h"
#include "scene_types.h"

/* Möller-Trumbore, two-sided. On a hit with tmin < t < tmax writes t and the barycentrics of
 * vertices 1 and 2 and returns 1; otherwise returns 0 and writes nothing. Edges count as
 * inside, so a ray through a shared edge hits both triangles at the same t. */
TF_FN int tf_intersect_triangle(tf_ray ray, tf_vec3 p0, tf_vec3 p1, tf_vec3 p2, float tmin,
                                float tmax, float* t_out, float* b1_out, float* b2_out) {
  tf_vec3 e1 = v3_sub(p1, p0);
  tf_vec3 e2 = v3_sub(p2, p0);
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

/* Narrows [*t_enter, *t_exit] by one slab. Both ends are widened by a relative 1e-5 so that
 * rounding never culls a box that holds a primitive hit. A NaN slab (0 * inf: the origin
 * lies on a slab plane of an axis-parallel ray) places no bound. */
TF_FN void tf_clip_slab(float t0, float t1, float* t_enter, float* t_exit) {
  if (t0 != t0 || t1 != t1) return;
  float lo = tf_minf(t0, t1);
  float hi = tf_maxf(t0, t1);
  lo -= 1.0e-5f * tf_absf(lo);
  hi += 1.0e-5f * tf_absf(hi);
  if (lo > *t_enter) *t_enter = lo;
  if (hi < *t_exit) *t_exit = hi;
}

/* Slab test against a BVH node box. Returns the entry distance (clamped to tmin) when the
 * ray overlaps the box within [tmin, tmax], else TF_FLOAT_MAX. */
TF_FN float tf_intersect_box(tf_vec3 o, tf_vec3 inv_d, TF_GLOBAL const tf_bvh_node* n, float tmin,
                             float tmax) {
  float t_enter = tmin;
  float t_exit = tmax;
  tf_clip_slab((n->min_x - o.x) * inv_d.x, (n->max_x - o.x) * inv_d.x, &t_enter, &t_exit);
  tf_clip_slab((n->min_y - o.y) * inv_d.y, (n->max_y - o.y) * inv_d.y, &t_enter, &t_exit);
  tf_clip_slab((n->min_z - o.z) * inv_d.z, (n->max_z - o.z) * inv_d.z, &t_enter, &t_exit);
  return t_enter <= t_exit ? t_enter : TF_FLOAT_MAX;
}

#endif
