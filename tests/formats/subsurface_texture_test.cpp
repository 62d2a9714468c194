// pbrt-v4's "subsurface" material with a "reflectance" texture (formats/scene/
// elements_subsurface.h, kernels/render/subsurface_albedo.h): the kernel's albedo table against
// the host's independent double-precision inversion and the forward dipole formula, the loaded
// material and medium, loader errors, and renders: a constant texture as the equal constant
// reflectance, and a checkerboard whose two halves render as the two constant reflectances.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "formats/scene/elements_subsurface.h"
#include "kernels/render/subsurface_albedo.h"
#include "tests/formats/scene_test_util.h"
#include "tests/formats/host_render.h"

namespace tf::scene {
namespace {

using test::contains;
using test::parse_error;
using test::parse_world;
using test::render_sphere;
using test::render_sphere_rows;
using test::to_kernel;

std::string textured_subsurface(const std::string& texture, const std::string& eta) {
  return texture + "Material \"subsurface\" \"float eta\" " + eta +
         " \"texture reflectance\" \"r\" \"rgb mfp\" [0.1 0.1 0.1]\n";
}

std::string constant_subsurface(const std::string& rgb, const std::string& eta) {
  return "Material \"subsurface\" \"float eta\" " + eta + " \"rgb reflectance\" [" + rgb +
         "] \"rgb mfp\" [0.1 0.1 0.1]\n";
}

const char* kConstantTexture =
    "Texture \"r\" \"spectrum\" \"constant\" \"rgb value\" [0.3 0.6 0.9]\n";

// Linear interpolation of 256 nodes of the albedo(reflectance) curve: its error is at most
// h^2 / 8 max|a''| with h = 1/255; the curve bends most near reflectance 1, where the albedo
// is 1 - c (1 - R)^2, so 1e-3 bounds it with a wide margin and still fails any wrong node or
// index.
constexpr double kTableTolerance = 1e-3;

TEST(SubsurfaceTexture, KernelAlbedoMatchesTheHostInversionAndTheDipole) {
  for (const char* eta : {"1", "1.33", "1.5"}) {
    SceneIr ir = parse_world(textured_subsurface(kConstantTexture, eta) + "Shape \"sphere\"\n");
    KernelScene k = to_kernel(ir);
    ASSERT_EQ(k.media.size(), 1u);
    ASSERT_NE(k.media[0].albedo_table, 0u);
    ASSERT_LE(k.media[0].albedo_table - 1u + TF_ALBEDO_TABLE_N, k.densities.size());
    const float* table = k.densities.data() + (k.media[0].albedo_table - 1u);
    const double e = std::stod(eta);
    for (double r : {0.0, 0.013, 0.1, 0.2501, 0.37, 0.5, 0.7777, 0.9, 0.97, 0.995, 1.0}) {
      const double albedo = tf_albedo_from_table(table, static_cast<float>(r));
      EXPECT_NEAR(albedo, albedo_from_diffuse_reflectance(r, e), kTableTolerance)
          << "eta " << eta << " reflectance " << r;
      EXPECT_NEAR(dipole_diffuse_reflectance(albedo, e), r, kTableTolerance)
          << "eta " << eta << " reflectance " << r;
    }
    EXPECT_EQ(tf_albedo_from_table(table, -0.5f), tf_albedo_from_table(table, 0.0f));
    EXPECT_EQ(tf_albedo_from_table(table, 1.5f), tf_albedo_from_table(table, 1.0f));
  }
}

TEST(SubsurfaceTexture, BoundaryCarriesTheTextureAndTheMediumItsExtinction) {
  SceneIr ir = parse_world(textured_subsurface(kConstantTexture, "1.33") + "Shape \"sphere\"\n");
  const IrMaterial& m = ir.materials.back();
  ASSERT_TRUE(m.interior.has_value());
  EXPECT_EQ(m.interior->albedo_table.size(), TF_ALBEDO_TABLE_N);
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(m.interior->sigma_a[c] + m.interior->sigma_s[c], 10.0, 1e-5);  // 1 / mfp
  }
  KernelScene k = to_kernel(ir);
  ASSERT_EQ(k.spheres.size(), 1u);
  const tf_material& boundary = k.materials[k.spheres[0].material];
  EXPECT_EQ(boundary.type, TF_MAT_DIELECTRIC);
  EXPECT_GE(boundary.texture, 0);
  // Constant reflectances keep the constant medium (no table, no boundary texture).
  KernelScene constant =
      to_kernel(parse_world(constant_subsurface("0.3 0.6 0.9", "1.33") + "Shape \"sphere\"\n"));
  ASSERT_EQ(constant.media.size(), 1u);
  EXPECT_EQ(constant.media[0].albedo_table, 0u);
  EXPECT_LT(constant.materials[constant.spheres[0].material].texture, 0);
}

TEST(SubsurfaceTexture, LoaderErrors) {
  const std::string header = test::kHeader;
  EXPECT_TRUE(contains(
      parse_error(header + "Material \"subsurface\" \"texture reflectance\" \"missing\"\n"),
      "unknown texture \"missing\""));
  // Coefficients that would change the extinction stay unsupported as textures.
  EXPECT_TRUE(contains(parse_error(header + std::string(kConstantTexture) +
                                   "Material \"subsurface\" \"texture sigma_a\" \"r\""
                                   " \"rgb sigma_s\" [1 1 1]\n"),
                       "subsurface \"sigma_a\" texture"));
  // pbrt's precedence: named coefficients win over a reflectance texture.
  SceneIr named = parse_world(std::string(kConstantTexture) +
                              "Material \"subsurface\" \"string name\" \"Apple\""
                              " \"texture reflectance\" \"r\"\n");
  ASSERT_TRUE(named.materials.back().interior.has_value());
  EXPECT_TRUE(named.materials.back().interior->albedo_table.empty());
  EXPECT_FLOAT_EQ(named.materials.back().interior->sigma_s[0], 2.29f);
}

void expect_close(const std::array<double, 3>& got, const std::array<double, 3>& want,
                  const std::string& what) {
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(got[c], want[c], 2e-3 + 0.01 * want[c]) << what << " channel " << c;
  }
}

