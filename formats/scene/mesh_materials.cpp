#include "formats/scene/mesh_materials.h"

#include <assimp/GltfMaterial.h>
#include <assimp/material.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "formats/scene/gltf_textures.h"
#include "formats/scene/try.h"

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

using Warn = std::function<void(const std::string&)>;

// Adds `t` to `textures`; returns its index.
int add_texture(IrTexture t, std::vector<IrTexture>* textures) {
  textures->push_back(std::move(t));
  return static_cast<int>(textures->size() - 1);
}

// Whether the renderer can map texture `slot` by `info`: TEXCOORD_n, n > 0, is an error; a
// sampler wrap mode that glTF does not define is named in a warning (it repeats).
Status check_texture_info(const std::string& slot, const GltfTextureInfo& info,
                          const Warn& warn) {
  if (info.tex_coord != 0) {
    return Error{slot + " uses TEXCOORD_" + std::to_string(info.tex_coord) +
                 "; only TEXCOORD_0 is supported"};
  }
  for (int mode : {info.wrap_s, info.wrap_t}) {
    if (mode != kGltfRepeat && mode != kGltfClampToEdge && mode != kGltfMirroredRepeat) {
      warn(slot + "'s sampler wrap mode " + std::to_string(mode) + " is not glTF's (repeats)");
    }
  }
  return Status::ok();
}

// glTF's normalTexture as the material's normal map (gltf_textures.h).
Status read_normal_texture(const aiMaterial& source, const GltfMaterialJson& json,
                           const std::filesystem::path& file, const Warn& warn,
                           std::vector<IrTexture>* textures, IrMaterial* m) {
  const std::string path = texture_path(source, aiTextureType_NORMALS);
  if (path.empty()) return Status::ok();
  TF_CHECK(check_texture_info("normalTexture", json.normal, warn));
  if (path.front() == '*') {
    warn("embedded normal texture ignored");
    return Status::ok();
  }
  TF_TRY(map, gltf_normal_map(file.parent_path() / path, json.normal_scale));
  apply_gltf_texture_transform(json.normal, &map);
  m->normal_map = add_texture(std::move(map), textures);
  if (json.tangents) {
    warn("TANGENT attributes ignored: the normal map's frame is dp/du of TEXCOORD_0 and the "
         "normal (mirrored texture coordinates flip its green channel)");
  }
  return Status::ok();
}

// glTF's emissiveTexture (sRGB, mapped by its KHR_texture_transform and sampler) as the image
// of `emission`, which it scales per point; nothing when the material does not emit (its
// factor is 0).
Status read_emissive_texture(const aiMaterial& source, const GltfMaterialJson& json,
                             const std::filesystem::path& file, const Warn& warn,
                             IrAreaLight* emission) {
  const std::string path = texture_path(source, aiTextureType_EMISSIVE);
  if (path.empty() || !emission->present) return Status::ok();
  TF_CHECK(check_texture_info("emissiveTexture", json.emissive, warn));
  if (path.front() == '*') {
    warn("embedded emissive texture ignored (its factor applies)");
    return Status::ok();
  }
  emission->image = file.parent_path() / path;
  apply_gltf_texture_transform(json.emissive, &emission->image_lookup);
  return Status::ok();
}

