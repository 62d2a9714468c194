// Loading pbrt-v4's layered materials (coateddiffuse, coatedconductor) and conductors whose
// eta/k come from spectrum files: every documented parameter lands in the IR and the kernel
// material, a strict load takes them without warnings, defaults are pbrt-v4's, and bad values
// are errors that name the parameter (or the spectrum file and its line).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "formats/scene/spectra.h"
#include "scene_test_util.h"

namespace tf::scene::test {
namespace {

const IrMaterial& material_of(const SceneIr& ir, size_t shape) {
  return ir.materials[static_cast<size_t>(ir.shapes.at(shape).material)];
}

TEST(CoatedMaterials, CoatedDiffuseTakesEveryParameter) {
  SceneIr ir = parse_world(
      "Material \"coateddiffuse\" \"rgb reflectance\" [0.2 0.4 0.6] \"float uroughness\" 0.04 "
      "\"float vroughness\" 0.09 \"float thickness\" 0.05 \"float eta\" 1.33 "
      "\"rgb albedo\" [0.1 0.2 0.3] \"float g\" -0.4 \"integer maxdepth\" 7 "
      "\"integer nsamples\" 3 \"bool remaproughness\" true\nShape \"sphere\"\n");
  ASSERT_EQ(ir.shapes.size(), 1u);
  EXPECT_TRUE(ir.warnings.empty());
  const IrMaterial& m = material_of(ir, 0);
  EXPECT_EQ(m.type, IrMaterial::Type::CoatedDiffuse);
  EXPECT_EQ(m.reflectance, (Rgb{0.2f, 0.4f, 0.6f}));
  EXPECT_NEAR(m.coat_alpha_u, 0.2f, 1e-6);  // remapped: sqrt(roughness)
  EXPECT_NEAR(m.coat_alpha_v, 0.3f, 1e-6);
  EXPECT_FLOAT_EQ(m.thickness, 0.05f);
  EXPECT_FLOAT_EQ(m.coat_eta, 1.33f);
  EXPECT_EQ(m.albedo, (Rgb{0.1f, 0.2f, 0.3f}));
  EXPECT_FLOAT_EQ(m.g, -0.4f);
  EXPECT_EQ(m.max_depth, 7u);
  EXPECT_EQ(m.n_samples, 3u);

  const KernelScene k = to_kernel(ir);
  const tf_material& km = k.materials.at(k.spheres.at(0).material);
  EXPECT_EQ(km.type, TF_MAT_COATED_DIFFUSE);
  EXPECT_FLOAT_EQ(km.coat_eta, 1.33f);
  EXPECT_NEAR(km.coat_alpha_v, 0.3f, 1e-6);
  EXPECT_FLOAT_EQ(km.thickness, 0.05f);
  EXPECT_FLOAT_EQ(km.hg_g, -0.4f);
  EXPECT_FLOAT_EQ(km.albedo_b, 0.3f);
  EXPECT_EQ(km.max_depth, 7u);
  EXPECT_EQ(km.n_samples, 3u);
  EXPECT_EQ(sizeof(tf_material) % 16, 0u);
}

TEST(CoatedMaterials, PbrtDefaults) {
  SceneIr ir = parse_world(
      "Material \"coateddiffuse\"\nShape \"sphere\"\n"
      "Material \"coatedconductor\"\nShape \"sphere\"\n");
  for (size_t i = 0; i < 2; ++i) {
    const IrMaterial& m = material_of(ir, i);
    EXPECT_FLOAT_EQ(m.coat_eta, 1.5f);
    EXPECT_EQ(m.coat_alpha_u, 0.0f);
    EXPECT_FLOAT_EQ(m.thickness, 0.01f);
    EXPECT_EQ(m.albedo, (Rgb{0, 0, 0}));
    EXPECT_EQ(m.g, 0.0f);
    EXPECT_EQ(m.max_depth, 10u);
    EXPECT_EQ(m.n_samples, 1u);
  }
  EXPECT_EQ(material_of(ir, 0).reflectance, (Rgb{0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(material_of(ir, 1).eta, named_spectrum_rgb("metal-Cu-eta").value());
  EXPECT_EQ(material_of(ir, 1).k, named_spectrum_rgb("metal-Cu-k").value());
}

TEST(CoatedMaterials, CoatedConductorTakesEveryParameter) {
  SceneIr ir = parse_world(
      "Material \"coatedconductor\" \"float interface.uroughness\" 0.01 "
      "\"float interface.vroughness\" 0.04 \"float interface.eta\" 1.4 \"float thickness\" 0.02 "
      "\"spectrum conductor.eta\" \"metal-Au-eta\" \"spectrum conductor.k\" \"metal-Au-k\" "
      "\"float conductor.uroughness\" 0.16 \"float conductor.vroughness\" 0.25 "
      "\"rgb albedo\" [0.5 0.5 0.5] \"float g\" 0.3 \"integer maxdepth\" 12 "
      "\"integer nsamples\" 2 \"bool remaproughness\" true\nShape \"sphere\"\n"
      "Material \"coatedconductor\" \"rgb reflectance\" [0.9 0.6 0.3] "
      "\"float interface.roughness\" 0.2 \"float conductor.roughness\" 0.3 "
      "\"bool remaproughness\" false\nShape \"sphere\"\n");
  ASSERT_EQ(ir.shapes.size(), 2u);
  EXPECT_TRUE(ir.warnings.empty());
  const IrMaterial& a = material_of(ir, 0);
  EXPECT_EQ(a.type, IrMaterial::Type::CoatedConductor);
  EXPECT_NEAR(a.coat_alpha_u, 0.1f, 1e-6);
  EXPECT_NEAR(a.coat_alpha_v, 0.2f, 1e-6);
  EXPECT_FLOAT_EQ(a.coat_eta, 1.4f);
  EXPECT_FLOAT_EQ(a.thickness, 0.02f);
  EXPECT_EQ(a.eta, named_spectrum_rgb("metal-Au-eta").value());
  EXPECT_EQ(a.k, named_spectrum_rgb("metal-Au-k").value());
  EXPECT_NEAR(a.alpha_u, 0.4f, 1e-6);
  EXPECT_NEAR(a.alpha_v, 0.5f, 1e-6);
  EXPECT_EQ(a.albedo, (Rgb{0.5f, 0.5f, 0.5f}));
  EXPECT_FLOAT_EQ(a.g, 0.3f);
  EXPECT_EQ(a.max_depth, 12u);
  EXPECT_EQ(a.n_samples, 2u);
  const IrMaterial& b = material_of(ir, 1);
  EXPECT_TRUE(b.use_reflectance);
  EXPECT_EQ(b.reflectance, (Rgb{0.9f, 0.6f, 0.3f}));
  EXPECT_EQ(b.coat_alpha_u, 0.2f);  // not remapped
  EXPECT_EQ(b.alpha_v, 0.3f);

  const KernelScene k = to_kernel(ir);
  EXPECT_EQ(k.materials.at(k.spheres.at(0).material).type, TF_MAT_COATED_CONDUCTOR);
  EXPECT_EQ(k.materials.at(k.spheres.at(1).material).flags & TF_MAT_USE_REFLECTANCE,
            TF_MAT_USE_REFLECTANCE);
}

TEST(CoatedMaterials, BadValuesNameTheParameter) {
  const struct {
    const char* material;
    const char* params;
    const char* named;
  } cases[] = {
      {"coateddiffuse", "\"float thickness\" -1", "'thickness'"},
      {"coateddiffuse", "\"float g\" 1", "'g'"},
      {"coateddiffuse", "\"rgb albedo\" [0.5 1.5 0.5]", "'albedo'"},
      {"coateddiffuse", "\"integer maxdepth\" 0", "'maxdepth'"},
      {"coateddiffuse", "\"integer nsamples\" 0", "'nsamples'"},
      {"coateddiffuse", "\"float eta\" 0", "'eta'"},
      {"coateddiffuse", "\"float roughness\" -0.1", "'roughness'"},
      {"coatedconductor", "\"float interface.roughness\" -1", "'interface.roughness'"},
      {"coatedconductor", "\"float conductor.uroughness\" -1", "'conductor.roughness'"},
      {"coatedconductor", "\"float interface.eta\" -2", "'interface.eta'"},
      {"coatedconductor", "\"rgb reflectance\" [1 1 1] \"rgb conductor.eta\" [1 1 1]",
       "conductor.eta"},
      {"coatedconductor", "\"spectrum conductor.k\" \"no-such-file.spd\"", "no-such-file.spd"},
  };
  for (const auto& c : cases) {
    const std::string error = parse_error(std::string(kHeader) + "Material \"" + c.material +
                                          "\" " + c.params + "\nShape \"sphere\"\n");
    EXPECT_NE(error.find(c.named), std::string::npos) << c.params << " -> " << error;
    EXPECT_NE(error.find("t.pbrt:"), std::string::npos) << error;  // and where in the scene
  }
}

// The layer's parameters and eta are constants: a texture for one is unsupported (strict: an
// error naming it; lenient: the default, with a warning). Roughness textures load
// (material_params_load_test.cpp).
TEST(CoatedMaterials, TexturedLayerParametersAreUnsupported) {
  for (const char* param : {"\"texture albedo\" \"t\"", "\"texture g\" \"t\"",
                            "\"texture thickness\" \"t\"", "\"texture eta\" \"t\""}) {
    const std::string scene = std::string(kHeader) + "Material \"coateddiffuse\" " + param +
                              "\nShape \"sphere\"\n";
    const std::string error = parse_error(scene);
    EXPECT_NE(error.find("unsupported texture for '"), std::string::npos) << error;
    Result<SceneIr> lenient = parse(scene, true);
    ASSERT_TRUE(lenient.is_ok()) << lenient.message();
    EXPECT_EQ(lenient->warnings.size(), 1u) << param;
    const IrMaterial& m = material_of(lenient.value(), 0);
    EXPECT_EQ(m.albedo, (Rgb{0, 0, 0}));
    EXPECT_FLOAT_EQ(m.thickness, 0.01f);
    EXPECT_FLOAT_EQ(m.coat_eta, 1.5f);
  }
}

class SpectrumFileParam : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tf_coated_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(SpectrumFileParam, ConductorEtaAndKFromFiles) {
  // A flat eta and a rising k: the reduction keeps a constant and orders the channels.
  std::ofstream(dir_ / "eta.spd") << "# constant\n350 0.8\n850 0.8\n";
  std::ofstream(dir_ / "k.spd") << "380 2.0 780 4.0\n";
  Result<SceneIr> r = parse(std::string(kHeader) +
                                "Material \"conductor\" \"spectrum eta\" \"eta.spd\" "
                                "\"spectrum k\" \"k.spd\"\nShape \"sphere\"\n"
                                "Material \"coatedconductor\" \"spectrum conductor.eta\" "
                                "\"eta.spd\"\nShape \"sphere\"\n",
                            false, dir_);
  ASSERT_TRUE(r.is_ok()) << r.message();
  const IrMaterial& m = material_of(r.value(), 0);
  for (float v : m.eta) EXPECT_FLOAT_EQ(v, 0.8f);
  EXPECT_GT(m.k[0], m.k[1]);
  EXPECT_GT(m.k[1], m.k[2]);
  EXPECT_EQ(material_of(r.value(), 1).eta, m.eta);
}

// A farm ships a scene's spectrum files with it: they are references of the scene (named
// spectra and inline pairs are not).
TEST_F(SpectrumFileParam, SpectrumFilesAreSceneReferences) {
  std::ofstream(dir_ / "s.pbrt")
      << "WorldBegin\nMaterial \"conductor\" \"spectrum eta\" \"eta.spd\" "
         "\"spectrum k\" [ \"metal-Au-k\" ]\nMaterial \"coatedconductor\" "
         "\"spectrum conductor.k\" [ \"k.spd\" ] \"spectrum conductor.eta\" [400 1 700 2]\n";
  Result<std::vector<SceneReference>> refs = scan_scene_references(dir_ / "s.pbrt");
  ASSERT_TRUE(refs.is_ok()) << refs.message();
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ(refs.value()[0].path, "eta.spd");
  EXPECT_EQ(refs.value()[1].path, "k.spd");
  EXPECT_FALSE(refs.value()[1].is_scene);
}

TEST_F(SpectrumFileParam, MalformedFileNamesFileAndLine) {
  std::ofstream(dir_ / "bad.spd") << "400 1\n500 x\n";
  Result<SceneIr> r = parse(std::string(kHeader) +
                                "Material \"conductor\" \"spectrum eta\" \"bad.spd\"\n"
                                "Shape \"sphere\"\n",
                            false, dir_);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.message().find("bad.spd:2:"), std::string::npos) << r.message();
  EXPECT_NE(r.message().find("'eta'"), std::string::npos) << r.message();
}

}  // namespace
}  // namespace tf::scene::test
