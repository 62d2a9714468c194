// Rendering to quality: a job that names a noise target or a deadline instead of a sample
// count (`--noise-target`, `--min-spp`, `--max-spp`, `--deadline`). Each tile is refined in
// rounds of samples until its estimated relative error is at most the target, its samples
// reach max_spp, or the deadline has passed.
//
// The rule (deterministic):
// - a tile's first round is samples [0, min_spp); each round is cut into at least two units
//   (an even number when it has the samples for it, more by samples_per_unit: plan_round());
// - when every unit of a tile is accepted (verified), its relative error is estimated from the
//   verified result sums alone (tile_relative_error()); if it exceeds the target and the tile
//   has fewer than max_spp samples, the next round is [n, min(2n, max_spp)) (next_round()),
//   otherwise the tile is done;
// - the decision reads only verified bytes and the job's parameters, never arrival order or
//   time. The one exception is the deadline: after it no new round starts (units already
//   planned still finish), so a job with a deadline yields a frame that depends on how fast
//   the farm was; without one, the frame is reproducible from the job alone.
//
// The estimator: a tile's units, sorted by first sample, are assigned alternately to two
// half-accumulations A (even index) and B (odd index). Per pixel, with luminance
// Y = 0.2126 R + 0.7152 G + 0.0722 B (ITU-R BT.709) of the sums, A holds n_A samples with mean
// a and B holds n_B samples with mean b, n = n_A + n_B, and the pixel's estimate is the mean of
// all n samples, m = (n_A a + n_B b) / n. Samples of distinct indices are independent draws
// of one distribution (variance s^2), and A and B hold disjoint indices, so a and b are
// independent with E[(a - b)^2] = s^2 (1/n_A + 1/n_B) = s^2 n / (n_A n_B). The squared
// standard error of m is s^2 / n, hence
//   se^2 = (a - b)^2 n_A n_B / n^2   (= ((a - b) / 2)^2 for equal halves)
// is an unbiased estimate of it. One pixel's difference is a one-degree-of-freedom estimate,
// so the tile's error is the root mean square over its pixels of se / max(|m|, kLuminanceFloor)
// (the floor keeps black pixels from dividing by zero), which averages many of them.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dispatcher/planner.h"
#include "kernels/status.h"

namespace tf {

// Defaults of a job that renders to quality without naming them.
inline constexpr uint32_t kDefaultMinSpp = 16;
inline constexpr uint32_t kDefaultMaxSpp = 1024;
// Luminance below which the relative error is taken relative to this value instead.
inline constexpr double kLuminanceFloor = 1e-3;

// A job's quality options as submitted (proto::SubmitJob); zeros are "not given".
struct QualityOptions {
  double noise_target = 0;  // relative error per tile, e.g. 0.02; 0: none
  uint32_t min_spp = 0;     // the first round's samples; 0: kDefaultMinSpp
  uint32_t max_spp = 0;     // the cap; 0: kDefaultMaxSpp
  uint64_t deadline_s = 0;  // seconds after submission when no new round starts; 0: none
  // A job renders to quality when it names a noise target or a deadline; otherwise it renders
  // its fixed spp exactly as before.
  bool enabled() const { return noise_target > 0 || deadline_s > 0; }
};

// `options` with defaults filled in, or what to fix: a target outside (0, 1], min_spp < 2
// (two independent halves are needed), max_spp < min_spp or above `limit`, min/max spp given
// without a target or a deadline. Errors name the option as the CLI spells it.
Result<QualityOptions> resolve_quality(const QualityOptions& options, uint32_t limit);

// Parses a positive duration: a sequence of <number><unit> with units h, m, s (e.g. "10m", "1h30m",
// "90s"), or a plain number of seconds. Errors quote the text and say the accepted form.
Result<uint64_t> parse_duration_seconds(std::string_view text);

// The units of round [s0, s1) of tile `tile`: k consecutive ranges of near-equal length
// (the first (s1 - s0) % k one sample longer), k = ceil((s1 - s0) / samples_per_unit) rounded up
// to an even number, at least 2, at most s1 - s0. Requires s0 < s1 and samples_per_unit >= 1.
std::vector<PlannedUnit> plan_round(const PlannedUnit& tile, uint32_t s0, uint32_t s1,
                                    uint32_t samples_per_unit);

// The first rounds of every tile of a width x height frame: plan_round(tile, 0, min_spp, ...)
// for each tile of plan_tiles(), in the same order. Errors as plan_frame(), also when every
// tile refined up to max_spp would take more units than limits.max_units_per_frame.
Result<std::vector<PlannedUnit>> plan_first_rounds(uint32_t width, uint32_t height,
                                                   uint32_t tile_size, uint32_t min_spp,
                                                   uint32_t max_spp, uint32_t samples_per_unit,
                                                   const PlanLimits& limits = {});

// The next round of a tile with `spp` samples whose error is `error`: [spp, min(2 spp,
// max_spp)) when error > noise_target (always, without a target) and spp < max_spp and the
// deadline has not passed; nullopt when the tile is done.
std::optional<std::pair<uint32_t, uint32_t>> next_round(double error, double noise_target,
                                                        uint32_t spp, uint32_t max_spp,
                                                        bool past_deadline);

// One accepted unit of a tile: its sample range and per-pixel RGB sums over it (the tile's
// pixels x 3, as in a unit result).
struct RangeSums {
  uint32_t s0 = 0, s1 = 0;
  std::span<const float> rgb;
};

// The tile's estimated relative error (see above) from its units, in ascending order of s0.
// Infinity when the units are fewer than two, a unit holds no samples, or their rgb sizes differ.
double tile_relative_error(std::span<const RangeSums> ranges);

}  // namespace tf
