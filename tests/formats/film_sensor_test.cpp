// pbrt-v4's film sensor settings: the daylight white points against published CIE values, the
// white balance against its defining property, the imaging ratio against pbrt's documented
// exposure time * ISO / 100, and the parser's reading of Film and Camera parameters.
#include "formats/scene/film_sensor.h"

#include <gtest/gtest.h>

#include <cmath>

#include "formats/scene/load.h"
#include "scene_test_util.h"

namespace tf::scene {
namespace {

std::array<double, 3> times(const Mat3& m, std::array<double, 3> v) {
  return {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
          m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
}

Mat3 as_mat3(const float m[9]) {
  Mat3 r;
  for (size_t i = 0; i < 9; ++i) r[i] = m[i];
  return r;
}

// CIE 15:2004 table T.3: D65 (0.31271, 0.32902), D50 (0.34567, 0.35850), D75 (0.29902,
// 0.31485); pbrt's 1.4388 / 1.4380 adjustment makes the nominal 6500, 5000, 7500 K land on them.
TEST(FilmSensor, DaylightWhitePointsMatchTheCieIlluminants) {
  struct Case {
    double kelvin, x, y;
  };
  for (const Case& c :
       {Case{6500, 0.31271, 0.32902}, Case{5000, 0.34567, 0.35850}, Case{7500, 0.29902, 0.31485}}) {
    const Chromaticity xy = daylight_chromaticity(c.kelvin);
    EXPECT_NEAR(xy.x, c.x, 2e-4) << c.kelvin;
    EXPECT_NEAR(xy.y, c.y, 2e-4) << c.kelvin;
  }
}

TEST(FilmSensor, SrgbMatricesAreInverses) {
  const Mat3 p = mul(linear_srgb_from_xyz(), xyz_from_linear_srgb());
  for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(p[i], i % 4 == 0 ? 1.0 : 0.0, 1e-6);
}

// White balance at T: a grey surface under the daylight illuminant at T (its XYZ) comes out
// with equal R, G and B.
TEST(FilmSensor, WhiteBalanceMapsTheIlluminantToEqualRgb) {
  for (double kelvin : {3200.0, 5000.0, 9000.0}) {
    IrFilm film;
    film.white_balance = kelvin;
    const tf_film f = film_response(film);
    ASSERT_EQ(f.flags, TF_FILM_RESPONSE);
    const Chromaticity w = daylight_chromaticity(kelvin);
    const std::array<double, 3> illuminant = {w.x / w.y, 1.0, (1 - w.x - w.y) / w.y};
    const std::array<double, 3> rgb = times(as_mat3(f.output_from_sensor), illuminant);
    EXPECT_NEAR(rgb[0], rgb[1], 1e-5 * rgb[1]) << kelvin;
    EXPECT_NEAR(rgb[2], rgb[1], 1e-5 * rgb[1]) << kelvin;
    // Unbalanced, the same illuminant is visibly coloured.
    const std::array<double, 3> raw = times(linear_srgb_from_xyz(), illuminant);
    EXPECT_GT(std::abs(raw[0] - raw[2]), 0.05 * raw[1]) << kelvin;
  }
}

TEST(FilmSensor, ImagingRatioIsExposureTimesIsoOver100) {
  IrFilm film;
  film.iso = 400;
  film.exposure_time = 0.125;  // ratio 0.5
  const tf_film f = film_response(film);
  ASSERT_EQ(f.flags, TF_FILM_RESPONSE);
  EXPECT_EQ(f.max_component, TF_FLOAT_MAX);
  const Mat3 total = mul(as_mat3(f.output_from_sensor), as_mat3(f.sensor_from_radiance));
  for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(total[i], i % 4 == 0 ? 0.5 : 0.0, 1e-6);
}

// Film "scale" of earlier pbrt-v4 versions multiplies the output (after the clamp).
TEST(FilmSensor, FilmScaleMultipliesTheOutput) {
  Result<SceneIr> ir = test::parse("Film \"rgb\" \"float scale\" 3\nWorldBegin\n");
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  EXPECT_EQ(ir->warnings.size(), 1u);
  const tf_film f = film_response(ir->film);
  ASSERT_EQ(f.flags, TF_FILM_RESPONSE);
  const Mat3 total = mul(as_mat3(f.output_from_sensor), as_mat3(f.sensor_from_radiance));
  for (size_t i = 0; i < 9; ++i) EXPECT_NEAR(total[i], i % 4 == 0 ? 3.0 : 0.0, 1e-6);
  EXPECT_FALSE(test::parse("Film \"rgb\" \"float scale\" 0\nWorldBegin\n").is_ok());
}

TEST(FilmSensor, DefaultsPassThrough) {
  EXPECT_EQ(film_response(IrFilm{}).flags, 0u);
  IrFilm unit_ratio;
  unit_ratio.iso = 50;
  unit_ratio.exposure_time = 2;
  EXPECT_EQ(film_response(unit_ratio).flags, 0u);
}

TEST(FilmSensor, ParserReadsFilmAndShutter) {
  Result<SceneIr> ir = test::parse(
      "Film \"rgb\" \"float iso\" 200 \"float whitebalance\" 5000 \"float maxcomponentvalue\" 10\n"
      "Camera \"perspective\" \"float shutteropen\" 0.25 \"float shutterclose\" 0.75\n"
      "WorldBegin\n");
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  EXPECT_EQ(ir->film.iso, 200);
  EXPECT_EQ(ir->film.white_balance, 5000);
  EXPECT_EQ(ir->film.max_component, 10);
  EXPECT_EQ(ir->film.exposure_time, 0.5);
  EXPECT_TRUE(ir->warnings.empty());
  const KernelScene k = test::to_kernel(ir.value());
  EXPECT_EQ(k.header.film.flags, TF_FILM_RESPONSE);
  EXPECT_EQ(k.header.film.max_component, 10.0f);
}

TEST(FilmSensor, BadSettingsAreErrors) {
  for (const char* text : {"Film \"rgb\" \"float iso\" 0\nWorldBegin\n",
                           "Film \"rgb\" \"float whitebalance\" -1\nWorldBegin\n",
                           "Film \"rgb\" \"float maxcomponentvalue\" 0\nWorldBegin\n",
                           "Camera \"perspective\" \"float shutterclose\" 0\nWorldBegin\n"}) {
    EXPECT_FALSE(test::parse(text, true).is_ok()) << text;
  }
}

// A sensor name neither pbrt-v4 nor this reduction knows: strict loading names the
// supported sensors; lenient loading stands in cie1931 with pbrt's camera-sensor default white
// balance (6500 K) and one warning.
TEST(FilmSensor, UnknownCameraSensorIsStrictErrorAndLenientCie1931) {
  const std::string text = "Film \"rgb\" \"string sensor\" \"nikon_d90\"\nWorldBegin\n";
  const std::string message = test::parse_error(text);
  EXPECT_EQ(message.rfind("t.pbrt:1:1: Film: unsupported sensor \"nikon_d90\"", 0), 0u)
      << message;
  EXPECT_NE(message.find("supported: cie1931, canon_eos_100d, canon_eos_1dx_mkii,"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find(kLenientLoadHint), std::string::npos) << message;
  Result<SceneIr> lenient = test::parse(text, true);
  ASSERT_TRUE(lenient.is_ok()) << lenient.message();
  EXPECT_EQ(lenient->warnings.size(), 1u);
  EXPECT_EQ(lenient->film.sensor, "cie1931");
  EXPECT_EQ(lenient->film.white_balance, 6500);
}

// A supported camera loads strictly, with pbrt's default white balance of 6500 K for camera
// sensors when none is given, and the given one otherwise.
TEST(FilmSensor, SupportedCameraSensorLoadsStrictly) {
  Result<SceneIr> ir = test::parse("Film \"rgb\" \"string sensor\" \"nikon_d850\"\nWorldBegin\n");
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  EXPECT_TRUE(ir->warnings.empty());
  EXPECT_EQ(ir->film.sensor, "nikon_d850");
  EXPECT_EQ(ir->film.white_balance, 6500);
  ir = test::parse(
      "Film \"rgb\" \"string sensor\" \"canon_eos_100d\" \"float whitebalance\" 5000\n"
      "WorldBegin\n");
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  EXPECT_EQ(ir->film.sensor, "canon_eos_100d");
  EXPECT_EQ(ir->film.white_balance, 5000);
  EXPECT_EQ(film_response(ir->film).flags, TF_FILM_RESPONSE);
}

}  // namespace
}  // namespace tf::scene
