// Spectral tables behind pbrt-v4's camera pixel sensors (camera_sensor.h): the cameras' r, g, b
// responses, the ColorChecker swatch reflectances the sensor matrix is fitted against, and the
// CIE daylight components. Every table is regularly sampled; the constants give its grid.
#pragma once

#include <cstddef>
#include <string_view>

namespace tf::scene::camera_data {

// Camera responses: 380, 390, ..., 720 nm.
inline constexpr size_t kCurveSamples = 35;
inline constexpr double kCurveFirstNm = 380, kCurveStepNm = 10;

struct Camera {
  std::string_view name;               // pbrt's Film "sensor" name
  const double (*rgb)[kCurveSamples];  // [3][kCurveSamples]: r, g, b
};
inline constexpr size_t kCameraCount = 17;
extern const Camera kCameras[kCameraCount];  // sorted by name

// ColorChecker swatches: 380, 390, ..., 730 nm.
inline constexpr size_t kSwatchCount = 24, kSwatchSamples = 36;
inline constexpr double kSwatchFirstNm = 380, kSwatchStepNm = 10;
extern const double kSwatches[kSwatchCount][kSwatchSamples];

// CIE daylight components: 300, 310, ..., 830 nm.
inline constexpr size_t kDaylightSamples = 54;
inline constexpr double kDaylightFirstNm = 300, kDaylightStepNm = 10;
extern const double kDaylightS0[kDaylightSamples];
extern const double kDaylightS1[kDaylightSamples];
extern const double kDaylightS2[kDaylightSamples];

}  // namespace tf::scene::camera_data
