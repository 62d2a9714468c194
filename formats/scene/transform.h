// 4x4 affine transforms in double precision for scene parsing (pbrt's Transform semantics).
// Plain value types; thread-safe.
#pragma once

#include <array>
#include <optional>

namespace tf::scene {

struct Vec3d {
  double x = 0, y = 0, z = 0;
};

inline Vec3d operator+(Vec3d a, Vec3d b) { return {a.x + b.x, a.y + b.y, a.z + b.z}; }
inline Vec3d operator-(Vec3d a, Vec3d b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
inline Vec3d operator*(Vec3d a, double s) { return {a.x * s, a.y * s, a.z * s}; }
double dot(Vec3d a, Vec3d b);
Vec3d cross(Vec3d a, Vec3d b);
double length(Vec3d a);
// Returns `a` unchanged when its length is zero.
Vec3d normalize(Vec3d a);

// Row-major matrix m[row][col]; points are column vectors (p' = M p).
struct Mat4 {
  std::array<std::array<double, 4>, 4> m{{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}};

  static Mat4 identity() { return {}; }
  static Mat4 translate(Vec3d d);
  static Mat4 scale(Vec3d s);
  // Rotation by `degrees` about `axis` (normalised here), as pbrt's Rotate.
  static Mat4 rotate(double degrees, Vec3d axis);
  // pbrt's LookAt: the camera-from-world matrix (camera +z = forward, +y = up,
  // +x = normalize(cross(up, forward))). Empty when up is parallel to the view direction or
  // eye == look.
  static std::optional<Mat4> look_at(Vec3d eye, Vec3d look, Vec3d up);
  // pbrt's Transform/ConcatTransform take 16 numbers in column-major order.
  static Mat4 from_pbrt_array(const double values[16]);

  Mat4 operator*(const Mat4& b) const;
  Mat4 transposed() const;
  // Empty when the matrix is singular.
  std::optional<Mat4> inverse() const;
  double det3() const;  // determinant of the upper 3x3
  bool swaps_handedness() const { return det3() < 0; }

  Vec3d apply_point(Vec3d p) const;   // with translation
  Vec3d apply_vector(Vec3d v) const;  // without translation
  // Normals transform by the inverse transpose; `inverse` is this matrix's inverse.
  static Vec3d apply_normal(const Mat4& inverse, Vec3d n);

  bool operator==(const Mat4&) const = default;
};

}  // namespace tf::scene
