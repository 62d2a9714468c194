// Spectral parameters reduced to linear sRGB (Rec. 709 primaries, D65 white), the kernel's
// colour space. Thread-safe pure functions.
#pragma once

#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "formats/scene/scene_ir.h"
#include "kernels/status.h"

namespace tf::scene {

// CIE 1931 2-degree colour matching functions at `nm`: the multi-lobe Gaussian fit of Wyman,
// Sloan & Shirley, "Simple Analytic Approximations to the CIE XYZ Color Matching Functions",
// JCGT 2(2), 2013 (equation 2 and table 1), the project's observer wherever spectra meet RGB.
double cie_x(double nm);
double cie_y(double nm);
double cie_z(double nm);

// Planck's law: a blackbody's spectral radiance at `nm` and `kelvin` > 0 (W / (m^2 sr m)), with
// pbrt-v4's constants.
double planck(double nm, double kelvin);

// Linear sRGB of a blackbody at `kelvin`, normalised to luminance Y = 1, as pbrt-v4 normalises
// "blackbody" emission to unit luminance before applying "scale". Zero for kelvin <= 0.
Rgb blackbody_rgb(double kelvin);

// pbrt-v4's BlackbodySpectrum at `kelvin` (Planck's law divided by its value at the peak,
// 2.8977721e-3 / kelvin metres by Wien's law: 1 at the peak) as pbrt's film records it: XYZ
// the integrals of the spectrum times the colour-matching functions over 360-830 nm, per nm
// and not normalised (as pbrt's sensor integrates emitted spectra), in linear sRGB. What an
// emissive medium's temperature emits (kernels/render/medium_emission.h). Zero for kelvin <= 0.
Rgb blackbody_film_rgb(double kelvin);

// Linear sRGB of a piecewise-linear spectrum given as (wavelength nm, value) pairs
// (`pairs.size()` even, wavelengths increasing; checked by the caller). A constant spectrum maps
// exactly to that constant; other spectra are projected with the CIE 1931 observer (the
// Wyman-Sloan-Shirley 2013 analytic fit) and white-balanced so that constant 1 maps to (1,1,1).
Rgb piecewise_spectrum_rgb(std::span<const double> pairs);

// An optical constant (a real or imaginary IOR) given as a piecewise-linear spectrum, reduced
// to one value per channel the way the metal table below was made: its average over 380-780 nm
// weighted by that channel's colour-matching function (the XYZ -> sRGB row applied to the CIE
// fit, negative lobes clipped to zero); outside the tabulated range the nearest end value holds.
// A constant maps to itself, and every channel lies between the spectrum's extremes.
Rgb optical_constant_rgb(std::span<const double> pairs);

// Reads a pbrt-v4 spectrum file (as pbrt's ReadFloatFile: numbers separated by white space,
// '#' starts a comment to the end of the line) as interleaved (wavelength nm, value) pairs with
// strictly increasing wavelengths. Errors name the file and, for bad content, the line.
Result<std::vector<double>> read_spectrum_file(const std::filesystem::path& path);

// pbrt-v4's named spectra: "metal-<Ag|Al|Au|Cu|CuZn|MgO|TiO2>-<eta|k>" as per-channel RGB
// values, and "glass-<BK7|BAF10|FK51A|LASF9|F5|F10|F11>" as the
// constant refractive index at the helium d line (587.6 nm). Empty for an unknown name.
std::optional<Rgb> named_spectrum_rgb(std::string_view name);

}  // namespace tf::scene
