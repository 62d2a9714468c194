// The tree of one NanoVDB float grid buffer resampled into a DensityGrid (internal to
// formats/scene; the contract is read_nanovdb_grid's in nanovdb_grid.h).
#pragma once

#include <cstdint>
#include <string_view>

#include "formats/scene/density_grid.h"
#include "kernels/status.h"

namespace tf::scene::nvdb {

// `buffer` is one grid (GridData, TreeData, nodes) as decoded from a file; the result covers
// its active index box plus one voxel of zero padding, at most `max_samples` samples. Errors
// say what is wrong without naming the grid (the caller does).
Result<DensityGrid> grid_to_density(std::string_view buffer, uint64_t max_samples);

}  // namespace tf::scene::nvdb
