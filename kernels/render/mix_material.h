/* pbrt-v4's MixMaterial: at each hit one of two materials shades, never a blend of their BSDFs.
 *
 * pbrt's rule (MixMaterial::ChooseMaterial, src/pbrt/materials.h): with the float "amount" a
 * at the hit, a <= 0 picks m0, a >= 1 picks m1, else m1 exactly when a >= u, where u in
 * [0, 1) depends only on the hit: pbrt hashes (p, wo, m0, m1). Here u is the MurmurHash3
 * (x86, 32-bit) of the bit patterns of p and wo and of the two material indices, its top 24
 * bits as a float: integer operations only, so every backend picks the same material. Like
 * pbrt's, u is the same for every sample that reaches the same point from the same direction,
 * and over the points of a surface the chosen fraction is a.
 *
 * Mixes may nest (a mix of mixes): resolution loops, without recursion, at most
 * TF_MIX_MAX_DEPTH (scene_types.h) times; finalize_kernel_scene rejects deeper nesting. The
 * mix is resolved before bump mapping, so the chosen material's displacement applies, as in
 * pbrt. */
#ifndef TF_KERNELS_RENDER_MIX_MATERIAL_H
#define TF_KERNELS_RENDER_MIX_MATERIAL_H

#include "../device/rng.h"
#include "material_textures.h"

TF_FN tf_u32 tf_rotl32(tf_u32 x, tf_u32 r) { return (x << r) | (x >> (32u - r)); }

/* One 32-bit block of MurmurHash3_x86_32 folded into state h. */
TF_FN tf_u32 tf_murmur3_block(tf_u32 h, tf_u32 k) {
  k *= 0xCC9E2D51u;
  k = tf_rotl32(k, 15u);
  k *= 0x1B873593u;
  h ^= k;
  h = tf_rotl32(h, 13u);
  return h * 5u + 0xE6546B64u;
}

/* MurmurHash3_x86_32's finalization of state h after `bytes` bytes. */
TF_FN tf_u32 tf_murmur3_finish(tf_u32 h, tf_u32 bytes) {
  h ^= bytes;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

/* The uniform number in [0, 1) of a hit at p seen from wo, for the mix of m0 and m1:
 * MurmurHash3_x86_32 (seed 0) of the words p.x p.y p.z wo.x wo.y wo.z m0 m1 (little-endian). */
TF_FN float tf_mix_hash_float(tf_vec3 p, tf_vec3 wo, tf_u32 m0, tf_u32 m1) {
  tf_u32 h = 0u;
  h = tf_murmur3_block(h, tf_float_bits(p.x));
  h = tf_murmur3_block(h, tf_float_bits(p.y));
  h = tf_murmur3_block(h, tf_float_bits(p.z));
  h = tf_murmur3_block(h, tf_float_bits(wo.x));
  h = tf_murmur3_block(h, tf_float_bits(wo.y));
  h = tf_murmur3_block(h, tf_float_bits(wo.z));
  h = tf_murmur3_block(h, m0);
  h = tf_murmur3_block(h, m1);
  return tf_u32_to_unit_float(tf_murmur3_finish(h, 32u));
}

/* The material that shades a hit on `material` (itself unless it is a mix), textures read at
 * c, wo the unit direction back along the ray. */
TF_FN tf_u32 tf_resolve_material(const tf_scene_view* s, tf_u32 material, const tf_tex_ctx* c,
                                 tf_vec3 wo) {
  for (tf_u32 level = 0u; level < TF_MIX_MAX_DEPTH; ++level) {
    TF_GLOBAL const tf_material* m = s->materials + material;
    if (m->type != TF_MAT_MIX) break;
    float amount = tf_material_float(s, m->mix_amount_tex, m->mix_amount, c);
    int second = amount >= 1.0f ||
                 (amount > 0.0f && amount >= tf_mix_hash_float(c->p, wo, m->mix_m0, m->mix_m1));
    material = second ? m->mix_m1 : m->mix_m0;
  }
  return material;
}

#endif
