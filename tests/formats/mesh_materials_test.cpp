// glTF 2.0 metallic-roughness materials and OBJ/MTL materials through Assimp
// (formats/scene/mesh_materials.h), checked against the glTF 2.0 specification's definitions:
// metallicFactor and roughnessFactor default to 1, GGX alpha = roughness^2, emission =
// emissiveFactor x KHR_materials_emissive_strength, alphaMode MASK discards alpha < alphaCutoff
// (normal textures and alpha textures: gltf_textures_test.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/image/image_io.h"
#include "formats/scene/load.h"
#include "test_util.h"

namespace tf {
namespace {

// One triangle (0,0,0) (1,0,0) (0,1,0), counter-clockwise seen from +z, with uint16 indices
// (the buffer of scenes/gltf-model/model.gltf), and the given material; `extra` adds top-level
// members (images, textures, extensionsUsed).
std::string gltf_triangle(const std::string& material, const std::string& extra = "") {
  return R"({"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}],
  "nodes": [{"mesh": 0}],
  "meshes": [{"primitives": [{"attributes": {"POSITION": 0}, "indices": 1, "material": 0}]}],
  "materials": [)" + material + R"(],
  "buffers": [{"byteLength": 44,
    "uri": "data:application/octet-stream;base64,AAAAAAAAAAAAAAAAAACAPwAAAAAAAAAAAAAAAAAAgD8AAAAAAAABAAIAAAA="}],
  "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": 36},
                  {"buffer": 0, "byteOffset": 36, "byteLength": 6}],
  "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                 "min": [0, 0, 0], "max": [1, 1, 0]},
                {"bufferView": 1, "componentType": 5123, "count": 3, "type": "SCALAR"}])" +
         extra + "}";
}

LoadedScene load_gltf(const testing::TempDir& dir, const std::string& text) {
  test::write_text(dir.path() / "m.gltf", text);
  Result<LoadedScene> s = load_scene_file(dir.path() / "m.gltf");
  EXPECT_TRUE(s.is_ok()) << s.message();
  return s.is_ok() ? std::move(s.value()) : LoadedScene{};
}

bool warned(const LoadedScene& s, const std::string& what) {
  for (const std::string& w : s.warnings) {
    if (w.find(what) != std::string::npos) return true;
  }
  return false;
}

TEST(MeshMaterials, GltfMetalIsAConductorOfItsBaseColourWithAlphaRoughnessSquared) {
  testing::TempDir dir;
  const LoadedScene s = load_gltf(dir, gltf_triangle(R"({"pbrMetallicRoughness": {
      "baseColorFactor": [0.9, 0.6, 0.2, 1], "metallicFactor": 1, "roughnessFactor": 0.5}})"));
  ASSERT_EQ(s.kernel.triangles.size(), 1u);
  const tf_material& m = s.kernel.materials[s.kernel.triangles[0].material];
  EXPECT_EQ(m.type, TF_MAT_CONDUCTOR);
  EXPECT_TRUE(m.flags & TF_MAT_USE_REFLECTANCE);
  EXPECT_FLOAT_EQ(m.r, 0.9f);
  EXPECT_FLOAT_EQ(m.g, 0.6f);
  EXPECT_FLOAT_EQ(m.b, 0.2f);
  EXPECT_FLOAT_EQ(m.alpha_u, 0.25f);
  EXPECT_FLOAT_EQ(m.alpha_v, 0.25f);
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
}

TEST(MeshMaterials, GltfDefaultsAreARoughMetal) {
  // The specification's defaults: metallicFactor 1, roughnessFactor 1, baseColorFactor 1.
  testing::TempDir dir;
  const LoadedScene s = load_gltf(dir, gltf_triangle(R"({"pbrMetallicRoughness": {}})"));
  ASSERT_EQ(s.kernel.triangles.size(), 1u);
  const tf_material& m = s.kernel.materials[s.kernel.triangles[0].material];
  EXPECT_EQ(m.type, TF_MAT_CONDUCTOR);
  EXPECT_FLOAT_EQ(m.r, 1.f);
  EXPECT_FLOAT_EQ(m.alpha_u, 1.f);
}

