// The assembler: unit results (per-pixel sums over sample ranges) -> one frame.
//
// Determinism: each pixel's sums are added in ascending order of the units' first sample
// index, starting from 0.0f, whatever order the results arrived in; the frame is then divided
// by spp (or, for a frame refined to quality, each pixel by its own sample count). The same unit results therefore give the same image bytes on every run.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "formats/image/image_io.h"
#include "kernels/status.h"

namespace tf {

struct TileSums {
  uint32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  uint32_t s0 = 0, s1 = 0;
  std::vector<float> rgb;  // (x1 - x0) * (y1 - y0) * 3 sums
};

// The frame's per-pixel sums over all of `tiles` (taken by value: sorted in place).
// Errors: a tile outside the frame, an rgb size that does not match its rectangle, or a pixel
// whose sample ranges do not add up to exactly [0, spp) once.
Result<ImageRGB> sum_tiles(uint32_t width, uint32_t height, uint32_t spp,
                           std::vector<TileSums> tiles);

// The frame's mean radiance: sum_tiles() divided by spp.
Result<ImageRGB> assemble_frame(uint32_t width, uint32_t height, uint32_t spp,
                                std::vector<TileSums> tiles);

// A frame whose tiles were refined to different sample counts (refinement.h): each pixel's mean
// radiance and its sample count n, width * height counts row-major.
struct AdaptiveFrame {
  ImageRGB image;
  std::vector<uint32_t> spp;
};

// Sums as sum_tiles() (the same order), each pixel divided by its own n: its ranges must cover
// [0, n) exactly once for some n >= 1. Errors as sum_tiles(), or a pixel without samples.
Result<AdaptiveFrame> assemble_adaptive_frame(uint32_t width, uint32_t height,
                                              std::vector<TileSums> tiles);

}  // namespace tf
