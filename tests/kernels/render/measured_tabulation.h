// Tabulates an analytic isotropic BRDF in the RGL measured format (Dupuy & Jakob 2018), in
// double precision and independently of the kernel (kernels/render/measured_bxdf.h), for the
// measured-material tests: the kernel's f, pdf and samples are checked against the BRDF the
// tables were made from.
//
// The model the tables follow is the format's definition, f(wo, wi) = R(s) D(wm) /
// (4 sigma(wo) cos theta_i), with D the GGX distribution of roughness `alpha` (its tables in
// the unit coordinates u = (sqrt(theta 2 / pi), (phi + pi) / 2 pi) of the half vector),
// sigma(w) = integral of D(m) max(0, w . m) dm = (cos theta + sqrt(cos^2 theta + alpha^2
// sin^2 theta)) / 2, and s the half vector's point in the sampling domain of the vndf warp.
// So R at the sampling-domain nodes is f(wo, wi) 4 sigma(wo) cos theta_i / D(wm) with wm the
// half vector that the warp takes the node to: the identity for a constant vndf table, else
// the inverse of the continuous warp of the bilinear vndf (its CDFs integrated exactly and
// inverted by bisection here). The luminance table is R's channel mean plus 0.01.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/render/measured_host.h"

namespace tf::test {

struct Dir {
  double x, y, z;
};

using Brdf = std::function<std::array<double, 3>(const Dir& wo, const Dir& wi)>;

struct Tabulated {
  uint32_t n = 0;                      // each table is n x n
  std::vector<float> phi_i;            // radians; one node: isotropic
  std::vector<float> theta_i;          // radians
  std::vector<float> ndf, sigma;       // [n][n]
  std::vector<float> vndf, luminance;  // [phi][theta][n][n]
  std::vector<float> rgb;              // [phi][theta][3][n][n]
  MeasuredTables tables() const;       // views of the vectors above
};

// Tabulates `f` with tables of n x n nodes at n_theta nodes theta_i evenly in [0, max_theta],
// with GGX roughness alpha; `true_vndf`: the vndf table holds GGX's visible normal density
// (in unit coordinates, so that its warp is not the identity), else it is constant. n_phi 1:
// an isotropic file (phi_i = {0}, half vectors' azimuths relative to wo's); more: an
// anisotropic one (phi_i evenly in [-pi, pi], absolute azimuths) of the same BRDF.
Tabulated tabulate(const Brdf& f, double alpha, bool true_vndf, uint32_t n, uint32_t n_theta,
                   double max_theta, uint32_t n_phi = 1);

// GGX D(wm) for roughness alpha (unit wm, wm.z > 0).
double ggx_d(const Dir& wm, double alpha);

// A rough GGX conductor: Schlick's Fresnel from f0, GGX D, height-correlated Smith masking.
Brdf ggx_conductor(double alpha, std::array<double, 3> f0);

}  // namespace tf::test
