// Loading texture-valued material parameters as pbrt-v4 reads them: "mix" (its two materials
// and a float or float-texture amount, nested mixes), and float roughness textures
// (roughness, uroughness, vroughness, their prefixed forms, remaproughness), down to the
// kernel's material records (scene_types.h).
#include <gtest/gtest.h>

#include <string>

#include "formats/scene/convert.h"
#include "scene_test_util.h"

namespace tf::scene {
namespace {

using test::parse_error;
using test::parse_world;
using test::to_kernel;

const IrMaterial& material_of(const SceneIr& ir, size_t shape) {
  return ir.materials.at(static_cast<size_t>(ir.shapes.at(shape).material));
}

const tf_material& kernel_material_of(const KernelScene& k, size_t sphere) {
  return k.materials.at(k.spheres.at(sphere).material);
}

constexpr const char* kParts =
    "MakeNamedMaterial \"white\" \"string type\" \"diffuse\" \"rgb reflectance\" [1 1 1]\n"
    "MakeNamedMaterial \"gold\" \"string type\" \"conductor\"\n"
    "Texture \"mask\" \"float\" \"checkerboard\" \"float tex1\" 0 \"float tex2\" 1\n";

TEST(MixMaterialLoad, ConstantAmountKeepsBothMaterials) {
  SceneIr ir = parse_world(std::string(kParts) +
                           "MakeNamedMaterial \"m\" \"string type\" \"mix\" \"string materials\" "
                           "[\"white\" \"gold\"] \"float amount\" 0.3\n"
                           "NamedMaterial \"m\"\nShape \"sphere\"\n");
  EXPECT_TRUE(ir.warnings.empty());
  const IrMaterial& m = material_of(ir, 0);
  ASSERT_EQ(m.type, IrMaterial::Type::Mix);
  EXPECT_EQ(ir.materials[static_cast<size_t>(m.mix[0])].reflectance, (Rgb{1, 1, 1}));
  EXPECT_EQ(ir.materials[static_cast<size_t>(m.mix[1])].type, IrMaterial::Type::Conductor);
  EXPECT_FLOAT_EQ(m.amount, 0.3f);
  EXPECT_EQ(m.amount_texture, -1);

  const KernelScene k = to_kernel(ir);
  const tf_material& km = kernel_material_of(k, 0);
  EXPECT_EQ(km.type, TF_MAT_MIX);
  EXPECT_EQ(k.materials.at(km.mix_m0).type, TF_MAT_DIFFUSE);
  EXPECT_EQ(k.materials.at(km.mix_m1).type, TF_MAT_CONDUCTOR);
  EXPECT_FLOAT_EQ(km.mix_amount, 0.3f);
  EXPECT_EQ(km.mix_amount_tex, 0u);
}

TEST(MixMaterialLoad, AmountTextureAndDefault) {
  SceneIr ir = parse_world(std::string(kParts) +
                           "Material \"mix\" \"string materials\" [\"white\" \"gold\"] "
                           "\"texture amount\" \"mask\"\nShape \"sphere\"\n"
                           "Material \"mix\" \"string materials\" [\"gold\" \"white\"]\n"
                           "Shape \"sphere\"\n");
  EXPECT_TRUE(ir.warnings.empty());
  EXPECT_GE(material_of(ir, 0).amount_texture, 0);
  EXPECT_FLOAT_EQ(material_of(ir, 1).amount, 0.5f);  // pbrt-v4's default
  const KernelScene k = to_kernel(ir);
  const tf_material& km = kernel_material_of(k, 0);
  ASSERT_GE(km.mix_amount_tex, 1u);
  EXPECT_EQ(k.textures.at(km.mix_amount_tex - 1).type, TF_TEX_CHECKERBOARD);
  EXPECT_EQ(kernel_material_of(k, 1).mix_amount_tex, 0u);
}

// Mixes of mixes load up to the kernel's bound, deeper ones are errors; unknown parts and
// spectrum textures as amounts are errors.
TEST(MixMaterialLoad, NestingIsBoundedAndNamesAreChecked) {
  std::string chain = std::string(kParts) +
                      "MakeNamedMaterial \"m0\" \"string type\" \"mix\" \"string materials\" "
                      "[\"white\" \"gold\"]\n";
  for (unsigned i = 1; i < TF_MIX_MAX_DEPTH; ++i) {
    chain += "MakeNamedMaterial \"m" + std::to_string(i) +
             "\" \"string type\" \"mix\" \"string materials\" [\"gold\" \"m" +
             std::to_string(i - 1) + "\"]\n";
  }
  const std::string deepest = "m" + std::to_string(TF_MIX_MAX_DEPTH - 1);
  SceneIr ir = parse_world(chain + "NamedMaterial \"" + deepest + "\"\nShape \"sphere\"\n");
  const KernelScene k = to_kernel(ir);
  EXPECT_EQ(kernel_material_of(k, 0).type, TF_MAT_MIX);

  const std::string too_deep = parse_error(std::string(test::kHeader) + chain +
                                           "MakeNamedMaterial \"x\" \"string type\" \"mix\" " +
                                           "\"string materials\" [\"gold\" \"" + deepest + "\"]\n");
  EXPECT_NE(too_deep.find("nest deeper than"), std::string::npos) << too_deep;

  const std::string unknown = parse_error(std::string(test::kHeader) + kParts +
                                          "Material \"mix\" \"string materials\" "
                                          "[\"white\" \"nope\"]\n");
  EXPECT_NE(unknown.find("unknown named material \"nope\""), std::string::npos) << unknown;

  const std::string spectrum_amount = parse_error(
      std::string(test::kHeader) + kParts +
      "Texture \"c\" \"spectrum\" \"constant\" \"rgb value\" [1 1 1]\n"
      "Material \"mix\" \"string materials\" [\"white\" \"gold\"] \"texture amount\" \"c\"\n");
  EXPECT_NE(spectrum_amount.find("unknown float texture \"c\" for 'amount'"), std::string::npos)
      << spectrum_amount;
}

TEST(RoughnessTextureLoad, EveryRoughnessParameterTakesAFloatTexture) {
  SceneIr ir = parse_world(std::string(kParts) +
                           "Material \"conductor\" \"texture roughness\" \"mask\"\n"
                           "Shape \"sphere\"\n"
                           "Material \"dielectric\" \"texture uroughness\" \"mask\" "
                           "\"float vroughness\" 0.25 \"bool remaproughness\" false\n"
                           "Shape \"sphere\"\n"
                           "Material \"coatedconductor\" \"texture interface.vroughness\" \"mask\" "
                           "\"texture conductor.roughness\" \"mask\"\nShape \"sphere\"\n"
                           "Material \"coateddiffuse\" \"texture roughness\" \"mask\"\n"
                           "Shape \"sphere\"\n");
  EXPECT_TRUE(ir.warnings.empty());
  const int mask = material_of(ir, 0).roughness_texture[0];
  ASSERT_GE(mask, 0);
  EXPECT_EQ(material_of(ir, 0).roughness_texture, (std::array<int, 2>{mask, mask}));
  EXPECT_TRUE(material_of(ir, 0).remap_roughness);
  EXPECT_EQ(material_of(ir, 1).roughness_texture, (std::array<int, 2>{mask, -1}));
  EXPECT_FLOAT_EQ(material_of(ir, 1).alpha_v, 0.25f);  // not remapped
  EXPECT_FALSE(material_of(ir, 1).remap_roughness);
  EXPECT_EQ(material_of(ir, 2).roughness_texture, (std::array<int, 2>{mask, mask}));
  EXPECT_EQ(material_of(ir, 2).coat_roughness_texture, (std::array<int, 2>{-1, mask}));
  EXPECT_EQ(material_of(ir, 3).coat_roughness_texture, (std::array<int, 2>{mask, mask}));

  const KernelScene k = to_kernel(ir);
  const tf_material& conductor = kernel_material_of(k, 0);
  ASSERT_GE(conductor.rough_u_tex, 1u);
  EXPECT_EQ(k.textures.at(conductor.rough_u_tex - 1).type, TF_TEX_CHECKERBOARD);
  EXPECT_EQ(conductor.rough_v_tex, conductor.rough_u_tex);
  EXPECT_NE(conductor.flags & TF_MAT_REMAP_ROUGHNESS, 0u);
  const tf_material& dielectric = kernel_material_of(k, 1);
  EXPECT_EQ(dielectric.rough_u_tex, conductor.rough_u_tex);
  EXPECT_EQ(dielectric.rough_v_tex, 0u);
  EXPECT_EQ(dielectric.flags & TF_MAT_REMAP_ROUGHNESS, 0u);
  const tf_material& coated = kernel_material_of(k, 2);
  EXPECT_EQ(coated.coat_rough_u_tex, 0u);
  EXPECT_EQ(coated.coat_rough_v_tex, conductor.rough_u_tex);
  EXPECT_EQ(coated.rough_u_tex, conductor.rough_u_tex);

  const std::string unknown = parse_error(std::string(test::kHeader) +
                                          "Material \"conductor\" \"texture roughness\" \"x\"\n");
  EXPECT_NE(unknown.find("unknown float texture \"x\" for 'roughness'"), std::string::npos)
      << unknown;
}

}  // namespace
}  // namespace tf::scene
