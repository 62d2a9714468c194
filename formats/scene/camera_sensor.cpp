#include "formats/scene/camera_sensor.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "formats/scene/camera_sensor_data.h"
#include "formats/scene/spectra.h"

namespace tf::scene {
namespace {

namespace data = camera_data;

// A regularly sampled table at `nm`: linear between samples, 0 outside (pbrt's
// PiecewiseLinearSpectrum).
double sample_table(const double* values, size_t n, double first_nm, double step_nm, double nm) {
  const double x = (nm - first_nm) / step_nm;
  if (x < 0 || x > static_cast<double>(n - 1)) return 0.0;
  const size_t i = std::min(static_cast<size_t>(x), n - 2);
  const double t = x - static_cast<double>(i);
  return values[i] * (1 - t) + values[i + 1] * t;
}

// pbrt's spectral sums: every nanometre from 360 to 830.
template <class F>
double integrate(F f) {
  double sum = 0;
  for (double nm = 360; nm <= 830; nm += 1) sum += f(nm);
  return sum;
}

double cmf(int k, double nm) { return k == 0 ? cie_x(nm) : k == 1 ? cie_y(nm) : cie_z(nm); }

double y_bar_integral() {
  static const double n = integrate(cie_y);
  return n;
}

const data::Camera* find_camera(std::string_view name) {
  for (const data::Camera& c : data::kCameras) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// The camera `name`, which the caller has checked with is_camera_sensor.
const data::Camera& camera(std::string_view name) { return *find_camera(name); }

double response(const data::Camera& c, int channel, double nm) {
  return sample_table(c.rgb[channel], data::kCurveSamples, data::kCurveFirstNm, data::kCurveStepNm,
                      nm);
}

// The quadratic basis of the primaries' reflectances, in a wavelength scaled to about [-1, 1].
double basis(int j, double nm) {
  const double t = (nm - 555) / 175;
  return j == 0 ? 1.0 : j == 1 ? t : t * t;
}

// coefficients[i][j]: primary i's reflectance is sum_j coefficients[i][j] * basis(j).
// With G[k][j] = XYZ_k of D65 * basis(j), the primaries' XYZ are G * coefficients^T, which
// must equal the sRGB matrix: coefficients^T = G^-1 * XYZFromRGB.
const Mat3& primary_coefficients() {
  static const Mat3 coefficients = [] {
    Mat3 g{};
    for (int k = 0; k < 3; ++k) {
      for (int j = 0; j < 3; ++j) {
        g[3 * k + j] = integrate([&](double nm) {
                         return cmf(k, nm) * daylight_spectrum(nm, 6500) * basis(j, nm);
                       }) /
                       y_bar_integral();
      }
    }
    const Mat3 transposed = mul(inverse(g), xyz_from_linear_srgb());
    Mat3 c{};
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) c[3 * i + j] = transposed[3 * j + i];
    }
    return c;
  }();
  return coefficients;
}

// The outer product sum accumulator of the normal equations: acc += a b^T.
void add_outer(Mat3& acc, const std::array<double, 3>& a, const std::array<double, 3>& b) {
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) acc[3 * i + j] += a[i] * b[j];
  }
}

}  // namespace

bool is_camera_sensor(std::string_view name) { return find_camera(name) != nullptr; }

std::string supported_camera_sensors() {
  std::string names;
  for (const data::Camera& c : data::kCameras) {
    names += (names.empty() ? "" : ", ") + std::string(c.name);
  }
  return names;
}

double camera_response(std::string_view name, int channel, double nm) {
  return response(camera(name), channel, nm);
}

double swatch_reflectance(size_t i, double nm) {
  return sample_table(data::kSwatches[i], data::kSwatchSamples, data::kSwatchFirstNm,
                      data::kSwatchStepNm, nm);
}

double daylight_spectrum(double nm, double kelvin) {
  const double cct = kelvin * 1.4388 / 1.4380;
  if (cct < 4000) return planck(nm, cct);
  const Chromaticity c = daylight_chromaticity(kelvin);
  const double m = 0.0241 + 0.2562 * c.x - 0.7341 * c.y;
  const double m1 = (-1.3515 - 1.7703 * c.x + 5.9114 * c.y) / m;
  const double m2 = (0.0300 - 31.4424 * c.x + 30.0717 * c.y) / m;
  const auto at = [&](const double* s) {
    return sample_table(s, data::kDaylightSamples, data::kDaylightFirstNm, data::kDaylightStepNm,
                        nm);
  };
  return at(data::kDaylightS0) + m1 * at(data::kDaylightS1) + m2 * at(data::kDaylightS2);
}

double srgb_primary_radiance(int channel, double nm) {
  const Mat3& c = primary_coefficients();
  double reflectance = 0;
  for (int j = 0; j < 3; ++j) reflectance += c[3 * channel + j] * basis(j, nm);
  return daylight_spectrum(nm, 6500) * reflectance;
}

Mat3 camera_from_linear_srgb(std::string_view name) {
  const data::Camera& cam = camera(name);
  Mat3 m{};
  for (int k = 0; k < 3; ++k) {
    for (int i = 0; i < 3; ++i) {
      m[3 * k + i] = integrate([&](double nm) {
                       return response(cam, k, nm) * srgb_primary_radiance(i, nm);
                     }) /
                     y_bar_integral();
    }
  }
  return m;
}

Mat3 camera_xyz_from_sensor(std::string_view name, double kelvin) {
  const data::Camera& cam = camera(name);
  const auto illuminant = [&](double nm) { return daylight_spectrum(nm, kelvin); };
  const auto output = [](double nm) { return daylight_spectrum(nm, 6500); };
  const double white_g =
      integrate([&](double nm) { return response(cam, 1, nm) * illuminant(nm); });
  const double white_y = integrate([&](double nm) { return cie_y(nm) * illuminant(nm); });
  const double output_y = integrate([&](double nm) { return cie_y(nm) * output(nm); });
  Mat3 rr{}, xr{};
  for (size_t s = 0; s < kColorCheckerSwatches; ++s) {
    std::array<double, 3> rgb{}, xyz{};
    for (int k = 0; k < 3; ++k) {
      rgb[k] = integrate([&](double nm) {
                 return response(cam, k, nm) * swatch_reflectance(s, nm) * illuminant(nm);
               }) /
               white_g;
      xyz[k] = integrate(
                   [&](double nm) { return cmf(k, nm) * swatch_reflectance(s, nm) * output(nm); }) /
               output_y * (white_y / white_g);
    }
    add_outer(rr, rgb, rgb);
    add_outer(xr, xyz, rgb);
  }
  // Least squares: XYZFromSensorRGB = (sum xyz rgb^T) (sum rgb rgb^T)^-1.
  return mul(xr, inverse(rr));
}

}  // namespace tf::scene
