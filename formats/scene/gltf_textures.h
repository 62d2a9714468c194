// glTF 2.0 normal, alpha and metallic-roughness textures rewritten at load into the kernel's
// conventions: IR image textures whose texels are made in memory (IrTexture::texels;
// `filename` names the source image, which scene bundles carry as a reference of the glTF
// file). Workers import the same file and make the same texels.
//
// Normal maps (glTF "normalTexture"). glTF: n = normalize((2 texel - 1) * (scale, scale, 1)) in
// the frame (T, B, N): T along +u of the texture coordinates, B = N x T (times TANGENT.w where
// tangents are given), N the vertex normal; "+X is right and +Y is up" in the image, whose UV
// origin is its top-left corner. Assimp stores v' = 1 - v, and the kernel looks the map up at
// (u, 1 - v') (normal_map.h), i.e. at glTF's texel; its frame is x = dp/du, y = ns x x, z = ns:
// x is T (dp/du is the same for v and v'), y is B, z is N. So no channel is flipped. The scale
// is folded into the texels, texel' = 0.5 + f (texel - 0.5) with f = (scale, scale, 1) / m and
// m = max(1, |scale|), so that 2 texel' - 1 = (2 texel - 1) (scale, scale, 1) / m stays in
// [-1, 1] (the kernel clamps negative image values) and the kernel's normalisation cancels
// 1 / m; being affine, this commutes with the kernel's bilinear filter, so the filtered normal
// is glTF's (up to float rounding). Not honoured: TANGENT attributes (the kernel
// builds T from dp/du) and their w = -1 on mirrored UVs (there B = -(N x T), the map's green
// comes out flipped).
//
// Alpha (glTF "alphaMode"): alpha = baseColorFactor.a x the base colour texture's alpha.
// - BLEND: the texels hold that alpha, used as coverage by the kernel's stochastic cut-out
//   (alpha_cutout.h; pbrt-v4's alpha): a ray passes with probability 1 - alpha, which in a path
//   tracer averages to blending the surface over what lies behind it.
// - MASK: texels are 1 where that alpha >= alphaCutoff, else 0. glTF thresholds the filtered
//   alpha; the kernel filters bilinearly after this threshold, so within half a texel of an
//   edge between kept and cut texels the surface fades out over one texel (cut stochastically)
//   instead of ending at a sharp edge. At texel centres and inside runs of equal texels both
//   agree exactly.
//
// Metallic-roughness (glTF "metallicRoughnessTexture", linear): roughness = G x
// roughnessFactor, metallic = B x metallicFactor. The roughness texture's texels hold glTF's
// GGX alpha = roughness^2, all three channels, for a material that does not remap roughness
// (the kernel's alpha is then the texture's value, material_textures.h, as pbrt-v4's
// "roughness" with remaproughness false). The metallic texture's texels hold metallic, the
// amount of a mix of the dielectric (0) and metal (1) versions of the material. The kernel
// filters the derived texels bilinearly, so between texel centres it interpolates alpha where
// glTF interpolates roughness and squares it; at texel centres both agree.
// KHR_texture_transform: uv' = T(offset) R(rotation) S(scale) uv in glTF's uv (origin at the
// image's top-left corner, v down), R = [[cos r, sin r], [-sin r, cos r]] (row-major):
//   u' = cos r s_u u + sin r s_v v + o_u,   v' = -sin r s_u u + cos r s_v v + o_v.
// That is the matrix of the extension's worked example (offset [0, 1], rotation pi/2, scale
// [0.5, 0.5] reads the image's lower-left quadrant) and of the Khronos sample model
// TextureTransformTest; the GLSL listing in the extension's README, read column-major, has
// the opposite sign (KhronosGroup/glTF issue 1563). Assimp stores v_a = 1 - v and the kernel
// reads the image at glTF's v' = 1 - t (t = 1 is the top row), so in the kernel's terms
//   s = (cos r s_u) u + (-sin r s_v) v_a + (sin r s_v + o_u),
//   t = (sin r s_u) u + (cos r s_v) v_a + (1 - cos r s_v - o_v),
// the kernel's UV_AFFINE mapping (v1, v2 the rows, udelta and vdelta the constants; computed
// in double, rounded once). Without rotation that is s = s_u u + o_u, t = s_v v_a + 1 - s_v -
// o_v; the identity is s = u, t = v_a. A normal map's tangent frame stays that of the
// untransformed TEXCOORD_0 (glTF derives tangents from the texture coordinates, which the
// extension does not change), so a rotated normal map's lookup turns, its frame does not.
// The sampler's wrapS and wrapT become the image's wrap modes along x and y (clamp to edge
// and mirrored repeat index texels as OpenGL does, kernels/render/texture.h).
// Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <optional>

#include "formats/scene/gltf_json.h"
#include "formats/scene/scene_ir.h"
#include "kernels/status.h"

namespace tf::scene {

// Sets t's mapping to `info`'s KHR_texture_transform (a UVAffine mapping, see above) and its
// wrap modes to the sampler's (an invalid mode repeats, glTF's default).
void apply_gltf_texture_transform(const GltfTextureInfo& info, IrTexture* t);

// The normal map of image `file` (read linear, as stored) with glTF's normalTexture.scale.
Result<IrTexture> gltf_normal_map(const std::filesystem::path& file, float scale);

// The alpha texture of base colour image `file`: its alpha channel times `factor`
// (baseColorFactor.a), thresholded at `cutoff` for MASK (1 where >= cutoff, else 0), left as
// coverage without one (BLEND). An image without alpha has alpha 1.
Result<IrTexture> gltf_alpha_texture(const std::filesystem::path& file, float factor,
                                     std::optional<float> cutoff);

// The two float textures of a metallic-roughness image (read linear).
struct GltfMetallicRoughness {
  IrTexture alpha;     // (G x roughness_factor)^2
  IrTexture metallic;  // B x metallic_factor
};
Result<GltfMetallicRoughness> gltf_metallic_roughness(const std::filesystem::path& file,
                                                      float roughness_factor,
                                                      float metallic_factor);

}  // namespace tf::scene
