#include "dispatcher/refinement.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace tf {

Result<QualityOptions> resolve_quality(const QualityOptions& options, uint32_t limit) {
  QualityOptions q = options;
  if (!(q.noise_target >= 0) || q.noise_target > 1) {  // also refuses NaN
    return Error{"--noise-target " + std::to_string(q.noise_target) +
                 " must be a relative error in (0, 1], e.g. 0.02 for 2%"};
  }
  if (!q.enabled()) {
    if (q.min_spp != 0 || q.max_spp != 0) {
      return Error{
          "--min-spp and --max-spp apply to rendering to quality: add --noise-target or "
          "--deadline, or use --spp for a fixed sample count"};
    }
    return q;
  }
  if (q.min_spp == 0) q.min_spp = std::min(kDefaultMinSpp, q.max_spp == 0 ? limit : q.max_spp);
  if (q.max_spp == 0) q.max_spp = std::max(kDefaultMaxSpp, q.min_spp);
  if (q.min_spp < 2) {
    return Error{"--min-spp " + std::to_string(q.min_spp) +
                 " must be at least 2: the first round's two halves estimate the noise"};
  }
  if (q.max_spp < q.min_spp || q.max_spp > limit) {
    return Error{"--max-spp " + std::to_string(q.max_spp) + " must be in --min-spp (" +
                 std::to_string(q.min_spp) + ").." + std::to_string(limit)};
  }
  return q;
}

Result<uint64_t> parse_duration_seconds(std::string_view text) {
  const auto bad = [&] {
    return Error{"duration '" + std::string(text) +
                 "' is not a number of seconds or <number><h|m|s>... such as 10m or 1h30m"};
  };
  if (text.empty()) return bad();
  uint64_t total = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  while (p != end) {
    uint64_t value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc() || next == p) return bad();
    uint64_t unit = 1;
    if (next != end) {
      switch (*next++) {
        case 'h':
          unit = 3600;
          break;
        case 'm':
          unit = 60;
          break;
        case 's':
          unit = 1;
          break;
        default:
          return bad();
      }
    } else if (p != text.data()) {
      return bad();  // "1h30": a bare number only alone
    }
    if (value > (std::numeric_limits<uint32_t>::max() - total) / unit) return bad();
    total += value * unit;
    p = next;
  }
  if (total == 0) return Error{"duration '" + std::string(text) + "' must be at least 1s"};
  return total;
}

namespace {

// How many units plan_round() cuts a round of `length` samples into.
uint32_t round_units(uint32_t length, uint32_t samples_per_unit) {
  const uint32_t k = (length + samples_per_unit - 1) / samples_per_unit;
  return std::min(std::max(k + (k % 2), 2u), length);
}

}  // namespace

std::vector<PlannedUnit> plan_round(const PlannedUnit& tile, uint32_t s0, uint32_t s1,
                                    uint32_t samples_per_unit) {
  const uint32_t length = s1 - s0;
  const uint32_t k = round_units(length, samples_per_unit);
  std::vector<PlannedUnit> units;
  units.reserve(k);
  uint32_t start = s0;
  for (uint32_t i = 0; i < k; ++i) {
    const uint32_t size = length / k + (i < length % k ? 1 : 0);
    units.push_back({tile.x0, tile.y0, tile.x1, tile.y1, start, start + size});
    start += size;
  }
  return units;
}

Result<std::vector<PlannedUnit>> plan_first_rounds(uint32_t width, uint32_t height,
                                                   uint32_t tile_size, uint32_t min_spp,
                                                   uint32_t max_spp, uint32_t samples_per_unit,
                                                   const PlanLimits& limits) {
  Result<std::vector<PlannedUnit>> tiles = plan_tiles(width, height, tile_size, limits);
  if (!tiles) return tiles;
  if (min_spp < 2 || samples_per_unit == 0) {
    return Error{"a first round needs at least 2 samples and 1 sample per unit"};
  }
  // Every tile's rounds have the same numbers of units: they depend on the samples alone.
  uint64_t per_tile = round_units(min_spp, samples_per_unit);
  for (uint64_t n = min_spp; n < max_spp; n *= 2) {
    per_tile += round_units(static_cast<uint32_t>(std::min<uint64_t>(2 * n, max_spp) - n),
                            samples_per_unit);
  }
  if (per_tile * tiles->size() > limits.max_units_per_frame) {
    return Error{too_many_units(per_tile * tiles->size(), limits) + ", or a lower --max-spp"};
  }
  const uint64_t total = uint64_t{round_units(min_spp, samples_per_unit)} * tiles->size();
  std::vector<PlannedUnit> units;
  units.reserve(total);
  for (const PlannedUnit& tile : tiles.value()) {
    for (const PlannedUnit& u : plan_round(tile, 0, min_spp, samples_per_unit)) {
      units.push_back(u);
    }
  }
  return units;
}

std::optional<std::pair<uint32_t, uint32_t>> next_round(double error, double noise_target,
                                                        uint32_t spp, uint32_t max_spp,
                                                        bool past_deadline) {
  const bool converged = noise_target > 0 && error <= noise_target;
  if (converged || spp >= max_spp || past_deadline) return std::nullopt;
  return std::pair{spp, static_cast<uint32_t>(std::min<uint64_t>(uint64_t{spp} * 2, max_spp))};
}

double tile_relative_error(std::span<const RangeSums> ranges) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (ranges.size() < 2) return kInf;
  const size_t values = ranges[0].rgb.size();
  if (values == 0 || values % 3 != 0) return kInf;
  double n_half[2] = {0, 0};
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (ranges[i].s1 <= ranges[i].s0 || ranges[i].rgb.size() != values) return kInf;
    n_half[i % 2] += ranges[i].s1 - ranges[i].s0;
  }
  const double n = n_half[0] + n_half[1];
  const double weight = std::sqrt(n_half[0] * n_half[1]) / n;
  double sum_squares = 0;
  const size_t pixels = values / 3;
  for (size_t p = 0; p < pixels; ++p) {
    double sums[2] = {0, 0};  // luminance sums of A and B
    for (size_t i = 0; i < ranges.size(); ++i) {
      const float* rgb = &ranges[i].rgb[p * 3];
      sums[i % 2] += 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    }
    const double mean = (sums[0] + sums[1]) / n;
    const double se = std::abs(sums[0] / n_half[0] - sums[1] / n_half[1]) * weight;
    const double relative = se / std::max(std::abs(mean), kLuminanceFloor);
    sum_squares += relative * relative;
  }
  return std::sqrt(sum_squares / static_cast<double>(pixels));
}

}  // namespace tf
