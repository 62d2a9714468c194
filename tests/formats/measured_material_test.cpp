// Material "measured" (pbrt-v4's MeasuredMaterial, "string filename" an RGL tensor file):
//   - the file is found beside the scene file and becomes a TF_MAT_MEASURED material whose
//     tables pass the kernel scene's checks;
//   - through parser, converter and render kernel, a sphere of a tabulated Lambertian of
//     albedo rho under a uniform white environment shows rho (its directional albedo), the
//     tables written by an independent writer (tensor_file_writer.h) from an independent
//     tabulation (tests/kernels/render/measured_tabulation.h);
//   - a missing file, a file that is no tensor file and a missing "filename" are errors that
//     name the file or the parameter;
//   - the file is one of the scene's references (so it travels in bundles).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "formats/scene/parser.h"
#include "host_render.h"
#include "scene_test_util.h"
#include "tensor_file_writer.h"
#include "tests/kernels/render/measured_tabulation.h"

namespace tf::scene {
namespace {

namespace fs = std::filesystem;
using test::parse_world;

// A fresh folder for this test's files.
fs::path test_dir() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = fs::temp_directory_path() / ("tf_measured_" + std::string(info->name()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Writes a tensor file of a Lambertian of albedo rho (f = rho / pi) at `path`.
void write_lambertian(const fs::path& path, std::array<double, 3> rho) {
  constexpr double kPi = 3.14159265358979323846;
  const tf::test::Tabulated t = tf::test::tabulate(
      [rho](const tf::test::Dir&, const tf::test::Dir&) {
        return std::array<double, 3>{rho[0] / kPi, rho[1] / kPi, rho[2] / kPi};
      },
      1.0, false, 33, 16, 1.5);
  const uint64_t n = t.n, nt = t.theta_i.size();
  tf::test::TensorFileSpec spec;
  spec.fields = {
      tf::test::bytes_field("description", {'l', 'a', 'm', 'b'}),
      tf::test::bytes_field("jacobian", {1}),
      tf::test::float_field("theta_i", {nt}, t.theta_i),
      tf::test::float_field("phi_i", {1}, t.phi_i),
      tf::test::float_field("ndf", {n, n}, t.ndf),
      tf::test::float_field("sigma", {n, n}, t.sigma),
      tf::test::float_field("vndf", {1, nt, n, n}, t.vndf),
      tf::test::float_field("luminance", {1, nt, n, n}, t.luminance),
      tf::test::float_field("rgb", {1, nt, 3, n, n}, t.rgb),
  };
  const std::vector<uint8_t> bytes = tf::test::tensor_file_bytes(spec);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

std::string measured(const std::string& file) {
  return "Material \"measured\" \"string filename\" \"" + file + "\"\n";
}

TEST(MeasuredMaterial, TheFileBesideTheSceneBecomesAMeasuredMaterial) {
  const fs::path dir = test_dir();
  write_lambertian(dir / "white.bsdf", {1, 1, 1});
  KernelScene k =
      test::to_kernel(parse_world(measured("white.bsdf") + "Shape \"sphere\"\n", false, dir));
  ASSERT_EQ(k.spheres.size(), 1u);
  const tf_material& m = k.materials.at(k.spheres[0].material);
  EXPECT_EQ(m.type, TF_MAT_MEASURED);
  EXPECT_GT(m.measured, 0u);
  Status st = finalize_kernel_scene(&k);
  EXPECT_TRUE(st) << st.message();
}

TEST(MeasuredMaterial, AFileSeveralMaterialsUseIsLoadedOnce) {
  const fs::path dir = test_dir();
  write_lambertian(dir / "white.bsdf", {1, 1, 1});
  write_lambertian(dir / "grey.bsdf", {0.5, 0.5, 0.5});
  fs::create_directories(dir / "sub");
  auto sphere = [](int x) { return "Translate " + std::to_string(x) + " 0 0\nShape \"sphere\"\n"; };
  const KernelScene one =
      test::to_kernel(parse_world(measured("white.bsdf") + sphere(0), false, dir));
  // The same file named twice (once through a path that normalises to it), then another one.
  const KernelScene three = test::to_kernel(
      parse_world(measured("white.bsdf") + sphere(0) + measured("sub/../white.bsdf") + sphere(3) +
                      measured("grey.bsdf") + sphere(3),
                  false, dir));
  ASSERT_EQ(three.spheres.size(), 3u);
  auto block = [&](size_t i) { return three.materials.at(three.spheres[i].material).measured; };
  EXPECT_GT(block(0), 0u);
  EXPECT_EQ(block(1), block(0));
  EXPECT_NE(block(2), block(0));
  // Both files have the same table sizes: the texel pool holds two blocks, not three.
  const size_t one_block =
      one.texels.size() - (one.materials.at(one.spheres[0].material).measured - 1);
  EXPECT_EQ(three.texels.size(), one.texels.size() + one_block);
}

TEST(MeasuredMaterial, SphereShowsTheTabulatedAlbedoInAWhiteFurnace) {
  const fs::path file = test_dir() / "rho.bsdf";
  write_lambertian(file, {0.9, 0.6, 0.3});
  const std::array<double, 3> mean = test::render_sphere(measured(file.string()), 64);
  EXPECT_NEAR(mean[0], 0.9, 0.03);
  EXPECT_NEAR(mean[1], 0.6, 0.02);
  EXPECT_NEAR(mean[2], 0.3, 0.01);
}

TEST(MeasuredMaterial, ErrorsNameTheFileOrTheParameter) {
  const fs::path dir = test_dir();
  Result<KernelScene> missing =
      convert_to_kernel(parse_world(measured("nowhere.bsdf") + "Shape \"sphere\"\n", false, dir));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.message().find("nowhere.bsdf"), std::string::npos) << missing.message();
  std::ofstream(dir / "junk.bsdf") << "not a tensor file at all";
  Result<KernelScene> junk =
      convert_to_kernel(parse_world(measured("junk.bsdf") + "Shape \"sphere\"\n", false, dir));
  ASSERT_FALSE(junk);
  EXPECT_NE(junk.message().find("junk.bsdf"), std::string::npos) << junk.message();
  const std::string no_file =
      test::parse_error(std::string(test::kHeader) + "Material \"measured\"\nShape \"sphere\"\n");
  EXPECT_NE(no_file.find("string filename"), std::string::npos) << no_file;
}

TEST(MeasuredMaterial, TheFileIsAReferenceOfTheScene) {
  const fs::path scene = test_dir() / "scene.pbrt";
  std::ofstream(scene) << test::kHeader << measured("brdfs/paint.bsdf") << "Shape \"sphere\"\n";
  Result<std::vector<SceneReference>> refs = scan_scene_references(scene);
  ASSERT_TRUE(refs) << refs.message();
  bool listed = false;
  for (const SceneReference& r : refs.value()) listed |= r.path == "brdfs/paint.bsdf";
  EXPECT_TRUE(listed);
}

}  // namespace
}  // namespace tf::scene
