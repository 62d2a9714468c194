// A stand-in renderer for farm tests: a deterministic per-(frame, pixel, sample) value with a
// wide spread of magnitudes, summed in sample order exactly like a backend sums radiance. It
// lets the farm be tested without a scene renderer, against an independently computed image.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/backend.h"

namespace tf::testing {

// Value of channel c of sample s of pixel (x, y) in `frame`; `seed` stands for the scene.
inline float synthetic_sample(uint64_t seed, uint32_t frame, uint32_t x, uint32_t y, uint32_t s,
                              int c) {
  uint64_t h = seed ^ (uint64_t{frame} << 48) ^ (uint64_t{x} << 32) ^ (uint64_t{y} << 16) ^
               (uint64_t{s} << 2) ^ static_cast<uint64_t>(c);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  // A float in [0, 1) scaled by 2^-8 .. 2^7 so that addition order matters.
  const float unit = static_cast<float>(h >> 40) / static_cast<float>(1u << 24);
  return unit * static_cast<float>(1u << (h & 15)) / 256.0f;
}

inline TileResult synthetic_tile(uint64_t seed, const RenderUnit& u) {
  TileResult t;
  t.width = u.width();
  t.height = u.height();
  t.rgb.resize(size_t{t.width} * t.height * 3);
  for (uint32_t y = u.y0; y < u.y1; ++y) {
    for (uint32_t x = u.x0; x < u.x1; ++x) {
      for (int c = 0; c < 3; ++c) {
        float sum = 0.0f;
        for (uint32_t s = u.s0; s < u.s1; ++s) sum += synthetic_sample(seed, u.frame, x, y, s, c);
        t.rgb[(size_t{y - u.y0} * t.width + (x - u.x0)) * 3 + c] = sum;
      }
    }
  }
  t.rays = uint64_t{t.width} * t.height * (u.s1 - u.s0);
  return t;
}

// The frame the farm must produce: per pixel, the sums of consecutive ranges of
// `samples_per_unit` samples added in ascending order from 0, divided by spp.
inline std::vector<float> synthetic_frame(uint64_t seed, uint32_t frame, uint32_t width,
                                          uint32_t height, uint32_t spp,
                                          uint32_t samples_per_unit) {
  std::vector<float> rgb(size_t{width} * height * 3, 0.0f);
  for (uint32_t s0 = 0; s0 < spp; s0 += samples_per_unit) {
    const uint32_t s1 = std::min(spp, s0 + samples_per_unit);
    const TileResult range = synthetic_tile(seed, {frame, 0, 0, width, height, s0, s1});
    for (size_t i = 0; i < rgb.size(); ++i) rgb[i] += range.rgb[i];
  }
  for (float& v : rgb) v = v / static_cast<float>(spp);
  return rgb;
}

}  // namespace tf::testing
