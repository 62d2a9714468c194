// pbrt-v4's camera sensors reduced to linear sRGB: the daylight spectrum against the published
// CIE D65 table, the primaries' spectra against the sRGB matrix they must reproduce, the sensor
// matrix and the fitted XYZFromSensorRGB against this file's own numerical integration (a
// trapezoid rule on a half-nanometre grid, not the code's 1 nm sums), and the film's response
// against its defining properties (neutral grey at a 6500 K balance, the imaging ratio).
#include "formats/scene/camera_sensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "formats/scene/film_sensor.h"
#include "formats/scene/spectra.h"

namespace tf::scene {
namespace {

// Every camera this reduction knows (all those pbrt-v4 names).
std::vector<std::string> cameras() {
  std::vector<std::string> names;
  const std::string list = supported_camera_sensors();
  for (size_t begin = 0; begin < list.size();) {
    const size_t end = std::min(list.find(", ", begin), list.size());
    names.push_back(list.substr(begin, end - begin));
    begin = end + 2;
  }
  return names;
}

template <class F>
double integral(F f) {
  const double h = 0.5;
  double sum = 0.5 * (f(360.0) + f(830.0));
  for (double nm = 360 + h; nm < 830; nm += h) sum += f(nm);
  return sum * h;
}

double cmf(int k, double nm) { return k == 0 ? cie_x(nm) : k == 1 ? cie_y(nm) : cie_z(nm); }

std::array<double, 3> times(const Mat3& m, std::array<double, 3> v) {
  return {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
          m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
}

// CIE 15:2004 table T.1, standard illuminant D65 (relative, 100 at 560 nm), at 10 nm nodes
// (pbrt's D(6500) reconstructs it from the daylight components).
TEST(CameraSensor, DaylightAt6500KMatchesTheCieD65Table) {
  struct Node {
    double nm, value;
  };
  for (const Node& n : {Node{380, 49.9755}, Node{460, 117.812}, Node{560, 100.0},
                        Node{600, 90.0062}, Node{700, 71.6091}, Node{780, 63.3828}}) {
    EXPECT_NEAR(daylight_spectrum(n.nm, 6500), n.value, 1e-3 * n.value) << n.nm;
  }
  // Below an adjusted 4000 K pbrt uses a blackbody: its shape, whatever the scale.
  const double kelvin = 3000 * 1.4388 / 1.4380;
  EXPECT_NEAR(daylight_spectrum(450, 3000) / daylight_spectrum(650, 3000),
              planck(450, kelvin) / planck(650, kelvin), 1e-12);
}

// Each primary's spectrum has exactly the XYZ of its column of the sRGB matrix (the code solves
// for that on a 1 nm sum; here a finer trapezoid rule), and the three add up to the D65 shape.
TEST(CameraSensor, PrimarySpectraReproduceTheSrgbMatrix) {
  const double y_bar = integral(cie_y);
  const Mat3& m = xyz_from_linear_srgb();
  for (int i = 0; i < 3; ++i) {
    for (int k = 0; k < 3; ++k) {
      const double xyz =
          integral([&](double nm) { return cmf(k, nm) * srgb_primary_radiance(i, nm); }) / y_bar;
      EXPECT_NEAR(xyz, m[3 * k + i], 1e-3) << "primary " << i << " component " << k;
    }
  }
  double lo = 1e30, hi = 0;
  for (double nm = 400; nm <= 700; nm += 5) {
    double sum = 0;
    for (int i = 0; i < 3; ++i) sum += srgb_primary_radiance(i, nm);
    const double ratio = sum / daylight_spectrum(nm, 6500);
    lo = std::min(lo, ratio);
    hi = std::max(hi, ratio);
  }
  EXPECT_LT(hi / lo, 1.01);  // grey radiance is (up to 1%) the D65 spectrum, as in pbrt
}

// The sensor matrix's columns are the camera's integrals of each primary's spectrum.
TEST(CameraSensor, SensorMatrixIsTheCamerasIntegralOfThePrimaries) {
  const double y_bar = integral(cie_y);
  for (const std::string& name : cameras()) {
    const Mat3 m = camera_from_linear_srgb(name);
    for (int k = 0; k < 3; ++k) {
      for (int i = 0; i < 3; ++i) {
        const double direct = integral([&](double nm) {
                                return camera_response(name, k, nm) * srgb_primary_radiance(i, nm);
                              }) /
                              y_bar;
        EXPECT_NEAR(m[3 * k + i], direct, 2e-3 * std::abs(direct) + 1e-5) << name << k << i;
      }
    }
  }
}

// pbrt's fit: camera RGB of each swatch under the sensor's daylight (over the daylight's camera
// green) against the swatch's XYZ under D65 (over D65's Y, times the daylight's Y over its camera
// green). Computed here independently, the fitted matrix satisfies the least-squares normal
// equations (the residuals are orthogonal to the camera RGB), and maps every swatch to its XYZ
// within 5% of a perfect white's luminance: cameras are not colorimetric (their curves are no
// linear mix of the CIE observer's), so no 3x3 is exact, but a wrong fit (another illuminant,
// normalisation or matrix order) misses by tens of percent.
TEST(CameraSensor, FittedMatrixMapsTheSwatchesToTheirXyz) {
  for (const std::string& name : cameras()) {
    for (double kelvin : {5000.0, 6500.0}) {
      const auto illuminant = [&](double nm) { return daylight_spectrum(nm, kelvin); };
      const auto d65 = [](double nm) { return daylight_spectrum(nm, 6500); };
      const double white_g =
          integral([&](double nm) { return camera_response(name, 1, nm) * illuminant(nm); });
      const double white_y = integral([&](double nm) { return cie_y(nm) * illuminant(nm); });
      const double d65_y = integral([&](double nm) { return cie_y(nm) * d65(nm); });
      const Mat3 fit = camera_xyz_from_sensor(name, kelvin);
      Mat3 normal{};
      double worst = 0, rgb_scale = 0;
      for (size_t s = 0; s < kColorCheckerSwatches; ++s) {
        std::array<double, 3> rgb{}, xyz{};
        for (int k = 0; k < 3; ++k) {
          rgb[k] =
              integral([&](double nm) {
                return camera_response(name, k, nm) * swatch_reflectance(s, nm) * illuminant(nm);
              }) /
              white_g;
          xyz[k] = integral([&](double nm) {
                     return cmf(k, nm) * swatch_reflectance(s, nm) * d65(nm);
                   }) /
                   d65_y * (white_y / white_g);
        }
        const std::array<double, 3> mapped = times(fit, rgb);
        for (int k = 0; k < 3; ++k) {
          const double residual = mapped[k] - xyz[k];
          worst = std::max(worst, std::abs(residual) * white_g / white_y);
          for (int j = 0; j < 3; ++j) normal[3 * k + j] += residual * rgb[j];
          rgb_scale = std::max(rgb_scale, rgb[k]);
        }
      }
      EXPECT_LT(worst, 0.05) << name << " " << kelvin;
      for (double v : normal) EXPECT_NEAR(v, 0.0, 1e-3 * rgb_scale) << name << " " << kelvin;
    }
  }
}

// Grey radiance (linear sRGB (1, 1, 1), the D65 spectrum) through a camera balanced to 6500 K
// comes out neutral, with luminance about 1 (the fit keeps luminance); balanced to 5000 K the
// same grey is bluer than the illuminant the camera expects, so blue > green > red.
TEST(CameraSensor, GreyIsNeutralAtA6500KBalance) {
  for (const std::string& name : cameras()) {
    IrFilm film;
    film.sensor = name;
    film.white_balance = 6500;
    tf_film f = film_response(film);
    ASSERT_EQ(f.flags, TF_FILM_RESPONSE);
    Mat3 sensor, output;
    for (size_t i = 0; i < 9; ++i) sensor[i] = f.sensor_from_radiance[i];
    for (size_t i = 0; i < 9; ++i) output[i] = f.output_from_sensor[i];
    const std::array<double, 3> grey = times(mul(output, sensor), {1, 1, 1});
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(grey[c], 1.0, 0.03) << name << c;
    EXPECT_NEAR(grey[0] / grey[1], 1.0, 0.02) << name;
    EXPECT_NEAR(grey[2] / grey[1], 1.0, 0.02) << name;

    film.white_balance = 5000;
    f = film_response(film);
    for (size_t i = 0; i < 9; ++i) output[i] = f.output_from_sensor[i];
    for (size_t i = 0; i < 9; ++i) sensor[i] = f.sensor_from_radiance[i];
    const std::array<double, 3> warm = times(mul(output, sensor), {1, 1, 1});
    EXPECT_GT(warm[2], 1.1 * warm[1]) << name;
    EXPECT_GT(warm[1], 1.1 * warm[0]) << name;
  }
}

// The imaging ratio (exposure time * ISO / 100) scales the camera's sensor RGB, as for cie1931,
// and leaves the output matrix alone.
TEST(CameraSensor, ImagingRatioScalesTheSensorMatrix) {
  IrFilm base;
  base.sensor = "canon_eos_5d_mkiv";
  base.white_balance = 6500;
  IrFilm scaled = base;
  scaled.iso = 400;
  scaled.exposure_time = 0.5;
  const tf_film a = film_response(base), b = film_response(scaled);
  for (size_t i = 0; i < 9; ++i) {
    EXPECT_FLOAT_EQ(b.sensor_from_radiance[i], 2 * a.sensor_from_radiance[i]) << i;
    EXPECT_EQ(b.output_from_sensor[i], a.output_from_sensor[i]) << i;
  }
}

// The collection's cameras and pbrt-v4's others are known; other names are not.
TEST(CameraSensor, KnowsPbrtsCameras) {
  const std::vector<std::string> names = cameras();
  EXPECT_EQ(names.size(), 17u);
  for (const char* name :
       {"canon_eos_100d", "canon_eos_5d_mkiv", "nikon_d850", "sony_ilce_9", "hasselblad_l1d_20c"}) {
    EXPECT_TRUE(is_camera_sensor(name)) << name;
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
  EXPECT_FALSE(is_camera_sensor("cie1931"));
  EXPECT_FALSE(is_camera_sensor("nikon_d90"));
}

}  // namespace
}  // namespace tf::scene
