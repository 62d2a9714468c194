// Materials of imported mesh files (glTF 2.0 metallic-roughness, OBJ/MTL through Assimp) as
// scene IR materials, textures and emission.
//
// The mapping (glTF 2.0 specification, "Materials"; Assimp's material keys):
// - baseColorFactor (OBJ: Kd) and baseColorTexture (OBJ: map_Kd; a file next to the mesh,
//   linearised from sRGB by read_image) give the colour;
// - metallic 1: a conductor whose normal-incidence reflectance is the base colour (pbrt-v4
//   "conductor" with "reflectance"; the base colour texture is ignored on it, with a warning);
//   metallic 0: a dielectric coating of index 1.5 over a diffuse base of that colour (pbrt-v4
//   "coateddiffuse"), the structure of glTF's dielectric BRDF (Fresnel-weighted specular over
//   diffuse). Both take GGX alpha = roughness^2, as glTF defines it. A constant metallic
//   strictly between 0 and 1 picks the nearer of the two, with a warning;
// - metallicRoughnessTexture (texCoord 0 only; others are an error): roughness texels
//   (G x roughnessFactor)^2 as both versions' alpha texture, and, unless metallicFactor is 0,
//   a pbrt-v4 "mix" of the dielectric (amount 0) and metal (amount 1) versions whose amount is
//   the texture B x metallicFactor (gltf_textures.h): per hit, the metal shades with
//   probability metallic, so it averages to glTF's linear blend of the two BRDFs;
// - emissiveFactor x KHR_materials_emissive_strength (OBJ: Ke): the shapes' front faces emit
//   that radiance (glTF emission is one-sided, like a pbrt area light). Debian 12's Assimp
//   does not read that extension, so it comes from the file's JSON (gltf_json.h);
//   emissiveTexture (sRGB, texCoord 0 only) multiplies it per point (IrAreaLight::image,
//   kernels/render/emitter_texture.h);
// - normalTexture (texCoord 0 only; others are an error) with its scale: the material's normal
//   map, rewritten into the kernel's convention (gltf_textures.h); TANGENT attributes are
//   ignored with a warning (the kernel's frame is dp/du of TEXCOORD_0);
// - alphaMode MASK and BLEND: baseColorFactor.a x the base colour texture's alpha cuts the
//   shapes out (MASK: where it is below alphaCutoff, default 0.5; BLEND: stochastically, as
//   coverage), through the shape alpha of alpha_cutout.h (gltf_textures.h). A constant alpha
//   that cuts everything leaves the shapes out; emitters stay opaque, with a warning;
// - every texture above is on TEXCOORD_0 only (others are an error), its KHR_texture_transform
//   texCoord overriding textureInfo's; the transform's offset and scale set the texture's "uv"
//   mapping (gltf_textures.h), its rotation is left out with a warning, and on emissiveTexture
//   (whose lookup has no mapping) the whole transform is, with a warning. Textures repeat, so a
//   sampler that clamps or mirrors is named in a warning;
// - textures the renderer has no slot for are named in a warning and their factors still apply:
//   occlusionTexture (a path tracer computes occlusion), textures embedded in the file.
//
// Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "formats/scene/gltf_json.h"
#include "formats/scene/scene_ir.h"
#include "kernels/status.h"

struct aiMaterial;

namespace tf::scene {

// What one Assimp material becomes.
struct MeshMaterial {
  IrMaterial material;
  // When `material` is a mix: the two materials it mixes, which its `mix` indices name as 0
  // and 1 until the caller places them in SceneIr::materials and renumbers those indices.
  std::vector<IrMaterial> mixed;
  IrAreaLight emission;
  bool cut_out = false;    // alpha cuts everything: the shapes are left out
  int alpha_texture = -1;  // the shapes' IrShape::alpha_texture
};

// The IR of `source` (material `index` of the mesh file `file`, with the members `json` that
// Assimp does not carry); textures it needs (base colour, normal map, alpha) are added to
// `textures`, and approximations are appended to `warnings` as "file: material 'name': what".
// Errors (an unreadable normal map, metallic-roughness or alpha image, a texture on
// TEXCOORD_n, n > 0) name the file and the material.
Result<MeshMaterial> convert_mesh_material(const aiMaterial& source, unsigned index,
                                           const GltfMaterialJson& json,
                                           const std::filesystem::path& file,
                                           std::vector<IrTexture>* textures,
                                           std::vector<std::string>* warnings);

}  // namespace tf::scene
