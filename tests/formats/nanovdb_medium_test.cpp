// The "nanovdb" medium's parameters read as pbrt-v4's NanoVDBMedium::Create reads them, against
// the stand-in files of the scene collection (their grids are checked in nanovdb_grid_test).
#include <gtest/gtest.h>

#include "formats/scene/elements_nanovdb.h"
#include "formats/scene/nanovdb_grid.h"
#include "scene_test_util.h"

namespace tf::scene {
namespace {

const std::filesystem::path kScenes = std::filesystem::path(TF_TEST_SOURCE_DIR) / "pbrt_v4_scenes";

Result<NanoVdbMedium> read(const std::string& params_text, const std::filesystem::path& dir) {
  Tokenizer t = Tokenizer::from_string(params_text, "m.pbrt");
  Result<ParamSet> params = ParamSet::parse(t, "MakeNamedMedium");
  EXPECT_TRUE(params.is_ok()) << params.message();
  Result<NanoVdbMedium> m = read_nanovdb_medium(params.value(), dir, FileLoc{});
  EXPECT_TRUE(params->unused().empty());
  return m;
}

TEST(NanoVdbMedium, ExplosionReadsDensityTemperatureAndEmissionParameters) {
  Result<NanoVdbMedium> m = read(
      "\"string filename\" \"fire.nvdb\" \"float LeScale\" 5 \"float temperaturecutoff\" 1 "
      "\"float temperaturescale\" 100",
      kScenes / "explosion");
  ASSERT_TRUE(m.is_ok()) << m.message();
  Result<std::optional<DensityGrid>> density =
      read_nanovdb_grid(kScenes / "explosion" / "fire.nvdb", "density");
  ASSERT_TRUE(density.is_ok() && density.value().has_value());
  EXPECT_EQ(m->density.density, density.value()->density);
  ASSERT_TRUE(m->temperature.has_value());
  EXPECT_NE(m->temperature->density, m->density.density);
  EXPECT_EQ(m->le_scale, 5.0f);
  EXPECT_EQ(m->temperature_offset, 1.0f);  // "temperaturecutoff", the older name
  EXPECT_EQ(m->temperature_scale, 100.0f);
  EXPECT_TRUE(m->emissive());
}

TEST(NanoVdbMedium, DefaultsAndTheNewerParameterNames) {
  Result<NanoVdbMedium> m = read(
      "\"string filename\" \"fire.nvdb\" \"float Lescale\" 0 \"float temperatureoffset\" 2 "
      "\"float temperaturecutoff\" 1",
      kScenes / "explosion");
  ASSERT_TRUE(m.is_ok()) << m.message();
  EXPECT_EQ(m->temperature_offset, 2.0f);  // "temperatureoffset" wins over the cutoff
  EXPECT_EQ(m->temperature_scale, 1.0f);
  EXPECT_FALSE(m->emissive());  // Lescale 0
  Result<NanoVdbMedium> bunny =
      read("\"string filename\" \"bunny_cloud.nvdb\"", kScenes / "bunny-cloud");
  ASSERT_TRUE(bunny.is_ok()) << bunny.message();
  EXPECT_FALSE(bunny->temperature.has_value());  // no such grid: no emission
  EXPECT_FALSE(bunny->emissive());
  EXPECT_EQ(bunny->le_scale, 1.0f);
}

TEST(NanoVdbMedium, MissingFileNameFileAndGridAreErrors) {
  EXPECT_NE(read("", kScenes).message().find("filename"), std::string::npos);
  EXPECT_NE(read("\"string filename\" \"absent.nvdb\"", kScenes).message().find("absent.nvdb"),
            std::string::npos);
  Result<NanoVdbMedium> smoke = read(
      "\"string filename\" \"fire.nvdb\" \"string gridname\" \"smoke\"", kScenes / "explosion");
  ASSERT_FALSE(smoke.is_ok());
  EXPECT_NE(smoke.message().find("smoke"), std::string::npos);
}

// The loader: a "nanovdb" medium becomes a grid medium of the file's density grid in the space
// of the CTM at MakeNamedMedium, with the coefficients and "scale" every medium takes.
TEST(NanoVdbMedium, TheLoaderMakesAGridMediumInTheDirectivesSpace) {
  const std::string body =
      "AttributeBegin\nTranslate 1 2 3\n"
      "MakeNamedMedium \"c\" \"string type\" \"nanovdb\" \"string filename\" "
      "\"bunny_cloud.nvdb\" \"rgb sigma_a\" [1 2 3] \"float scale\" 2 \"float g\" 0.5\n"
      "AttributeEnd\nMediumInterface \"c\" \"\"\nMaterial \"interface\"\nShape \"sphere\" "
      "\"float radius\" 45\n";
  SceneIr ir = test::parse_world(body, false, kScenes / "bunny-cloud");
  ASSERT_EQ(ir.media.size(), 1u);
  const IrMedium& m = ir.media[0];
  EXPECT_EQ(m.kind, IrMedium::Kind::Grid);
  EXPECT_EQ(m.sigma_a, (Rgb{2, 4, 6}));
  EXPECT_EQ(m.sigma_s, (Rgb{2, 2, 2}));  // pbrt's default 1, scaled
  EXPECT_EQ(m.g, 0.5f);
  EXPECT_EQ(m.medium_from_world, Mat4::translate({-1, -2, -3}));
  Result<std::optional<DensityGrid>> grid =
      read_nanovdb_grid(kScenes / "bunny-cloud" / "bunny_cloud.nvdb", "density");
  ASSERT_TRUE(grid.is_ok() && grid.value().has_value());
  EXPECT_EQ(m.grid.density, grid.value()->density);
  EXPECT_EQ(m.grid.p0, grid.value()->p0);
  EXPECT_EQ(m.grid.p1, grid.value()->p1);
  EXPECT_EQ(m.grid.nx, grid.value()->nx);
  // ... which the kernel takes as any grid medium.
  const KernelScene k = test::to_kernel(ir);
  ASSERT_EQ(k.media.size(), 1u);
  EXPECT_EQ(k.media[0].kind, TF_MEDIUM_GRID);
  EXPECT_EQ(k.densities.size(), grid.value()->density.size());
}

TEST(NanoVdbMedium, EmissionLoadsStrictly) {
  const std::string body =
      "MakeNamedMedium \"k\" \"string type\" \"nanovdb\" \"string filename\" \"fire.nvdb\"\n";
  Result<SceneIr> strict =
      test::parse(std::string(test::kHeader) + body, false, kScenes / "explosion");
  ASSERT_TRUE(strict.is_ok()) << strict.message();
  ASSERT_EQ(strict->media.size(), 1u);
  EXPECT_TRUE(strict->media[0].emissive);
  EXPECT_TRUE(strict->media[0].temperature.has_value());
  EXPECT_TRUE(strict->warnings.empty());
}

}  // namespace
}  // namespace tf::scene
