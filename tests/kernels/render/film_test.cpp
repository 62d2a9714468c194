// The film response in the render kernel (tf_film, scene_types.h): the sensor matrix, the
// per-sample clamp of the largest sensor component and the output matrix, in that order,
// checked against values worked out by hand; and the clamp's bound on a scene whose light is
// tiny and very bright.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

// Sky of radiance (r, g, b) seen by every camera ray.
KernelScene sky_scene(float r, float g, float b) {
  KernelScene s;
  s.camera = make_camera({0, 0, 0}, {0, 0, -1}, {0, 1, 0}, 4, 4, 0.5f);
  add_env_uniform(&s, 1.0f);
  s.lights.back().r = r, s.lights.back().g = g, s.lights.back().b = b;
  return s;
}

void set_diagonal(float m[9], float x, float y, float z) {
  std::fill(m, m + 9, 0.0f);
  m[0] = x, m[4] = y, m[8] = z;
}

TEST(Film, PassThroughLeavesRadianceUnchanged) {
  KernelScene s = sky_scene(0.25f, 0.5f, 2.0f);
  const std::vector<float> rgb = render_mean(&s, 4, 1);
  for (size_t i = 0; i < rgb.size(); i += 3) {
    EXPECT_EQ(rgb[i], 0.25f);
    EXPECT_EQ(rgb[i + 1], 0.5f);
    EXPECT_EQ(rgb[i + 2], 2.0f);
  }
}

TEST(Film, SensorMatrixThenOutputMatrix) {
  // Sensor: s = (g, b, r) * 2; output: diag(1, 3, 0.5) -> (2g, 6b, r).
  KernelScene s = sky_scene(0.25f, 0.5f, 2.0f);
  tf_film& f = s.header.film;
  f.flags = TF_FILM_RESPONSE;
  f.max_component = TF_FLOAT_MAX;
  std::fill(f.sensor_from_radiance, f.sensor_from_radiance + 9, 0.0f);
  f.sensor_from_radiance[1] = 2, f.sensor_from_radiance[5] = 2, f.sensor_from_radiance[6] = 2;
  set_diagonal(f.output_from_sensor, 1, 3, 0.5f);
  const std::vector<float> rgb = render_mean(&s, 4, 1);
  for (size_t i = 0; i < rgb.size(); i += 3) {
    EXPECT_EQ(rgb[i], 1.0f);
    EXPECT_EQ(rgb[i + 1], 12.0f);
    EXPECT_EQ(rgb[i + 2], 0.25f);
  }
}

TEST(Film, ClampScalesTheSensorValueKeepingItsHue) {
  // Sensor value (1000, 500, 0) with max component 10 -> (10, 5, 0); then output diag(2,2,2).
  KernelScene s = sky_scene(1000.0f, 500.0f, 0.0f);
  tf_film& f = s.header.film;
  f.flags = TF_FILM_RESPONSE;
  f.max_component = 10.0f;
  set_diagonal(f.sensor_from_radiance, 1, 1, 1);
  set_diagonal(f.output_from_sensor, 2, 2, 2);
  const std::vector<float> rgb = render_mean(&s, 4, 1);
  for (size_t i = 0; i < rgb.size(); i += 3) {
    EXPECT_EQ(rgb[i], 20.0f);
    EXPECT_EQ(rgb[i + 1], 10.0f);
    EXPECT_EQ(rgb[i + 2], 0.0f);
  }
}

// A diffuse floor (albedo 0.5) under a sphere of radius 0.01 and radiance 1e5 at height 1:
// each pixel is about a L (r / D)^2 = 5, made of samples of about 5 each. With the clamp at 1,
// no sample's largest component exceeds 1, so no pixel mean can either.
TEST(Film, ClampBoundsEverySampleUnderATinyBrightLight) {
  auto scene = [](bool clamp) {
    KernelScene s;
    s.camera = make_camera({0, 0, 0.5f}, {0, 0, -1}, {0, 1, 0}, 8, 8, 0.2f);
    add_quad(&s, {-100, -100, 0}, {200, 0, 0}, {0, 200, 0}, add_material(&s, diffuse(0.5f)));
    add_sphere(&s, {0, 0, 1}, 0.01f, add_material(&s, diffuse(0.0f)), 1e5f);
    if (clamp) {
      tf_film& f = s.header.film;
      f.flags = TF_FILM_RESPONSE;
      f.max_component = 1.0f;
      set_diagonal(f.sensor_from_radiance, 1, 1, 1);
      set_diagonal(f.output_from_sensor, 1, 1, 1);
    }
    return s;
  };
  KernelScene open = scene(false), clamped = scene(true);
  const std::vector<float> unclamped = render_mean(&open, 16, 1);
  const std::vector<float> rgb = render_mean(&clamped, 16, 1);
  EXPECT_GT(pixel_stat(unclamped, 1).mean, 3.0);  // the clamp has something to do
  for (float v : rgb) EXPECT_LE(v, 1.0f + 1e-6f);
  EXPECT_GT(pixel_stat(rgb, 1).mean, 0.9);  // nearly every sample reaches the bound
}

}  // namespace
}  // namespace tf::test
