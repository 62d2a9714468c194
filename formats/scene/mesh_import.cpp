#include "formats/scene/mesh_import.h"

#include <assimp/material.h>
#include <assimp/postprocess.h>
#include <assimp/scene.h>

#include <algorithm>
#include <assimp/Importer.hpp>
#include <cctype>
#include <cmath>
#include <exception>
#include <limits>
#include <numbers>

#include "formats/scene/mesh_materials.h"

namespace tf::scene {

std::string lowercase_extension(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool is_mesh_file_extension(const std::filesystem::path& file) {
  const std::string ext = lowercase_extension(file);
  return ext == ".obj" || ext == ".gltf" || ext == ".glb" || ext == ".ply" || ext == ".fbx" ||
         ext == ".dae" || ext == ".stl" || ext == ".3ds";
}

void frame_bounds(SceneIr* ir, Vec3d lo, Vec3d hi) {
  const Vec3d center = (lo + hi) * 0.5;
  const double radius = std::max(length(hi - lo) * 0.5, 1e-3);
  const double fov = 45.0;
  const double distance = radius / std::sin(fov * std::numbers::pi / 360.0) * 1.05;
  const Vec3d eye = center + normalize(Vec3d{0, 0.35, 1}) * distance;
  // pbrt's camera space is left-handed: LookAt alone would show these right-handed (+y up)
  // formats mirrored, so the view is flipped the way exporters do it ("Scale -1 1 1").
  ir->camera.camera_from_world =
      Mat4::scale({-1, 1, 1}) * Mat4::look_at(eye, center, {0, 1, 0}).value_or(Mat4{});
  ir->camera.fov_degrees = static_cast<float>(fov);
  ir->has_camera = true;
}

Result<SceneIr> import_mesh_file(const std::filesystem::path& file) {
  auto fail = [&](const std::string& why) -> Result<SceneIr> {
    return Error{"cannot import mesh file '" + file.string() + "': " + why};
  };
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) return fail("no such regular file");
  try {
    Assimp::Importer importer;
    importer.SetPropertyInteger(AI_CONFIG_PP_SBP_REMOVE,
                                aiPrimitiveType_POINT | aiPrimitiveType_LINE);
    const aiScene* scene = importer.ReadFile(
        file.string(), aiProcess_Triangulate | aiProcess_JoinIdenticalVertices |
                           aiProcess_PreTransformVertices | aiProcess_SortByPType |
                           aiProcess_ValidateDataStructure);
    if (!scene || !scene->mRootNode) return fail(importer.GetErrorString());
    SceneIr ir;
    ir.materials.push_back(IrMaterial{});
    const std::vector<GltfMaterialJson> json = read_gltf_material_json(file);
    std::vector<MeshMaterial> materials;
    std::vector<int> material_index;  // of Assimp's material i in ir.materials
    for (unsigned i = 0; i < scene->mNumMaterials; ++i) {
      const GltfMaterialJson extras = i < json.size() ? json[i] : GltfMaterialJson{};
      Result<MeshMaterial> material = convert_mesh_material(*scene->mMaterials[i], i, extras, file,
                                                            &ir.textures, &ir.warnings);
      if (!material) return Error{material.message()};
      materials.push_back(std::move(material.value()));
      IrMaterial m = materials.back().material;
      if (!materials.back().mixed.empty()) {
        const int first = static_cast<int>(ir.materials.size());
        for (const IrMaterial& part : materials.back().mixed) ir.materials.push_back(part);
        m.mix = {first + m.mix[0], first + m.mix[1]};
      }
      material_index.push_back(static_cast<int>(ir.materials.size()));
      ir.materials.push_back(std::move(m));
    }
    const double inf = std::numeric_limits<double>::infinity();
    Vec3d lo{inf, inf, inf}, hi{-inf, -inf, -inf};
    for (unsigned mi = 0; mi < scene->mNumMeshes; ++mi) {
      const aiMesh* am = scene->mMeshes[mi];
      if (!(am->mPrimitiveTypes & aiPrimitiveType_TRIANGLE)) continue;
      IrShape s;
      s.loc = {file.string(), 0, 0};
      if (am->mMaterialIndex < materials.size()) {
        const MeshMaterial& material = materials[am->mMaterialIndex];
        if (material.cut_out) continue;
        s.material = material_index[am->mMaterialIndex];
        s.area = material.emission;
        s.alpha_texture = material.alpha_texture;
      }
      for (unsigned v = 0; v < am->mNumVertices; ++v) {
        const Vec3d p{am->mVertices[v].x, am->mVertices[v].y, am->mVertices[v].z};
        s.mesh.positions.push_back(p);
        lo = {std::min(lo.x, p.x), std::min(lo.y, p.y), std::min(lo.z, p.z)};
        hi = {std::max(hi.x, p.x), std::max(hi.y, p.y), std::max(hi.z, p.z)};
        if (am->mNormals)
          s.mesh.normals.push_back({am->mNormals[v].x, am->mNormals[v].y, am->mNormals[v].z});
        if (am->mTextureCoords[0]) {
          s.mesh.uvs.push_back({am->mTextureCoords[0][v].x, am->mTextureCoords[0][v].y});
        }
      }
      for (unsigned fi = 0; fi < am->mNumFaces; ++fi) {
        const aiFace& face = am->mFaces[fi];
        if (face.mNumIndices != 3) continue;
        s.mesh.indices.insert(s.mesh.indices.end(),
                              {face.mIndices[0], face.mIndices[1], face.mIndices[2]});
      }
      if (!s.mesh.indices.empty()) ir.shapes.push_back(std::move(s));
    }
    if (ir.shapes.empty()) return fail("it contains no triangles");
    frame_bounds(&ir, lo, hi);
    ir.width = 1280;
    ir.height = 720;
    IrLight sky;
    sky.kind = IrLight::Kind::EnvUniform;
    sky.radiance = {1, 1, 1};
    sky.loc = {file.string(), 0, 0};
    ir.lights.push_back(sky);
    return ir;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

}  // namespace tf::scene