TEST(MeshMaterials, GltfDielectricIsACoatingOfIndexOnePointFiveOverItsBaseColour) {
  testing::TempDir dir;
  const LoadedScene s = load_gltf(dir, gltf_triangle(R"({"pbrMetallicRoughness": {
      "baseColorFactor": [0.2, 0.4, 0.8, 1], "metallicFactor": 0, "roughnessFactor": 0.3}})"));
  ASSERT_EQ(s.kernel.triangles.size(), 1u);
  const tf_material& m = s.kernel.materials[s.kernel.triangles[0].material];
  EXPECT_EQ(m.type, TF_MAT_COATED_DIFFUSE);
  EXPECT_FLOAT_EQ(m.r, 0.2f);
  EXPECT_FLOAT_EQ(m.g, 0.4f);
  EXPECT_FLOAT_EQ(m.b, 0.8f);
  EXPECT_FLOAT_EQ(m.coat_eta, 1.5f);  // F0 = ((1.5 - 1) / (1.5 + 1))^2 = 0.04, glTF's
  EXPECT_FLOAT_EQ(m.coat_alpha_u, 0.3f * 0.3f);
  EXPECT_FLOAT_EQ(m.coat_alpha_v, 0.3f * 0.3f);
}

TEST(MeshMaterials, PartlyMetallicPicksTheNearerKindWithAWarning) {
  testing::TempDir dir;
  const LoadedScene s = load_gltf(
      dir, gltf_triangle(R"({"name": "brass", "pbrMetallicRoughness": {"metallicFactor": 0.7}})"));
  ASSERT_EQ(s.kernel.triangles.size(), 1u);
  EXPECT_EQ(s.kernel.materials[s.kernel.triangles[0].material].type, TF_MAT_CONDUCTOR);
  EXPECT_TRUE(warned(s, "material 'brass': metallic 0.7")) << s.warnings.size();
}

TEST(MeshMaterials, EmissionIsTheFactorTimesTheStrengthOnTheFrontFace) {
  testing::TempDir dir;
  const LoadedScene s = load_gltf(
      dir, gltf_triangle(R"({"pbrMetallicRoughness": {"metallicFactor": 0},
          "emissiveFactor": [1, 0.5, 0.25],
          "extensions": {"KHR_materials_emissive_strength": {"emissiveStrength": 8}}})",
                         R"(, "extensionsUsed": ["KHR_materials_emissive_strength"])"));
  ASSERT_EQ(s.kernel.triangles.size(), 1u);
  const tf_triangle& t = s.kernel.triangles[0];
  ASSERT_GE(t.light, 0);
  const tf_light& l = s.kernel.lights[static_cast<size_t>(t.light)];
  EXPECT_EQ(l.type, TF_LIGHT_AREA);
  EXPECT_EQ(l.two_sided, 0u);
  EXPECT_FLOAT_EQ(l.r, 8.f);
  EXPECT_FLOAT_EQ(l.g, 4.f);
  EXPECT_FLOAT_EQ(l.b, 2.f);
}

TEST(MeshMaterials, MaskedShapesBelowTheCutoffAreLeftOut) {
  testing::TempDir dir;
  const std::string masked = R"({"alphaMode": "MASK", "alphaCutoff": 0.5,
      "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, )";
  // The importer needs one shape left to frame: a masked-out file has none and says so.
  test::write_text(dir.path() / "cut.gltf", gltf_triangle(masked + "0.3]}}"));
  Result<LoadedScene> cut = load_scene_file(dir.path() / "cut.gltf");
  ASSERT_FALSE(cut.is_ok());
  EXPECT_NE(cut.message().find("no triangles"), std::string::npos) << cut.message();
  EXPECT_EQ(load_gltf(dir, gltf_triangle(masked + "0.7]}}")).kernel.triangles.size(), 1u);
  // OPAQUE (the default) ignores alpha.
  EXPECT_EQ(load_gltf(dir, gltf_triangle(R"({"pbrMetallicRoughness": {
      "baseColorFactor": [1, 1, 1, 0.3]}})")).kernel.triangles.size(), 1u);
}

