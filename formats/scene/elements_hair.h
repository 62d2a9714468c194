// pbrt-v4's "hair" material (internal to formats/scene): the parameters of its HairBxDF
// (kernels/render/hair_bsdf.h) as HairMaterial::Create and GetBxDF read them.
//
// The absorption sigma_a (per unit fibre diameter) comes from the first of, in pbrt's order:
//   1. "sigma_a" (clamped to >= 0);
//   2. "color": the fibre colour, clamped to [0, 1], through pbrt's SigmaAFromReflectance
//      (Chiang et al. 2016: sigma_a = (ln c / (5.969 - 0.215 bn + 2.532 bn^2 - 10.73 bn^3 +
//      5.574 bn^4 + 0.245 bn^5))^2 with bn = beta_n), per RGB channel where pbrt works per
//      wavelength; a colour of 0 gives an opaque fibre (sigma_a capped at kHairMaxSigmaA);
//   3. "eumelanin" / "pheomelanin" concentrations (each clamped to >= 0) times pbrt's
//      sigma_a of the pigments, RGB (0.419, 0.697, 1.37) and (0.187, 0.4, 1.05);
//   4. none of them: eumelanin 1.3 (pbrt's default brown hair).
// Later ones given alongside an earlier one are ignored with a warning, as pbrt does.
// "eta" (default 1.55), "beta_m" and "beta_n" (default 0.3, clamped to [0.01, 1] as pbrt's
// GetBxDF does) and "alpha" (scale tilt in degrees, default 2). Texture-valued parameters are
// unsupported (the material holds constants): strict loading rejects them, lenient loading
// uses the default named in the warning.
#pragma once

#include <string>

#include "formats/scene/elements.h"

namespace tf::scene {

inline constexpr float kHairMaxSigmaA = 1e30f;

// Rgb sigma_a of fibre colour `c` (each channel clamped to [0, 1]) for azimuthal roughness
// beta_n: pbrt's SigmaAFromReflectance.
Rgb hair_sigma_a_from_color(Rgb c, double beta_n);

// Rgb sigma_a of melanin concentrations: pbrt's SigmaAFromConcentration.
Rgb hair_sigma_a_from_melanin(double eumelanin, double pheomelanin);

// Reads Material "hair" into *m (type Hair), consuming the parameters above.
Status read_hair(ParamSet& params, const FileLoc& loc, ElementContext& ctx, IrMaterial* m);

}  // namespace tf::scene
