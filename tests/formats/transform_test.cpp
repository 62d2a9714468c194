#include "formats/scene/transform.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tf::scene {
namespace {

void expect_near(const Mat4& a, const Mat4& b, double tol = 1e-12) {
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(a.m[i][j], b.m[i][j], tol) << i << "," << j;
}

Mat4 rows(std::array<std::array<double, 4>, 4> r) {
  Mat4 m;
  m.m = r;
  return m;
}

TEST(Transform, HandComputedMatrices) {
  expect_near(Mat4::translate({1, 2, 3}),
              rows({{{1, 0, 0, 1}, {0, 1, 0, 2}, {0, 0, 1, 3}, {0, 0, 0, 1}}}));
  expect_near(Mat4::scale({2, 3, 4}),
              rows({{{2, 0, 0, 0}, {0, 3, 0, 0}, {0, 0, 4, 0}, {0, 0, 0, 1}}}));
  // 90 degrees about +z maps +x to +y.
  expect_near(Mat4::rotate(90, {0, 0, 5}),
              rows({{{0, -1, 0, 0}, {1, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}}));
  // 90 degrees about +x maps +y to +z.
  expect_near(Mat4::rotate(90, {1, 0, 0}),
              rows({{{1, 0, 0, 0}, {0, 0, -1, 0}, {0, 1, 0, 0}, {0, 0, 0, 1}}}));
  // pbrt's Transform takes column-major values: the translation is in the last four.
  const double v[16] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 5, 6, 7, 1};
  expect_near(Mat4::from_pbrt_array(v), Mat4::translate({5, 6, 7}));
}

TEST(Transform, LookAtIsPbrtCameraFromWorld) {
  // Eye at (0,0,-5) looking at the origin, up +y: camera axes equal world axes, so
  // camera-from-world is a translation by +5 in z.
  expect_near(Mat4::look_at({0, 0, -5}, {0, 0, 0}, {0, 1, 0}).value(), Mat4::translate({0, 0, 5}));
  // Looking down -x from (3,0,0): camera +z = world -x, camera +x = cross(up, dir) = +z.
  const Mat4 m = Mat4::look_at({3, 0, 0}, {0, 0, 0}, {0, 1, 0}).value();
  const Vec3d p = m.apply_point({0, 0, 0});
  EXPECT_NEAR(p.z, 3, 1e-12);  // the origin is 3 units in front of the camera
  const Vec3d x = m.inverse()->apply_vector({1, 0, 0});
  EXPECT_NEAR(x.z, 1, 1e-12);
  EXPECT_FALSE(Mat4::look_at({0, 0, 0}, {0, 0, 0}, {0, 1, 0}).has_value());
  EXPECT_FALSE(Mat4::look_at({0, 0, 0}, {0, 1, 0}, {0, 1, 0}).has_value());
}

TEST(Transform, InverseNormalsAndHandedness) {
  const Mat4 m = Mat4::translate({1, 2, 3}) * Mat4::rotate(33, {1, 2, 3}) * Mat4::scale({2, 3, 4});
  expect_near(m * m.inverse().value(), Mat4::identity(), 1e-12);
  EXPECT_FALSE(Mat4::scale({1, 0, 1}).inverse().has_value());
  EXPECT_TRUE(Mat4::scale({-1, 1, 1}).swaps_handedness());
  EXPECT_FALSE(m.swaps_handedness());
  // A normal stays perpendicular to a transformed tangent under non-uniform scale.
  const Mat4 s = Mat4::scale({1, 4, 1});
  const Vec3d n = Mat4::apply_normal(s.inverse().value(), normalize({1, 1, 0}));
  const Vec3d t = s.apply_vector({1, -1, 0});
  EXPECT_NEAR(dot(n, t), 0, 1e-12);
}

}  // namespace
}  // namespace tf::scene
