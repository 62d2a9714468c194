// Materials of imported mesh files (glTF 2.0 metallic-roughness, OBJ/MTL through Assimp) as
// scene IR materials, textures and emission.
//
// The mapping (glTF 2.0 specification, "Materials"; Assimp's material keys):
// - baseColorFactor (OBJ: Kd) and baseColorTexture (OBJ: map_Kd; a file next to the mesh,
//   linearised from sRGB by read_image) give the colour;
// - metallic >= 0.5: a conductor whose normal-incidence reflectance is the base colour (pbrt-v4
//   "conductor" with "reflectance"); below: a dielectric coating of index 1.5 over a diffuse
//   base of that colour (pbrt-v4 "coateddiffuse"), the structure of glTF's dielectric BRDF
//   (Fresnel-weighted specular over diffuse). Both take GGX alpha = roughness^2, as glTF
//   defines it. Metallic strictly between 0 and 1 picks the nearer of the two, with a warning;
// - emissiveFactor x KHR_materials_emissive_strength (OBJ: Ke): the shapes' front faces emit
//   that radiance (glTF emission is one-sided, like a pbrt area light). Debian 12's Assimp
//   does not read that extension, so gltf_emissive_strengths() reads it from the file's JSON;
// - alphaMode MASK: a shape whose base colour alpha is below alphaCutoff is left out (glTF
//   discards those fragments); MASK with an alpha texture and BLEND are approximated by opaque
//   shapes, with a warning;
// - textures the renderer has no slot for (metallic-roughness, normal, occlusion, emissive maps,
//   textures embedded in the file) are named in a warning; their factors still apply.
//
// Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "formats/scene/scene_ir.h"

struct aiMaterial;

namespace tf::scene {

// What one Assimp material becomes.
struct MeshMaterial {
  IrMaterial material;
  int texture = -1;  // index into the SceneIr::textures it was added to, -1: none
  IrAreaLight emission;
  bool cut_out = false;  // alphaMode MASK with alpha below the cutoff: the shapes are left out
};

// Each glTF material's KHR_materials_emissive_strength (1 where it has none), by material
// index, from a .gltf file's JSON or a .glb file's JSON chunk; empty for other files or when
// the JSON cannot be read (Assimp then reports the error).
std::vector<float> gltf_emissive_strengths(const std::filesystem::path& file);

// The IR of `source` (material `index` of the mesh file `file`, whose emission is multiplied
// by `emissive_strength`); a base colour texture is added to `textures`, and approximations are
// appended to `warnings` as "file: material 'name': what".
MeshMaterial convert_mesh_material(const aiMaterial& source, unsigned index,
                                   float emissive_strength, const std::filesystem::path& file,
                                   std::vector<IrTexture>* textures,
                                   std::vector<std::string>* warnings);

}  // namespace tf::scene
