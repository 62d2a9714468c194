// Samples of a state besides its fields (ObservationPlan, sim_host.h): the force of the fluid
// on each obstacle and the fields at probe cells, over the cells one unit owns.
//
// Force: momentum exchange on the half-way bounce-back links (Ladd 1994). The buffers hold
// post-collision populations, so a fluid cell x whose neighbour x + c_i is a solid of obstacle
// k gives obstacle k the momentum 2 c_i f_i(x) (f_i unshifted: the stored value plus w_i),
// which the wall reflects back into x in the next step. Summed over every link of the cells
// a unit owns, as 64-bit integers in units of 2^-kForceFractionBits: integer sums do not
// depend on their order, so the force on an obstacle cut by tiles is the sum of its tiles'
// parts, bit for bit the force computed on the whole domain.
//
// Probes: cell_fields() of each probe cell inside the owned box, as the snapshots write them.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/sim/sim_host.h"
#include "kernels/sim/sim_tiling.h"

namespace tf::sim {

inline constexpr int kForceFractionBits = 40;

struct Sample {
  std::vector<int64_t> force;  // observation.obstacles x (x, y, z), fixed point (see above)
  std::vector<float> probes;   // per probe inside the owned box (plan order): field_count values
  bool operator==(const Sample&) const = default;
};

// The sample of `state` over `owned`, a box in the state's own cell coordinates (ghost border
// included; the cells a unit's output covers). Precondition: validate(state) is ok and
// `owned` lies inside the box.
Sample sample_state(const TileState& state, const Box& owned);

// Whether the probe at domain cell `cell` lies in `box` (domain coordinates).
bool probe_in_box(const std::array<int, 3>& cell, const Box& box);

// A fixed-point force component as a number.
inline double force_value(int64_t fixed) {
  return static_cast<double>(fixed) / static_cast<double>(int64_t{1} << kForceFractionBits);
}

}  // namespace tf::sim
