// The assembler adds sample ranges in a fixed order: the same results give the same bytes
// whatever order they arrive in, and equal the sequential sum computed independently.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "dispatcher/assembler.h"
#include "dispatcher/planner.h"

namespace tf {
namespace {

// Tiles of a w x h frame with values spread over many magnitudes, so that a different
// addition order would change the float sums.
std::vector<TileSums> random_tiles(uint32_t w, uint32_t h, uint32_t tile, uint32_t spp,
                                   uint32_t spu, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> mantissa(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-20, 20);
  std::vector<TileSums> tiles;
  const std::vector<PlannedUnit> plan = plan_frame(w, h, tile, spp, spu).value();
  for (const PlannedUnit& u : plan) {
    TileSums t{u.x0, u.y0, u.x1, u.y1, u.s0, u.s1, {}};
    t.rgb.resize(size_t{u.x1 - u.x0} * (u.y1 - u.y0) * 3);
    for (float& v : t.rgb) v = std::ldexp(mantissa(rng), exponent(rng));
    tiles.push_back(std::move(t));
  }
  return tiles;
}

TEST(Assembler, SameBytesWhateverTheArrivalOrder) {
  const std::vector<TileSums> tiles = random_tiles(37, 29, 8, 20, 3, 7);
  Result<ImageRGB> reference = assemble_frame(37, 29, 20, tiles);
  ASSERT_TRUE(reference.is_ok()) << reference.message();
  std::mt19937 rng(11);
  for (int trial = 0; trial < 10; ++trial) {
    std::vector<TileSums> shuffled = tiles;
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    Result<ImageRGB> image = assemble_frame(37, 29, 20, shuffled);
    ASSERT_TRUE(image.is_ok()) << image.message();
    ASSERT_EQ(std::memcmp(image->rgb.data(), reference->rgb.data(), image->rgb.size() * 4), 0);
  }
}

TEST(Assembler, EqualsTheSequentialSumInSampleOrder) {
  const uint32_t w = 9, h = 5, spp = 10;
  const std::vector<TileSums> tiles = random_tiles(w, h, 4, spp, 3, 3);
  Result<ImageRGB> image = assemble_frame(w, h, spp, tiles);
  ASSERT_TRUE(image.is_ok()) << image.message();
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) {
        float sum = 0.0f;
        for (uint32_t s0 = 0; s0 < spp; s0 += 3) {  // ranges in ascending order
          for (const TileSums& t : tiles) {
            if (t.s0 == s0 && x >= t.x0 && x < t.x1 && y >= t.y0 && y < t.y1) {
              sum += t.rgb[(size_t{y - t.y0} * (t.x1 - t.x0) + (x - t.x0)) * 3 + c];
            }
          }
        }
        const float expected = sum / static_cast<float>(spp);
        ASSERT_EQ(std::memcmp(&image->rgb[(size_t{y} * w + x) * 3 + c], &expected, 4), 0)
            << "pixel " << x << "," << y << " channel " << c;
      }
    }
  }
}

TEST(Assembler, RefusesGapsOverlapsAndBadSizes) {
  std::vector<TileSums> tiles = random_tiles(8, 8, 4, 4, 2, 1);
  std::vector<TileSums> missing(tiles.begin() + 1, tiles.end());
  EXPECT_FALSE(assemble_frame(8, 8, 4, missing).is_ok());
  std::vector<TileSums> doubled = tiles;
  doubled.push_back(tiles[0]);
  EXPECT_FALSE(assemble_frame(8, 8, 4, doubled).is_ok());
  std::vector<TileSums> short_tile = tiles;
  short_tile[0].rgb.pop_back();
  EXPECT_FALSE(assemble_frame(8, 8, 4, short_tile).is_ok());
  std::vector<TileSums> outside = tiles;
  outside[0].x1 = 9;
  EXPECT_FALSE(assemble_frame(8, 8, 4, outside).is_ok());
}

// Tiles refined to different sample counts: each pixel is its own sums, added in sample order
// (computed here pixel by pixel), divided by its own count.
TEST(Assembler, DividesEachPixelOfARefinedFrameByItsOwnSampleCount) {
  // Left tile 4 samples in two units; right tile 12 in three (rounds [0,4), [4,12) cut 2 + 1).
  std::vector<TileSums> tiles = random_tiles(4, 4, 4, 4, 2, 3);
  std::vector<TileSums> right = random_tiles(4, 4, 4, 12, 4, 4);
  for (TileSums& t : right) {
    t.x0 += 4;
    t.x1 += 4;
  }
  tiles.insert(tiles.end(), right.begin(), right.end());
  std::vector<TileSums> shuffled = tiles;
  std::reverse(shuffled.begin(), shuffled.end());
  Result<AdaptiveFrame> frame = assemble_adaptive_frame(8, 4, shuffled);
  ASSERT_TRUE(frame.is_ok()) << frame.message();
  for (uint32_t y = 0; y < 4; ++y) {
    for (uint32_t x = 0; x < 8; ++x) {
      const uint32_t n = x < 4 ? 4 : 12;
      EXPECT_EQ(frame->spp[y * 8 + x], n);
      for (int c = 0; c < 3; ++c) {
        float sum = 0.0f;
        for (const TileSums& t : tiles) {  // in ascending s0 within each tile already
          if (x < t.x0 || x >= t.x1) continue;
          sum += t.rgb[(size_t{y} * (t.x1 - t.x0) + (x - t.x0)) * 3 + c];
        }
        EXPECT_EQ(frame->image.rgb[(y * 8 + x) * 3 + c], sum / static_cast<float>(n));
      }
    }
  }
  std::vector<TileSums> gap = tiles;
  gap.erase(gap.begin());  // the left tile's [0, 2)
  EXPECT_FALSE(assemble_adaptive_frame(8, 4, gap).is_ok());
  std::vector<TileSums> empty_tile(tiles.begin(), tiles.begin() + 2);
  EXPECT_FALSE(assemble_adaptive_frame(8, 4, empty_tile).is_ok()) << "the right tile has none";
}

}  // namespace
}  // namespace tf
