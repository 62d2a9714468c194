// Loading pbrt-v4's texture kinds: strict scenes accept them, nested textures become post-order
// kernel programs (scene_types.h), mappings and directionmix take the Texture's CTM, unknown
// or later-defined names are errors, and graphs beyond the kernel's stack or node bounds are
// errors naming the texture; an imagemap's "wrap" "clamp" extends its edge texels.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/scene/convert.h"
#include "gltf_test_files.h"
#include "kernels/render/texture_graph.h"
#include "scene_test_util.h"
#include "tests/support/temp_dir.h"

namespace tf::scene {
namespace {

// The kernel node types of the program of the first material's texture.
std::vector<uint32_t> program_types(const KernelScene& k, int32_t root) {
  std::vector<uint32_t> types;
  const uint32_t count = std::max(k.textures[static_cast<size_t>(root)].count, 1u);
  for (uint32_t i = 0; i < count; ++i) {
    types.push_back(k.textures[static_cast<size_t>(root) + 1 - count + i].type);
  }
  return types;
}

int32_t material_texture(const KernelScene& k) {
  for (const tf_material& m : k.materials) {
    if (m.texture >= 0) return m.texture;
  }
  return -1;
}

TEST(TextureGraphLoad, EveryKindLoadsStrictly) {
  SceneIr ir = test::parse_world(
      "Texture \"f\" \"float\" \"fbm\" \"integer octaves\" 4 \"float roughness\" 0.6\n"
      "Texture \"w\" \"float\" \"wrinkled\"\n"
      "Texture \"wind\" \"float\" \"windy\"\n"
      "Texture \"d\" \"spectrum\" \"dots\" \"rgb inside\" [1 0 0] \"float uscale\" 4\n"
      "Texture \"b\" \"spectrum\" \"bilerp\" \"rgb v00\" [0 0 0] \"rgb v11\" [1 1 1] "
      "\"string mapping\" \"spherical\"\n"
      "Texture \"m\" \"spectrum\" \"marble\" \"float scale\" 2 \"float variation\" 0.3\n"
      "Texture \"c3\" \"spectrum\" \"checkerboard\" \"integer dimension\" 3\n"
      "Texture \"cyl\" \"spectrum\" \"checkerboard\" \"string mapping\" \"cylindrical\"\n"
      "Texture \"pl\" \"spectrum\" \"checkerboard\" \"string mapping\" \"planar\" "
      "\"vector3 v1\" [1 0 0] \"vector3 v2\" [0 0 1]\n"
      "Texture \"dm\" \"spectrum\" \"directionmix\" \"texture tex1\" \"d\" \"texture tex2\" \"m\"\n"
      "Texture \"s\" \"spectrum\" \"scale\" \"texture tex\" \"dm\" \"texture scale\" \"wind\"\n"
      "Texture \"top\" \"spectrum\" \"mix\" \"texture tex1\" \"s\" \"texture tex2\" \"b\" "
      "\"texture amount\" \"f\"\n"
      "Material \"diffuse\" \"texture reflectance\" \"top\"\nShape \"sphere\"\n");
  EXPECT_TRUE(ir.warnings.empty());
  KernelScene k = test::to_kernel(ir);
  Status finalized = finalize_kernel_scene(&k);
  EXPECT_TRUE(finalized) << finalized.message();
  // mix(scale(directionmix(dots, marble), windy), bilerp, fbm) in post order.
  EXPECT_EQ(program_types(k, material_texture(k)),
            (std::vector<uint32_t>{TF_TEX_DOTS, TF_TEX_MARBLE, TF_TEX_DIRECTIONMIX, TF_TEX_WINDY,
                                   TF_TEX_SCALE, TF_TEX_BILERP, TF_TEX_FBM, TF_TEX_MIX}));
}

TEST(TextureGraphLoad, ConstantOperandsBecomeConstantNodesAndEvaluateAsMix) {
  SceneIr ir = test::parse_world(
      "Texture \"a\" \"float\" \"constant\" \"float value\" 0.25\n"
      "Texture \"top\" \"spectrum\" \"mix\" \"rgb tex1\" [1 0 0] \"rgb tex2\" [0 0 1] "
      "\"texture amount\" \"a\"\n"
      "Material \"diffuse\" \"texture reflectance\" \"top\"\nShape \"sphere\"\n");
  KernelScene k = test::to_kernel(ir);
  const int32_t root = material_texture(k);
  ASSERT_EQ(program_types(k, root),
            (std::vector<uint32_t>{TF_TEX_CONSTANT, TF_TEX_CONSTANT, TF_TEX_CONSTANT, TF_TEX_MIX}));
  tf_scene_view view{};
  view.textures = k.textures.data();
  tf_tex_ctx c{v3(0, 0, 0), v3(0, 0, 1), 0, 0};
  tf_vec3 v = tf_texture_graph_eval(&view, root, &c);
  EXPECT_FLOAT_EQ(v.x, 0.75f);
  EXPECT_FLOAT_EQ(v.z, 0.25f);
}

TEST(TextureGraphLoad, MappingsAndDirectionTakeTheTexturesTransform) {
  SceneIr ir = test::parse_world(
      "AttributeBegin\nTranslate 1 2 3\n"
      "Texture \"sph\" \"spectrum\" \"checkerboard\" \"string mapping\" \"spherical\"\n"
      "AttributeEnd\nAttributeBegin\nRotate 90 0 0 1\n"
      "Texture \"dm\" \"float\" \"directionmix\" \"vector3 dir\" [1 0 0]\nAttributeEnd\n");
  ASSERT_EQ(ir.textures.size(), 2u);
  EXPECT_EQ(ir.textures[0].mapping, IrTexture::Mapping::Spherical);
  EXPECT_DOUBLE_EQ(ir.textures[0].texture_from_world.m[0][3], -1);
  EXPECT_DOUBLE_EQ(ir.textures[0].texture_from_world.m[1][3], -2);
  EXPECT_DOUBLE_EQ(ir.textures[0].texture_from_world.m[2][3], -3);
  EXPECT_NEAR(ir.textures[1].dir.x, 0, 1e-12);  // x rotated 90 degrees about z is y
  EXPECT_NEAR(ir.textures[1].dir.y, 1, 1e-12);
}

// pbrt-v4's WrapMode::Clamp clamps texel indices to the image: beyond u = 1 a 2 x 1 image of a
// black and a white texel stays white, where "repeat" (the default) reads it again from the
// left. "black" is not supported.
TEST(TextureGraphLoad, ClampedImagemapsExtendTheirEdgeTexels) {
  testing::TempDir dir;
  gltf_test::write_png8(dir.path() / "bw.png", 2, 1, 3, {0, 0, 0, 255, 255, 255});
  auto value_at = [&](const std::string& wrap, float u) {
    SceneIr ir = test::parse_world("Texture \"t\" \"spectrum\" \"imagemap\" \"string filename\" "
                                   "\"bw.png\"" + wrap + "\nMaterial \"diffuse\" \"texture "
                                   "reflectance\" \"t\"\nShape \"sphere\"\n",
                                   false, dir.path());
    KernelScene k = test::to_kernel(ir);
    const tf_scene_view view = make_host_scene_view(k);
    tf_tex_ctx c{};
    c.u = u;
    c.v = 0.5f;
    return tf_texture_graph_eval(&view, material_texture(k), &c).x;
  };
  EXPECT_FLOAT_EQ(value_at(" \"string wrap\" \"clamp\"", 1.75f), 1.0f);
  EXPECT_FLOAT_EQ(value_at(" \"string wrap\" \"clamp\"", -0.6f), 0.0f);
  EXPECT_FLOAT_EQ(value_at("", 1.25f), 0.0f);
  EXPECT_FLOAT_EQ(value_at(" \"string wrap\" \"repeat\"", 1.75f), 1.0f);
  EXPECT_FALSE(test::parse(std::string(test::kHeader) +
                           "Texture \"t\" \"spectrum\" \"imagemap\" \"string filename\" "
                           "\"bw.png\" \"string wrap\" \"black\"\n",
                           false, dir.path())
                   .is_ok());
}

TEST(TextureGraphLoad, UnknownAndSelfReferencesAreErrors) {
  const std::string h = test::kHeader;
  EXPECT_NE(
      test::parse_error(h + "Texture \"m\" \"spectrum\" \"mix\" \"texture amount\" \"nope\"\n")
          .find("unknown float texture \"nope\" for 'amount'"),
      std::string::npos);
  // A texture cannot name itself: names bind to textures defined before, so graphs are acyclic.
  EXPECT_NE(test::parse_error(h + "Texture \"s\" \"float\" \"scale\" \"texture tex\" \"s\"\n")
                .find("unknown float texture \"s\""),
            std::string::npos);
  EXPECT_NE(test::parse_error(h + "Texture \"x\" \"spectrum\" \"imagemap\" \"string filename\" "
                                  "\"a.png\" \"string mapping\" \"polar\"\n")
                .find("unknown mapping \"polar\""),
            std::string::npos);
}

std::string convert_error(const std::string& body) {
  SceneIr ir = test::parse_world(body);
  Result<KernelScene> k = convert_to_kernel(ir);
  EXPECT_FALSE(k.is_ok());
  return k.is_ok() ? std::string() : k.message();
}

TEST(TextureGraphLoad, GraphsBeyondTheKernelsBoundsAreErrorsNamingTheTexture) {
  // Each mix holds the previous in its third operand: 2 more stack entries per level.
  std::string deep = "Texture \"t0\" \"float\" \"fbm\"\n";
  for (int i = 1; i <= 4; ++i) {
    deep += "Texture \"t" + std::to_string(i) + "\" \"float\" \"mix\" \"texture amount\" \"t" +
            std::to_string(i - 1) + "\"\n";
  }
  std::string use = "Material \"diffuse\" \"texture reflectance\" \"top\"\nShape \"sphere\"\n";
  EXPECT_NE(convert_error(deep +
                          "Texture \"top\" \"spectrum\" \"scale\" \"texture scale\" \"t4\"\n" + use)
                .find("texture \"top\" nests too deeply"),
            std::string::npos);
  // A long chain needs little stack but more than TF_TEX_MAX_NODES nodes.
  std::string chain = "Texture \"c0\" \"spectrum\" \"constant\"\n";
  for (int i = 1; i <= 40; ++i) {
    chain += "Texture \"c" + std::to_string(i) + "\" \"spectrum\" \"scale\" \"texture tex\" \"c" +
             std::to_string(i - 1) + "\" \"float scale\" 0.9\n";
  }
  chain += "Texture \"top\" \"spectrum\" \"scale\" \"texture tex\" \"c40\"\n";
  EXPECT_NE(convert_error(chain + use).find("texture \"top\" has more than 64 nodes"),
            std::string::npos);
}

}  // namespace
}  // namespace tf::scene