// glTF's alphaMode MASK and BLEND (gltf_textures.h): the alpha `factor` times the alpha of
// base colour image `colour_map` (a path beside `file`; empty: none; mapped by `info`) into
// out->alpha_texture or out->cut_out.
Status read_alpha_mode(const aiMaterial& source, float factor, const std::string& colour_map,
                       const GltfTextureInfo& info, const std::filesystem::path& file,
                       const Warn& warn, std::vector<IrTexture>* textures, MeshMaterial* out) {
  aiString mode;
  if (source.Get(AI_MATKEY_GLTF_ALPHAMODE, mode) != aiReturn_SUCCESS) return Status::ok();
  const std::string alpha_mode = mode.C_Str();
  if (alpha_mode != "MASK" && alpha_mode != "BLEND") return Status::ok();
  std::optional<float> cutoff;
  if (alpha_mode == "MASK") {
    float value = 0.5f;
    source.Get(AI_MATKEY_GLTF_ALPHACUTOFF, value);
    cutoff = value;
  }
  const bool textured = !colour_map.empty() && colour_map.front() != '*';
  if (!colour_map.empty() && !textured) warn("alpha of the embedded base colour texture ignored");
  IrTexture alpha;  // a constant, unless textured
  if (textured) {
    TF_TRY(image, gltf_alpha_texture(file.parent_path() / colour_map, factor, cutoff));
    alpha = std::move(image);
    apply_gltf_texture_transform(info, &alpha);
  } else {
    const float a = cutoff ? (factor >= *cutoff ? 1.f : 0.f) : std::clamp(factor, 0.f, 1.f);
    if (a >= 1.f) return Status::ok();
    out->cut_out = a <= 0.f;
    if (out->cut_out) return Status::ok();
    alpha.value = {a, a, a};
  }
  if (out->emission.present) {
    warn("alpha of an emissive material approximated by opaque");
    return Status::ok();
  }
  out->alpha_texture = add_texture(std::move(alpha), textures);
  return Status::ok();
}

// The dielectric version of glTF material `m`: a coating of index 1.5 with GGX alpha `alpha`
// over a diffuse base of m's colour.
IrMaterial dielectric_version(IrMaterial m, float alpha) {
  m.type = IrMaterial::Type::CoatedDiffuse;
  m.coat_eta = kCoatingEta;
  m.coat_alpha_u = m.coat_alpha_v = alpha;
  return m;
}

// The metal version of glTF material `m`: a conductor with GGX alpha `alpha` whose
// normal-incidence reflectance is m's colour.
IrMaterial metal_version(IrMaterial m, float alpha) {
  m.type = IrMaterial::Type::Conductor;
  m.use_reflectance = true;
  m.alpha_u = m.alpha_v = alpha;
  return m;
}

// glTF's metallic and roughness on out->material (colour and normal map set): constant factors
// pick one version of it; a metallicRoughnessTexture (gltf_textures.h) gives the versions its
// roughness and, unless metallicFactor is 0, mixes them by its metallic.
Status read_metallic_roughness(const aiMaterial& source, const GltfMaterialJson& json,
                               const std::filesystem::path& file, const Warn& warn,
                               std::vector<IrTexture>* textures, MeshMaterial* out) {
  float metallic = 0.f, roughness = 1.f;
  if (source.Get(AI_MATKEY_METALLIC_FACTOR, metallic) != aiReturn_SUCCESS) return Status::ok();
  source.Get(AI_MATKEY_ROUGHNESS_FACTOR, roughness);
  metallic = std::clamp(metallic, 0.f, 1.f);
  roughness = std::clamp(roughness, 0.f, 1.f);
  const float alpha = roughness * roughness;
  IrMaterial& m = out->material;
  std::string map = texture_path(source, aiTextureType_METALNESS);
  if (map.empty()) map = texture_path(source, aiTextureType_UNKNOWN);
  if (map.empty() || map.front() == '*') {
    if (!map.empty()) warn("embedded metallic-roughness texture ignored (its factors apply)");
    if (metallic > 0.f && metallic < 1.f) {
      warn("metallic " + std::to_string(metallic) + " approximated by " +
           (metallic >= 0.5f ? "a metal" : "a non-metal"));
    }
    m = metallic >= 0.5f ? metal_version(m, alpha) : dielectric_version(m, alpha);
    return Status::ok();
  }
  TF_CHECK(
      check_texture_info("metallicRoughnessTexture", json.metallic_roughness, warn));
  TF_TRY(maps, gltf_metallic_roughness(file.parent_path() / map, roughness, metallic));
  apply_gltf_texture_transform(json.metallic_roughness, &maps.alpha);
  apply_gltf_texture_transform(json.metallic_roughness, &maps.metallic);
  const int alpha_texture = add_texture(std::move(maps.alpha), textures);
  IrMaterial dielectric = dielectric_version(m, alpha);
  dielectric.coat_roughness_texture = {alpha_texture, alpha_texture};
  dielectric.remap_roughness = false;  // the texels are alphas
  if (metallic <= 0.f) {
    m = std::move(dielectric);
    return Status::ok();
  }
  IrMaterial metal = metal_version(m, alpha);
  metal.roughness_texture = {alpha_texture, alpha_texture};
  metal.remap_roughness = false;
  m = IrMaterial{};
  m.type = IrMaterial::Type::Mix;
  m.mix = {0, 1};
  m.amount_texture = add_texture(std::move(maps.metallic), textures);
  out->mixed = {std::move(dielectric), std::move(metal)};
  return Status::ok();
}

