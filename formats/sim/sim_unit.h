// The simulation work unit as dispatcher and worker both see it (DESIGN.md, "simulation
// unit"): the canonical bytes of a whole-domain state (the content-addressed asset a chunk
// starts from), and what one unit computes from it.
//
// A unit is (state at step s, box, K steps). Its input is the box plus a ghost border of
// ghost_width(model, K) cells cut from the state (sim_tiling.h), or the whole state itself when
// the box covers the domain: a ghost border would only repeat work there, and periodic axes
// wrap inside the whole state. Its output is unit_output() of the advanced input: the box's
// fields, component-major. Both give the same bytes as advancing the whole domain K steps
// (sim_tiling.h), which is what makes chunked, tiled runs byte-identical to one long run.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/sim/observation.h"
#include "kernels/sim/sim_host.h"
#include "kernels/sim/sim_tiling.h"
#include "kernels/status.h"

namespace tf::sim {

// The largest state encode_state accepts and decode_state reads back (bytes of fields and
// cell types): a state must fit in one protocol blob.
inline constexpr uint64_t kMaxStateBytes = 120ull << 20;

// Canonical bytes of a whole-domain state (ghost 0): a magic and format version, model,
// size, periodic flags, the parameters of its model, the fields (float32 LE, component-major)
// and the cell types. Equal states give equal bytes. Error when the state is invalid or
// larger than kMaxStateBytes.
Result<std::vector<uint8_t>> encode_state(const TileState& state);
// Whether the states of `s`'s run fit kMaxStateBytes (`s` is any of them; its fields may be
// empty): encode_state's bound, checked before a run starts from a made initial state.
Status check_state_size(const TileState& s);
// Reads encode_state's bytes back, checking every length and validate(); any other input
// (truncated, oversized, another format version) is an error, never a crash.
Result<TileState> decode_state(const std::vector<uint8_t>& bytes);

// Whether `box` is the whole of `domain` (then the unit runs on the domain itself).
bool covers_domain(Extent domain, const Box& box);

// The state a unit advances: the whole domain (covers_domain) or the box with its ghost border.
// Error when the box is not inside the domain or steps < 1.
Result<TileState> unit_input(const TileState& domain, const Box& box, int steps);

// Cells a unit updates, ghost border included: its cost, which is what it is credited for.
uint64_t unit_cell_updates(Model model, Extent domain, const Box& box, int steps);

// Floats in a unit's output: the box's cells times the model's components.
uint64_t unit_output_floats(Model model, const Box& box);

// A unit's observations (kernels/sim/observation.h): at every step of the run in
// (first, first + steps] that is a multiple of plan.every, the sample of its box, in step
// order. Bytes of a sample: the forces as int64 little-endian, then the probe values inside
// the box as float32 little-endian. The result hash of a unit with observations binds them
// (formats/protocol/result_hash.h, observed_result_hash).
std::vector<uint64_t> sample_steps(const ObservationPlan& plan, uint64_t first, uint64_t steps);
size_t sample_bytes(const ObservationPlan& plan, Model model, const Box& box);
void append_sample(std::vector<uint8_t>& out, const Sample& sample);
// The samples of observation bytes holding exactly `count` samples of `box`; error otherwise.
Result<std::vector<Sample>> read_samples(const std::vector<uint8_t>& bytes, size_t count,
                                         const ObservationPlan& plan, Model model,
                                         const Box& box);

}  // namespace tf::sim
