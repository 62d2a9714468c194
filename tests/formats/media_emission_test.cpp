// Emissive media in pbrt-v4 scene files, as pbrt-v4's media.cpp reads them: homogeneous
// "Le" x "Lescale"; uniformgrid "Le" or a "temperature" grid times a "Lescale" grid (pbrt's
// 1 x 1 x 1 grid of 1 without one: a tent that halves at the box's faces); nanovdb temperature
// grids with "Lescale", "temperatureoffset" / "temperaturecutoff" and "temperaturescale".
// Checked through the kernel's emission lookup (medium_emission.h) at points of the converted
// scene; blackbody emission against this file's own evaluation of Planck's law (pbrt's
// BlackbodySpectrum, peak-normalised, integrated against the CIE observer and taken to linear
// sRGB), and the errors for malformed emission.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "formats/scene/spectra.h"
#include "kernels/render/medium_emission.h"
#include "nanovdb_test_writer.h"
#include "scene_test_util.h"
#include "test_util.h"

namespace tf::scene {
namespace {

using test::contains;
using test::parse_error;
using test::parse_world;

// Planck's law with CODATA 2018 constants, lambda in nm.
double planck_si(double nm, double kelvin) {
  const double h = 6.62607015e-34, c = 299792458.0, k = 1.380649e-23, l = nm * 1e-9;
  return 2 * h * c * c / (std::pow(l, 5) * std::expm1(h * c / (l * k * kelvin)));
}

// What pbrt's film records for BlackbodySpectrum(kelvin) (peak 1 by Wien's law), in linear
// sRGB: XYZ by the trapezoid rule over 360-830 nm, then IEC 61966-2-1's matrix.
std::array<double, 3> blackbody_truth(double kelvin) {
  const double peak = planck_si(2.897771955e-3 / kelvin * 1e9, kelvin);
  double xyz[3] = {0, 0, 0};
  for (double l = 360; l <= 830; l += 0.5) {
    const double w = (l == 360 || l == 830 ? 0.25 : 0.5) * planck_si(l, kelvin) / peak;
    xyz[0] += w * cie_x(l), xyz[1] += w * cie_y(l), xyz[2] += w * cie_z(l);
  }
  return {3.2404542 * xyz[0] - 1.5371385 * xyz[1] - 0.4985314 * xyz[2],
          -0.9692660 * xyz[0] + 1.8760108 * xyz[1] + 0.0415560 * xyz[2],
          0.0556434 * xyz[0] - 0.2040259 * xyz[1] + 1.0572252 * xyz[2]};
}

// The kernel's Le of medium 0 of scene `k` at world point p.
tf_vec3 emission_at(KernelScene& k, tf_vec3 p) {
  Status st = finalize_kernel_scene(&k);
  EXPECT_TRUE(st.is_ok()) << st.message();
  const tf_scene_view view = make_host_scene_view(k);
  return tf_grid_emission(&view, view.media, tf_medium_point(view.media, p));
}

void expect_rgb_near(tf_vec3 got, const std::array<double, 3>& want, double rel) {
  const double scale = std::max({std::abs(want[0]), std::abs(want[1]), std::abs(want[2])});
  EXPECT_NEAR(got.x, want[0], rel * scale);
  EXPECT_NEAR(got.y, want[1], rel * scale);
  EXPECT_NEAR(got.z, want[2], rel * scale);
}

TEST(MediaEmission, HomogeneousLeTimesLescale) {
  SceneIr ir = parse_world(
      "MakeNamedMedium \"glow\" \"string type\" \"homogeneous\" \"rgb Le\" [1 2 3]\n"
      "  \"float Lescale\" 2 \"rgb sigma_s\" [0 0 0]\n"
      "MakeNamedMedium \"warm\" \"string type\" \"homogeneous\" \"blackbody Le\" 3000\n");
  ASSERT_EQ(ir.media.size(), 2u);
  EXPECT_TRUE(ir.warnings.empty());
  EXPECT_TRUE(ir.media[0].emissive);
  EXPECT_EQ(ir.media[0].le, (Rgb{2, 4, 6}));
  // An illuminant normalised as lights are: luminance 1 (Rec. 709 Y weights).
  const Rgb w = ir.media[1].le;
  EXPECT_NEAR(0.2126 * w[0] + 0.7152 * w[1] + 0.0722 * w[2], 1.0, 1e-3);
  EXPECT_GT(w[0], w[2]);  // 3000 K is reddish
  const KernelScene k = test::to_kernel(ir);
  ASSERT_EQ(k.media.size(), 2u);
  EXPECT_EQ(k.media[0].emissive, 1u);
  EXPECT_EQ(k.media[0].le[2], 6.0f);
}

TEST(MediaEmission, NonEmissiveMediaKeepTheirKernelBytes) {
  // Black Le, Lescale 0, and no emission at all: no flag, no emission fields.
  for (const char* extra : {"", "\"rgb Le\" [0 0 0]", "\"rgb Le\" [1 1 1] \"float Lescale\" 0"}) {
    SceneIr ir = parse_world(std::string("MakeNamedMedium \"m\" \"string type\" \"homogeneous\" ") +
                             extra + "\n");
    const KernelScene k = test::to_kernel(ir);
    ASSERT_EQ(k.media.size(), 1u);
    tf_medium plain{};
    plain.sigma_a_r = plain.sigma_a_g = plain.sigma_a_b = 1.0f;
    plain.sigma_s_r = plain.sigma_s_g = plain.sigma_s_b = 1.0f;
    EXPECT_EQ(std::memcmp(&k.media[0], &plain, sizeof plain), 0) << extra;
  }
}

TEST(MediaEmission, UniformGridLeFollowsPbrtsLescaleGrid) {
  // Without "Lescale": pbrt's 1 x 1 x 1 grid of 1, a tent over the box [0, 2]^3.
  SceneIr ir = parse_world(
      "MakeNamedMedium \"g\" \"string type\" \"uniformgrid\" \"float density\" [1]\n"
      "  \"rgb Le\" [4 2 1] \"point3 p1\" [2 2 2]\n");
  ASSERT_EQ(ir.media.size(), 1u);
  EXPECT_TRUE(ir.warnings.empty());
  KernelScene k = test::to_kernel(ir);
  expect_rgb_near(emission_at(k, v3(1, 1, 1)), {4, 2, 1}, 1e-6);
  expect_rgb_near(emission_at(k, v3(0, 1, 1)), {2, 1, 0.5}, 1e-6);         // a face: half
  expect_rgb_near(emission_at(k, v3(0, 0, 0)), {0.5, 0.25, 0.125}, 1e-6);  // a corner
  // With a Lescale grid (two samples along x: 1 and 3 at x = 0.5 and 1.5).
  SceneIr scaled = parse_world(
      "MakeNamedMedium \"g\" \"string type\" \"uniformgrid\" \"float density\" [1 1]\n"
      "  \"integer nx\" 2 \"rgb Le\" [4 2 1] \"float Lescale\" [1 3] \"point3 p1\" [2 2 2]\n");
  KernelScene ks = test::to_kernel(scaled);
  expect_rgb_near(emission_at(ks, v3(0.5f, 1, 1)), {4, 2, 1}, 1e-6);
  expect_rgb_near(emission_at(ks, v3(1, 1, 1)), {8, 4, 2}, 1e-6);
  expect_rgb_near(emission_at(ks, v3(1.5f, 1, 1)), {12, 6, 3}, 1e-6);
}

TEST(MediaEmission, UniformGridTemperatureIsBlackbodyEmission) {
  // Samples 30 and 40 along x mapped by (t - 1) x 100: 2900 K at x = 0.25, 3400 K halfway
  // (pbrt interpolates the temperature, then takes the blackbody), nothing at or below 100 K.
  SceneIr ir = parse_world(
      "MakeNamedMedium \"g\" \"string type\" \"uniformgrid\" \"float density\" [1 1]\n"
      "  \"integer nx\" 2 \"float temperature\" [30 40] \"float temperatureoffset\" 1\n"
      "  \"float temperaturescale\" 100 \"float Lescale\" [2 2]\n");
  ASSERT_EQ(ir.media.size(), 1u);
  KernelScene k = test::to_kernel(ir);
  const std::array<double, 3> at2900 = blackbody_truth(2900), at3400 = blackbody_truth(3400);
  expect_rgb_near(emission_at(k, v3(0.25f, 0.5f, 0.5f)),
                  {2 * at2900[0], 2 * at2900[1], 2 * at2900[2]}, 2e-3);
  expect_rgb_near(emission_at(k, v3(0.5f, 0.5f, 0.5f)),
                  {2 * at3400[0], 2 * at3400[1], 2 * at3400[2]}, 2e-3);
  SceneIr cold = parse_world(
      "MakeNamedMedium \"g\" \"string type\" \"uniformgrid\" \"float density\" [1]\n"
      "  \"float temperature\" [101] \"float temperaturecutoff\" 1\n");
  KernelScene kc = test::to_kernel(cold);
  const tf_vec3 e = emission_at(kc, v3(0.5f, 0.5f, 0.5f));  // 100 K: pbrt's cutoff
  EXPECT_EQ(e.x + e.y + e.z, 0.0f);
}

TEST(MediaEmission, NanoVdbTemperatureGridIsBlackbodyEmission) {
  // A density block and a temperature block of 8^3 voxels at the origin (index = medium
  // space); temperature 30 -> (30 - 1) x 100 = 2900 K; Lescale 2.
  tf::test::NvdbGridSpec density, temperature;
  temperature.name = "temperature";
  for (int32_t i = 0; i < 512; ++i) {
    density.voxels[{i % 8, i / 8 % 8, i / 64}] = 1.0f;
    temperature.voxels[{i % 8, i / 8 % 8, i / 64}] = 30.0f;
  }
  tf::testing::TempDir dir;
  tf::test::write_text(dir / "fire.nvdb", tf::test::nvdb_file({density, temperature}));
  const std::string medium =
      "MakeNamedMedium \"fire\" \"string type\" \"nanovdb\" \"string filename\" \"fire.nvdb\"\n"
      "  \"float temperaturecutoff\" 1 \"float temperaturescale\" 100 ";
  SceneIr ir = parse_world(medium + "\"float Lescale\" 2\n", false, dir.path());
  ASSERT_EQ(ir.media.size(), 1u);
  EXPECT_TRUE(ir.warnings.empty());
  KernelScene k = test::to_kernel(ir);
  const std::array<double, 3> bb = blackbody_truth(2900);
  expect_rgb_near(emission_at(k, v3(3.5f, 3.5f, 3.5f)), {2 * bb[0], 2 * bb[1], 2 * bb[2]}, 2e-3);
  const tf_vec3 outside = emission_at(k, v3(30, 3, 3));
  EXPECT_EQ(outside.x + outside.y + outside.z, 0.0f);
  // Lescale 0: not emissive (pbrt's IsEmissive), so no emission fields.
  SceneIr dark = parse_world(medium + "\"float Lescale\" 0\n", false, dir.path());
  EXPECT_FALSE(dark.media[0].emissive);
  EXPECT_EQ(test::to_kernel(dark).media[0].emissive, 0u);
}

TEST(MediaEmission, MalformedEmissionIsAnError) {
  const std::string grid = "MakeNamedMedium \"g\" \"string type\" \"uniformgrid\" ";
  struct Case {
    std::string body, error;
  };
  for (const Case& c : {
           Case{grid + "\"float density\" [1] \"rgb Le\" [1 1 1] \"float temperature\" [900]\n",
                "both \"Le\" and \"temperature\""},
           Case{grid + "\"float density\" [1 1] \"integer nx\" 2 \"rgb Le\" [1 1 1] "
                       "\"float Lescale\" [1 2 3]\n",
                "\"Lescale\" has 3 values; expected nx * ny * nz = 2"},
           Case{grid + "\"float density\" [1 1] \"integer nx\" 2 \"float temperature\" [900]\n",
                "\"temperature\" has 1 values"},
           Case{"MakeNamedMedium \"h\" \"string type\" \"homogeneous\" \"rgb Le\" [1 -1 1]\n",
                "\"Le\" must be finite and >= 0"},
           Case{"MakeNamedMedium \"h\" \"string type\" \"homogeneous\" \"rgb Le\" [1 1 1] "
                "\"float Lescale\" -2\n",
                "\"Lescale\" must be finite and >= 0"},
           Case{"MakeNamedMedium \"c\" \"string type\" \"cloud\" \"rgb Le\" [1 1 1]\n",
                "unsupported parameter \"rgb Le\""},  // pbrt's cloud does not emit
       }) {
    const std::string message = parse_error(std::string(test::kHeader) + c.body);
    EXPECT_TRUE(contains(message, c.error)) << message;
  }
}

TEST(MediaEmission, KernelChecksTheEmissionFields) {
  SceneIr ir = parse_world(
      "MakeNamedMedium \"g\" \"string type\" \"uniformgrid\" \"float density\" [1]\n"
      "  \"float temperature\" [30]\n");
  const KernelScene good = test::to_kernel(ir);
  KernelScene bad_table = good;
  bad_table.media[0].bb_count = 1u;
  EXPECT_FALSE(finalize_kernel_scene(&bad_table).is_ok());
  KernelScene outside = good;
  outside.media[0].temp_offset = static_cast<uint32_t>(good.densities.size());
  EXPECT_FALSE(finalize_kernel_scene(&outside).is_ok());
  KernelScene cloud = good;
  cloud.media[0].kind = TF_MEDIUM_CLOUD;
  cloud.media[0].density = 1.0f;
  EXPECT_FALSE(finalize_kernel_scene(&cloud).is_ok());
  KernelScene ok = good;
  EXPECT_TRUE(finalize_kernel_scene(&ok).is_ok());
}

}  // namespace
}  // namespace tf::scene