// The base colour texture `colour_map` (a path beside `file`; empty: none; mapped by `info`),
// multiplied by the colour factor, on out->material, or on its dielectric part when it is a mix.
// Conductors keep the factor alone, as metals did before metallic textures (the kernel could
// texture their reflectance: tf_make_bsdf; that would change existing renders, so it is left to
// a decision).
Status read_base_colour_texture(const std::string& colour_map, const GltfTextureInfo& info,
                                const std::filesystem::path& file, const Warn& warn,
                                std::vector<IrTexture>* textures, MeshMaterial* out) {
  if (colour_map.empty()) return Status::ok();
  if (colour_map.front() == '*') {
    warn("embedded base colour texture ignored (its factor applies)");
    return Status::ok();
  }
  const bool mixed = !out->mixed.empty();
  IrMaterial& m = mixed ? out->mixed[0] : out->material;
  if (mixed) warn("base colour texture ignored on the metallic parts (their factor applies)");
  if (m.type == IrMaterial::Type::Conductor) {
    warn("base colour texture of a metal ignored (its factor applies)");
    return Status::ok();
  }
  IrTexture t;
  t.kind = IrTexture::Kind::Image;
  t.filename = file.parent_path() / colour_map;
  t.value = m.reflectance;
  apply_gltf_texture_transform(info, &t);
  m.texture = add_texture(std::move(t), textures);
  return Status::ok();
}

}  // namespace

Result<MeshMaterial> convert_mesh_material(const aiMaterial& source, unsigned index,
                                           const GltfMaterialJson& json,
                                           const std::filesystem::path& file,
                                           std::vector<IrTexture>* textures,
                                           std::vector<std::string>* warnings) {
  aiString name;
  source.Get(AI_MATKEY_NAME, name);
  const std::string label = file.string() + ": material '" +
                            (name.length > 0 ? std::string(name.C_Str()) : std::to_string(index)) +
                            "': ";
  const Warn warn = [&](const std::string& what) { warnings->push_back(label + what); };

  MeshMaterial out;
  IrMaterial& m = out.material;
  float alpha = 1.f;
  base_colour(source, &m.reflectance, &alpha);

  std::string colour_map = texture_path(source, aiTextureType_BASE_COLOR);
  if (colour_map.empty()) colour_map = texture_path(source, aiTextureType_DIFFUSE);
  if (!texture_path(source, aiTextureType_LIGHTMAP).empty()) {
    warn("occlusion texture ignored (the path tracer computes occlusion)");
  }

  aiColor3D emissive(0.f, 0.f, 0.f);
  source.Get(AI_MATKEY_COLOR_EMISSIVE, emissive);
  const float k = json.emissive_strength;
  const Rgb radiance{emissive.r * k, emissive.g * k, emissive.b * k};
  if (radiance[0] > 0.f || radiance[1] > 0.f || radiance[2] > 0.f) {
    out.emission.present = true;
    out.emission.radiance = radiance;
  }

  Status read = read_emissive_texture(source, json, file, warn, &out.emission);
  if (read) read = read_normal_texture(source, json, file, warn, textures, &m);
  if (read) read = read_metallic_roughness(source, json, file, warn, textures, &out);
  if (read && !colour_map.empty()) {
    read = check_texture_info("baseColorTexture", json.base_color, warn);
  }
  if (read) {
    read = read_base_colour_texture(colour_map, json.base_color, file, warn, textures, &out);
  }
  if (read) {
    read = read_alpha_mode(source, alpha, colour_map, json.base_color, file, warn, textures, &out);
  }
  if (!read) return Error{label + read.message()};
  return out;
}

}  // namespace tf::scene
