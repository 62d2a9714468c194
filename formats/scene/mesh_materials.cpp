#include "formats/scene/mesh_materials.h"

#include <assimp/GltfMaterial.h>
#include <assimp/material.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include <nlohmann/json.hpp>

#include "formats/scene/mesh_import.h"

namespace tf::scene {
namespace {

constexpr float kCoatingEta = 1.5f;  // glTF's dielectric: F0 = 0.04, i.e. index 1.5

Rgb rgb_of(const aiColor3D& c) { return {c.r, c.g, c.b}; }

// The base colour's RGB and alpha: glTF's baseColorFactor, else the diffuse colour (OBJ Kd)
// and opacity (OBJ d).
void base_colour(const aiMaterial& source, Rgb* rgb, float* alpha) {
  aiColor4D base(0.5f, 0.5f, 0.5f, 1.f);
  if (source.Get(AI_MATKEY_BASE_COLOR, base) == aiReturn_SUCCESS) {
    *rgb = {base.r, base.g, base.b};
    *alpha = base.a;
    return;
  }
  aiColor3D diffuse(0.5f, 0.5f, 0.5f);
  source.Get(AI_MATKEY_COLOR_DIFFUSE, diffuse);
  *rgb = rgb_of(diffuse);
  float opacity = 1.f;
  source.Get(AI_MATKEY_OPACITY, opacity);
  *alpha = opacity;
}

// The path of texture slot `type` 0, or empty when there is none.
std::string texture_path(const aiMaterial& source, aiTextureType type) {
  aiString path;
  if (source.GetTextureCount(type) == 0 || source.GetTexture(type, 0, &path) != aiReturn_SUCCESS) {
    return {};
  }
  return path.C_Str();
}

// The JSON text of a glTF file: the whole .gltf, or a .glb's first chunk (GLB 2.0: a 12-byte
// header "glTF", version, length; then chunks of length, type, data, the first being JSON).
std::string gltf_json_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 20 || bytes.compare(0, 4, "glTF") != 0) return bytes;
  uint32_t length = 0;
  std::memcpy(&length, bytes.data() + 12, 4);  // little-endian, as the host
  if (bytes.compare(16, 4, "JSON") != 0 || length > bytes.size() - 20) return {};
  return bytes.substr(20, length);
}

}  // namespace

std::vector<float> gltf_emissive_strengths(const std::filesystem::path& file) {
  const std::string ext = lowercase_extension(file);
  if (ext != ".gltf" && ext != ".glb") return {};
  const nlohmann::json j = nlohmann::json::parse(gltf_json_text(file), nullptr, false);
  std::vector<float> strengths;
  if (j.is_discarded() || !j.is_object() || !j.contains("materials") ||
      !j["materials"].is_array()) {
    return strengths;
  }
  for (const nlohmann::json& material : j["materials"]) {
    float strength = 1.f;
    const nlohmann::json* ext_json = material.is_object() && material.contains("extensions")
                                         ? &material["extensions"]
                                         : nullptr;
    if (ext_json && ext_json->is_object() && ext_json->contains("KHR_materials_emissive_strength")) {
      const nlohmann::json& e = (*ext_json)["KHR_materials_emissive_strength"];
      if (e.is_object() && e.contains("emissiveStrength") && e["emissiveStrength"].is_number()) {
        strength = std::max(0.f, e["emissiveStrength"].get<float>());
      }
    }
    strengths.push_back(strength);
  }
  return strengths;
}

MeshMaterial convert_mesh_material(const aiMaterial& source, unsigned index,
                                   float emissive_strength, const std::filesystem::path& file,
                                   std::vector<IrTexture>* textures,
                                   std::vector<std::string>* warnings) {
  aiString name;
  source.Get(AI_MATKEY_NAME, name);
  const std::string label = file.string() + ": material '" +
                            (name.length > 0 ? std::string(name.C_Str()) : std::to_string(index)) +
                            "': ";
  auto warn = [&](const std::string& what) { warnings->push_back(label + what); };

  MeshMaterial out;
  IrMaterial& m = out.material;
  float alpha = 1.f;
  base_colour(source, &m.reflectance, &alpha);

  float metallic = 0.f, roughness = 1.f;
  const bool pbr = source.Get(AI_MATKEY_METALLIC_FACTOR, metallic) == aiReturn_SUCCESS;
  source.Get(AI_MATKEY_ROUGHNESS_FACTOR, roughness);
  metallic = std::clamp(metallic, 0.f, 1.f);
  roughness = std::clamp(roughness, 0.f, 1.f);
  const float alpha_ggx = roughness * roughness;
  if (pbr) {
    if (metallic > 0.f && metallic < 1.f) {
      warn("metallic " + std::to_string(metallic) + " approximated by " +
           (metallic >= 0.5f ? "a metal" : "a non-metal"));
    }
    if (metallic >= 0.5f) {
      m.type = IrMaterial::Type::Conductor;
      m.use_reflectance = true;
      m.alpha_u = m.alpha_v = alpha_ggx;
    } else {
      m.type = IrMaterial::Type::CoatedDiffuse;
      m.coat_eta = kCoatingEta;
      m.coat_alpha_u = m.coat_alpha_v = alpha_ggx;
    }
  }

  // The base colour texture: a file beside the mesh; the factor multiplies it.
  std::string colour_map = texture_path(source, aiTextureType_BASE_COLOR);
  if (colour_map.empty()) colour_map = texture_path(source, aiTextureType_DIFFUSE);
  if (!colour_map.empty()) {
    if (colour_map.front() == '*') {
      warn("embedded base colour texture ignored (its factor applies)");
    } else if (m.type == IrMaterial::Type::Conductor) {
      warn("base colour texture of a metal ignored (its factor applies)");
    } else {
      IrTexture t;
      t.kind = IrTexture::Kind::Image;
      t.filename = file.parent_path() / colour_map;
      t.value = m.reflectance;
      textures->push_back(t);
      out.texture = m.texture = static_cast<int>(textures->size() - 1);
    }
  }
  for (auto [type, what] : {std::pair{aiTextureType_METALNESS, "metallic-roughness"},
                            std::pair{aiTextureType_NORMALS, "normal"},
                            std::pair{aiTextureType_LIGHTMAP, "occlusion"},
                            std::pair{aiTextureType_EMISSIVE, "emissive"}}) {
    if (!texture_path(source, type).empty()) {
      warn(std::string(what) + " texture ignored (its factors apply)");
    }
  }

  aiColor3D emissive(0.f, 0.f, 0.f);
  source.Get(AI_MATKEY_COLOR_EMISSIVE, emissive);
  const float k = emissive_strength;
  const Rgb radiance{emissive.r * k, emissive.g * k, emissive.b * k};
  if (radiance[0] > 0.f || radiance[1] > 0.f || radiance[2] > 0.f) {
    out.emission.present = true;
    out.emission.radiance = radiance;
  }

  aiString mode;
  if (source.Get(AI_MATKEY_GLTF_ALPHAMODE, mode) == aiReturn_SUCCESS) {
    const std::string alpha_mode = mode.C_Str();
    float cutoff = 0.5f;
    source.Get(AI_MATKEY_GLTF_ALPHACUTOFF, cutoff);
    if (alpha_mode == "MASK") {
      out.cut_out = alpha < cutoff;
      if (!out.cut_out && !colour_map.empty()) {
        warn("alpha mask of the base colour texture approximated by opaque");
      }
    } else if (alpha_mode == "BLEND" && alpha < 1.f) {
      warn("alpha blending approximated by opaque");
    }
  }
  return out;
}

}  // namespace tf::scene
