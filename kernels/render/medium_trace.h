/* Media in the scene: which medium a ray is in after it crosses a primitive, and the
 * transmittance of shadow rays through interface surfaces and media.
 *
 * Media are named by 1 + their index in media[] (0: vacuum), as in the primitive flags and
 * tf_scene_header.camera_medium (scene_types.h). A primitive with TF_PRIM_NO_SURFACE (pbrt's
 * "interface" material) is no surface: rays pass it unchanged and only their medium changes.
 * A scene without media (medium_count == 0) takes the plain occlusion paths, bit for bit as a
 * renderer without media. */
#ifndef TF_KERNELS_RENDER_MEDIUM_TRACE_H
#define TF_KERNELS_RENDER_MEDIUM_TRACE_H

#include "hg_phase.h"
#include "medium_tracking.h"
#include "surface.h"

/* Interface crossings allowed along one ray of a path or one shadow ray: a bound on the work
 * of degenerate scenes (coincident interfaces); beyond it the ray carries nothing. */
#define TF_MAX_CROSSINGS 1024u

TF_FN tf_u32 tf_prim_flags(const tf_scene_view* s, tf_u32 prim) {
  if (prim < s->header.triangle_count) return s->triangles[prim].flags;
  return s->spheres[prim - s->header.triangle_count].flags;
}

/* The medium of a ray leaving a primitive with `flags` in direction w, where ng is its
 * oriented geometric normal (tf_surface.ng) and `current` the medium the ray came from:
 * outside on the side ng points to, inside on the other; `current` when the primitive is no
 * medium transition (pbrt-v4's GeometricPrimitive). */
TF_FN tf_u32 tf_medium_after(tf_u32 flags, tf_vec3 ng, tf_vec3 w, tf_u32 current) {
  tf_u32 inside = TF_PRIM_INSIDE1(flags);
  tf_u32 outside = TF_PRIM_OUTSIDE1(flags);
  if (inside == outside) return current;
  return v3_dot(w, ng) > 0.0f ? outside : inside;
}

/* How far along unit direction d the traced origin o lies beyond the point p it was moved
 * off (tf_offset_origin): a medium segment starting at p is this much longer than the
 * distance traced from o, so that ray offsets do not shorten paths through media. */
TF_FN float tf_origin_lead(tf_vec3 o, tf_vec3 p, tf_vec3 d) { return v3_dot(v3_sub(o, p), d); }

/* Transmittance along `ray` over (0, tmax) (TF_FLOAT_MAX: to infinity) for a ray that starts
 * in `medium`, its origin `lead` beyond the true start (tf_origin_lead): zero when a surface
 * blocks it, else the product of the transmittances of the segments between the interface
 * primitives it crosses: exp(-sigma_t * length) for homogeneous media (exact), a ratio-tracking
 * estimate drawing from *g for heterogeneous ones (medium_tracking.h). Adds every ray cast to
 * *rays. */
TF_FN tf_vec3 tf_shadow_transmittance(const tf_scene_view* s, tf_ray ray, float tmax, float lead,
                                      tf_u32 medium, tf_track_rng* g, tf_u32* rays) {
  if (s->header.medium_count == 0u) {
    *rays += 1u;
    return tf_occluded(s, ray, 0.0f, tmax) ? v3s(0.0f) : v3s(1.0f);
  }
  tf_vec3 tr = v3s(1.0f);
  for (tf_u32 crossing = 0u; crossing < TF_MAX_CROSSINGS; ++crossing) {
    tf_hit hit = tf_closest_hit(s, ray, 0.0f, tmax);
    *rays += 1u;
    if (medium != 0u) {
      float length = hit.prim == TF_NO_PRIM ? tmax : hit.t;
      if (length != TF_FLOAT_MAX) length += lead;
      tr = v3_mul(tr, tf_medium_transmittance_any(s, s->media + (medium - 1u),
                                                  v3_madd(ray.o, ray.d, -lead), ray.d, length, g));
    }
    if (hit.prim == TF_NO_PRIM) return tr;
    tf_u32 flags = tf_prim_flags(s, hit.prim);
    if ((flags & TF_PRIM_NO_SURFACE) == 0u || v3_is_zero(tr)) return v3s(0.0f);
    tf_surface sf = tf_surface_at(s, ray, hit);
    medium = tf_medium_after(flags, sf.ng, ray.d, medium);
    ray.o = tf_offset_origin(sf.p, sf.ng, ray.d);
    lead = tf_origin_lead(ray.o, sf.p, ray.d);
    if (tmax != TF_FLOAT_MAX) tmax = tf_maxf(tmax - hit.t, 0.0f);
  }
  return v3s(0.0f);
}

#endif
