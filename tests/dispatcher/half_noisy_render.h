// A stand-in renderer for tests of rendering to quality: in a frame `width` pixels wide, the
// left half is clean (every sample 0.5 in every channel) and the right half noisy (each sample
// uniform in [0, 1) from a hash of pixel, sample and channel). Both halves have the analytic
// mean kHalfNoisyMean in every channel: the truth a refined frame is measured against.
#pragma once

#include <cstdint>
#include <vector>

namespace tf::testing {

inline constexpr double kHalfNoisyMean = 0.5;

inline float half_noisy_sample(uint32_t width, uint32_t x, uint32_t y, uint32_t s, int c) {
  if (x < width / 2) return 0.5f;
  uint64_t h =
      (uint64_t{x} << 48) ^ (uint64_t{y} << 32) ^ (uint64_t{s} << 2) ^ static_cast<uint64_t>(c);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return static_cast<float>(h >> 40) / static_cast<float>(1u << 24);
}

// Per-pixel RGB sums over samples [s0, s1) of the rectangle [x0, x1) x [y0, y1), each summed
// in sample order from 0.0f as a backend sums radiance.
inline std::vector<float> half_noisy_sums(uint32_t width, uint32_t x0, uint32_t y0, uint32_t x1,
                                          uint32_t y1, uint32_t s0, uint32_t s1) {
  std::vector<float> rgb(size_t{x1 - x0} * (y1 - y0) * 3);
  for (uint32_t y = y0; y < y1; ++y) {
    for (uint32_t x = x0; x < x1; ++x) {
      for (int c = 0; c < 3; ++c) {
        float sum = 0.0f;
        for (uint32_t s = s0; s < s1; ++s) sum += half_noisy_sample(width, x, y, s, c);
        rgb[(size_t{y - y0} * (x1 - x0) + (x - x0)) * 3 + c] = sum;
      }
    }
  }
  return rgb;
}

}  // namespace tf::testing
