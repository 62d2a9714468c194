// Determinism on the CPU backend: the bytes of a frame do not depend on the thread count or
// on how the frame is cut into tiles, and the ray count adds up across tiles.
#include <gtest/gtest.h>

#include <cstring>

#include "kernels/cpu/cpu_backend.h"
#include "kernels/render/render_pixel.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

// A small box with every material and light type.
KernelScene mixed_scene() {
  KernelScene s;
  s.camera = make_camera({0, 1, -3.5f}, {0, 0, 1}, {0, 1, 0}, 24, 18, 0.6f);
  s.camera.lens_radius = 0.02f;
  s.camera.focal_distance = 3.5f;
  uint32_t white = add_material(&s, diffuse(0.7f));
  tf_material checker = diffuse(1.0f);
  tf_texture tex{};
  tex.type = TF_TEX_CHECKERBOARD;
  tex.r = tex.g = tex.b = 0.8f;
  tex.r2 = 0.1f; tex.g2 = 0.2f; tex.b2 = 0.6f;
  tex.uscale = tex.vscale = 4.0f;
  s.textures.push_back(tex);
  checker.texture = 0;
  uint32_t floor = add_material(&s, checker);
  add_quad(&s, {-2, 0, -2}, {0, 0, 4}, {4, 0, 0}, floor);
  add_quad(&s, {-2, 0, 2}, {0, 3, 0}, {4, 0, 0}, white);
  add_quad(&s, {-0.5f, 2.99f, -0.5f}, {1, 0, 0}, {0, 0, 1}, add_material(&s, diffuse(0.0f)), 6.0f);
  add_sphere(&s, {-1.0f, 0.5f, 0.5f}, 0.5f, add_material(&s, dielectric(1.5f, 0.0f)));
  add_sphere(&s, {0.2f, 0.4f, 0.8f}, 0.4f, add_material(&s, conductor(0.2f, 3.9f, 0.3f)));
  add_sphere(&s, {1.1f, 0.35f, 0.2f}, 0.35f, add_material(&s, dielectric(1.33f, 0.2f)));
  add_point_light(&s, {1.5f, 2.0f, -1.0f}, 2.0f);
  add_distant_light(&s, {0.2f, 1.0f, -0.3f}, 0.5f);
  add_env_image(&s, TF_ENV_EQUIRECT, 8, 4, std::vector<float>(8 * 4 * 3, 0.3f));
  s.header.max_depth = 6;
  EXPECT_TRUE(finalize_kernel_scene(&s).is_ok());
  return s;
}

TileResult render_tiled(const KernelScene& s, unsigned threads, uint32_t tile_w, uint32_t tile_h) {
  std::unique_ptr<Backend> b = make_cpu_backend(threads);
  EXPECT_TRUE(b->load_scene(s).is_ok());
  TileResult frame;
  frame.width = s.camera.width;
  frame.height = s.camera.height;
  frame.rgb.assign(static_cast<size_t>(frame.width) * frame.height * 3, 0.0f);
  for (uint32_t y0 = 0; y0 < frame.height; y0 += tile_h) {
    for (uint32_t x0 = 0; x0 < frame.width; x0 += tile_w) {
      RenderUnit u;
      u.frame = 3;
      u.x0 = x0;
      u.y0 = y0;
      u.x1 = std::min(x0 + tile_w, frame.width);
      u.y1 = std::min(y0 + tile_h, frame.height);
      u.s0 = 2;
      u.s1 = 6;
      TileResult t;
      EXPECT_TRUE(b->render(u, &t).is_ok());
      for (uint32_t y = 0; y < t.height; ++y) {
        std::memcpy(&frame.rgb[((y0 + y) * frame.width + x0) * 3], &t.rgb[y * t.width * 3], t.width * 3 * sizeof(float));
      }
      frame.rays += t.rays;
    }
  }
  return frame;
}

TEST(Determinism, SameBytesForAnyThreadCountAndTiling) {
  KernelScene s = mixed_scene();
  TileResult ref = render_tiled(s, 1, s.camera.width, s.camera.height);
  double sum = 0;
  for (float v : ref.rgb) sum += v;
  EXPECT_GT(sum, 0.0);
  EXPECT_GE(ref.rays, uint64_t{24} * 18 * 4);  // at least one camera ray per sample
  const unsigned threads[] = {2, 3, 8};
  const uint32_t tiles[][2] = {{24, 18}, {7, 5}, {1, 18}, {24, 1}};
  for (unsigned n : threads) {
    for (const auto& tile : tiles) {
      TileResult r = render_tiled(s, n, tile[0], tile[1]);
      ASSERT_EQ(r.rgb.size(), ref.rgb.size());
      EXPECT_EQ(0, std::memcmp(r.rgb.data(), ref.rgb.data(), r.rgb.size() * sizeof(float)))
          << n << " threads, tiles " << tile[0] << "x" << tile[1];
      EXPECT_EQ(r.rays, ref.rays);
    }
  }
}

TEST(Determinism, SampleRangesAddUp) {
  // Samples [2, 6) equal samples [2, 4) plus [4, 6) up to float rounding of the two sums.
  KernelScene s = mixed_scene();
  std::unique_ptr<Backend> b = make_cpu_backend();
  ASSERT_TRUE(b->load_scene(s).is_ok());
  RenderUnit u;
  u.x0 = 5; u.y0 = 4; u.x1 = 13; u.y1 = 10;
  u.s0 = 2; u.s1 = 6;
  TileResult all, lo, hi;
  ASSERT_TRUE(b->render(u, &all).is_ok());
  u.s1 = 4;
  ASSERT_TRUE(b->render(u, &lo).is_ok());
  u.s0 = 4; u.s1 = 6;
  ASSERT_TRUE(b->render(u, &hi).is_ok());
  EXPECT_EQ(all.rays, lo.rays + hi.rays);
  for (size_t i = 0; i < all.rgb.size(); ++i) {
    EXPECT_NEAR(all.rgb[i], lo.rgb[i] + hi.rgb[i], 1e-4f * (1.0f + all.rgb[i]));
  }
}

TEST(CpuBackend, RejectsUnitsOutsideTheFilm) {
  KernelScene s = mixed_scene();
  std::unique_ptr<Backend> b = make_cpu_backend();
  RenderUnit u;
  u.x1 = 4; u.y1 = 4; u.s1 = 1;
  TileResult out;
  EXPECT_FALSE(b->render(u, &out).is_ok());  // no scene yet
  ASSERT_TRUE(b->load_scene(s).is_ok());
  u.x1 = s.camera.width + 1;
  EXPECT_FALSE(b->render(u, &out).is_ok());
  EXPECT_EQ(b->kernel_version(), TF_RENDER_KERNEL_VERSION);
}

}  // namespace
}  // namespace tf::test
