// Textures: image lookups return texel values at texel centres (row 0 at v = 1) and blend
// linearly between them, repeating outside [0,1); checkerboards alternate by parity.
#include <gtest/gtest.h>

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

TEST(Texture, CheckerboardAlternates) {
  TextureFixture f;
  EXPECT_FLOAT_EQ(f.checker(0.1f, 0.1f), 0.25f);
  EXPECT_FLOAT_EQ(f.checker(0.3f, 0.1f), 0.75f);
  EXPECT_FLOAT_EQ(f.checker(0.3f, 0.3f), 0.25f);
  EXPECT_FLOAT_EQ(f.checker(-0.1f, 0.1f), 0.75f);
}

}  // namespace
}  // namespace tf::test
