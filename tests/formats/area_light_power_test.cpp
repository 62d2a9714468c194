// AreaLightSource "diffuse" "float power" (pbrt-v4's DiffuseAreaLight::Create): each pbrt shape
// emits radiance L x scale x P / (pi x A x (2 if two-sided) x k), where A is that shape's area
// (a triangle of a triangle mesh, a bilinear patch, a whole quadric in object space) and k the
// image's mean luminance (1 without an image). A Lambertian emitter of radiance L and area A
// emits pi x A x L per side, so each shape emits exactly P.
// Checked through the parser, the converter and the host render kernel: a camera whose tiny
// field of view ends every ray on one emitting shape sees its radiance, compared here with that
// formula from areas computed here from the geometry.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "formats/image/image_io.h"
#include "tests/formats/host_render.h"
#include "tests/formats/test_util.h"

namespace tf::scene {
namespace {

constexpr double kPi = std::numbers::pi;

// The mean radiance seen by a 2 x 2 film of a 0.5 degree field of view looking along +z at
// (x, y, 0) from z = -5, in a scene of `world` (pbrt text after WorldBegin) with black
// surfaces: the emission of the shape there.
std::array<double, 3> seen_at(double x, double y, const std::string& world) {
  const std::string text = "LookAt " + std::to_string(x) + " " + std::to_string(y) + " -5  " +
                           std::to_string(x) + " " + std::to_string(y) +
                           " 0  0 1 0\nCamera \"perspective\" \"float fov\" 0.5\n"
                           "Film \"rgb\" \"integer xresolution\" 2 \"integer yresolution\" 2\n"
                           "WorldBegin\nMaterial \"diffuse\" \"rgb reflectance\" [0 0 0]\n" +
                           world;
  return test::image_mean(test::render_rows(text, 4));
}

void expect_radiance(const std::array<double, 3>& got, const std::array<double, 3>& want) {
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(got[c], want[c], 1e-5 * want[c]) << "channel " << c;
}

TEST(AreaLightPower, EachTriangleOfAMeshEmitsThePower) {
  // Triangle A (0,0) (2,0) (0,2): area 2; triangle B (2,0) (2,4) (0,2): area 4.
  const std::string mesh =
      "AreaLightSource \"diffuse\" \"rgb L\" [0.5 1 2] \"float power\" 10 \"bool twosided\" true\n"
      "Shape \"trianglemesh\" \"point3 P\" [0 0 0  2 0 0  0 2 0  2 4 0] "
      "\"integer indices\" [0 1 2  1 3 2]\n";
  const double k_a = 10 / (kPi * 2 * 2), k_b = 10 / (kPi * 4 * 2);
  expect_radiance(seen_at(2.0 / 3, 2.0 / 3, mesh), {0.5 * k_a, k_a, 2 * k_a});
  expect_radiance(seen_at(4.0 / 3, 2, mesh), {0.5 * k_b, k_b, 2 * k_b});
}

TEST(AreaLightPower, ABilinearPatchIsOneShape) {
  // One planar patch 3 x 2 (area 6), two-sided, scale 2.
  const std::string patch =
      "AreaLightSource \"diffuse\" \"float power\" 5 \"float scale\" 2 \"bool twosided\" true\n"
      "Shape \"bilinearmesh\" \"point3 P\" [0 0 0  3 0 0  0 2 0  3 2 0]\n";
  const double k = 2 * 5 / (kPi * 6 * 2);
  expect_radiance(seen_at(0.5, 1.5, patch), {k, k, k});  // in triangle (p00, p11, p01)
  expect_radiance(seen_at(2.5, 0.5, patch), {k, k, k});  // in triangle (p00, p10, p11)
}

TEST(AreaLightPower, QuadricsUseTheirWholeArea) {
  // A one-sided sphere of radius 0.5, seen from outside: area pi.
  const std::string sphere =
      "AreaLightSource \"diffuse\" \"float power\" 7\nShape \"sphere\" \"float radius\" 0.5\n";
  const double k_sphere = 7 / (kPi * kPi);
  expect_radiance(seen_at(0, 0, sphere), {k_sphere, k_sphere, k_sphere});
  // A two-sided half annulus (radii 1 and 2, phimax 180): area pi / 2 x (4 - 1).
  const std::string disk =
      "AreaLightSource \"diffuse\" \"float power\" 3 \"bool twosided\" true\n"
      "Shape \"disk\" \"float radius\" 2 \"float innerradius\" 1 \"float phimax\" 180\n";
  const double k_disk = 3 / (kPi * (kPi / 2 * 3) * 2);
  expect_radiance(seen_at(0, 1.5, disk), {k_disk, k_disk, k_disk});
}

TEST(AreaLightPower, AnImageLightIsNormalisedByItsMeanLuminance) {
  testing::TempDir dir;
  // Two texels; the film looks at the emitter's left half, texel (0, 0) extended to the edge.
  const std::vector<float> rgb = {0.5f, 1.0f, 0.25f, 0.5f, 1.0f, 0.25f};
  ASSERT_TRUE(write_exr(dir / "e.exr", 2, 1, rgb.data()).is_ok());
  // sRGB's luminance weights (IEC 61966-2-1: Y = 0.2126729 R + 0.7151522 G + 0.0721750 B).
  const double lum = 0.2126729 * 0.5 + 0.7151522 * 1.0 + 0.0721750 * 0.25;
  const std::string quad = "AreaLightSource \"diffuse\" \"string filename\" \"" +
                           (dir / "e.exr").string() +
                           "\" \"float power\" 4 \"bool twosided\" true\n"
                           "Shape \"bilinearmesh\" \"point3 P\" [0 0 0  2 0 0  0 1 0  2 1 0] "
                           "\"point2 uv\" [0 0 1 0 0 1 1 1]\n";
  const double k = 4 / (kPi * 2 * 2 * lum);
  expect_radiance(seen_at(0.5, 0.5, quad), {0.5 * k, 1.0 * k, 0.25 * k});
}

}  // namespace
}  // namespace tf::scene
