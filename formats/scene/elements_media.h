// Builder for pbrt-v4's MakeNamedMedium (internal to formats/scene). Supported as pbrt-v4
// defines them (media.cpp): "homogeneous" (sigma_a and sigma_s default to 1, "scale"
// multiplies both, "g" is the Henyey-Greenstein asymmetry); "uniformgrid" (GridMedium: a
// "density" array of nx * ny * nz samples, x fastest, over the box p0..p1 of the medium's
// space, with sigma_a, sigma_s, scale and g); "cloud" (CloudMedium: density, wispiness,
// frequency, p0, p1, sigma_a, sigma_s, g; no scale); "nanovdb" (NanoVDBMedium: the density
// grid of its file, with sigma_a, sigma_s, scale and g; elements_nanovdb.h). The medium's space
// is the CTM at the directive. Emission as pbrt-v4 reads it: homogeneous "Le" x "float
// Lescale"; uniformgrid "Le" or a "temperature" grid (blackbody), times an optional "Lescale"
// grid, with "temperatureoffset" / "temperaturecutoff" and "temperaturescale"; nanovdb: its
// temperature grid (elements_nanovdb.h). Clouds take no emission. Not supported: the measured
// "preset" coefficients, and the "rgbgrid" medium, which lenient loading approximates by a
// homogeneous medium of its mean density (without emission).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "formats/scene/diagnostics.h"
#include "formats/scene/params.h"
#include "formats/scene/scene_ir.h"

namespace tf::scene {

// The medium of type `type` from the parameters of MakeNamedMedium (consuming those it
// understands), world_from_medium being the CTM and base_dir the folder that relative file
// names resolve against. Empty when an unsupported type was skipped
// (lenient mode, reported through `diag`); an error for invalid values and, in strict mode,
// for unsupported constructs.
Result<std::optional<IrMedium>> make_medium(const std::string& type, ParamSet& params,
                                            const FileLoc& loc, const Mat4& world_from_medium,
                                            const std::filesystem::path& base_dir,
                                            Diagnostics& diag);

}  // namespace tf::scene
