// What a glTF 2.0 material says that Debian 12's Assimp (5.2) does not carry, read from the
// file's JSON: KHR_materials_emissive_strength, each used texture's texCoord,
// KHR_texture_transform and sampler wrap modes, normalTexture's scale, and whether meshes that
// use the material give TANGENT attributes. Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <vector>

namespace tf::scene {

// glTF sampler wrap modes (OpenGL's enums).
constexpr int kGltfRepeat = 10497, kGltfClampToEdge = 33071, kGltfMirroredRepeat = 33648;

// A textureInfo's texture coordinate set, KHR_texture_transform (identity without it):
// uv' = T(offset) R(rotation) S(scale) uv in glTF's uv (origin at the image's top left), and
// its texture's sampler wrap modes.
struct GltfTextureInfo {
  int tex_coord = 0;  // the extension's texCoord where it gives one, else textureInfo.texCoord
  float offset[2] = {0.f, 0.f};
  float rotation = 0.f;  // radians, counter-clockwise in uv
  float scale[2] = {1.f, 1.f};
  // The texture's sampler's wrapS and wrapT: REPEAT 10497 (the default), CLAMP_TO_EDGE
  // 33071, MIRRORED_REPEAT 33648 (as the file gives them; other values are invalid glTF).
  int wrap_s = kGltfRepeat, wrap_t = kGltfRepeat;
};

// One glTF material's members beyond Assimp's, with the specification's defaults.
struct GltfMaterialJson {
  float emissive_strength = 1.f;  // KHR_materials_emissive_strength.emissiveStrength, >= 0
  GltfTextureInfo base_color;          // pbrMetallicRoughness.baseColorTexture
  GltfTextureInfo metallic_roughness;  // pbrMetallicRoughness.metallicRoughnessTexture
  GltfTextureInfo normal;              // normalTexture
  GltfTextureInfo emissive;            // emissiveTexture
  float normal_scale = 1.f;            // normalTexture.scale
  bool tangents = false;               // a mesh primitive with this material has TANGENT
};

// Per material index, from a .gltf file's JSON or a .glb file's JSON chunk; empty for other
// files or when the JSON cannot be read (Assimp then reports the error). Assimp's glTF
// importer keeps the file's material order, so index i is Assimp's material i.
std::vector<GltfMaterialJson> read_gltf_material_json(const std::filesystem::path& file);

}  // namespace tf::scene
