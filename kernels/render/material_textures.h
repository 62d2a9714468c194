/* A material's texture-valued parameters, evaluated per hit: float textures named as
 * 1 + texture index (0: none, the material's constant applies) and the GGX alphas from
 * roughness textures.
 *
 * Roughness as pbrt-v4 (src/pbrt/materials.h): a float texture's value r becomes the alpha
 * sqrt(r) when the material remaps roughness (TF_MAT_REMAP_ROUGHNESS, pbrt's
 * TrowbridgeReitzDistribution::RoughnessToAlpha), else r itself. A negative texture value
 * counts as 0 (pbrt leaves it to the distribution; a constant negative roughness is a load
 * error). Alphas are clamped as tf_ggx_clamp_alphas does for constants. */
#ifndef TF_KERNELS_RENDER_MATERIAL_TEXTURES_H
#define TF_KERNELS_RENDER_MATERIAL_TEXTURES_H

#include "microfacet.h"
#include "texture_graph.h"

/* Float texture `tex1` - 1 at c (its first channel), or `fixed` when tex1 is 0. */
TF_FN float tf_material_float(const tf_scene_view* s, tf_u32 tex1, float fixed,
                              const tf_tex_ctx* c) {
  if (tex1 == 0u) return fixed;
  return tf_texture_graph_eval(s, (tf_i32)tex1 - 1, c).x;
}

/* The alpha of roughness texture tex1 (0: *alpha unchanged). */
TF_FN void tf_roughness_alpha(const tf_scene_view* s, tf_u32 tex1, tf_u32 flags,
                              const tf_tex_ctx* c, float* alpha) {
  if (tex1 == 0u) return;
  float r = tf_maxf(tf_material_float(s, tex1, 0.0f, c), 0.0f);
  *alpha = (flags & TF_MAT_REMAP_ROUGHNESS) != 0u ? tf_sqrt(r) : r;
}

/* Replaces the alphas (ax, ay) and the coating's (cax, cay) by those of m's roughness
 * textures where it has them, then clamps both pairs. */
TF_FN void tf_material_alphas(const tf_scene_view* s, TF_GLOBAL const tf_material* m,
                              const tf_tex_ctx* c, float* ax, float* ay, float* cax, float* cay) {
  tf_roughness_alpha(s, m->rough_u_tex, m->flags, c, ax);
  tf_roughness_alpha(s, m->rough_v_tex, m->flags, c, ay);
  tf_roughness_alpha(s, m->coat_rough_u_tex, m->flags, c, cax);
  tf_roughness_alpha(s, m->coat_rough_v_tex, m->flags, c, cay);
  tf_ggx_clamp_alphas(ax, ay);
  tf_ggx_clamp_alphas(cax, cay);
}

/* Whether shading material m reads the surface's (u, v): a texture of its own, or a mix
 * (whose amount or materials may). Spheres compute (u, v) only then (surface.h). */
TF_FN int tf_material_reads_uv(TF_GLOBAL const tf_material* m) {
  return m->texture >= 0 || m->displacement != 0u || m->normal_map != 0u || m->type == TF_MAT_MIX ||
         (m->rough_u_tex | m->rough_v_tex | m->coat_rough_u_tex | m->coat_rough_v_tex) != 0u;
}

#endif
