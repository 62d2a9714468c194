// What a glTF 2.0 material says that Debian 12's Assimp (5.2) does not carry, read from the
// file's JSON: KHR_materials_emissive_strength, normalTexture's texCoord and scale,
// metallicRoughnessTexture's and emissiveTexture's texCoord, and whether meshes that use the material give TANGENT
// attributes. Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <vector>

namespace tf::scene {

// One glTF material's members beyond Assimp's, with the specification's defaults.
struct GltfMaterialJson {
  float emissive_strength = 1.f;  // KHR_materials_emissive_strength.emissiveStrength, >= 0
  int normal_tex_coord = 0;       // normalTexture.texCoord: the TEXCOORD_n it is mapped by
  float normal_scale = 1.f;       // normalTexture.scale
  int metallic_roughness_tex_coord = 0;  // pbrMetallicRoughness.metallicRoughnessTexture.texCoord
  int emissive_tex_coord = 0;     // emissiveTexture.texCoord
  bool tangents = false;          // a mesh primitive with this material has TANGENT
};

// Per material index, from a .gltf file's JSON or a .glb file's JSON chunk; empty for other
// files or when the JSON cannot be read (Assimp then reports the error). Assimp's glTF
// importer keeps the file's material order, so index i is Assimp's material i.
std::vector<GltfMaterialJson> read_gltf_material_json(const std::filesystem::path& file);

}  // namespace tf::scene
