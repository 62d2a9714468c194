/* Normal mapping as pbrt-v4's NormalMap (src/pbrt/materials.h). A material's "normalmap" image
 * is a TF_TEX_IMAGE node read without sRGB decoding, UV-mapped at unit scale with repeat wrap,
 * so its lookup is pbrt's BilerpChannel at (u, 1 - v). The texel gives a tangent-space normal
 * n_t = normalize(2 rgb - 1), taken to world space by pbrt's Frame::FromXZ(normalize(dp/du), ns)
 * (x = dp/du, y = ns x x, z = ns; not re-orthogonalised, as in pbrt). pbrt then rebuilds dp/du
 * and dp/dv around that normal, and their cross product is the normal again, so the shading
 * normal is normalize(n) turned to the geometric normal's side (SetShadingGeometry with the
 * orientation not authoritative). When a material has both, the normal map wins over the
 * displacement, as in pbrt-v4. */
#ifndef TF_KERNELS_RENDER_NORMAL_MAP_H
#define TF_KERNELS_RENDER_NORMAL_MAP_H

#include "bump.h"

/* The shading normal from normal-map texture `tex` at the point of c (whose n is the geometric
 * normal), given the shading normal ns and the shading derivatives. Returns ns when the map's
 * normal is degenerate. */
TF_FN tf_vec3 tf_normal_map_normal(const tf_scene_view* s, tf_i32 tex, const tf_tex_ctx* c,
                                   tf_vec3 ns, const tf_shading_derivs* d) {
  tf_vec3 rgb = tf_texture_graph_eval(s, tex, c);
  tf_vec3 nt = v3(2.0f * rgb.x - 1.0f, 2.0f * rgb.y - 1.0f, 2.0f * rgb.z - 1.0f);
  float lt = v3_length_sq(nt);
  if (!(lt > 0.0f)) return ns;
  nt = v3_scale(nt, 1.0f / tf_sqrt(lt));
  tf_vec3 x = v3_normalize(d->dpdu);
  tf_vec3 y = v3_cross(ns, x);
  tf_vec3 n = v3_add(v3_add(v3_scale(x, nt.x), v3_scale(y, nt.y)), v3_scale(ns, nt.z));
  float len2 = v3_length_sq(n);
  if (!(len2 > 0.0f && len2 <= TF_FLOAT_MAX)) return ns;
  n = v3_scale(n, 1.0f / tf_sqrt(len2));
  return v3_dot(n, c->n) < 0.0f ? v3_neg(n) : n;
}

#endif
