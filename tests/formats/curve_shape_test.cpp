// Shape "curve" tessellated into triangle strips (formats/scene/curve_shape.h), checked against
// independent evaluations: the Bernstein form of cubic and quadratic Bezier curves and the
// uniform B-spline basis functions (not the code's conversions), linear width interpolation,
// the strip's orientation (ribbon normals, facing the camera), and which parallel rays hit a
// flat curve against its analytic distance field.
#include "formats/scene/curve_shape.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/render/bvh_traverse.h"
#include "kernels/render/kernel_scene.h"
#include "scene_test_util.h"

namespace tf::scene {
namespace {

double dist(Vec3d a, Vec3d b) { return length(a - b); }

// Cubic Bernstein polynomials, written out.
Vec3d bernstein3(const std::vector<Vec3d>& p, double t) {
  const double s = 1 - t;
  return p[0] * (s * s * s) + p[1] * (3 * s * s * t) + p[2] * (3 * s * t * t) + p[3] * (t * t * t);
}

// Uniform cubic B-spline span through control points p[i..i+3] at local t, by its basis.
Vec3d bspline3(const std::vector<Vec3d>& p, size_t i, double t) {
  const double s = 1 - t;
  return p[i] * (s * s * s / 6) + p[i + 1] * ((3 * t * t * t - 6 * t * t + 4) / 6) +
         p[i + 2] * ((-3 * t * t * t + 3 * t * t + 3 * t + 1) / 6) + p[i + 3] * (t * t * t / 6);
}

// The centre of each cross-section (pairs of vertices) and its width.
struct Section {
  Vec3d centre;
  double width;
  float u;
};
std::vector<Section> sections(const IrMesh& m) {
  std::vector<Section> out;
  for (size_t i = 0; i + 1 < m.positions.size(); i += 2) {
    out.push_back({(m.positions[i] + m.positions[i + 1]) * 0.5,
                   dist(m.positions[i], m.positions[i + 1]), m.uvs[i][0]});
  }
  return out;
}

TEST(CurveShape, CubicBezierVerticesLieOnTheCurve) {
  const std::vector<Vec3d> cp = {{0, 0, 0},  {1, 2, 0}, {2, -1, 1}, {3, 0, 0},
                                 {4, 1, -1}, {5, 3, 0}, {6, 0, 2}};
  Result<std::vector<BezierSegment>> segs = curve_segments(cp, "bezier", 3);
  ASSERT_TRUE(segs.is_ok()) << segs.message();
  ASSERT_EQ(segs->size(), 2u);
  CurveStrip strip;
  strip.width0 = 0.2, strip.width1 = 0.6;
  strip.view_point = {0, 0, -50};
  const IrMesh m = tessellate_curve(segs.value(), strip);
  const std::vector<Section> s = sections(m);
  ASSERT_EQ(s.size(), 2u * 9u);  // splitdepth 3: 8 quads, 9 sections per segment
  EXPECT_EQ(m.indices.size(), 2u * 8u * 6u);
  for (size_t k = 0; k < s.size(); ++k) {
    const size_t seg = k / 9;
    const std::vector<Vec3d> local(cp.begin() + 3 * seg, cp.begin() + 3 * seg + 4);
    EXPECT_LT(dist(s[k].centre, bernstein3(local, s[k].u)), 1e-9) << k;
    // Width: linear along the whole curve, 0.2 at its start to 0.6 at its end.
    const double along = (seg + s[k].u) / 2.0;
    EXPECT_NEAR(s[k].width, 0.2 + 0.4 * along, 1e-9) << k;
  }
  for (uint32_t i : m.indices) EXPECT_LT(i, m.positions.size());
}

TEST(CurveShape, BsplineAndQuadraticBezierMatchTheirBases) {
  const std::vector<Vec3d> cp = {{0, 0, 0}, {1, 2, 0}, {2, -1, 1}, {3, 0, 0}, {4, 1, -1}};
  Result<std::vector<BezierSegment>> segs = curve_segments(cp, "bspline", 3);
  ASSERT_TRUE(segs.is_ok());
  ASSERT_EQ(segs->size(), 2u);  // 5 points - degree 3
  for (size_t seg = 0; seg < 2; ++seg) {
    for (double t : {0.0, 0.3, 0.5, 0.9, 1.0}) {
      EXPECT_LT(dist(bezier_point(segs.value()[seg], t), bspline3(cp, seg, t)), 1e-12);
    }
  }
  // Quadratic Bezier: (1-t)^2 p0 + 2 t (1-t) p1 + t^2 p2, elevated to cubic without change.
  const std::vector<Vec3d> q = {{0, 0, 0}, {1, 3, 0}, {2, 0, 1}};
  Result<std::vector<BezierSegment>> quad = curve_segments(q, "bezier", 2);
  ASSERT_TRUE(quad.is_ok());
  ASSERT_EQ(quad->size(), 1u);
  for (double t : {0.0, 0.25, 0.6, 1.0}) {
    const Vec3d expect = q[0] * ((1 - t) * (1 - t)) + q[1] * (2 * t * (1 - t)) + q[2] * (t * t);
    EXPECT_LT(dist(bezier_point(quad.value()[0], t), expect), 1e-12);
  }
  EXPECT_FALSE(curve_segments(cp, "bezier", 3).is_ok());  // 5 != 4 + 3n
  EXPECT_FALSE(curve_segments({{0, 0, 0}, {1, 0, 0}}, "bspline", 2).is_ok());
}

TEST(CurveShape, RibbonsFaceTheirNormalsAndFlatCurvesTheCamera) {
  const std::vector<Vec3d> cp = {{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 0, 0}};
  Result<std::vector<BezierSegment>> segs = curve_segments(cp, "bezier", 3);
  ASSERT_TRUE(segs.is_ok());
  auto winding = [](const IrMesh& m, size_t tri) {
    const Vec3d a = m.positions[m.indices[3 * tri]], b = m.positions[m.indices[3 * tri + 1]];
    const Vec3d c = m.positions[m.indices[3 * tri + 2]];
    return normalize(cross(b - a, c - a));
  };
  CurveStrip ribbon;
  ribbon.type = CurveType::Ribbon;
  ribbon.normals = {{0, 0, 1}, {0, 1, 0}};  // a quarter turn along the curve
  const IrMesh r = tessellate_curve(segs.value(), ribbon);
  // Across the strip: n x dp/du, from z x x = y at the start to y x x = -z at the end, and the
  // strip turns in between.
  const size_t last = r.positions.size() - 2;
  EXPECT_GT(dot(normalize(r.positions[1] - r.positions[0]), Vec3d{0, 1, 0}), 0.9999);
  EXPECT_GT(dot(normalize(r.positions[last + 1] - r.positions[last]), Vec3d{0, 0, -1}), 0.9999);
  EXPECT_GT(dot(winding(r, 0), Vec3d{0, 0, 1}), 0.9);
  EXPECT_GT(dot(winding(r, r.indices.size() / 3 - 1), Vec3d{0, 1, 0}), 0.9);
  CurveStrip flat;
  flat.view_point = {1.5, -10, 0};
  const IrMesh f = tessellate_curve(segs.value(), flat);
  for (size_t tri = 0; tri < f.indices.size() / 3; ++tri) {
    EXPECT_GT(dot(winding(f, tri), Vec3d{0, -1, 0}), 0.99) << tri;
  }
  // v runs across the strip: 0 on the first vertex of a section, 1 on the second.
  EXPECT_EQ(f.uvs[0][1], 0.0f);
  EXPECT_EQ(f.uvs[1][1], 1.0f);
}

TEST(CurveShape, ParsesPbrtParameters) {
  SceneIr ir = test::parse_world(
      "Shape \"curve\" \"point3 P\" [0 0 0 1 1 0 2 -1 0 3 0 0] \"float width0\" 0.1 "
      "\"float width1\" 0.05 \"string type\" \"cylinder\" \"integer splitdepth\" 2\n"
      "Shape \"curve\" \"point3 P\" [0 0 0 1 1 0 2 -1 0 3 0 0] \"string type\" \"ribbon\" "
      "\"normal N\" [0 0 1 0 0 1] \"string basis\" \"bspline\"\n");
  ASSERT_EQ(ir.shapes.size(), 2u);
  EXPECT_EQ(ir.shapes[0].mesh.indices.size(), 4u * 6u);
  EXPECT_EQ(ir.shapes[0].mesh.uvs.size(), ir.shapes[0].mesh.positions.size());
  EXPECT_NEAR(sections(ir.shapes[0].mesh).front().width, 0.1, 1e-9);
  EXPECT_NEAR(sections(ir.shapes[0].mesh).back().width, 0.05, 1e-9);
  EXPECT_EQ(ir.shapes[1].mesh.indices.size(), 8u * 6u);
  const std::string ribbon_error = test::parse_error(
      std::string(test::kHeader) +
      "Shape \"curve\" \"point3 P\" [0 0 0 1 1 0 2 -1 0 3 0 0] \"string type\" \"ribbon\"\n");
  EXPECT_NE(ribbon_error.find("normals"), std::string::npos) << ribbon_error;
  test::parse_error(std::string(test::kHeader) +
                    "Shape \"curve\" \"point3 P\" [0 0 0 1 1 0 2 -1 0] \"integer degree\" 4\n");
}

// Parallel rays along +z over a grid, seen through the kernel's BVH: a ray hits the flat
// curve exactly where the analytic centre line (dense Bernstein samples) is within half the
// width, outside a thin band at the edge that chords and the camera's finite distance blur.
TEST(CurveShape, ParallelRaysCoverTheFlatCurvesFootprint) {
  const std::vector<Vec3d> cp = {{-1, -1, 0}, {-0.3, 1.2, 0}, {0.3, -1.2, 0}, {1, 1, 0}};
  const double width = 0.12;
  SceneIr ir = test::parse(
                   "LookAt 0 0 -1000  0 0 0  0 1 0\nCamera \"perspective\"\nWorldBegin\n"
                   "Shape \"curve\" \"point3 P\" [-1 -1 0 -0.3 1.2 0 0.3 -1.2 0 1 1 0] "
                   "\"float width\" 0.12 \"integer splitdepth\" 5\n")
                   .value();
  KernelScene k = test::to_kernel(ir);
  ASSERT_TRUE(finalize_kernel_scene(&k).is_ok());
  const tf_scene_view view = make_host_scene_view(k);
  std::vector<Vec3d> centre;
  for (int i = 0; i <= 8000; ++i) centre.push_back(bernstein3(cp, i / 8000.0));
  int hits = 0, checked = 0;
  constexpr int n = 100;
  for (int iy = 0; iy < n; ++iy) {
    for (int ix = 0; ix < n; ++ix) {
      const Vec3d p{-1.2 + 2.4 * (ix + 0.5) / n, -1.2 + 2.4 * (iy + 0.5) / n, 0};
      size_t nearest = 0;
      for (size_t i = 1; i < centre.size(); ++i) {
        if (dist(p, centre[i]) < dist(p, centre[nearest])) nearest = i;
      }
      const double d = dist(p, centre[nearest]);
      // Nearest to an end: beyond the strip's square end (no hit), or on its edge line.
      const bool end = nearest == 0 || nearest + 1 == centre.size();
      const Vec3d end_tangent = normalize(nearest == 0 ? cp[1] - cp[0] : cp[3] - cp[2]);
      if (end && std::abs(dot(p - centre[nearest], end_tangent)) < 0.004) continue;
      if (std::abs(d - 0.5 * width) < 0.004) continue;  // the edge band
      tf_ray ray;
      ray.o = v3(static_cast<float>(p.x), static_cast<float>(p.y), -5.0f);
      ray.d = v3(0.0f, 0.0f, 1.0f);
      const bool hit = tf_closest_hit(&view, ray, 0.0f, TF_FLOAT_MAX).prim != TF_NO_PRIM;
      EXPECT_EQ(hit, !end && d < 0.5 * width) << p.x << " " << p.y << " at distance " << d;
      hits += hit;
      ++checked;
    }
  }
  EXPECT_GT(hits, 300);
  EXPECT_GT(checked, n * n * 9 / 10);
}

}  // namespace
}  // namespace tf::scene
