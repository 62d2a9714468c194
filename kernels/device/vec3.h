/* Three-component float vectors for kernel code. A plain struct (not float3) so that the
 * layout is 12 bytes on every backend and the operations are the same text everywhere. */
#ifndef TF_KERNELS_DEVICE_VEC3_H
#define TF_KERNELS_DEVICE_VEC3_H

#include "platform.h"

typedef struct tf_vec3 {
  float x, y, z;
} tf_vec3;

TF_FN tf_vec3 v3(float x, float y, float z) { tf_vec3 r; r.x = x; r.y = y; r.z = z; return r; }
TF_FN tf_vec3 v3s(float s) { return v3(s, s, s); }
TF_FN tf_vec3 v3_add(tf_vec3 a, tf_vec3 b) { return v3(a.x + b.x, a.y + b.y, a.z + b.z); }
TF_FN tf_vec3 v3_sub(tf_vec3 a, tf_vec3 b) { return v3(a.x - b.x, a.y - b.y, a.z - b.z); }
TF_FN tf_vec3 v3_mul(tf_vec3 a, tf_vec3 b) { return v3(a.x * b.x, a.y * b.y, a.z * b.z); }
TF_FN tf_vec3 v3_div(tf_vec3 a, tf_vec3 b) { return v3(a.x / b.x, a.y / b.y, a.z / b.z); }
TF_FN tf_vec3 v3_scale(tf_vec3 a, float s) { return v3(a.x * s, a.y * s, a.z * s); }
TF_FN tf_vec3 v3_neg(tf_vec3 a) { return v3(-a.x, -a.y, -a.z); }
/* a + b * s, written out so that no backend may fuse it (FP_CONTRACT is off everywhere). */
TF_FN tf_vec3 v3_madd(tf_vec3 a, tf_vec3 b, float s) { return v3_add(a, v3_scale(b, s)); }
TF_FN float v3_dot(tf_vec3 a, tf_vec3 b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
TF_FN tf_vec3 v3_cross(tf_vec3 a, tf_vec3 b) {
  return v3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}
TF_FN float v3_length_sq(tf_vec3 a) { return v3_dot(a, a); }
TF_FN float v3_length(tf_vec3 a) { return tf_sqrt(v3_dot(a, a)); }
/* Zero vectors stay zero instead of becoming NaN. */
TF_FN tf_vec3 v3_normalize(tf_vec3 a) {
  float len = v3_length(a);
  return len > 0.0f ? v3_scale(a, 1.0f / len) : a;
}
TF_FN tf_vec3 v3_min(tf_vec3 a, tf_vec3 b) { return v3(tf_minf(a.x, b.x), tf_minf(a.y, b.y), tf_minf(a.z, b.z)); }
TF_FN tf_vec3 v3_max(tf_vec3 a, tf_vec3 b) { return v3(tf_maxf(a.x, b.x), tf_maxf(a.y, b.y), tf_maxf(a.z, b.z)); }
TF_FN float v3_max_component(tf_vec3 a) { return tf_maxf(a.x, tf_maxf(a.y, a.z)); }
TF_FN float v3_luminance(tf_vec3 c) { return 0.2126f * c.x + 0.7152f * c.y + 0.0722f * c.z; }
TF_FN int v3_is_zero(tf_vec3 a) { return a.x == 0.0f && a.y == 0.0f && a.z == 0.0f; }
TF_FN float v3_axis(tf_vec3 a, int axis) { return axis == 0 ? a.x : (axis == 1 ? a.y : a.z); }

/* Orthonormal basis around a unit normal n (Duff et al. 2017, branchless and continuous). */
TF_FN void v3_basis(tf_vec3 n, tf_vec3* t, tf_vec3* b) {
  float sign = n.z >= 0.0f ? 1.0f : -1.0f;
  float a = -1.0f / (sign + n.z);
  float bb = n.x * n.y * a;
  *t = v3(1.0f + sign * n.x * n.x * a, sign * bb, -sign * n.x);
  *b = v3(bb, sign + n.y * n.y * a, -n.y);
}

#endif
