#include "dispatcher/planner.h"

#include <charconv>
#include <string>
#include <unordered_set>

namespace tf {

std::string too_many_units(uint64_t units, const PlanLimits& limits) {
  return "a frame would need " + std::to_string(units) + " units (limit " +
         std::to_string(limits.max_units_per_frame) +
         "): use a larger tile size or more samples per unit";
}

Result<std::vector<PlannedUnit>> plan_tiles(uint32_t width, uint32_t height, uint32_t tile_size,
                                            const PlanLimits& limits) {
  if (width == 0 || height == 0 || width > limits.max_resolution ||
      height > limits.max_resolution) {
    return Error{"frame resolution " + std::to_string(width) + "x" + std::to_string(height) +
                 " must be between 1 and " + std::to_string(limits.max_resolution) + " per axis"};
  }
  if (tile_size == 0) return Error{"tile size must be at least 1 pixel"};
  const uint64_t count = ((uint64_t{width} + tile_size - 1) / tile_size) *
                         ((uint64_t{height} + tile_size - 1) / tile_size);
  if (count > limits.max_units_per_frame) return Error{too_many_units(count, limits)};
  std::vector<PlannedUnit> tiles;
  tiles.reserve(count);
  for (uint32_t y0 = 0; y0 < height; y0 += std::min(tile_size, height - y0)) {
    const uint32_t y1 = y0 + std::min(tile_size, height - y0);
    for (uint32_t x0 = 0; x0 < width; x0 += std::min(tile_size, width - x0)) {
      tiles.push_back({x0, y0, x0 + std::min(tile_size, width - x0), y1, 0, 0});
    }
  }
  return tiles;
}

Result<std::vector<PlannedUnit>> plan_frame(uint32_t width, uint32_t height, uint32_t tile_size,
                                            uint32_t spp, uint32_t samples_per_unit,
                                            const PlanLimits& limits) {
  Result<std::vector<PlannedUnit>> tiles = plan_tiles(width, height, tile_size, limits);
  if (!tiles) return tiles;
  if (spp == 0 || spp > limits.max_spp) {
    return Error{"samples per pixel " + std::to_string(spp) + " must be between 1 and " +
                 std::to_string(limits.max_spp)};
  }
  if (samples_per_unit == 0) return Error{"samples per unit must be at least 1"};
  const uint64_t ranges = (uint64_t{spp} + samples_per_unit - 1) / samples_per_unit;
  if (tiles->size() * ranges > limits.max_units_per_frame) {
    return Error{too_many_units(tiles->size() * ranges, limits)};
  }
  std::vector<PlannedUnit> units;
  units.reserve(tiles->size() * ranges);
  for (const PlannedUnit& t : tiles.value()) {
    for (uint32_t s0 = 0; s0 < spp; s0 += std::min(samples_per_unit, spp - s0)) {
      units.push_back({t.x0, t.y0, t.x1, t.y1, s0, s0 + std::min(samples_per_unit, spp - s0)});
    }
  }
  return units;
}

namespace {

Result<uint32_t> parse_number(std::string_view text, std::string_view item) {
  uint32_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Error{"frame list item '" + std::string(item) + "' is not N, A-B or A-BxS"};
  }
  return value;
}

}  // namespace

Result<std::vector<uint32_t>> parse_frame_list(std::string_view text, size_t max_frames) {
  std::vector<uint32_t> frames;
  std::unordered_set<uint32_t> seen;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) return Error{"frame list '" + std::string(text) + "' has an empty item"};

    uint32_t first = 0, last = 0, step = 1;
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos) {
      Result<uint32_t> n = parse_number(item, item);
      if (!n) return Error{n.message()};
      first = last = n.value();
    } else {
      const size_t x = item.find('x', dash);
      Result<uint32_t> a = parse_number(item.substr(0, dash), item);
      Result<uint32_t> b = parse_number(
          item.substr(dash + 1, x == std::string_view::npos ? std::string_view::npos
                                                            : x - dash - 1),
          item);
      if (!a) return Error{a.message()};
      if (!b) return Error{b.message()};
      first = a.value();
      last = b.value();
      if (x != std::string_view::npos) {
        Result<uint32_t> s = parse_number(item.substr(x + 1), item);
        if (!s) return Error{s.message()};
        step = s.value();
      }
      if (last < first) {
        return Error{"frame range '" + std::string(item) + "' ends before it starts"};
      }
      if (step == 0) return Error{"frame range '" + std::string(item) + "' has a step of 0"};
    }
    for (uint64_t f = first; f <= last; f += step) {
      if (!seen.insert(static_cast<uint32_t>(f)).second) {
        return Error{"frame " + std::to_string(f) + " is listed twice (item '" +
                     std::string(item) + "')"};
      }
      if (frames.size() == max_frames) {
        return Error{"frame list names more than " + std::to_string(max_frames) + " frames"};
      }
      frames.push_back(static_cast<uint32_t>(f));
    }
  }
  return frames;
}

}  // namespace tf
