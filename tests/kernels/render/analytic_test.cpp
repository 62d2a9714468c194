// Renders compared with closed-form radiance: a diffuse plane of albedo a under a distant
// light (a E cos(theta) / pi), a point light (a I cos(theta) / (pi d^2)), a large emissive
// quad (a L F with F the form factor to a parallel rectangle, Howell's catalogue C-11) and an
// emissive sphere (a L (r / D)^2 straight below its centre). Cameras see a tiny patch of the
// plane so that the expected value is constant over each pixel.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A large diffuse floor at z = 0 seen from (0, 0, height) straight down with a tiny footprint.
KernelScene floor_scene(float albedo, float height) {
  KernelScene s;
  s.camera = make_camera({0, 0, height}, {0, 0, -1}, {0, 1, 0}, 4, 4, 1e-3f);
  add_quad(&s, {-100, -100, 0}, {200, 0, 0}, {0, 200, 0}, add_material(&s, diffuse(albedo)));
  return s;
}

void expect_all_pixels(const std::vector<float>& rgb, double expected, double rel_tol) {
  for (float v : rgb) EXPECT_NEAR(v, expected, rel_tol * expected);
}

TEST(Analytic, DistantLightOnDiffusePlane) {
  KernelScene s = floor_scene(0.6f, 1.0f);
  const double cos_t = 1.0 / std::sqrt(1.0 + 0.3 * 0.3);
  add_distant_light(&s, {0.3f, 0.0f, 1.0f}, 2.0f);
  expect_all_pixels(render_mean(&s, 4, 1), 0.6 * 2.0 * cos_t / kPi, 1e-4);
}

TEST(Analytic, PointLightOverDiffusePlane) {
  KernelScene s = floor_scene(0.6f, 1.0f);
  add_point_light(&s, {0.3f, 0.0f, 2.0f}, 5.0f);
  const double d2 = 0.3 * 0.3 + 2.0 * 2.0;
  const double cos_t = 2.0 / std::sqrt(d2);
  expect_all_pixels(render_mean(&s, 4, 1), 0.6 * 5.0 * cos_t / (kPi * d2), 1e-3);
}

TEST(Analytic, SpotLightInsideAndOutsideItsCone) {
  // Light at (0.3, 0, 2) aimed straight down: the seen point (origin) is 8.5 degrees off axis.
  const double d2 = 0.3 * 0.3 + 2.0 * 2.0;
  const double cos_t = 2.0 / std::sqrt(d2);
  KernelScene inside = floor_scene(0.6f, 1.0f);
  add_spot_light(&inside, {0.3f, 0.0f, 2.0f}, {0, 0, -1}, 5.0f, 0.9f, 0.95f);  // 18 / 25 degrees
  expect_all_pixels(render_mean(&inside, 4, 1), 0.6 * 5.0 * cos_t / (kPi * d2), 1e-3);
  KernelScene outside = floor_scene(0.6f, 1.0f);
  add_spot_light(&outside, {0.3f, 0.0f, 2.0f}, {0, 0, -1}, 5.0f, 0.995f, 0.999f);  // 2.6 / 5.7 degrees
  for (float v : render_mean(&outside, 4, 1)) EXPECT_EQ(v, 0.0f);
}

// Form factor from a point to a parallel rectangle of half-sizes (a, b) centred above it at
// height h: four corner rectangles of Howell's C-11.
double centred_rectangle_form_factor(double a, double b, double h) {
  double x = a / h, y = b / h;
  double corner = (x / std::sqrt(1 + x * x) * std::atan(y / std::sqrt(1 + x * x)) +
                   y / std::sqrt(1 + y * y) * std::atan(x / std::sqrt(1 + y * y))) /
                  (2 * kPi);
  return 4 * corner;
}

void expect_statistically(const std::vector<float>& rgb, double expected) {
  Stat st = pixel_stat(rgb, 1);
  EXPECT_LT(st.stderr_, 0.01 * expected) << "too noisy to be a meaningful check";
  EXPECT_NEAR(st.mean, expected, 5.0 * st.stderr_ + 1e-6 * expected);
}

TEST(Analytic, EmissiveQuadOverDiffusePlane) {
  KernelScene s;
  s.camera = make_camera({0, 0, 0.5f}, {0, 0, -1}, {0, 1, 0}, 8, 8, 1e-3f);
  uint32_t floor = add_material(&s, diffuse(0.5f));
  add_quad(&s, {-100, -100, 0}, {200, 0, 0}, {0, 200, 0}, floor);
  // 2 x 1.5 emitter at height 1 facing down (winding normal (0,1.5,0) x (2,0,0) = -z).
  add_quad(&s, {-1.0f, -0.75f, 1.0f}, {0, 1.5f, 0}, {2.0f, 0, 0}, add_material(&s, diffuse(0.0f)), 3.0f);
  expect_statistically(render_mean(&s, 64, 1), 0.5 * 3.0 * centred_rectangle_form_factor(1.0, 0.75, 1.0));
}

TEST(Analytic, EmissiveSphereOverDiffusePlane) {
  KernelScene s;
  s.camera = make_camera({0, 0, 0.5f}, {0, 0, -1}, {0, 1, 0}, 8, 8, 1e-3f);
  add_quad(&s, {-100, -100, 0}, {200, 0, 0}, {0, 200, 0}, add_material(&s, diffuse(0.5f)));
  add_sphere(&s, {0, 0, 2.0f}, 0.5f, add_material(&s, diffuse(0.0f)), 4.0f);
  expect_statistically(render_mean(&s, 64, 1), 0.5 * 4.0 * (0.5 / 2.0) * (0.5 / 2.0));
}

TEST(Analytic, OneSidedEmitterIsDarkFromBehind) {
  KernelScene s;
  s.camera = make_camera({0, 0, 0.5f}, {0, 0, -1}, {0, 1, 0}, 4, 4, 1e-3f);
  add_quad(&s, {-100, -100, 0}, {200, 0, 0}, {0, 200, 0}, add_material(&s, diffuse(0.5f)));
  // Same emitter as above, wound to face up (+z): the floor below sees its back.
  add_quad(&s, {-1.0f, -0.75f, 1.0f}, {2.0f, 0, 0}, {0, 1.5f, 0}, add_material(&s, diffuse(0.0f)), 3.0f);
  for (float v : render_mean(&s, 16, 1)) EXPECT_EQ(v, 0.0f);
}

}  // namespace
}  // namespace tf::test
