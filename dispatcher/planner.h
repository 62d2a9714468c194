// The planner: how a job becomes units. A frame is cut into tiles (row-major, the last row and
// column clipped to the film) and each tile's samples into consecutive ranges of at most
// samples_per_unit samples. Together the units of a frame cover every (pixel, sample index) of
// the frame exactly once.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/status.h"

namespace tf {

struct PlannedUnit {
  uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  uint32_t s0 = 0, s1 = 0;
  bool operator==(const PlannedUnit&) const = default;
};

struct PlanLimits {
  uint32_t max_resolution = 16384;       // per axis
  uint32_t max_spp = 1u << 20;
  uint64_t max_units_per_frame = 1u << 20;
};

// The error of a frame that would need `units` units, more than the limit allows.
std::string too_many_units(uint64_t units, const PlanLimits& limits);

// The tiles of one width x height frame, row-major, as units without samples (s0 = s1 = 0).
// Errors: zero sizes, resolution or tile size out of range.
Result<std::vector<PlannedUnit>> plan_tiles(uint32_t width, uint32_t height, uint32_t tile_size,
                                            const PlanLimits& limits = {});

// Units of one width x height frame. Errors (zero sizes, tile or sample chunk 0, limits
// exceeded) name the offending value.
Result<std::vector<PlannedUnit>> plan_frame(uint32_t width, uint32_t height, uint32_t tile_size,
                                            uint32_t spp, uint32_t samples_per_unit,
                                            const PlanLimits& limits = {});

// Parses a frame list: comma-separated items, each `N`, `A-B` (inclusive) or `A-BxS` (every S
// from A to B), e.g. "1-240", "1-100x2", "1,5,10-20". Returns the frames in the order given.
// Errors: empty items, non-numbers, B < A, S == 0, a frame listed twice, more than
// `max_frames` frames; the message quotes the offending item.
Result<std::vector<uint32_t>> parse_frame_list(std::string_view text,
                                               size_t max_frames = 1000000);

}  // namespace tf
