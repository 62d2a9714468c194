// Loop subdivision (formats/scene/loop_subdivision.h) against values derived by hand from
// Loop's rules: the limit position of a control vertex depends only on the surface, so every
// level of refinement must push it to the same point, and for the regular solids below that
// point is known in closed form from the limit mask (centre 1 - n gamma, ring gamma, gamma =
// 1 / (n + 3 / (8 beta))). Also the counts, planarity, the limit normals' direction and the
// errors for meshes the rules cannot refine.
#include "formats/scene/loop_subdivision.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "formats/scene/parser.h"

namespace tf::scene {
namespace {

IrMesh make_mesh(std::vector<Vec3d> p, std::vector<uint32_t> idx) {
  IrMesh m;
  m.positions = std::move(p);
  m.indices = std::move(idx);
  return m;
}

// Unit octahedron, every triangle counter-clockwise seen from outside (valence 4 everywhere).
IrMesh octahedron() {
  return make_mesh({{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}},
                   {0, 2, 4, 2, 1, 4, 1, 3, 4, 3, 0, 4, 2, 0, 5, 1, 2, 5, 3, 1, 5, 0, 3, 5});
}

// Regular tetrahedron centred at the origin (valence 3: beta = 3/16), outward winding.
IrMesh tetrahedron() {
  return make_mesh({{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}},
                   {0, 1, 2, 0, 3, 1, 0, 2, 3, 1, 3, 2});
}

// Unit-circumradius icosahedron (valence 5), outward winding.
IrMesh icosahedron() {
  const double t = (1 + std::sqrt(5.0)) / 2, s = 1 / std::sqrt(1 + t * t);
  std::vector<Vec3d> p = {{-1, t, 0}, {1, t, 0}, {-1, -t, 0}, {1, -t, 0},
                          {0, -1, t}, {0, 1, t}, {0, -1, -t}, {0, 1, -t},
                          {t, 0, -1}, {t, 0, 1}, {-t, 0, -1}, {-t, 0, 1}};
  for (Vec3d& v : p) v = v * s;
  return make_mesh(p, {0, 11, 5,  0, 5,  1, 0, 1, 7, 0, 7,  10, 0, 10, 11, 1, 5, 9, 5, 11,
                       4, 11, 10, 2, 10, 7, 6, 7, 1, 8, 3,  9,  4, 3,  4,  2, 3, 2, 6, 3,
                       6, 8,  3,  8, 9,  4, 9, 5, 2, 4, 11, 6,  2, 10, 8,  6, 7, 9, 8, 1});
}

Vec3d winding_normal(const IrMesh& m, size_t tri) {
  const Vec3d a = m.positions[m.indices[3 * tri]], b = m.positions[m.indices[3 * tri + 1]],
              c = m.positions[m.indices[3 * tri + 2]];
  return cross(b - a, c - a);
}

// Every control vertex v of a solid centred at the origin has its limit at lambda * v.
void expect_limits_scaled(const IrMesh& control, double lambda) {
  for (int levels : {0, 1, 3}) {
    Result<IrMesh> out = loop_subdivide(control, levels);
    ASSERT_TRUE(out.is_ok()) << out.message();
    // The control vertices keep their indices.
    for (size_t v = 0; v < control.positions.size(); ++v) {
      const Vec3d want = control.positions[v] * lambda, got = out->positions[v];
      EXPECT_NEAR(got.x, want.x, 1e-12) << "levels " << levels << " vertex " << v;
      EXPECT_NEAR(got.y, want.y, 1e-12) << "levels " << levels << " vertex " << v;
      EXPECT_NEAR(got.z, want.z, 1e-12) << "levels " << levels << " vertex " << v;
    }
  }
}

TEST(LoopSubdivision, OctahedronVerticesReachTheirLimitAtEveryLevel) {
  // n = 4: beta = 3/32, gamma = 1/8; the ring sums to zero, so the limit is v / 2.
  expect_limits_scaled(octahedron(), 0.5);
}

TEST(LoopSubdivision, TetrahedronUsesWarrensValenceThreeWeight) {
  // n = 3: beta = 3/16, gamma = 1/5; the ring sums to -v, so the limit is (2/5 - 1/5) v.
  expect_limits_scaled(tetrahedron(), 0.2);
}

TEST(LoopSubdivision, IcosahedronVerticesReachTheirLimitAtEveryLevel) {
  // n = 5: beta = 3/40, gamma = 1/10; the five neighbours lie at cos = 1/sqrt(5) from v, so
  // they sum to sqrt(5) v and the limit is (1/2 + sqrt(5)/10) v.
  expect_limits_scaled(icosahedron(), 0.5 + std::sqrt(5.0) / 10);
}

TEST(LoopSubdivision, EachLevelSplitsEveryTriangleInFour) {
  const IrMesh control = icosahedron();  // 12 vertices, 30 edges, 20 triangles
  size_t v = 12, e = 30, f = 20;
  for (int levels = 1; levels <= 3; ++levels) {
    v += e;  // one new vertex per edge
    e = 2 * e + 3 * f;
    f *= 4;
    Result<IrMesh> out = loop_subdivide(control, levels);
    ASSERT_TRUE(out.is_ok()) << out.message();
    EXPECT_EQ(out->positions.size(), v) << levels;
    EXPECT_EQ(out->indices.size(), 3 * f) << levels;
    EXPECT_EQ(out->normals.size(), v) << levels;
    EXPECT_TRUE(out->uvs.empty());
  }
}

TEST(LoopSubdivision, LimitNormalsFollowPbrtsRingOrder) {
  // By symmetry the limit normal at a control vertex of the octahedron is along the vertex.
  // pbrt-v4 walks the one-ring clockwise as seen against the triangles' winding, so its
  // cross(S, T) points to the side opposite the counter-clockwise winding's normal.
  const IrMesh control = octahedron();
  Result<IrMesh> out = loop_subdivide(control, 2);
  ASSERT_TRUE(out.is_ok()) << out.message();
  for (size_t v = 0; v < 6; ++v) {
    EXPECT_NEAR(dot(out->normals[v], normalize(control.positions[v])), -1.0, 1e-12) << v;
  }
  // Every vertex's normal is on the same side as the triangles around it, inverted.
  for (size_t tri = 0; tri < out->indices.size() / 3; ++tri) {
    const Vec3d w = winding_normal(out.value(), tri);
    for (int k = 0; k < 3; ++k) {
      EXPECT_LT(dot(out->normals[out->indices[3 * tri + k]], w), 0) << tri;
    }
  }
}

TEST(LoopSubdivision, PlanarMeshStaysInItsPlaneWithBoundaries) {
  // A 4 x 4 grid of squares in z = 1, each split into two triangles: interior vertices of
  // valence 6, boundary and corner vertices. Affine weights keep every point in the plane,
  // and every limit normal is along z.
  std::vector<Vec3d> p;
  std::vector<uint32_t> idx;
  for (int y = 0; y <= 4; ++y) {
    for (int x = 0; x <= 4; ++x) p.push_back({double(x), double(y), 1});
  }
  for (uint32_t y = 0; y < 4; ++y) {
    for (uint32_t x = 0; x < 4; ++x) {
      const uint32_t a = y * 5 + x, b = a + 1, c = a + 5, d = c + 1;
      idx.insert(idx.end(), {a, b, d, a, d, c});
    }
  }
  Result<IrMesh> out = loop_subdivide(make_mesh(p, idx), 2);
  ASSERT_TRUE(out.is_ok()) << out.message();
  for (size_t v = 0; v < out->positions.size(); ++v) {
    EXPECT_DOUBLE_EQ(out->positions[v].z, 1.0) << v;
    EXPECT_NEAR(std::abs(out->normals[v].z), 1.0, 1e-12) << v;
  }
}

TEST(LoopSubdivision, LoneTriangleUsesPbrtsBoundaryLimit) {
  // Every vertex is on the boundary with two neighbours: 3/5 v + 1/5 of each neighbour.
  Result<IrMesh> out = loop_subdivide(make_mesh({{0, 0, 0}, {5, 0, 0}, {0, 5, 0}}, {0, 1, 2}), 0);
  ASSERT_TRUE(out.is_ok()) << out.message();
  EXPECT_NEAR(out->positions[0].x, 1.0, 1e-15);
  EXPECT_NEAR(out->positions[0].y, 1.0, 1e-15);
  EXPECT_NEAR(out->positions[1].x, 3.0, 1e-15);
  EXPECT_NEAR(out->positions[1].y, 1.0, 1e-15);
}

TEST(LoopSubdivision, UnusedVerticesAreDropped) {
  IrMesh m = tetrahedron();
  m.positions.push_back({9, 9, 9});
  Result<IrMesh> out = loop_subdivide(m, 0);
  ASSERT_TRUE(out.is_ok()) << out.message();
  EXPECT_EQ(out->positions.size(), 4u);
}

void expect_error(const IrMesh& m, int levels, const std::string& words) {
  Result<IrMesh> out = loop_subdivide(m, levels);
  ASSERT_FALSE(out.is_ok());
  EXPECT_NE(out.message().find(words), std::string::npos) << out.message();
}

TEST(LoopSubdivision, MeshesTheRulesCannotRefineAreErrors) {
  // Three triangles on edge (0, 1).
  expect_error(make_mesh({{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}},
                         {0, 1, 2, 1, 0, 3, 0, 1, 4}),
               1, "same direction");
  // Two triangles with opposite windings across an edge.
  expect_error(make_mesh({{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, -1, 0}}, {0, 1, 2, 0, 1, 3}), 1,
               "consistently oriented");
  // Two fans meeting at vertex 0 (a bow tie).
  expect_error(
      make_mesh({{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {-1, 0, 0}, {-1, -1, 0}}, {0, 1, 2, 0, 3, 4}), 1,
      "non-manifold vertex");
  expect_error(make_mesh({{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}, {0, 1, 1}), 1, "repeats a vertex");
  expect_error(tetrahedron(), kMaxLoopLevels + 1, "levels");
  expect_error(tetrahedron(), -1, "levels");
}

TEST(LoopSubdivision, OutputSizeIsBounded) {
  // 2^16 triangles x 4^5 = 2^26 > kMaxLoopTriangles: refused before any work.
  IrMesh m = tetrahedron();
  m.indices.resize(size_t{3} << 16, 0);
  expect_error(m, 5, "lower \"levels\"");
}

TEST(LoopSubdivision, ShapeLoadsStrictlyAsTheSubdividedMesh) {
  const std::string scene = R"(
Camera "perspective"
Film "rgb" "integer xresolution" 8 "integer yresolution" 8
WorldBegin
Shape "loopsubdiv" "integer levels" 2
  "point3 P" [1 1 1  1 -1 -1  -1 1 -1  -1 -1 1]
  "integer indices" [0 1 2  0 3 1  0 2 3  1 3 2]
)";
  Result<SceneIr> ir = parse_pbrt_string(scene, "loop.pbrt", ".", ParseOptions{false});
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  ASSERT_EQ(ir->shapes.size(), 1u);
  EXPECT_EQ(ir->shapes[0].mesh.indices.size(), 3u * 4 * 16);
  EXPECT_EQ(ir->shapes[0].mesh.normals.size(), ir->shapes[0].mesh.positions.size());
  for (const std::string& w : ir->warnings) EXPECT_EQ(w.find("loopsubdiv"), std::string::npos) << w;
  EXPECT_NEAR(ir->shapes[0].mesh.positions[0].x, 0.2, 1e-12);  // the tetrahedron's limit

  const std::string bad = R"(
Camera "perspective"
Film "rgb" "integer xresolution" 8 "integer yresolution" 8
WorldBegin
Shape "loopsubdiv" "point3 P" [0 0 0  1 0 0  0 1 0  0 -1 0] "integer indices" [0 1 2  0 1 3]
)";
  Result<SceneIr> refused = parse_pbrt_string(bad, "bad.pbrt", ".", ParseOptions{true});
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("bad.pbrt:5"), std::string::npos) << refused.message();
}

}  // namespace
}  // namespace tf::scene
