// A scalar density grid in a medium's own space: the host-side input of every grid medium
// (pbrt-v4's "uniformgrid" density, a NanoVDB "density" grid once resampled), one struct so
// that every reader produces the same thing and the loader packs one kind of buffer.
//
// Layout and lookup follow pbrt-v4's SampledGrid (util/containers.h): density holds
// nx * ny * nz values with x fastest, then y, then z (index x + nx * (y + ny * z)). The
// samples are cell-centred: the unit cube [0,1]^3 of the bounds [p0, p1] is divided into
// nx x ny x nz cells and value i along x sits at (i + 0.5) / nx. Lookups interpolate
// trilinearly between the eight nearest samples and read zero outside the grid's index range,
// so density fades to zero within half a cell of the bounds and is zero beyond them.
//
// Invariants a producer guarantees: nx, ny, nz >= 1; density.size() == nx * ny * nz; every
// value finite and >= 0; p0 < p1 componentwise.
#pragma once

#include <array>
#include <vector>

namespace tf::scene {

struct DensityGrid {
  std::array<float, 3> p0{0.f, 0.f, 0.f};  // Lower corner of the bounds, in medium space.
  std::array<float, 3> p1{1.f, 1.f, 1.f};  // Upper corner of the bounds, in medium space.
  int nx = 0, ny = 0, nz = 0;
  std::vector<float> density;  // nx * ny * nz values, x fastest.
};

}  // namespace tf::scene
