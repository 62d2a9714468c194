#include "formats/scene/curve_shape.h"

#include <algorithm>
#include <cmath>

#include "formats/scene/try.h"

namespace tf::scene {
namespace {

Vec3d lerp(double t, Vec3d a, Vec3d b) { return a * (1 - t) + b * t; }

BezierSegment elevate_quadratic(Vec3d p0, Vec3d p1, Vec3d p2) {
  return {p0, lerp(2.0 / 3.0, p0, p1), lerp(1.0 / 3.0, p1, p2), p2};
}

// Uniform cubic B-spline span (p0..p3) as a cubic Bezier segment.
BezierSegment cubic_bspline_to_bezier(Vec3d p0, Vec3d p1, Vec3d p2, Vec3d p3) {
  return {(p0 + p1 * 4 + p2) * (1.0 / 6.0), (p1 * 2 + p2) * (1.0 / 3.0),
          (p1 + p2 * 2) * (1.0 / 3.0), (p1 + p2 * 4 + p3) * (1.0 / 6.0)};
}

// A unit vector perpendicular to unit `t`.
Vec3d any_perpendicular(Vec3d t) {
  Vec3d a = std::abs(t.x) < 0.9 ? Vec3d{1, 0, 0} : Vec3d{0, 1, 0};
  return normalize(cross(a, t));
}

// Spherical interpolation of unit vectors a and b (a when they are parallel).
Vec3d slerp(double t, Vec3d a, Vec3d b) {
  const double angle = std::acos(std::clamp(dot(a, b), -1.0, 1.0));
  const double s = std::sin(angle);
  if (s < 1e-9) return a;
  return a * (std::sin((1 - t) * angle) / s) + b * (std::sin(t * angle) / s);
}

}  // namespace

Result<std::vector<BezierSegment>> curve_segments(const std::vector<Vec3d>& cp,
                                                  const std::string& basis, int degree) {
  const size_t d = static_cast<size_t>(degree);
  std::vector<BezierSegment> segments;
  if (basis == "bezier") {
    if (cp.size() < d + 1 || (cp.size() - 1 - d) % d != 0) {
      return Error{"\"curve\": " + std::to_string(cp.size()) + " control points; the degree " +
                   std::to_string(degree) + " Bezier basis needs " + std::to_string(d + 1) +
                   " + n * " + std::to_string(d)};
    }
    for (size_t i = 0; i + d < cp.size(); i += d) {
      segments.push_back(d == 2 ? elevate_quadratic(cp[i], cp[i + 1], cp[i + 2])
                                : BezierSegment{cp[i], cp[i + 1], cp[i + 2], cp[i + 3]});
    }
    return segments;
  }
  if (cp.size() < d + 1) {
    return Error{"\"curve\": " + std::to_string(cp.size()) + " control points; the degree " +
                 std::to_string(degree) + " b-spline basis needs at least " +
                 std::to_string(d + 1)};
  }
  for (size_t i = 0; i + d < cp.size(); ++i) {
    if (d == 2) {  // quadratic B-spline span -> quadratic Bezier -> cubic
      segments.push_back(elevate_quadratic(lerp(0.5, cp[i], cp[i + 1]), cp[i + 1],
                                           lerp(0.5, cp[i + 1], cp[i + 2])));
    } else {
      segments.push_back(cubic_bspline_to_bezier(cp[i], cp[i + 1], cp[i + 2], cp[i + 3]));
    }
  }
  return segments;
}

Vec3d bezier_point(const BezierSegment& s, double u) {
  const double v = 1 - u;
  return s[0] * (v * v * v) + s[1] * (3 * u * v * v) + s[2] * (3 * u * u * v) + s[3] * (u * u * u);
}

Vec3d bezier_tangent(const BezierSegment& s, double u) {
  const double v = 1 - u;
  return (s[1] - s[0]) * (3 * v * v) + (s[2] - s[1]) * (6 * u * v) + (s[3] - s[2]) * (3 * u * u);
}

IrMesh tessellate_curve(const std::vector<BezierSegment>& segments, const CurveStrip& strip) {
  IrMesh mesh;
  const int pieces = 1 << std::clamp(strip.split_depth, 0, kMaxCurveSplitDepth);
  const double n_segments = static_cast<double>(segments.size());
  for (size_t seg = 0; seg < segments.size(); ++seg) {
    const double w0 = std::lerp(strip.width0, strip.width1, static_cast<double>(seg) / n_segments);
    const double w1 =
        std::lerp(strip.width0, strip.width1, static_cast<double>(seg + 1) / n_segments);
    const uint32_t base = static_cast<uint32_t>(mesh.positions.size());
    for (int i = 0; i <= pieces; ++i) {
      const double u = static_cast<double>(i) / pieces;
      const Vec3d p = bezier_point(segments[seg], u);
      Vec3d t = normalize(bezier_tangent(segments[seg], u));
      if (length(t) == 0) t = normalize(segments[seg][3] - segments[seg][0]);
      const Vec3d facing = strip.type == CurveType::Ribbon
                               ? slerp(u, strip.normals[seg], strip.normals[seg + 1])
                               : strip.view_point - p;
      Vec3d side = normalize(cross(facing, t));
      if (length(side) == 0) side = any_perpendicular(t);
      const Vec3d half = side * (0.5 * std::lerp(w0, w1, u));
      mesh.positions.push_back(p - half);
      mesh.positions.push_back(p + half);
      mesh.uvs.push_back({static_cast<float>(u), 0.0f});
      mesh.uvs.push_back({static_cast<float>(u), 1.0f});
    }
    for (uint32_t i = 0; i < static_cast<uint32_t>(pieces); ++i) {
      const uint32_t a0 = base + 2 * i, b0 = a0 + 1, a1 = a0 + 2, b1 = a0 + 3;
      mesh.indices.insert(mesh.indices.end(), {a0, a1, b1, a0, b1, b0});
    }
  }
  return mesh;
}

Status make_curve(ParamSet& params, const FileLoc& loc, ElementContext& ctx, IrShape* out) {
  const std::string d = "Shape";
  TF_TRY(width, params.get_float("width", 1));
  TF_TRY(width0, params.get_float("width0", width));
  TF_TRY(width1, params.get_float("width1", width));
  TF_TRY(degree, params.get_int("degree", 3));
  TF_TRY(basis, params.get_string("basis", "bezier"));
  TF_TRY(type, params.get_string("type", "flat"));
  TF_TRY(split_depth, params.get_int("splitdepth", 3));
  TF_TRY(cp, params.get_point3s("P"));
  TF_TRY(normals, params.get_normals("N"));
  if (degree != 2 && degree != 3) {
    return error_at(loc, d, "\"curve\": degree " + std::to_string(degree) + " (only 2 and 3)");
  }
  if (basis != "bezier" && basis != "bspline") {
    return error_at(loc, d, "\"curve\": basis \"" + basis + "\" (only bezier and bspline)");
  }
  if (!(width0 >= 0) || !(width1 >= 0) || !std::isfinite(width0) || !std::isfinite(width1)) {
    return error_at(loc, d, "\"curve\": widths must be finite and >= 0");
  }
  Result<std::vector<BezierSegment>> segments = curve_segments(cp, basis, static_cast<int>(degree));
  if (!segments) return error_at(loc, d, segments.message());
  CurveStrip strip;
  strip.width0 = width0;
  strip.width1 = width1;
  strip.split_depth = static_cast<int>(std::clamp<int64_t>(split_depth, 0, kMaxCurveSplitDepth));
  strip.view_point = ctx.view_point;
  if (type == "ribbon") {
    strip.type = CurveType::Ribbon;
    if (normals.size() != segments->size() + 1) {
      return error_at(loc, d,
                      "\"curve\" ribbon needs " + std::to_string(segments->size() + 1) +
                          " normals \"N\" (one per segment end), got " +
                          std::to_string(normals.size()));
    }
    for (Vec3d& n : normals) n = normalize(n);
    strip.normals = normals;
  } else if (type == "flat" || type == "cylinder") {
    strip.type = type == "flat" ? CurveType::Flat : CurveType::Cylinder;
    if (!normals.empty()) {
      ctx.diag.warn(loc, d, "\"curve\" normals are only used with \"ribbon\" curves");
    }
  } else {
    TF_CHECK(ctx.diag.unsupported(loc, d, "curve type \"" + type + "\"", "cylinder"));
    strip.type = CurveType::Cylinder;
  }
  out->kind = IrShape::Kind::Mesh;
  out->mesh = tessellate_curve(segments.value(), strip);
  return Status::ok();
}

}  // namespace tf::scene
