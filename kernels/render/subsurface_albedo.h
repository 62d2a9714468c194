/* The single-scattering albedo of a "subsurface" interior medium whose diffuse reflectance is
 * a texture (pbrt-v4's SubsurfaceMaterial with a "reflectance" texture: per hit, the texture's
 * value is inverted to the albedo; formats/scene/elements_subsurface.h).
 *
 * Such a medium (tf_medium.albedo_table != 0) keeps its extinction sigma_t = 1 / mfp, which
 * does not depend on the reflectance, so free-flight sampling and shadow transmittance are
 * those of its constant coefficients; only the split of sigma_t into scattering and
 * absorption changes. A path that enters the medium through a surface looks the texture up
 * at that hit (the boundary material's reflectance texture, which the dielectric BSDF itself
 * ignores) and carries the resulting albedo while it walks inside (integrator.h).
 *
 * The inversion is a table, not bisection in the kernel: TF_ALBEDO_TABLE_N albedos for the
 * reflectances i / (TF_ALBEDO_TABLE_N - 1), built on the host by the same inversion as
 * constant reflectances (albedo_from_diffuse_reflectance, for the boundary's eta) and stored
 * in densities[]; the kernel interpolates linearly. One lookup costs two loads against ~20
 * evaluations of exp and sqrt for a bisection of float precision, the table is exact at its
 * nodes, and linear interpolation is plain arithmetic, identical on every backend. The albedo
 * is a smooth function of the reflectance (near R = 1: 1 - albedo grows as (1 - R)^2), so the
 * interpolation error stays below 1e-3 with 256 nodes. */
#ifndef TF_KERNELS_RENDER_SUBSURFACE_ALBEDO_H
#define TF_KERNELS_RENDER_SUBSURFACE_ALBEDO_H

#include "../device/vec3.h"
#include "scene_types.h"

#define TF_ALBEDO_TABLE_N 256u

/* The albedo for diffuse reflectance r (clamped to [0, 1]) from table[0 .. N-1]. */
TF_FN float tf_albedo_from_table(TF_GLOBAL const float* table, float r) {
  float x = tf_clampf(r, 0.0f, 1.0f) * (float)(TF_ALBEDO_TABLE_N - 1u);
  tf_u32 i = (tf_u32)x;
  if (i > TF_ALBEDO_TABLE_N - 2u) i = TF_ALBEDO_TABLE_N - 2u;
  float f = x - (float)i;
  return table[i] + f * (table[i + 1u] - table[i]);
}

/* Per channel, the albedo of medium `medium` (1 + media[] index) for reflectance `reflectance`
 * seen where a path enters it; sets *albedo and returns `medium` when that medium takes its
 * albedo from the entry (albedo_table != 0), else returns 0 (the constant coefficients apply). */
TF_FN tf_u32 tf_entry_albedo(TF_GLOBAL const tf_medium* media, TF_GLOBAL const float* densities,
                             tf_u32 medium, tf_vec3 reflectance, tf_vec3* albedo) {
  if (medium == 0u) return 0u;
  tf_u32 table1 = media[medium - 1u].albedo_table;
  if (table1 == 0u) return 0u;
  TF_GLOBAL const float* table = densities + (table1 - 1u);
  *albedo =
      v3(tf_albedo_from_table(table, reflectance.x), tf_albedo_from_table(table, reflectance.y),
         tf_albedo_from_table(table, reflectance.z));
  return medium;
}

#endif
