// pbrt-v4's Shape "curve" as triangles (internal to formats/scene).
//
// pbrt-v4 intersects curves directly (Curve::Create splits the control points into cubic
// Bezier segments, each further split 2^splitdepth times for its intersection test). The BVH
// here holds triangles only, so each segment is tessellated on the host into a strip of
// 2^splitdepth quads (splitdepth clamped to [0, kMaxCurveSplitDepth]), two triangles each:
//   - "P" with "basis" "bezier" (degree + 1 + n degree points) or "bspline" (at least
//     degree + 1 points, uniform), "degree" 2 or 3; quadratic and B-spline segments become
//     cubic Bezier segments as pbrt converts them;
//   - the width runs linearly from "width0" to "width1" along the whole curve (both default
//     to "width", default 1), per segment as pbrt interpolates it;
//   - "ribbon" curves span their width across n(u) x dp/du, n(u) the slerp of the segment's
//     two normals "N" (one per segment end, nSegments + 1 in all), so the strip faces n;
//   - "flat" and "cylinder" curves face the ray in pbrt (their normal is turned towards every
//     ray). Triangles cannot turn, so they span their width across (camera - p) x dp/du: the
//     strip faces the camera position known at load time, which is what camera rays see of
//     pbrt's flat curve; secondary rays see a fixed strip. A thin tube was the alternative,
//     but it multiplies the triangle count of a hair scene (hundreds of thousands of curves)
//     by the tube's sides, and its uv would no longer give the hair BSDF the offset across
//     the fibre as seen by the ray, which is exactly what a camera-facing strip gives.
//     "cylinder" keeps the flat strip's normal (pbrt bends it across the width for shading).
//     Inside ObjectBegin/End the camera is taken into the object's space at its definition, so
//     every instance reuses that orientation.
// uv: u runs along each segment from 0 to 1 (pbrt's per-segment curve parameter) and v across
// the width from 0 to 1, so the hair BSDF (kernels/render/hair_surface.h) gets h = 2 v - 1 and
// the fibre tangent dp/du. The strip's winding normal is dp/du x dp/dv, facing n (ribbon) or
// the camera (flat, cylinder). Widths are in object space, as pbrt's.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "formats/scene/elements.h"

namespace tf::scene {

inline constexpr int kMaxCurveSplitDepth = 5;

using BezierSegment = std::array<Vec3d, 4>;

enum class CurveType { Flat, Ribbon, Cylinder };

// The cubic Bezier segments of control points `cp` in `basis` ("bezier" or "bspline") of
// `degree` (2 or 3), as pbrt-v4's Curve::Create forms them; an error message when the count
// of points does not fit.
Result<std::vector<BezierSegment>> curve_segments(const std::vector<Vec3d>& cp,
                                                  const std::string& basis, int degree);

// The point and the derivative of cubic Bezier segment `s` at u in [0, 1].
Vec3d bezier_point(const BezierSegment& s, double u);
Vec3d bezier_tangent(const BezierSegment& s, double u);

struct CurveStrip {
  CurveType type = CurveType::Flat;
  double width0 = 1, width1 = 1;  // at the curve's start and end
  std::vector<Vec3d> normals;     // Ribbon: one per segment end
  int split_depth = 3;
  Vec3d view_point;  // Flat, Cylinder: the strip faces this point
};

// Triangles, uv and no normals for `segments` (see above).
IrMesh tessellate_curve(const std::vector<BezierSegment>& segments, const CurveStrip& strip);

// Shape "curve": reads its parameters and tessellates it into out->mesh (object space), facing
// ctx.view_point where it must.
Status make_curve(ParamSet& params, const FileLoc& loc, ElementContext& ctx, IrShape* out);

}  // namespace tf::scene
