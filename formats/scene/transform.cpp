#include "formats/scene/transform.h"

#include <cmath>
#include <numbers>

namespace tf::scene {

double dot(Vec3d a, Vec3d b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3d cross(Vec3d a, Vec3d b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}
double length(Vec3d a) { return std::sqrt(dot(a, a)); }
Vec3d normalize(Vec3d a) {
  const double l = length(a);
  return l > 0 ? a * (1.0 / l) : a;
}

Mat4 Mat4::translate(Vec3d d) {
  Mat4 r;
  r.m[0][3] = d.x;
  r.m[1][3] = d.y;
  r.m[2][3] = d.z;
  return r;
}

Mat4 Mat4::scale(Vec3d s) {
  Mat4 r;
  r.m[0][0] = s.x;
  r.m[1][1] = s.y;
  r.m[2][2] = s.z;
  return r;
}

Mat4 Mat4::rotate(double degrees, Vec3d axis) {
  const Vec3d a = normalize(axis);
  const double theta = degrees * std::numbers::pi / 180.0;
  const double s = std::sin(theta), c = std::cos(theta);
  Mat4 r;
  r.m[0][0] = a.x * a.x + (1 - a.x * a.x) * c;
  r.m[0][1] = a.x * a.y * (1 - c) - a.z * s;
  r.m[0][2] = a.x * a.z * (1 - c) + a.y * s;
  r.m[1][0] = a.x * a.y * (1 - c) + a.z * s;
  r.m[1][1] = a.y * a.y + (1 - a.y * a.y) * c;
  r.m[1][2] = a.y * a.z * (1 - c) - a.x * s;
  r.m[2][0] = a.x * a.z * (1 - c) - a.y * s;
  r.m[2][1] = a.y * a.z * (1 - c) + a.x * s;
  r.m[2][2] = a.z * a.z + (1 - a.z * a.z) * c;
  return r;
}

std::optional<Mat4> Mat4::look_at(Vec3d eye, Vec3d look, Vec3d up) {
  const Vec3d d = look - eye;
  if (length(d) == 0) return std::nullopt;
  const Vec3d dir = normalize(d);
  const Vec3d up_n = normalize(up);
  Vec3d right = cross(up_n, dir);
  if (length(right) == 0) return std::nullopt;
  right = normalize(right);
  const Vec3d new_up = cross(dir, right);
  // world-from-camera has columns right, up, dir, eye; camera-from-world is its inverse.
  Mat4 world_from_camera;
  const Vec3d cols[4] = {right, new_up, dir, eye};
  for (int c = 0; c < 4; ++c) {
    world_from_camera.m[0][c] = cols[c].x;
    world_from_camera.m[1][c] = cols[c].y;
    world_from_camera.m[2][c] = cols[c].z;
    world_from_camera.m[3][c] = c == 3 ? 1 : 0;
  }
  return world_from_camera.inverse();
}

Mat4 Mat4::from_pbrt_array(const double values[16]) {
  Mat4 r;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) r.m[i][j] = values[i * 4 + j];
  return r.transposed();
}

Mat4 Mat4::operator*(const Mat4& b) const {
  Mat4 r;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += m[i][k] * b.m[k][j];
      r.m[i][j] = s;
    }
  return r;
}

Mat4 Mat4::transposed() const {
  Mat4 r;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) r.m[i][j] = m[j][i];
  return r;
}

std::optional<Mat4> Mat4::inverse() const {
  // Gauss-Jordan elimination with partial pivoting.
  std::array<std::array<double, 8>, 4> a{};
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) a[i][j] = m[i][j];
    a[i][4 + i] = 1;
  }
  for (int col = 0; col < 4; ++col) {
    int pivot = col;
    for (int r = col + 1; r < 4; ++r)
      if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
    if (!(std::abs(a[pivot][col]) > 1e-300)) return std::nullopt;
    std::swap(a[col], a[pivot]);
    const double inv = 1.0 / a[col][col];
    for (double& v : a[col]) v *= inv;
    for (int r = 0; r < 4; ++r) {
      if (r == col) continue;
      const double f = a[r][col];
      for (int j = 0; j < 8; ++j) a[r][j] -= f * a[col][j];
    }
  }
  Mat4 r;
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) r.m[i][j] = a[i][4 + j];
  for (const auto& row : r.m)
    for (double v : row)
      if (!std::isfinite(v)) return std::nullopt;
  return r;
}

double Mat4::det3() const {
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
         m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

Vec3d Mat4::apply_point(Vec3d p) const {
  return {m[0][0] * p.x + m[0][1] * p.y + m[0][2] * p.z + m[0][3],
          m[1][0] * p.x + m[1][1] * p.y + m[1][2] * p.z + m[1][3],
          m[2][0] * p.x + m[2][1] * p.y + m[2][2] * p.z + m[2][3]};
}

Vec3d Mat4::apply_vector(Vec3d v) const {
  return {m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z,
          m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
          m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z};
}

Vec3d Mat4::apply_normal(const Mat4& inv, Vec3d n) {
  // (M^-1)^T n
  return {inv.m[0][0] * n.x + inv.m[1][0] * n.y + inv.m[2][0] * n.z,
          inv.m[0][1] * n.x + inv.m[1][1] * n.y + inv.m[2][1] * n.z,
          inv.m[0][2] * n.x + inv.m[1][2] * n.y + inv.m[2][2] * n.z};
}

}  // namespace tf::scene
