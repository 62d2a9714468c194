// Reader of RGL measured BRDF files (.bsdf, the "tensor_file" format of Dupuy & Jakob 2018 that
// pbrt-v4's Material "measured" loads), producing the tables of pbrt-v4's MeasuredBxDFData with
// the spectral table reduced to the renderer's RGB.
//
// File format (little-endian): 12 bytes "tensor_file\0", version bytes 1 and 0, a uint32 field
// count, then per field: uint16 name length, the name, uint16 rank, uint8 data type (pbrt's
// Tensor::Type: 1 uint8 .. 10 float32, 11 float64), uint64 byte offset of its data in the file
// and rank uint64 extents (C order, last extent fastest).
// Fields read: description (uint8), jacobian (one uint8), theta_i and phi_i (float32 grids, in
// radians), ndf and sigma (float32 [h][w]), vndf and luminance (float32 [phi_i][theta_i][h][w]),
// and either spectra (float32 [phi_i][theta_i][wavelengths][h][w]) with wavelengths (float32 nm,
// strictly increasing) or rgb (float32 [phi_i][theta_i][3][h][w]). Other fields are ignored.
//
// The reader is bounded for untrusted files: the file is at most kMaxMeasuredBsdfBytes, every
// count, rank, extent and data range is checked before use, and every failure (a missing file,
// truncation, a bad magic or version, an unknown type, mismatched extents) is an Error naming
// the file and the problem; it never reads outside the file's bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "kernels/status.h"

namespace tf::scene {

inline constexpr uint64_t kMaxMeasuredBsdfBytes = 256ull << 20;  // RGL files are a few MiB

// `slices` tables of height x width floats, one after another, row-major (x fastest): the
// layout of pbrt-v4's PiecewiseLinear2D data, slices ordered by parameter (phi_i slowest).
struct MeasuredGrid {
  uint32_t width = 0, height = 0, slices = 0;
  std::vector<float> values;  // slices * height * width
};

struct MeasuredBsdfData {
  std::string description;
  bool jacobian = false;              // the file's "jacobian" flag, as pbrt-v4 keeps it
  bool isotropic = false;             // at most two phi_i values (pbrt-v4's test)
  std::vector<float> theta_i, phi_i;  // the parameter grids of vndf, luminance and rgb
  std::vector<float> wavelengths;     // nm; empty for files that store rgb
  MeasuredGrid ndf, sigma;            // one slice each
  MeasuredGrid vndf, luminance;       // phi_i.size() * theta_i.size() slices
  // phi_i.size() * theta_i.size() * 3 slices: per (phi_i, theta_i) the red, green and blue
  // tables. From a spectral file, each grid point's piecewise-linear spectrum reduced to linear
  // sRGB by piecewise_spectrum_rgb (spectra.h), which is linear in the spectrum's values and so
  // commutes with the linear interpolation of the lookup.
  MeasuredGrid rgb;
};

// Parses the bytes of a tensor file; `name` (the file name) prefixes every error message.
Result<MeasuredBsdfData> parse_measured_bsdf(std::span<const uint8_t> bytes,
                                             const std::string& name);

// Reads and parses the file at `path` (at most kMaxMeasuredBsdfBytes).
Result<MeasuredBsdfData> read_measured_bsdf(const std::filesystem::path& path);

}  // namespace tf::scene
