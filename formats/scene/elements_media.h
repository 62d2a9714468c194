// Builder for pbrt-v4's MakeNamedMedium (internal to formats/scene). Homogeneous media are
// supported as pbrt-v4 defines them (media.cpp: sigma_a and sigma_s default to 1, "scale"
// multiplies both, "g" is the Henyey-Greenstein asymmetry); emission ("Le") and the measured
// "preset" coefficients are not, nor are the grid media (uniformgrid, rgbgrid, cloud,
// nanovdb), which lenient loading approximates by a homogeneous medium.
#pragma once

#include <optional>
#include <string>

#include "formats/scene/diagnostics.h"
#include "formats/scene/params.h"
#include "formats/scene/scene_ir.h"

namespace tf::scene {

// The medium of type `type` from the parameters of MakeNamedMedium (consuming those it
// understands). Empty when an unsupported type was skipped (lenient mode, reported through
// `diag`); an error for invalid values and, in strict mode, for unsupported constructs.
Result<std::optional<IrMedium>> make_medium(const std::string& type, ParamSet& params,
                                            const FileLoc& loc, Diagnostics& diag);

}  // namespace tf::scene
