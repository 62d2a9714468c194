/* Texture evaluation: value(u, v) = multiplier * base(u * uscale + udelta, v * vscale + vdelta)
 * (scene_types.h). Image textures are filtered bilinearly and wrap outside [0,1) by their
 * wrap modes. */
#ifndef TF_KERNELS_RENDER_TEXTURE_H
#define TF_KERNELS_RENDER_TEXTURE_H

#include "../device/vec3.h"
#include "scene_view.h"

/* floor(x) as an integer, saturated to +-2^30 so that huge coordinates stay defined. */
TF_FN tf_i32 tf_floor_to_int(float x) {
  float f = tf_clampf(tf_floor(x), -1073741824.0f, 1073741824.0f);
  return (tf_i32)f;
}

/* i mod n in [0, n) for any sign of i. */
TF_FN tf_u32 tf_wrap_index(tf_i32 i, tf_u32 n) {
  tf_i32 m = i % (tf_i32)n;
  return (tf_u32)(m < 0 ? m + (tf_i32)n : m);
}

TF_FN tf_vec3 tf_texel(const tf_scene_view* s, TF_GLOBAL const tf_texture* tex, tf_u32 x, tf_u32 y) {
  TF_GLOBAL const float* p = s->texels + tex->offset + 3u * (y * tex->width + x);
  return v3(p[0], p[1], p[2]);
}

/* i clamped to [0, n). */
TF_FN tf_u32 tf_clamp_index(tf_i32 i, tf_u32 n) {
  return i < 0 ? 0u : ((tf_u32)i >= n ? n - 1u : (tf_u32)i);
}

/* Texel index i of an axis of n texels under wrap mode `wrap` (TF_WRAP_*, scene_types.h).
 * Mirrored repeat is OpenGL's: (n - 1) - mirror((i mod 2n) - n), mirror(a) = a >= 0 ? a :
 * -(1 + a), i.e. m = i mod 2n where m < n, else 2n - 1 - m. Images are far narrower than
 * 2^30 texels, so 2n fits. */
TF_FN tf_u32 tf_wrap_texel(tf_i32 i, tf_u32 n, tf_u32 wrap) {
  if (wrap == TF_WRAP_CLAMP) return tf_clamp_index(i, n);
  if (wrap == TF_WRAP_MIRROR) {
    tf_u32 m = tf_wrap_index(i, 2u * n);
    return m < n ? m : 2u * n - 1u - m;
  }
  return tf_wrap_index(i, n);
}

/* Bilinear lookup at texture coordinates (s, t); t = 1 is the top row (row 0). Outside the
 * image the texel indices wrap by the texture's wrap_s (x) and wrap_t (y): repeat, clamp to
 * the edge texels (pbrt-v4's WrapMode::Clamp) or mirror. */
TF_FN tf_vec3 tf_image_bilinear(const tf_scene_view* s, TF_GLOBAL const tf_texture* tex,
                                float ss, float tt) {
  float x = ss * (float)tex->width - 0.5f;
  float y = (1.0f - tt) * (float)tex->height - 0.5f;
  tf_i32 x0 = tf_floor_to_int(x);
  tf_i32 y0 = tf_floor_to_int(y);
  float fx = x - tf_floor(x);
  float fy = y - tf_floor(y);
  tf_u32 xa = tf_wrap_texel(x0, tex->width, tex->wrap_s);
  tf_u32 xb = tf_wrap_texel(x0 + 1, tex->width, tex->wrap_s);
  tf_u32 ya = tf_wrap_texel(y0, tex->height, tex->wrap_t);
  tf_u32 yb = tf_wrap_texel(y0 + 1, tex->height, tex->wrap_t);
  tf_vec3 top = v3_add(v3_scale(tf_texel(s, tex, xa, ya), 1.0f - fx), v3_scale(tf_texel(s, tex, xb, ya), fx));
  tf_vec3 bot = v3_add(v3_scale(tf_texel(s, tex, xa, yb), 1.0f - fx), v3_scale(tf_texel(s, tex, xb, yb), fx));
  return v3_add(v3_scale(top, 1.0f - fy), v3_scale(bot, fy));
}

/* Value of texture `index` at surface coordinates (u, v). */
TF_FN tf_vec3 tf_texture_eval(const tf_scene_view* s, tf_i32 index, float u, float v) {
  TF_GLOBAL const tf_texture* tex = s->textures + index;
  float ss = u * tex->uscale + tex->udelta;
  float tt = v * tex->vscale + tex->vdelta;
  tf_vec3 c1 = v3(tex->r, tex->g, tex->b);
  if (tex->type == TF_TEX_CHECKERBOARD) {
    tf_i32 parity = (tf_floor_to_int(ss) + tf_floor_to_int(tt)) & 1;
    return parity == 0 ? c1 : v3(tex->r2, tex->g2, tex->b2);
  }
  if (tex->type == TF_TEX_IMAGE) return v3_mul(c1, tf_image_bilinear(s, tex, ss, tt));
  return c1;
}

#endif
