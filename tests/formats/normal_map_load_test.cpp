// Material "normalmap" (pbrt-v4): the image beside the scene is read without sRGB decoding
// (an 8-bit texel b becomes b / 255 exactly, where a colour texture would decode it), becomes
// the material's normal map in the kernel scene, and is one of the files a scene bundle carries;
// a mix ignores it with a warning, as pbrt-v4 does silently.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "formats/image/image_io.h"
#include "tests/formats/gltf_test_files.h"
#include "tests/formats/scene_test_util.h"
#include "tests/formats/test_util.h"

namespace tf::scene {
namespace {

// A 1x1 8-bit PNG with bytes (200, 100, 255).
void write_texel_png(const std::filesystem::path& path) {
  gltf_test::write_png8(path, 1, 1, 3, {200, 100, 255});
}

const char* kQuad =
    "Shape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 1 1 0] \"integer indices\" [0 1 2]\n";

TEST(NormalMapLoad, ImageIsReadAsStoredAndBecomesTheMaterialsMap) {
  testing::TempDir dir;
  write_texel_png(dir / "nm.png");
  SceneIr ir = test::parse_world(
      "Material \"conductor\" \"string normalmap\" \"nm.png\"\n" + std::string(kQuad), false,
      dir.path());
  const IrMaterial& m = ir.materials[static_cast<size_t>(ir.shapes.at(0).material)];
  ASSERT_GE(m.normal_map, 0);
  EXPECT_TRUE(ir.textures[static_cast<size_t>(m.normal_map)].linear);
  KernelScene k = test::to_kernel(ir);
  const tf_material& km = k.materials.at(k.triangles.at(0).material);
  ASSERT_NE(km.normal_map, 0u);
  const tf_texture& t = k.textures.at(km.normal_map - 1);
  EXPECT_EQ(t.type, TF_TEX_IMAGE);
  EXPECT_FLOAT_EQ(k.texels.at(t.offset), 200.0f / 255.0f);
  EXPECT_FLOAT_EQ(k.texels.at(t.offset + 1), 100.0f / 255.0f);
  EXPECT_FLOAT_EQ(k.texels.at(t.offset + 2), 1.0f);
  // The same file as a colour texture is decoded from sRGB.
  Result<ImageRGB> colour = read_image(dir / "nm.png");
  ASSERT_TRUE(colour.is_ok());
  EXPECT_NEAR(colour->rgb[1], srgb_decode(100.0f / 255.0f), 1e-6);
  EXPECT_LT(colour->rgb[1], 0.2f);
}

TEST(NormalMapLoad, MissingImageIsAnErrorNamingIt) {
  SceneIr ir = test::parse_world("Material \"diffuse\" \"string normalmap\" \"missing-nm.png\"\n" +
                                 std::string(kQuad));
  Result<KernelScene> k = convert_to_kernel(ir);
  ASSERT_FALSE(k.is_ok());
  EXPECT_NE(k.message().find("missing-nm.png"), std::string::npos) << k.message();
}

TEST(NormalMapLoad, MixIgnoresItWithAWarning) {
  SceneIr ir = test::parse_world(
      "MakeNamedMaterial \"a\" \"string type\" \"diffuse\"\n"
      "MakeNamedMaterial \"b\" \"string type\" \"conductor\"\n"
      "MakeNamedMaterial \"m\" \"string type\" \"mix\" \"string materials\" [\"a\" \"b\"]"
      " \"string normalmap\" \"nm.png\"\n");
  ASSERT_EQ(ir.warnings.size(), 1u);
  EXPECT_NE(ir.warnings[0].find("normalmap"), std::string::npos);
}

TEST(NormalMapLoad, TheImageIsASceneReference) {
  testing::TempDir dir;
  tf::test::write_text(dir / "s.pbrt",
                       std::string(test::kHeader) +
                           "Material \"diffuse\" \"string normalmap\" \"maps/nm.png\"\n" + kQuad);
  Result<std::vector<SceneReference>> refs = scan_scene_references(dir / "s.pbrt");
  ASSERT_TRUE(refs.is_ok()) << refs.message();
  EXPECT_TRUE(std::any_of(refs->begin(), refs->end(),
                          [](const SceneReference& r) { return r.path == "maps/nm.png"; }));
}

}  // namespace
}  // namespace tf::scene
