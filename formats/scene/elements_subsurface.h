// pbrt-v4's "subsurface" material as a dielectric boundary around a homogeneous interior medium
// (internal to formats/scene).
//
// pbrt-v4 renders "subsurface" with a tabulated diffusion BSSRDF (photon beam diffusion). This
// renderer computes the same light transport by a random walk instead: the material's shapes
// get a (rough) dielectric surface of the material's eta and an interior homogeneous medium
// (IrMaterial::interior) that the volumetric path tracer (kernels/render/integrator.h) walks;
// a path that refracts in scatters in the medium until it leaves through the boundary. That is
// an unbiased volumetric estimate rather than the diffusion approximation, so images differ
// where diffusion is inaccurate (thin parts, low albedo, near the light's entry point), and the
// walk's scattering events count towards the integrator's "maxdepth".
//
// The coefficients, per unit length of the scene, follow SubsurfaceMaterial::Create and
// GetMediumScatteringProperties of pbrt-v4, in its order of precedence:
//   1. "name": measured coefficients of Jensen et al. 2001 (sigma_s' as sigma_s, sigma_a,
//      in mm^-1), g forced to 0 (pbrt warns when another g is given);
//   2. "sigma_a" and "sigma_s" (both or neither);
//   3. "reflectance" (diffuse, in [0, 1]) and "mfp" (mean free path, default 1): sigma_t =
//      1 / (scale * mfp) and the single-scattering albedo whose diffuse reflectance is
//      "reflectance". pbrt inverts its photon-beam-diffusion table; this loader inverts the
//      closed-form dipole reflectance of Jensen et al. 2001 (eq. of R_d with the boundary
//      term A(eta)) by bisection on the host, so albedos differ slightly from pbrt's;
//   4. none: pbrt's defaults sigma_a (.0011, .0024, .014), sigma_s (2.55, 3.21, 3.77).
// "scale" (default 1) multiplies the coefficients of 1, 2 and 4 and the mean free path of 3.
// A "reflectance" texture (case 3) is evaluated per hit, as pbrt-v4 does: the loader makes it
// the boundary material's texture, and the kernel inverts its value where a path enters the
// medium, by a table of the same host inversion for the boundary's eta, and keeps that albedo
// while the path walks inside (IrMedium::albedo_table,
// kernels/render/subsurface_albedo.h); the extinction stays 1 / mfp. Texture-valued
// coefficients (sigma_a, sigma_s) or mfp are unsupported (they would change the extinction,
// which shadow rays need without an entry point): strict loading rejects them, lenient
// loading takes the defaults named in the warning.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/scene/diagnostics.h"
#include "formats/scene/params.h"
#include "formats/scene/scene_ir.h"

namespace tf::scene {

// A named medium of Jensen et al. 2001 ("A Practical Model for Subsurface Light Transport",
// Table 1) in mm^-1, as pbrt-v4's table holds it.
struct MeasuredScattering {
  Rgb sigma_prime_s, sigma_a;
};

// The measured coefficients called `name` (case-sensitive, as pbrt matches), or empty.
std::optional<MeasuredScattering> named_scattering(const std::string& name);

// The total diffuse reflectance of a semi-infinite medium of single-scattering albedo `albedo`
// behind a boundary of relative index `eta` in the dipole approximation (Jensen et al. 2001):
// R_d = a/2 (1 + exp(-4/3 A sqrt(3 (1 - a)))) exp(-sqrt(3 (1 - a))), A = (1 + F_dr) / (1 -
// F_dr), F_dr = -1.440 / eta^2 + 0.710 / eta + 0.668 + 0.0636 eta. Increasing in albedo.
double dipole_diffuse_reflectance(double albedo, double eta);

// The albedo in [0, 1] whose dipole_diffuse_reflectance is `rd` (clamped to [0, 1]).
double albedo_from_diffuse_reflectance(double rd, double eta);

// The kernel's table of albedos for the reflectances i / (TF_ALBEDO_TABLE_N - 1), i = 0 .. N-1,
// behind a boundary of index `eta` (albedo_from_diffuse_reflectance of each; IrMedium).
std::vector<float> albedo_table(float eta);

// The interior medium of a "subsurface" material from its parameters (consuming those it
// reads: name, sigma_a, sigma_s, reflectance, mfp, scale, g); `eta` is the boundary's index;
// `reflectance_texture`: the caller consumed a "reflectance" texture (made it the boundary's).
// Errors for invalid values and, in strict mode, for unsupported ones.
Result<IrMedium> make_subsurface_medium(ParamSet& params, const FileLoc& loc, float eta,
                                        bool reflectance_texture, Diagnostics& diag);

}  // namespace tf::scene
