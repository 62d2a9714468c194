// Tiling of a simulation domain into work units (DESIGN.md, "simulation unit"): a tile is
// advanced K steps on its own from its interior plus a ghost border of K * stencil_radius
// cells, and its interior then equals, byte for byte, the same cells of the whole domain
// advanced K steps. The farm plans units with split_domain, ships extract_tile's state, runs
// run_steps_cpu (or a device backend) on it, and stitches the unit_output bytes of each unit
// with insert_unit_output.
//
// Thread-safety: pure functions of their arguments; no shared state.
#pragma once

#include <vector>

#include "kernels/sim/sim_host.h"
#include "kernels/status.h"

namespace tf::sim {

// A region of a domain in cells: origin (x0, y0, z0) and size.
struct Box {
  int x0 = 0, y0 = 0, z0 = 0;
  Extent size;
  bool operator==(const Box&) const = default;
};

// Splits `domain` into boxes of at most `tile` cells per axis (the last box of an axis takes
// the remainder), x fastest, then y, then z. The boxes cover every cell exactly once.
// Empty when a size is not positive.
std::vector<Box> split_domain(Extent domain, Extent tile);

// Ghost border width a tile of `model` needs to advance `steps` steps on its own.
int ghost_width(Model model, int steps);

// The input of a unit: the cells of `box` of a whole-domain state (ghost == 0) plus a border of
// `ghost` cells on every side (in z only for 3D models), with the domain's parameters. Border
// cells beyond a periodic domain edge wrap around; beyond a non-periodic edge they are resting
// walls with zero fields, which is how the whole-domain stepper sees the outside. The tile is
// never periodic. Error when the domain is invalid or not whole, or the box is not inside it.
Result<TileState> extract_tile(const TileState& domain, const Box& box, int ghost);

// The result of a unit: the fields of the tile's interior, component-major, x fastest
// (component q of interior cell (x, y, z) at ((q * nz + z) * ny + y) * nx + x). These are the
// bytes replicas hash and the dispatcher stitches. Precondition: validate(tile) is ok.
std::vector<float> unit_output(const TileState& tile);

// Writes a unit's output (laid out as unit_output returns it) into `box` of `domain`. Error
// (domain untouched) when the box is not inside the domain or the size does not match.
Status insert_unit_output(TileState& domain, const Box& box, const std::vector<float>& output);

// Copies the interior of `tile` (all fields) into `box` of `domain`. Error (domain untouched)
// when models, parameters, or sizes disagree.
Status insert_interior(TileState& domain, const TileState& tile, const Box& box);

// Advances a whole domain `steps` steps as the farm does: split into tiles of at most `tile`
// cells, extract each with ghost_width(model, steps), run it with run_steps_cpu(threads), and
// stitch the interiors. Byte-identical to run_steps_cpu(domain, steps). On error the domain is
// left untouched.
Status run_tiled_cpu(TileState& domain, Extent tile, int steps, int threads = 0);

}  // namespace tf::sim
