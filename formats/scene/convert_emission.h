// The emission of a scene IR medium in the kernel's form (internal to formats/scene; the
// kernel side is kernels/render/medium_emission.h): its flag, RGB "Le", and for grid media the
// Lescale and temperature grids and the table of blackbody emission per kelvin, appended to
// the scene's density array.
#pragma once

#include <vector>

#include "formats/scene/scene_ir.h"
#include "kernels/render/scene_types.h"

namespace tf::scene {

// Entries of the blackbody table: spaced (t1 - t0) / 1023 apart, the table's linear
// interpolation errs by far less than float rounding for any realistic range.
inline constexpr uint32_t kBlackbodyTableSize = 1024;

// Sets km's emission fields from m (nothing when m does not emit), appending grids and the
// table to *densities. The table spans 100 K (pbrt's cutoff) to the hottest kelvin the
// temperature grid's interpolated values can map to (its samples and the zero outside it).
void convert_medium_emission(const IrMedium& m, tf_medium* km, std::vector<float>* densities);

}  // namespace tf::scene
