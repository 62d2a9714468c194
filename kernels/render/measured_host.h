// Host side of measured materials (kernels/render/measured_bxdf.h): the block of tables the
// kernel reads, built as pbrt-v4's MeasuredBRDF::Create builds its tables, and the check of a
// block (from a loaded scene or a bundle) that keeps the kernel's reads inside it.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernels/status.h"

namespace tf {

// `slices` tables of height x width values, one after another, x fastest.
struct MeasuredTable {
  uint32_t width = 0, height = 0, slices = 0;
  std::span<const float> values;  // slices * height * width
};

// The tables of an RGL file (formats/scene/measured_bsdf.h has their meaning): vndf and
// luminance hold phi_i.size() * theta_i.size() slices (phi_i slowest), rgb 3 per node.
struct MeasuredTables {
  std::span<const float> phi_i, theta_i;
  bool isotropic = false;
  MeasuredTable ndf, sigma, vndf, luminance, rgb;
};

// The block. ndf, sigma and rgb are kept as they are (pbrt's tables built without
// normalisation or CDFs: Evaluate interpolates the values); vndf and luminance become
// distributions as pbrt's PiecewiseLinear2D builds them, per slice: each row's conditional CDF
// by the trapezoid rule in double precision, the marginal CDF over the rows' totals, both and
// the data divided by the slice's total (stored as float), and an Evaluate scale of
// (w-1)(h-1). Errors: tables smaller than 2 x 2 or of the wrong size, a vndf or luminance
// slice without mass, a sigma value <= 0, or a block of 2^24 floats or more (RGL files are a
// few MiB). The result passes validate_measured_block.
Result<std::vector<float>> build_measured_block(const MeasuredTables& tables);

// Checks the block at texels[offset ..] (tf_material.measured - 1): a header that fits, 1 or 2
// phi_i nodes for isotropic blocks (otherwise any number >= 1), >= 1 theta_i nodes, both grids
// finite and strictly increasing; every table at least 2 x 2 with its data (and, for the
// distributions vndf and luminance, its marginal and conditional CDFs) inside the block for
// all of its slices (ndf, sigma: 1; vndf, luminance: n_phi * n_theta; rgb: 3 per node); every
// value finite; sigma > 0; the distributions' data >= 0 and each slice's CDFs ending at 1; a
// positive finite scale. Errors say what is wrong (the caller names the material).
Status validate_measured_block(std::span<const float> texels, uint32_t offset);

}  // namespace tf
