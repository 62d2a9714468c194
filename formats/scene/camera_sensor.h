// pbrt-v4's camera pixel sensors (film.cpp: PixelSensor built from a camera's r, g, b
// responses) reduced to the kernel's linear sRGB radiance.
//
// pbrt records a sample's spectral radiance L as camera RGB, the integrals of L against the
// camera's response curves times the imaging ratio, and maps camera RGB to CIE XYZ with a 3x3
// XYZFromSensorRGB fitted by linear least squares over the 24 ColorChecker swatches: camera RGB
// of each swatch under the sensor's illuminant (CIE daylight at the white balance temperature,
// 6500 K when unset), divided by the illuminant's camera green, against the swatch's XYZ under
// the output colour space's illuminant (D65), divided by that illuminant's Y and multiplied by
// Y / camera green of the sensor's illuminant. The white balance lives in that fit.
//
// The kernel's radiance is linear sRGB, so a radiance c stands for the spectrum
// sum_i c_i P_i(lambda) with one spectrum per primary (srgb_primary_radiance), and the camera
// becomes two 3x3 matrices: camera RGB = ratio * camera_from_linear_srgb * c, output =
// RGBFromXYZ * camera_xyz_from_sensor * camera RGB (film_sensor.h applies them). Spectral
// integrals are sums over 360, 361, ..., 830 nm, as pbrt's, against the project's CIE observer
// (spectra.h) and divided by the observer's integral of y-bar, so that camera RGB is on the
// same scale as the cie1931 sensor's XYZ. Thread-safe pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "formats/scene/film_sensor.h"

namespace tf::scene {

// Whether pbrt's Film "sensor" `name` is a camera this reduction knows (all 17 that pbrt-v4
// names), and the known names (comma separated, sorted, for messages).
bool is_camera_sensor(std::string_view name);
std::string supported_camera_sensors();

// The camera's response of `channel` (0 r, 1 g, 2 b) at `nm`: pbrt's tabulated curve,
// piecewise linear, 0 outside it. `name` must be a camera sensor.
double camera_response(std::string_view name, int channel, double nm);

// Reflectance of ColorChecker swatch `i` < kColorCheckerSwatches at `nm`: piecewise linear, 0
// outside the tabulated 380..730 nm (as pbrt's PiecewiseLinearSpectrum).
inline constexpr size_t kColorCheckerSwatches = 24;
double swatch_reflectance(size_t i, double nm);

// pbrt-v4's Spectra::D: the relative spectral power of CIE daylight at `kelvin` (adjusted by
// 1.4388 / 1.4380 as daylight_chromaticity), S0 + M1 S1 + M2 S2 from the CIE components (value
// 100 at 560 nm); below an adjusted 4000 K, where the D series is undefined, a blackbody at the
// adjusted temperature. Only the shape matters to the sensor.
double daylight_spectrum(double nm, double kelvin);

// The spectral radiance of unit linear sRGB primary `channel` at `nm`. pbrt upsamples an RGB
// illuminant as the colour space's illuminant (D65) times a sigmoid of a quadratic polynomial in
// wavelength, which is not linear in RGB; the linear equivalent here drops the sigmoid: D65
// (daylight_spectrum at 6500 K) times a quadratic polynomial in wavelength per primary, fitted
// so that each primary's XYZ is exactly its column of the linear sRGB -> XYZ matrix. The three
// primaries sum to D65 up to the observer's small disagreement with the matrix's white point.
double srgb_primary_radiance(int channel, double nm);

// Camera RGB of a unit radiance in each linear sRGB channel (column i: the camera's integrals of
// primary i), on the XYZ scale described above. `name` must be a camera sensor.
Mat3 camera_from_linear_srgb(std::string_view name);

// pbrt's fitted XYZFromSensorRGB for the camera with the sensor's illuminant the daylight at
// `kelvin` > 0. `name` must be a camera sensor.
Mat3 camera_xyz_from_sensor(std::string_view name, double kelvin);

}  // namespace tf::scene
