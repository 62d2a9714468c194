// The CPU stepper's row kernels (internal to tilefarm_sim_host): each row of a box is split
// once per run into segments of cells that share one update path, so that the hot loop over
// the fluid bulk reads no cell type and carries no edge or boundary logic.
//
// Paths (every path runs the same collision code, kernels/sim/d2q9.h and d3q19.h, so the
// bytes of a cell never depend on the path it took):
//   edge:        a neighbour may lie outside the box (wrap or wall logic); any model;
//   inner:       all neighbours inside the box, cell or neighbour of any type (lattice
//                Boltzmann);
//   stream:      a FLUID cell none of whose neighbours is solid or beyond a non-periodic edge,
//                not at the x edge: streaming is a plain load from a neighbour row, no cell
//                type is read, and a run of such cells vectorizes (lattice Boltzmann);
//   stream_edge: the same at x = 0 or x = nx - 1 of a periodic x axis;
//   solid:       a solid cell (lattice Boltzmann), whose populations the update writes as
//                zero: the segment is zero-filled without running the update.
//
// The row loops are compiled for AVX-512, AVX2 and the baseline ISA and picked at run time
// (GCC function multi-versioning). Wider vectors round each lane exactly as scalar code does
// and contraction into FMA stays off (-ffp-contract=off), so the ISA never changes results.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/sim/sim_host.h"

namespace tf::sim::cpu_rows {

enum class Path : std::uint8_t { edge, inner, stream, stream_edge, solid };

// Cells [x_begin, x_end) of row `row` (row = z * ny + y) take `path`.
struct Segment {
  int row = 0;
  int x_begin = 0, x_end = 0;
  Path path = Path::edge;
};

// The segments covering every cell of rows [row_begin, row_end) of a valid state with grid
// `grid` exactly once, in row order; consecutive cells with the same path share one segment.
// The order within a row is free (a step reads only the other buffer).
std::vector<Segment> plan_rows(const TileState& state, const tf_sim_grid& grid, int row_begin,
                               int row_end);

// Advances the cells of `segment` one step: reads src (the whole box), writes those cells of
// dst. `grid` is the state's grid.
void update_segment(const TileState& state, const tf_sim_grid& grid, const float* src, float* dst,
                    const Segment& segment);

}  // namespace tf::sim::cpu_rows
