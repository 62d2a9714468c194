/* pbrt-v4's textures as a small graph evaluated without recursion (OpenCL has none).
 *
 * A texture is a post-order program (scene_types.h, tf_texture.count): its nodes run in
 * order, each pushing one value on a stack of TF_TEX_STACK entries; MIX, DIRECTIONMIX and
 * SCALE pop their operands, every other kind is a leaf. finalize_kernel_scene checks that
 * each program fits the stack and leaves exactly one value. Float textures carry their value
 * in all three channels; a float operand (mix amount, scale factor) is read from x.
 *
 * Formulas are pbrt-v4's (src/pbrt/textures.h/.cpp): mappings (uv, spherical, cylindrical,
 * planar, 3D point transform; also an affine map of (u, v) for glTF's transforms), bilerp,
 * dots, checkerboard (2D and 3D) without filtering, the noise kinds of texture_noise.h, mix,
 * directionmix (|dot(n, dir)| with the geometric normal) and scale. Image textures are
 * bilinear with their wrap modes (texture.h) and honour pbrt's "invert". */
#ifndef TF_KERNELS_RENDER_TEXTURE_GRAPH_H
#define TF_KERNELS_RENDER_TEXTURE_GRAPH_H

#include "../device/portable_math.h"
#include "texture.h"
#include "texture_noise.h"

/* What a texture sees of the surface: world position, unit geometric normal, (u, v). */
typedef struct tf_tex_ctx {
  tf_vec3 p;
  tf_vec3 n;
  float u, v;
} tf_tex_ctx;

/* The hit point in texture space (xf: texture-from-world). */
TF_FN tf_vec3 tf_tex_point(TF_GLOBAL const tf_texture* t, tf_vec3 p) {
  return v3(t->xf[0] * p.x + t->xf[1] * p.y + t->xf[2] * p.z + t->xf[3],
            t->xf[4] * p.x + t->xf[5] * p.y + t->xf[6] * p.z + t->xf[7],
            t->xf[8] * p.x + t->xf[9] * p.y + t->xf[10] * p.z + t->xf[11]);
}

/* 2D texture coordinates (s, t) of a leaf under its mapping. */
TF_FN void tf_tex_st(TF_GLOBAL const tf_texture* t, const tf_tex_ctx* c, float* ss, float* tt) {
  if (t->mapping == TF_MAP_UV) {
    *ss = c->u * t->uscale + t->udelta;
    *tt = c->v * t->vscale + t->vdelta;
    return;
  }
  tf_vec3 q = t->mapping == TF_MAP_UV_AFFINE ? v3(c->u, c->v, 0.0f) : tf_tex_point(t, c->p);
  if (t->mapping == TF_MAP_SPHERICAL) {
    tf_vec3 d = v3_normalize(q);
    float phi = tf_atan2f(d.y, d.x);
    if (phi < 0.0f) phi += 2.0f * TF_PI;
    *ss = tf_acosf(tf_clampf(d.z, -1.0f, 1.0f)) * TF_INV_PI;
    *tt = phi * TF_INV_2PI;
  } else if (t->mapping == TF_MAP_CYLINDRICAL) {
    *ss = (TF_PI + tf_atan2f(q.y, q.x)) * TF_INV_2PI;
    *tt = q.z;
  } else { /* TF_MAP_PLANAR, TF_MAP_UV_AFFINE */
    *ss = t->udelta + (q.x * t->vs[0] + q.y * t->vs[1] + q.z * t->vs[2]);
    *tt = t->vdelta + (q.x * t->vt[0] + q.y * t->vt[1] + q.z * t->vt[2]);
  }
}

/* pbrt's InsidePolkaDot: one dot of radius 0.35 in about half the unit cells, jittered. */
TF_FN int tf_inside_dot(float ss, float tt) {
  float sc = tf_floor(ss + 0.5f), tc = tf_floor(tt + 0.5f);
  if (!(tf_noise(sc + 0.5f, tc + 0.5f, 0.5f) > 0.0f)) return 0;
  const float radius = 0.35f, max_shift = 0.5f - 0.35f;
  float s0 = sc + max_shift * tf_noise(sc + 1.5f, tc + 2.8f, 0.5f);
  float t0 = tc + max_shift * tf_noise(sc + 4.5f, tc + 9.8f, 0.5f);
  float ds = ss - s0, dt = tt - t0;
  return ds * ds + dt * dt < radius * radius;
}

/* pbrt's marble colours: a cubic Bezier spline through these nine, times 1.5. */
TF_TABLE float tf_marble_colors[27] = {.58f, .58f, .6f, .58f, .58f, .6f,  .58f, .58f, .6f,
                                       .5f,  .5f,  .5f, .6f,  .59f, .58f, .58f, .58f, .6f,
                                       .58f, .58f, .6f, .2f,  .2f,  .33f, .58f, .58f, .6f};

TF_FN tf_vec3 tf_marble_color(tf_i32 i) {
  return v3(tf_marble_colors[3 * i], tf_marble_colors[3 * i + 1], tf_marble_colors[3 * i + 2]);
}

TF_FN tf_vec3 tf_lerp3(float t, tf_vec3 a, tf_vec3 b) {
  return v3_add(v3_scale(a, 1.0f - t), v3_scale(b, t));
}

