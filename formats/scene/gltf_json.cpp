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

// Element `index` (a member of `from`) of the array root[key], or nullptr.
const json* element(const json& root, const char* key, const json* from, const char* index) {
  const json* array = member(root, key);
  const json* i = from ? member(*from, index) : nullptr;
  if (!array || !array->is_array() || !i || !i->is_number_unsigned()) return nullptr;
  return i->get<size_t>() < array->size() ? &(*array)[i->get<size_t>()] : nullptr;
}

// Sets out's wrap modes to those of the sampler of textureInfo `info`'s texture (wrapS and
// wrapT default to REPEAT; a texture without a sampler repeats).
void read_wrap_modes(const json& root, const json* info, GltfTextureInfo* out) {
  const json* texture = element(root, "textures", info, "index");
  const json* sampler = element(root, "samplers", texture, "sampler");
  out->wrap_s = static_cast<int>(number(sampler, "wrapS", static_cast<float>(kGltfRepeat)));
  out->wrap_t = static_cast<int>(number(sampler, "wrapT", static_cast<float>(kGltfRepeat)));
}

// textureInfo `info` (nullptr: absent) of file `root` with its KHR_texture_transform.
GltfTextureInfo texture_info(const json& root, const json* info) {
  GltfTextureInfo out;
  out.tex_coord = static_cast<int>(number(info, "texCoord", 0.f));
  read_wrap_modes(root, info, &out);
  const json* extensions = info ? member(*info, "extensions") : nullptr;
  const json* transform = extensions ? member(*extensions, "KHR_texture_transform") : nullptr;
  if (!transform) return out;
  out.tex_coord =
      static_cast<int>(number(transform, "texCoord", static_cast<float>(out.tex_coord)));
  out.rotation = number(transform, "rotation", 0.f);
  const json* offset = member(*transform, "offset");
  const json* scale = member(*transform, "scale");
  for (size_t i = 0; i < 2; ++i) {
    if (offset && offset->is_array() && offset->size() == 2 && (*offset)[i].is_number()) {
      out.offset[i] = (*offset)[i].get<float>();
    }
    if (scale && scale->is_array() && scale->size() == 2 && (*scale)[i].is_number()) {
      out.scale[i] = (*scale)[i].get<float>();
    }
  }
  return out;
}

GltfMaterialJson material_json(const json& root, const json& material) {
  GltfMaterialJson out;
  const json* extensions = member(material, "extensions");
  const json* strength =
      extensions ? member(*extensions, "KHR_materials_emissive_strength") : nullptr;
  out.emissive_strength = std::max(0.f, number(strength, "emissiveStrength", 1.f));
  const json* normal = member(material, "normalTexture");
  out.normal = texture_info(root, normal);
  out.normal_scale = number(normal, "scale", 1.f);
  const json* pbr = member(material, "pbrMetallicRoughness");
  out.base_color = texture_info(root, pbr ? member(*pbr, "baseColorTexture") : nullptr);
  out.metallic_roughness =
      texture_info(root, pbr ? member(*pbr, "metallicRoughnessTexture") : nullptr);
  out.emissive = texture_info(root, member(material, "emissiveTexture"));
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
  for (const json& material : *materials) out.push_back(material_json(j, material));
  mark_tangents(j, &out);
  return out;
}

}  // namespace tf::scene
