// Textures: image lookups return texel values at texel centres (row 0 at v = 1) and blend
// linearly between them, repeating outside [0,1) or, by their wrap modes, clamping to the edge
// texels or mirroring; checkerboards alternate by parity.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "kernels/render/texture.h"

namespace tf::test {
namespace {

struct TextureFixture {
  tf_texture tex[2] = {};
  // 2x2 image: row 0 (top) = 1, 2; row 1 (bottom) = 3, 4 (all three channels equal).
  float texels[12] = {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4};
  tf_scene_view view{};
  TextureFixture() {
    tex[0].type = TF_TEX_IMAGE;
    tex[0].width = tex[0].height = 2;
    tex[0].r = tex[0].g = tex[0].b = 1.0f;
    tex[0].uscale = tex[0].vscale = 1.0f;
    tex[1].type = TF_TEX_CHECKERBOARD;
    tex[1].r = tex[1].g = tex[1].b = 0.25f;
    tex[1].r2 = tex[1].g2 = tex[1].b2 = 0.75f;
    tex[1].uscale = tex[1].vscale = 4.0f;
    view.textures = tex;
    view.texels = texels;
  }
  float image(float u, float v) const { return tf_texture_eval(&view, 0, u, v).x; }
  float checker(float u, float v) const { return tf_texture_eval(&view, 1, u, v).y; }
};

TEST(Texture, ImageIsBilinearWithRowZeroAtTheTop) {
  TextureFixture f;
  EXPECT_FLOAT_EQ(f.image(0.25f, 0.75f), 1.0f);  // texel centres
  EXPECT_FLOAT_EQ(f.image(0.75f, 0.75f), 2.0f);
  EXPECT_FLOAT_EQ(f.image(0.25f, 0.25f), 3.0f);
  EXPECT_FLOAT_EQ(f.image(0.75f, 0.25f), 4.0f);
  EXPECT_FLOAT_EQ(f.image(0.5f, 0.5f), 2.5f);           // centre: mean of four
  EXPECT_FLOAT_EQ(f.image(0.5f, 0.75f), 1.5f);          // halfway along the top row
  EXPECT_FLOAT_EQ(f.image(1.25f, -0.25f), f.image(0.25f, 0.75f));  // repeats
  EXPECT_FLOAT_EQ(f.image(0.0f, 0.75f), 1.5f);          // wraps across the left edge
}

// The texel of an axis of n texels that the sample at texel index i reads, from the sampler's
// continuous definition: the coordinate x = (i + 0.5) / n wrapped into [0, 1) (repeat), to the
// edge texel's centre (clamp), or reflected at every integer (mirrored repeat: the image in
// [0, 1), mirrored in [1, 2), and so on with period 2), then floor(x n).
uint32_t texel_of(int i, uint32_t n, uint32_t wrap) {
  double x = (i + 0.5) / n;
  if (wrap == TF_WRAP_CLAMP) {
    x = std::clamp(x, 0.5 / n, 1 - 0.5 / n);
  } else if (wrap == TF_WRAP_MIRROR) {
    const double cell = std::floor(x), f = x - cell;
    x = static_cast<int64_t>(cell) % 2 == 0 ? f : 1 - f;
  } else {
    x -= std::floor(x);
  }
  return static_cast<uint32_t>(std::floor(x * n));
}

TEST(Texture, WrapModesIndexTexelsAsTheirContinuousDefinitions) {
  for (uint32_t wrap : {TF_WRAP_REPEAT, TF_WRAP_CLAMP, TF_WRAP_MIRROR}) {
    for (uint32_t n = 1; n <= 5; ++n) {
      for (int i = -17; i <= 17; ++i) {
        EXPECT_EQ(tf_wrap_texel(i, n, wrap), texel_of(i, n, wrap))
            << "wrap " << wrap << ", n " << n << ", i " << i;
      }
    }
  }
}

TEST(Texture, ClampedImagesExtendTheirEdgesAndMirroredOnesReflect) {
  TextureFixture f;
  f.tex[0].wrap_s = TF_WRAP_CLAMP;
  f.tex[0].wrap_t = TF_WRAP_MIRROR;
  // Beyond the right edge: the right column (2 at the top, 4 at the bottom), at any distance.
  EXPECT_FLOAT_EQ(f.image(1.3f, 0.75f), 2.0f);
  EXPECT_FLOAT_EQ(f.image(7.9f, 0.25f), 4.0f);
  EXPECT_FLOAT_EQ(f.image(-2.2f, 0.75f), 1.0f);  // beyond the left edge: the left column
  // v in [1, 2) reads the image upside down: v = 1.25 is v = 0.75 mirrored (the top row), and
  // v = 1.75 the bottom row; across v = 1 the filter blends a row with itself.
  EXPECT_FLOAT_EQ(f.image(0.25f, 1.25f), 1.0f);
  EXPECT_FLOAT_EQ(f.image(0.25f, 1.75f), 3.0f);
  EXPECT_FLOAT_EQ(f.image(0.25f, 1.0f), 1.0f);
  EXPECT_FLOAT_EQ(f.image(0.75f, -0.25f), 4.0f);  // v = -0.25 mirrors to 0.25
  EXPECT_FLOAT_EQ(f.image(0.75f, 2.25f), 4.0f);   // period 2: v = 2.25 reads v = 0.25
}

TEST(Texture, CheckerboardAlternates) {
  TextureFixture f;
  EXPECT_FLOAT_EQ(f.checker(0.1f, 0.1f), 0.25f);
  EXPECT_FLOAT_EQ(f.checker(0.3f, 0.1f), 0.75f);
  EXPECT_FLOAT_EQ(f.checker(0.3f, 0.3f), 0.25f);
  EXPECT_FLOAT_EQ(f.checker(-0.1f, 0.1f), 0.75f);
}

}  // namespace
}  // namespace tf::test
