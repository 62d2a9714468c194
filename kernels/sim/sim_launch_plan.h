// How a device backend (OpenCL, CUDA) covers the cells of a state in one step: which boxes of
// cells it launches, and with which kernel. Pure host code shared by the launch layers.
//
// Lattice Boltzmann states with at least three cells on every axis are covered by one
// interior launch (every neighbour of every cell inside the box, so the update takes
// inside = 1: no wrap or edge logic, straight-line code that vectorizes across work-items)
// and the outer layer of the box as 2 * dimensions face launches of the general update. The
// boxes cover every cell exactly once, so the result equals one general launch over the whole
// box, byte for byte. Other states get one general launch over the whole box.
#pragma once

#include <array>
#include <vector>

#include "kernels/sim/sim_host.h"

namespace tf::sim {

struct LaunchBox {
  std::array<int, 3> offset{};          // first cell (x, y, z)
  std::array<int, 3> size{1, 1, 1};     // cells per axis
  bool interior = false;                // the interior kernel (inside = 1) or the general one
  long long cell_count() const { return static_cast<long long>(size[0]) * size[1] * size[2]; }
};

// The launches of one step of a valid state, interior first; never empty.
std::vector<LaunchBox> step_launches(const TileState& state);

}  // namespace tf::sim