// The walk samples free flights by the extinction alone, so the textured and the constant
// sphere trace the same paths; only the albedo weighs them (table against exact inversion).
TEST(SubsurfaceTexture, ConstantTextureRendersAsTheEqualConstantReflectance) {
  const std::array<double, 3> textured =
      render_sphere(textured_subsurface(kConstantTexture, "1.33"), 16);
  const std::array<double, 3> constant =
      render_sphere(constant_subsurface("0.3 0.6 0.9", "1.33"), 16);
  expect_close(textured, constant, "constant texture");
  EXPECT_LT(constant[0] + 0.1, constant[2]);  // the reflectances differ visibly
}

// A checkerboard in (u, v) with uscale 2: pbrt's sphere has u = phi / 2 pi, so near the pole
// the upper half (y > 0, phi in (0, pi)) shows tex1 and the lower half tex2. Each path keeps
// the albedo of the point where it entered, so rows away from the boundary render as the
// sphere of that constant reflectance.
TEST(SubsurfaceTexture, CheckerboardHalvesRenderAsTheirConstantReflectances) {
  const std::string checker =
      "Texture \"r\" \"spectrum\" \"checkerboard\" \"float uscale\" 2"
      " \"rgb tex1\" [0.2 0.25 0.3] \"rgb tex2\" [0.8 0.85 0.9]\n";
  const std::vector<std::array<double, 3>> rows =
      render_sphere_rows(textured_subsurface(checker, "1.33"), 16);
  const std::vector<std::array<double, 3>> low =
      render_sphere_rows(constant_subsurface("0.2 0.25 0.3", "1.33"), 16);
  const std::vector<std::array<double, 3>> high =
      render_sphere_rows(constant_subsurface("0.8 0.85 0.9", "1.33"), 16);
  ASSERT_EQ(rows.size(), 8u);
  for (size_t y : {0, 1, 2}) expect_close(rows[y], low[y], "top row " + std::to_string(y));
  for (size_t y : {5, 6, 7}) expect_close(rows[y], high[y], "bottom row " + std::to_string(y));
  EXPECT_LT(low[0][0] + 0.2, high[7][0]);  // the halves differ visibly
}

}  // namespace
}  // namespace tf::scene
