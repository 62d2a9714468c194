#include "formats/scene/gltf_json.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "formats/scene/mesh_import.h"

namespace tf::scene {
namespace {

using nlohmann::json;

// The JSON text of a glTF file: the whole .gltf, or a .glb's first chunk (GLB 2.0: a 12-byte
// header "glTF", version, length; then chunks of length, type, data, the first being JSON).
std::string gltf_json_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string bytes = text.str();
  if (bytes.size() < 20 || bytes.compare(0, 4, "glTF") != 0) return bytes;
  uint32_t length = 0;
  std::memcpy(&length, bytes.data() + 12, 4);  // little-endian, as the host
  if (bytes.compare(16, 4, "JSON") != 0 || length > bytes.size() - 20) return {};
  return bytes.substr(20, length);
}

// j[key] when j is an object holding it, else nullptr.
const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// The number j[key], or `fallback` when it is missing or not a number.
float number(const json* j, const char* key, float fallback) {
  const json* v = j ? member(*j, key) : nullptr;
  return v && v->is_number() ? v->get<float>() : fallback;
}

GltfMaterialJson material_json(const json& material) {
  GltfMaterialJson out;
  const json* extensions = member(material, "extensions");
  const json* strength =
      extensions ? member(*extensions, "KHR_materials_emissive_strength") : nullptr;
  out.emissive_strength = std::max(0.f, number(strength, "emissiveStrength", 1.f));
  const json* normal = member(material, "normalTexture");
  out.normal_tex_coord = static_cast<int>(number(normal, "texCoord", 0.f));
  out.normal_scale = number(normal, "scale", 1.f);
  const json* pbr = member(material, "pbrMetallicRoughness");
  const json* metallic_roughness = pbr ? member(*pbr, "metallicRoughnessTexture") : nullptr;
  out.metallic_roughness_tex_coord = static_cast<int>(number(metallic_roughness, "texCoord", 0.f));
  const json* emissive = member(material, "emissiveTexture");
  out.emissive_tex_coord = static_cast<int>(number(emissive, "texCoord", 0.f));
  return out;
}

// Marks the materials of mesh primitives that give TANGENT attributes.
void mark_tangents(const json& j, std::vector<GltfMaterialJson>* materials) {
  const json* meshes = member(j, "meshes");
  if (!meshes || !meshes->is_array()) return;
  for (const json& mesh : *meshes) {
    const json* primitives = member(mesh, "primitives");
    if (!primitives || !primitives->is_array()) continue;
    for (const json& primitive : *primitives) {
      const json* attributes = member(primitive, "attributes");
      const json* index = member(primitive, "material");
      if (!attributes || !member(*attributes, "TANGENT") || !index ||
          !index->is_number_unsigned() || index->get<size_t>() >= materials->size()) {
        continue;
      }
      (*materials)[index->get<size_t>()].tangents = true;
    }
  }
}

}  // namespace

std::vector<GltfMaterialJson> read_gltf_material_json(const std::filesystem::path& file) {
  const std::string ext = lowercase_extension(file);
  if (ext != ".gltf" && ext != ".glb") return {};
  const json j = json::parse(gltf_json_text(file), nullptr, false);
  std::vector<GltfMaterialJson> out;
  const json* materials = j.is_discarded() ? nullptr : member(j, "materials");
  if (!materials || !materials->is_array()) return out;
  for (const json& material : *materials) out.push_back(material_json(material));
  mark_tangents(j, &out);
  return out;
}

}  // namespace tf::scene
