// pbrt-v4's "nanovdb" medium read from its MakeNamedMedium parameters (internal to
// formats/scene): the grids of its file and its emission parameters, as pbrt-v4's
// NanoVDBMedium::Create (media.cpp) reads them. The coefficients it shares with every medium
// (sigma_a, sigma_s, scale, g) are read by make_medium (elements_media.h).
//
// Parameters: "string filename" (required; relative names resolve against the scene's folder),
// "string gridname" (default "density"), "string temperaturename" (default "temperature"),
// "float Lescale" (default 1; "LeScale", the name older pbrt-v4 releases and the explosion
// scene use, is accepted too), "float temperatureoffset" (default: "float temperaturecutoff",
// default 0) and "float temperaturescale" (default 1). The density grid must exist; a missing
// temperature grid means no emission (pbrt's IsEmissive: a temperature grid and Lescale > 0).
#pragma once

#include <filesystem>
#include <optional>

#include "formats/scene/density_grid.h"
#include "formats/scene/diagnostics.h"
#include "formats/scene/params.h"

namespace tf::scene {

struct NanoVdbMedium {
  DensityGrid density;                     // in the medium's space (nanovdb_grid.h)
  std::optional<DensityGrid> temperature;  // absent when the file has no such grid
  float le_scale = 1, temperature_offset = 0, temperature_scale = 1;
  bool emissive() const { return temperature.has_value() && le_scale > 0; }
};

// Reads the file named by `params` and marks the parameters above used. Errors name `loc`.
Result<NanoVdbMedium> read_nanovdb_medium(ParamSet& params, const std::filesystem::path& base_dir,
                                          const FileLoc& loc);

// The "nanovdb" medium as a grid medium: m->kind becomes Grid and m->grid its density grid
// (the caller sets the coefficients and the medium's space); when emissive, its temperature
// grid, offset and scale become m's, and Lescale its blackbody_scale (pbrt-v4's
// NanoVDBMedium::Le: Lescale x BlackbodySpectrum(kelvin), none at or below 100 K).
Status set_nanovdb_grid(ParamSet& params, const std::filesystem::path& base_dir, const FileLoc& loc,
                        IrMedium* m);

}  // namespace tf::scene
