#include "formats/scene/film_sensor.h"

#include <cmath>

#include "formats/scene/camera_sensor.h"

namespace tf::scene {
namespace {

Chromaticity chromaticity_of(double x, double y, double z) {
  return {x / (x + y + z), y / (x + y + z)};
}

std::array<double, 3> times(const Mat3& m, std::array<double, 3> v) {
  return {m[0] * v[0] + m[1] * v[1] + m[2] * v[2], m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
          m[6] * v[0] + m[7] * v[1] + m[8] * v[2]};
}

// XYZ with luminance 1 at chromaticity c.
std::array<double, 3> xyz_of(Chromaticity c) { return {c.x / c.y, 1.0, (1 - c.x - c.y) / c.y}; }

// The Bradford cone response matrices (Lam 1985), as pbrt-v4's util/color.h uses them.
constexpr Mat3 kLmsFromXyz = {0.8951, 0.2664, -0.1614, -0.7502, 1.7135,
                              0.0367, 0.0389, -0.0685, 1.0296};
constexpr Mat3 kXyzFromLms = {0.986993,  -0.147054,   0.159963,  0.432305, 0.51836,
                              0.0492912, -0.00852866, 0.0400428, 0.968487};

void store(const Mat3& m, float out[9]) {
  for (size_t i = 0; i < 9; ++i) out[i] = static_cast<float>(m[i]);
}

}  // namespace

const Mat3& xyz_from_linear_srgb() {
  static const Mat3 m = {0.4124564, 0.3575761, 0.1804375, 0.2126729, 0.7151522,
                         0.0721750, 0.0193339, 0.1191920, 0.9503041};
  return m;
}

const Mat3& linear_srgb_from_xyz() {
  static const Mat3 m = {3.2404542, -1.5371385, -0.4985314, -0.9692660, 1.8760108,
                         0.0415560, 0.0556434,  -0.2040259, 1.0572252};
  return m;
}

Mat3 mul(const Mat3& a, const Mat3& b) {
  Mat3 r{};
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = 0; j < 3; ++j) {
      for (size_t k = 0; k < 3; ++k) r[3 * i + j] += a[3 * i + k] * b[3 * k + j];
    }
  }
  return r;
}

Mat3 inverse(const Mat3& m) {
  const Mat3 cofactor_t = {m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8],
                           m[1] * m[5] - m[2] * m[4], m[5] * m[6] - m[3] * m[8],
                           m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
                           m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7],
                           m[0] * m[4] - m[1] * m[3]};
  const double det = m[0] * cofactor_t[0] + m[1] * cofactor_t[3] + m[2] * cofactor_t[6];
  Mat3 r;
  for (size_t i = 0; i < 9; ++i) r[i] = cofactor_t[i] / det;
  return r;
}

Chromaticity daylight_chromaticity(double kelvin) {
  const double t = kelvin * 1.4388 / 1.4380;
  const double x = t <= 7000
                       ? 0.244063 + 0.09911e3 / t + 2.9678e6 / (t * t) - 4.6070e9 / (t * t * t)
                       : 0.237040 + 0.24748e3 / t + 1.9018e6 / (t * t) - 2.0064e9 / (t * t * t);
  return {x, -3 * x * x + 2.870 * x - 0.275};
}

Mat3 bradford_white_balance(Chromaticity from, Chromaticity to) {
  const std::array<double, 3> src = times(kLmsFromXyz, xyz_of(from));
  const std::array<double, 3> dst = times(kLmsFromXyz, xyz_of(to));
  const Mat3 scale = {dst[0] / src[0], 0, 0, 0, dst[1] / src[1], 0, 0, 0, dst[2] / src[2]};
  return mul(kXyzFromLms, mul(scale, kLmsFromXyz));
}

tf_film film_response(const IrFilm& film) {
  tf_film out{};
  const double ratio = film.exposure_time * film.iso / 100;
  const bool clamp = std::isfinite(film.max_component);
  const bool camera = film.sensor != "cie1931";
  if (!camera && ratio == 1 && film.white_balance == 0 && !clamp && film.scale == 1) return out;
  out.flags = TF_FILM_RESPONSE;
  out.max_component = clamp ? static_cast<float>(film.max_component) : TF_FLOAT_MAX;
  Mat3 sensor = camera ? camera_from_linear_srgb(film.sensor) : xyz_from_linear_srgb();
  for (double& v : sensor) v *= ratio;
  Mat3 output = linear_srgb_from_xyz();
  if (camera) {
    output = mul(output, camera_xyz_from_sensor(film.sensor, film.white_balance));
  } else if (film.white_balance != 0) {
    const std::array<double, 3> white = times(xyz_from_linear_srgb(), {1, 1, 1});
    const Chromaticity srgb_white = chromaticity_of(white[0], white[1], white[2]);
    output =
        mul(output, bradford_white_balance(daylight_chromaticity(film.white_balance), srgb_white));
  }
  for (double& v : output) v *= film.scale;
  store(sensor, out.sensor_from_radiance);
  store(output, out.output_from_sensor);
  return out;
}

}  // namespace tf::scene