TEST(MeshMaterials, BaseColourTextureBesideTheFileIsMultipliedByTheFactor) {
  testing::TempDir dir;
  // A 2 x 1 PNG: linear 0.5 grey and white; read back linearised from sRGB.
  const float texels[] = {0.5f, 0.5f, 0.5f, 1.f, 1.f, 1.f};
  std::filesystem::create_directories(dir.path() / "tex");
  ASSERT_TRUE(write_png(dir.path() / "tex" / "grey.png", 2, 1, texels));
  const LoadedScene s = load_gltf(
      dir, gltf_triangle(R"({"pbrMetallicRoughness": {"metallicFactor": 0,
          "baseColorFactor": [0.5, 1, 1, 1], "baseColorTexture": {"index": 0}}})",
                         R"(, "images": [{"uri": "tex/grey.png"}],
          "textures": [{"source": 0}])"));
  ASSERT_EQ(s.kernel.triangles.size(), 1u);
  const tf_material& m = s.kernel.materials[s.kernel.triangles[0].material];
  ASSERT_GE(m.texture, 0);
  const tf_texture& t = s.kernel.textures[static_cast<size_t>(m.texture)];
  EXPECT_EQ(t.type, TF_TEX_IMAGE);
  EXPECT_EQ(t.width, 2u);
  EXPECT_EQ(t.height, 1u);
  EXPECT_FLOAT_EQ(t.r, 0.5f);
  EXPECT_FLOAT_EQ(t.g, 1.f);
  // The PNG held sRGB-encoded 0.5 (188/255): decoded with the sRGB curve.
  EXPECT_NEAR(s.kernel.texels[t.offset], srgb_decode(188.f / 255.f), 1e-6f);
}

TEST(MeshMaterials, TexturesWithoutASlotAreNamedInWarnings) {
  testing::TempDir dir;
  const float texel[] = {0.5f, 0.5f, 1.f};
  ASSERT_TRUE(write_png(dir.path() / "n.png", 1, 1, texel));
  const LoadedScene s = load_gltf(
      dir, gltf_triangle(R"({"name": "shaded", "occlusionTexture": {"index": 0},
          "pbrMetallicRoughness": {"metallicFactor": 0}})",
                         R"(, "images": [{"uri": "n.png"}], "textures": [{"source": 0}])"));
  EXPECT_TRUE(warned(s, "material 'shaded': occlusion texture ignored")) << s.warnings.size();
}

TEST(MeshMaterials, ObjMaterialsCarryDiffuseColourTextureAndEmission) {
  testing::TempDir dir;
  const float texels[] = {1.f, 0.f, 0.f};
  ASSERT_TRUE(write_png(dir.path() / "red.png", 1, 1, texels));
  test::write_text(dir.path() / "quad.obj",
                   "mtllib quad.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\n"
                   "usemtl lamp\nf 1 2 3\nusemtl painted\nf 1 3 4\n");
  test::write_text(dir.path() / "quad.mtl",
                   "newmtl lamp\nKd 0 0 0\nKe 3 2 1\n"
                   "newmtl painted\nKd 0.25 0.5 0.75\nmap_Kd red.png\n");
  Result<LoadedScene> s = load_scene_file(dir.path() / "quad.obj");
  ASSERT_TRUE(s.is_ok()) << s.message();
  ASSERT_EQ(s->kernel.triangles.size(), 2u);
  int lamps = 0, painted = 0;
  for (const tf_triangle& t : s->kernel.triangles) {
    const tf_material& m = s->kernel.materials[t.material];
    EXPECT_EQ(m.type, TF_MAT_DIFFUSE);
    if (t.light >= 0) {
      ++lamps;
      const tf_light& l = s->kernel.lights[static_cast<size_t>(t.light)];
      EXPECT_FLOAT_EQ(l.r, 3.f);
      EXPECT_FLOAT_EQ(l.g, 2.f);
      EXPECT_FLOAT_EQ(l.b, 1.f);
    } else {
      ++painted;
      ASSERT_GE(m.texture, 0);
      const tf_texture& tex = s->kernel.textures[static_cast<size_t>(m.texture)];
      EXPECT_EQ(tex.type, TF_TEX_IMAGE);
      EXPECT_FLOAT_EQ(tex.b, 0.75f);
    }
  }
  EXPECT_EQ(lamps, 1);
  EXPECT_EQ(painted, 1);
}

}  // namespace
}  // namespace tf