TF_FN tf_vec3 tf_marble(TF_GLOBAL const tf_texture* t, tf_vec3 q) {
  q = v3_scale(q, t->noise_scale);
  float marble = q.y + t->variation * tf_fbm(q, t->omega, t->octaves);
  float x = 0.5f + 0.5f * tf_sinf(marble);
  tf_i32 first = tf_floor_to_int(x * 6.0f);
  first = first > 5 ? 5 : (first < 0 ? 0 : first);
  x = x * 6.0f - (float)first;
  tf_vec3 a = tf_lerp3(x, tf_marble_color(first), tf_marble_color(first + 1));
  tf_vec3 b = tf_lerp3(x, tf_marble_color(first + 1), tf_marble_color(first + 2));
  tf_vec3 d = tf_lerp3(x, tf_marble_color(first + 2), tf_marble_color(first + 3));
  return v3_scale(tf_lerp3(x, tf_lerp3(x, a, b), tf_lerp3(x, b, d)), 1.5f);
}

TF_FN tf_vec3 tf_tex_leaf(const tf_scene_view* s, TF_GLOBAL const tf_texture* t,
                          const tf_tex_ctx* c) {
  tf_vec3 c1 = v3(t->r, t->g, t->b), c2 = v3(t->r2, t->g2, t->b2);
  if (t->type == TF_TEX_CONSTANT) return c1;
  if (t->type >= TF_TEX_FBM && t->type <= TF_TEX_MARBLE) {
    tf_vec3 q = tf_tex_point(t, c->p);
    float f;
    if (t->type == TF_TEX_MARBLE) return tf_marble(t, q);
    if (t->type == TF_TEX_FBM) {
      f = tf_fbm(q, t->omega, t->octaves);
    } else if (t->type == TF_TEX_WRINKLED) {
      f = tf_turbulence(q, t->omega, t->octaves);
    } else { /* TF_TEX_WINDY */
      f = tf_absf(tf_fbm(v3_scale(q, 0.1f), 0.5f, 3u)) * tf_fbm(q, 0.5f, 6u);
    }
    return v3s(f);
  }
  if (t->type == TF_TEX_CHECKERBOARD && t->mapping == TF_MAP_POINT3D) {
    tf_vec3 q = tf_tex_point(t, c->p);
    tf_i32 sum = tf_floor_to_int(q.x) + tf_floor_to_int(q.y) + tf_floor_to_int(q.z);
    return (sum & 1) == 0 ? c1 : c2;
  }
  float ss, tt;
  tf_tex_st(t, c, &ss, &tt);
  if (t->type == TF_TEX_CHECKERBOARD) {
    return ((tf_floor_to_int(ss) + tf_floor_to_int(tt)) & 1) == 0 ? c1 : c2;
  }
  if (t->type == TF_TEX_DOTS) return tf_inside_dot(ss, tt) ? c1 : c2;
  if (t->type == TF_TEX_BILERP) {
    float w00 = (1.0f - ss) * (1.0f - tt), w10 = ss * (1.0f - tt);
    float w01 = (1.0f - ss) * tt, w11 = ss * tt;
    return v3(w00 * t->r + w10 * t->r2 + w01 * t->c3[0] + w11 * t->c4[0],
              w00 * t->g + w10 * t->g2 + w01 * t->c3[1] + w11 * t->c4[1],
              w00 * t->b + w10 * t->b2 + w01 * t->c3[2] + w11 * t->c4[2]);
  }
  /* TF_TEX_IMAGE */
  tf_vec3 v = v3_mul(c1, tf_image_bilinear(s, t, ss, tt));
  if (t->invert != 0u) v = v3_sub(v3s(1.0f), v);
  return v3_max(v, v3s(0.0f));
}

/* Value of texture `index` (the last node of its program) at surface context c. */
TF_FN tf_vec3 tf_texture_graph_eval(const tf_scene_view* s, tf_i32 index, const tf_tex_ctx* c) {
  tf_vec3 stack[TF_TEX_STACK];
  tf_u32 count = s->textures[index].count;
  tf_i32 first = index + 1 - (tf_i32)(count == 0u ? 1u : count);
  tf_u32 sp = 0u;
  for (tf_i32 i = first; i <= index; ++i) {
    TF_GLOBAL const tf_texture* t = s->textures + i;
    tf_vec3 r;
    if (t->type == TF_TEX_MIX) {
      float amt = stack[sp - 1u].x;
      r = v3_add(v3_scale(stack[sp - 3u], 1.0f - amt), v3_scale(stack[sp - 2u], amt));
      sp -= 3u;
    } else if (t->type == TF_TEX_DIRECTIONMIX) {
      float amt = tf_absf(c->n.x * t->dir[0] + c->n.y * t->dir[1] + c->n.z * t->dir[2]);
      r = v3_add(v3_scale(stack[sp - 2u], amt), v3_scale(stack[sp - 1u], 1.0f - amt));
      sp -= 2u;
    } else if (t->type == TF_TEX_SCALE) {
      float sc = stack[sp - 1u].x;
      r = sc == 0.0f ? v3s(0.0f) : v3_scale(stack[sp - 2u], sc);
      sp -= 2u;
    } else {
      r = tf_tex_leaf(s, t, c);
    }
    stack[sp] = r;
    sp += 1u;
  }
  return stack[0];
}

#endif
