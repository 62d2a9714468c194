// pbrt-v4 shapes and transforms met in the scene collection: the cylinder (tessellated), the
// "alpha" parameter, and ActiveTransform / TransformTimes (motion blur, rendered at the start
// time). Expected values are pbrt's definitions worked out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "scene_test_util.h"

namespace tf::scene {
namespace {

using test::parse_error;
using test::parse_world;

TEST(Shapes, CylinderIsTessellatedOnItsSurfaceWithOutwardNormals) {
  SceneIr ir = parse_world(
      "Shape \"cylinder\" \"float radius\" 2 \"float zmin\" 3 \"float zmax\" -1 "
      "\"float phimax\" 270\n");
  ASSERT_EQ(ir.shapes.size(), 1u);
  const IrMesh& m = ir.shapes[0].mesh;
  ASSERT_FALSE(m.indices.empty());
  ASSERT_EQ(m.normals.size(), m.positions.size());
  for (size_t i = 0; i < m.positions.size(); ++i) {
    const Vec3d p = m.positions[i];
    EXPECT_NEAR(std::hypot(p.x, p.y), 2.0, 1e-12);
    EXPECT_TRUE(p.z == -1 || p.z == 3) << p.z;
    EXPECT_GE(std::atan2(p.y, p.x) + (p.y < 0 ? 2 * std::numbers::pi : 0),
              -1e-12);  // phi within [0, 270 degrees]
    EXPECT_NEAR(m.normals[i].x * p.x + m.normals[i].y * p.y, 2.0, 1e-12);  // unit, radial
    EXPECT_EQ(m.normals[i].z, 0);
  }
  double area = 0;
  for (size_t t = 0; t < m.indices.size(); t += 3) {
    const Vec3d a = m.positions[m.indices[t]], b = m.positions[m.indices[t + 1]],
                c = m.positions[m.indices[t + 2]];
    const Vec3d n = cross(b - a, c - a);
    area += length(n) / 2;
    const Vec3d centre = (a + b + c) * (1.0 / 3);
    EXPECT_GT(n.x * centre.x + n.y * centre.y, 0);  // winding normal points outwards
    EXPECT_NEAR(n.z, 0, 1e-9);
  }
  const double exact = 0.75 * 2 * std::numbers::pi * 2 * 4;  // phimax/360 * 2 pi r * height
  EXPECT_NEAR(area, exact, 0.002 * exact);
  EXPECT_LT(area, exact);  // chords lie inside the circle
}

TEST(Shapes, BadCylinderIsAnError) {
  EXPECT_NE(parse_error(std::string(test::kHeader) +
                        "Shape \"cylinder\" \"float zmin\" 1 \"float zmax\" 1\n")
                .find("\"cylinder\" needs"),
            std::string::npos);
}

// pbrt-v4 ignores a hit where alpha < u for a uniform u: alpha 0 hides the shape (its emission
// too), alpha 1 changes nothing.
TEST(Shapes, ConstantAlphaZeroHidesTheShapeAndOneKeepsIt) {
  SceneIr ir = parse_world(
      "AttributeBegin\nAreaLightSource \"diffuse\"\n"
      "Shape \"sphere\" \"float alpha\" 0\nAttributeEnd\n"
      "Shape \"sphere\" \"float radius\" 2 \"float alpha\" 1\n");
  ASSERT_EQ(ir.shapes.size(), 1u);
  EXPECT_EQ(ir.shapes[0].radius, 2);
  EXPECT_TRUE(ir.warnings.empty());
}

// On meshes a partial or textured alpha cuts hits out in the kernel (alpha_cutout.h): the shape
// keeps a float texture, a constant one for a partial constant.
TEST(Shapes, PartialAndTextureAlphaCutMeshes) {
  const std::string quad =
      "Shape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 1 1 0] \"integer indices\" [0 1 2]";
  SceneIr ir = parse_world("Texture \"leaf\" \"float\" \"constant\" \"float value\" 0.3\n" + quad +
                           " \"texture alpha\" \"leaf\"\n" + quad + " \"float alpha\" 0.25\n" + quad +
                           "\n");
  ASSERT_EQ(ir.shapes.size(), 3u);
  EXPECT_TRUE(ir.warnings.empty());
  ASSERT_GE(ir.shapes[0].alpha_texture, 0);
  EXPECT_FLOAT_EQ(ir.textures[static_cast<size_t>(ir.shapes[0].alpha_texture)].value[0], 0.3f);
  ASSERT_GE(ir.shapes[1].alpha_texture, 0);
  const IrTexture& partial = ir.textures[static_cast<size_t>(ir.shapes[1].alpha_texture)];
  EXPECT_EQ(partial.kind, IrTexture::Kind::Constant);
  EXPECT_FLOAT_EQ(partial.value[0], 0.25f);
  EXPECT_EQ(ir.shapes[2].alpha_texture, -1);
  // An emitter's light would need masking too: refused strictly, opaque leniently.
  EXPECT_NE(parse_error(std::string(test::kHeader) + "AreaLightSource \"diffuse\"\n" + quad +
                        " \"float alpha\" 0.5\n")
                .find("on a sphere or an emitter"),
            std::string::npos);
}

// Spheres take no cut-outs (triangles only in the kernel).
TEST(Shapes, PartialAndTextureAlphaOnSpheresAreStrictErrorsAndOpaqueLeniently) {
  const std::string partial = std::string(test::kHeader) + "Shape \"sphere\" \"float alpha\" 0.5\n";
  EXPECT_NE(parse_error(partial).find("t.pbrt:4:1: Shape: unsupported alpha 0.5"),
            std::string::npos)
      << parse_error(partial);
  const std::string textured = std::string(test::kHeader) +
                               "Texture \"leaf\" \"float\" \"constant\" \"float value\" 0.3\n"
                               "Shape \"sphere\" \"texture alpha\" \"leaf\"\n";
  EXPECT_NE(parse_error(textured).find("t.pbrt:5:1: Shape: unsupported alpha texture \"leaf\""),
            std::string::npos)
      << parse_error(textured);
  for (const std::string& text : {partial, textured}) {
    Result<SceneIr> ir = test::parse(text, true);
    ASSERT_TRUE(ir.is_ok()) << ir.message();
    EXPECT_EQ(ir->shapes.size(), 1u);
    EXPECT_EQ(ir->warnings.size(), 1u);
  }
  EXPECT_NE(
      parse_error(std::string(test::kHeader) + "Shape \"sphere\" \"texture alpha\" \"nowhere\"\n",
                  true)
          .find("unknown float texture \"nowhere\""),
      std::string::npos);
}

// ActiveTransform chooses which of the two current transforms later directives change; shapes
// are built from the start-time one, and the scene warns once that it moves.
TEST(Motion, ShapesTakeTheStartTransformWithOneWarning) {
  SceneIr ir = parse_world(
      "TransformTimes 0 1\n"
      "AttributeBegin\n"
      "Translate 1 0 0\n"
      "ActiveTransform EndTime\nTranslate 0 5 0\n"
      "ActiveTransform StartTime\nScale 2 2 2\n"
      "ActiveTransform All\n"
      "Shape \"sphere\"\nShape \"sphere\"\n"
      "AttributeEnd\n"
      "Shape \"sphere\"\n");
  ASSERT_EQ(ir.shapes.size(), 3u);
  // Start: Translate(1,0,0) * Scale(2); the origin goes to (1, 0, 0), (1,0,0) to (3, 0, 0).
  const Vec3d o = ir.shapes[0].world_from_object.apply_point({0, 0, 0});
  const Vec3d x = ir.shapes[0].world_from_object.apply_point({1, 0, 0});
  EXPECT_EQ(o.x, 1);
  EXPECT_EQ(o.y, 0);
  EXPECT_EQ(x.x, 3);
  EXPECT_EQ(ir.shapes[2].world_from_object, Mat4::identity());  // AttributeEnd restored both
  ASSERT_EQ(ir.warnings.size(), 1u);
  EXPECT_NE(ir.warnings[0].find("t.pbrt:12:1: Shape: moves between TransformTimes"),
            std::string::npos)
      << ir.warnings[0];
}

TEST(Motion, StillScenesDoNotWarnAndTransformEndRestoresBothTimes) {
  SceneIr ir = parse_world(
      "TransformTimes 0 1\nActiveTransform All\n"
      "TransformBegin\nActiveTransform EndTime\nTranslate 0 0 1\nTransformEnd\n"
      "Shape \"sphere\"\n");
  ASSERT_EQ(ir.shapes.size(), 1u);
  EXPECT_TRUE(ir.warnings.empty()) << ir.warnings[0];
  EXPECT_NE(parse_error("TransformTimes 1 0\nWorldBegin\n").find("end time is before"),
            std::string::npos);
}

}  // namespace
}  // namespace tf::scene
