// Material "hair" (formats/scene/elements_hair.h) into the kernel material, against pbrt-v4's
// documented defaults and pigment constants, and the defining property of the colour mapping
// of Chiang et al. 2016: a fibre of colour c has exp(-sqrt(sigma_a) * P(beta_n)) = c.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "scene_test_util.h"

namespace tf::scene {
namespace {

using test::parse_world;

const tf_material& sphere_material(const KernelScene& k, size_t i) {
  return k.materials.at(k.spheres.at(i).material);
}

TEST(HairMaterial, DefaultsArePbrtsBrownHair) {
  const KernelScene k = test::to_kernel(parse_world("Material \"hair\"\nShape \"sphere\"\n"));
  const tf_material& m = sphere_material(k, 0);
  EXPECT_EQ(m.type, TF_MAT_HAIR);
  EXPECT_FLOAT_EQ(m.r, 1.3f * 0.419f);  // eumelanin 1.3 times pbrt's eumelanin sigma_a
  EXPECT_FLOAT_EQ(m.g, 1.3f * 0.697f);
  EXPECT_FLOAT_EQ(m.b, 1.3f * 1.37f);
  EXPECT_FLOAT_EQ(m.eta_r, 1.55f);
  EXPECT_FLOAT_EQ(m.beta_m, 0.3f);
  EXPECT_FLOAT_EQ(m.beta_n, 0.3f);
  EXPECT_FLOAT_EQ(m.hair_alpha, 2.0f);
}

TEST(HairMaterial, MelaninConcentrationsMixThePigments) {
  const KernelScene k = test::to_kernel(
      parse_world("Material \"hair\" \"float eumelanin\" [ 0.3 ]\nShape \"sphere\"\n"
                  "Material \"hair\" \"float eumelanin\" 0.5 \"float pheomelanin\" 2\n"
                  "Shape \"sphere\"\n"));
  const tf_material& a = sphere_material(k, 0);
  EXPECT_FLOAT_EQ(a.r, 0.3f * 0.419f);
  EXPECT_FLOAT_EQ(a.b, 0.3f * 1.37f);
  const tf_material& b = sphere_material(k, 1);
  EXPECT_NEAR(b.r, 0.5 * 0.419 + 2 * 0.187, 1e-6);
  EXPECT_NEAR(b.g, 0.5 * 0.697 + 2 * 0.4, 1e-6);
  EXPECT_NEAR(b.b, 0.5 * 1.37 + 2 * 1.05, 1e-6);
}

TEST(HairMaterial, ColorMapsToTheAbsorptionThatProducesIt) {
  const SceneIr ir = parse_world(
      "Material \"hair\" \"float beta_m\" 0.5 \"float beta_n\" 0.5 \"rgb color\" [ 0.5 0.2 0.9 ]\n"
      "Shape \"sphere\"\n");
  EXPECT_TRUE(ir.warnings.empty());
  const tf_material& m = sphere_material(test::to_kernel(ir), 0);
  EXPECT_FLOAT_EQ(m.beta_m, 0.5f);
  const double bn = 0.5;
  const double p = 5.969 - 0.215 * bn + 2.532 * bn * bn - 10.73 * bn * bn * bn +
                   5.574 * bn * bn * bn * bn + 0.245 * bn * bn * bn * bn * bn;
  EXPECT_NEAR(std::exp(-std::sqrt(m.r) * p), 0.5, 1e-5);
  EXPECT_NEAR(std::exp(-std::sqrt(m.g) * p), 0.2, 1e-5);
  EXPECT_NEAR(std::exp(-std::sqrt(m.b) * p), 0.9, 1e-5);
}

TEST(HairMaterial, SigmaATakesPrecedenceWithAWarning) {
  const SceneIr ir = parse_world(
      "Material \"hair\" \"rgb sigma_a\" [ 0.1 0.2 -1 ] \"rgb color\" [ 0.5 0.5 0.5 ] "
      "\"float eta\" 1.4 \"float alpha\" 0\nShape \"sphere\"\n");
  EXPECT_EQ(ir.warnings.size(), 1u);
  const tf_material& m = sphere_material(test::to_kernel(ir), 0);
  EXPECT_FLOAT_EQ(m.r, 0.1f);
  EXPECT_FLOAT_EQ(m.g, 0.2f);
  EXPECT_FLOAT_EQ(m.b, 0.0f);  // clamped to >= 0 as pbrt's ClampZero
  EXPECT_FLOAT_EQ(m.eta_r, 1.4f);
  EXPECT_FLOAT_EQ(m.hair_alpha, 0.0f);
}

TEST(HairMaterial, RoughnessIsClampedAsPbrtEvaluatesIt) {
  const tf_material& m = sphere_material(
      test::to_kernel(parse_world(
          "Material \"hair\" \"float beta_m\" 2 \"float beta_n\" 0\nShape \"sphere\"\n")),
      0);
  EXPECT_FLOAT_EQ(m.beta_m, 1.0f);
  EXPECT_FLOAT_EQ(m.beta_n, 0.01f);
}

TEST(HairMaterial, TexturedParametersAreUnsupported) {
  const std::string body =
      "Texture \"b\" \"float\" \"constant\" \"float value\" 0.4\n"
      "Material \"hair\" \"texture beta_m\" \"b\"\nShape \"sphere\"\n";
  const std::string error = test::parse_error(std::string(test::kHeader) + body);
  EXPECT_NE(error.find("beta_m"), std::string::npos) << error;
  const SceneIr lenient = parse_world(body, true);
  EXPECT_FLOAT_EQ(sphere_material(test::to_kernel(lenient), 0).beta_m, 0.3f);
}

}  // namespace
}  // namespace tf::scene
