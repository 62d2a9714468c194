#include "dispatcher/assembler.h"

#include <algorithm>
#include <string>
#include <tuple>

namespace tf {
namespace {

// The frame's per-pixel sums over `tiles` and each pixel's sample count; checks that every
// pixel's ranges follow one another from sample 0.
Result<ImageRGB> accumulate(uint32_t width, uint32_t height, std::vector<TileSums> tiles,
                            std::vector<uint32_t>& next_sample) {
  std::sort(tiles.begin(), tiles.end(), [](const TileSums& a, const TileSums& b) {
    return std::tie(a.s0, a.y0, a.x0) < std::tie(b.s0, b.y0, b.x0);
  });
  ImageRGB image;
  image.width = width;
  image.height = height;
  image.rgb.assign(size_t{width} * height * 3, 0.0f);
  // Samples accumulated so far per pixel: each range must start where the previous ended.
  next_sample.assign(size_t{width} * height, 0);
  for (const TileSums& t : tiles) {
    if (t.x1 > width || t.y1 > height || t.x0 >= t.x1 || t.y0 >= t.y1 || t.s0 >= t.s1) {
      return Error{"tile [" + std::to_string(t.x0) + "," + std::to_string(t.x1) + ")x[" +
                   std::to_string(t.y0) + "," + std::to_string(t.y1) + ") is empty or outside the " +
                   std::to_string(width) + "x" + std::to_string(height) + " frame"};
    }
    const uint32_t tw = t.x1 - t.x0;
    if (t.rgb.size() != size_t{tw} * (t.y1 - t.y0) * 3) {
      return Error{"tile at (" + std::to_string(t.x0) + "," + std::to_string(t.y0) +
                   ") holds " + std::to_string(t.rgb.size()) + " values, not width*height*3"};
    }
    for (uint32_t y = t.y0; y < t.y1; ++y) {
      for (uint32_t x = t.x0; x < t.x1; ++x) {
        const size_t pixel = size_t{y} * width + x;
        if (next_sample[pixel] != t.s0) {
          return Error{"pixel (" + std::to_string(x) + "," + std::to_string(y) +
                       ") has samples [" + std::to_string(next_sample[pixel]) + ", ...) next but" +
                       " a tile starts at sample " + std::to_string(t.s0)};
        }
        next_sample[pixel] = t.s1;
        const float* src = &t.rgb[(size_t{y - t.y0} * tw + (x - t.x0)) * 3];
        float* dst = &image.rgb[pixel * 3];
        dst[0] += src[0];
        dst[1] += src[1];
        dst[2] += src[2];
      }
    }
  }
  return image;
}

std::string pixel_name(size_t pixel, uint32_t width) {
  return "pixel (" + std::to_string(pixel % width) + "," + std::to_string(pixel / width) + ")";
}

}  // namespace

Result<ImageRGB> sum_tiles(uint32_t width, uint32_t height, uint32_t spp,
                           std::vector<TileSums> tiles) {
  std::vector<uint32_t> next_sample;
  Result<ImageRGB> image = accumulate(width, height, std::move(tiles), next_sample);
  if (!image) return image;
  for (size_t pixel = 0; pixel < next_sample.size(); ++pixel) {
    if (next_sample[pixel] != spp) {
      return Error{pixel_name(pixel, width) + " has " + std::to_string(next_sample[pixel]) +
                   " of " + std::to_string(spp) + " samples"};
    }
  }
  return image;
}

Result<ImageRGB> assemble_frame(uint32_t width, uint32_t height, uint32_t spp,
                                std::vector<TileSums> tiles) {
  Result<ImageRGB> image = sum_tiles(width, height, spp, std::move(tiles));
  if (!image) return image;
  for (float& v : image->rgb) v = v / static_cast<float>(spp);
  return image;
}

Result<AdaptiveFrame> assemble_adaptive_frame(uint32_t width, uint32_t height,
                                              std::vector<TileSums> tiles) {
  AdaptiveFrame frame;
  Result<ImageRGB> image = accumulate(width, height, std::move(tiles), frame.spp);
  if (!image) return Error{image.message()};
  frame.image = std::move(image.value());
  for (size_t pixel = 0; pixel < frame.spp.size(); ++pixel) {
    const uint32_t n = frame.spp[pixel];
    if (n == 0) return Error{pixel_name(pixel, width) + " has no samples"};
    for (int c = 0; c < 3; ++c) {
      frame.image.rgb[pixel * 3 + c] = frame.image.rgb[pixel * 3 + c] / static_cast<float>(n);
    }
  }
  return frame;
}

}  // namespace tf
