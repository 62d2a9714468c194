// The "nanovdb" medium's parameters read as pbrt-v4's NanoVDBMedium::Create reads them, against
// the stand-in files of the scene collection (their grids are checked in nanovdb_grid_test).
#include <gtest/gtest.h>

#include "formats/scene/elements_nanovdb.h"
#include "formats/scene/nanovdb_grid.h"

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

}  // namespace
}  // namespace tf::scene
