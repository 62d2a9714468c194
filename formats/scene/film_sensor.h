// pbrt-v4's film response (film.cpp: PixelSensor, RGBFilm::AddSample, the output colour space)
// reduced to the kernel's linear sRGB radiance: the tf_film of a scene (scene_types.h). Camera
// sensors: camera_sensor.h.
//
// pbrt's "cie1931" sensor records XYZ times the imaging ratio (exposure time * ISO / 100);
// each sample's sensor value is clamped so that its largest component is at most
// "maxcomponentvalue"; the pixel's output RGB is RGBFromXYZ * W * sensor, where W is the
// Bradford white balance from the CIE daylight illuminant at "whitebalance" kelvin to the
// output space's white (identity when whitebalance is 0). With the kernel's radiance already
// linear sRGB, XYZ = XYZFromRGB * L, so both steps are 3x3 matrices around the clamp. Film
// "scale" (earlier pbrt-v4 versions; the scene collection still uses it) multiplies the output.
// Thread-safe pure functions.
#pragma once

#include <array>

#include "formats/scene/scene_ir.h"
#include "kernels/render/scene_types.h"

namespace tf::scene {

using Mat3 = std::array<double, 9>;  // row-major

struct Chromaticity {
  double x = 0, y = 0;
};

// Linear sRGB (Rec. 709 primaries, D65) <-> CIE XYZ, IEC 61966-2-1.
const Mat3& xyz_from_linear_srgb();
const Mat3& linear_srgb_from_xyz();
Mat3 mul(const Mat3& a, const Mat3& b);
Mat3 inverse(const Mat3& m);  // m must be invertible

// Chromaticity of the CIE daylight illuminant (D series) at `kelvin`, from the CIE daylight
// locus, with pbrt's adjustment of the temperature by 1.4388 / 1.4380 (the revised second
// radiation constant) that makes 6500 K the standard D65. pbrt takes the white point of the
// reconstructed D spectrum, which lies on this locus (CIE 015).
Chromaticity daylight_chromaticity(double kelvin);

// Bradford (von Kries in Bradford LMS) adaptation taking white `from` to white `to`, XYZ -> XYZ.
Mat3 bradford_white_balance(Chromaticity from, Chromaticity to);

// A camera sensor (film.sensor other than "cie1931", camera_sensor.h) records camera RGB instead
// of XYZ: the sensor matrix is the imaging ratio times camera_from_linear_srgb, the output matrix
// RGBFromXYZ times the camera's fitted XYZFromSensorRGB (its white balance included).
//
// The kernel's film for these settings: flags 0 (pass-through) for the cie1931 sensor when the
// imaging ratio and the scale are 1, there is no white balance and no clamp; else both matrices
// and the clamp. Settings are validated by the parser (positive ratio and clamp, non-negative
// white balance; a known camera with a positive white balance).
tf_film film_response(const IrFilm& film);

}  // namespace tf::scene
