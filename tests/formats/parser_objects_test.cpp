// Shapes, lights, instancing, includes, and their conversion to kernel arrays.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "formats/image/image_io.h"
#include "scene_test_util.h"
#include "test_util.h"

namespace tf::scene {
namespace {

using test::parse_world;
using test::to_kernel;

TEST(Shapes, TriangleMeshBilinearDiskAndSphere) {
  SceneIr ir = parse_world(
      "Shape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 0 1 0] \"normal N\" [0 0 1 0 0 1 0 0 1] "
      "\"point2 uv\" [0 0 1 0 0 1]\n"
      "Shape \"bilinearmesh\" \"point3 P\" [0 0 0  1 0 0  0 1 0  1 1 0]\n"
      "Shape \"disk\" \"float radius\" 2 \"float height\" 0.5\n"
      "Translate 3 0 0\nScale 2 2 2\nShape \"sphere\" \"float radius\" 0.5\n");
  const KernelScene k = to_kernel(ir);
  ASSERT_GE(k.triangles.size(), 3u);
  EXPECT_EQ(k.triangles[0].flags & (TF_TRI_HAS_NORMALS | TF_TRI_HAS_UV),
            TF_TRI_HAS_NORMALS | TF_TRI_HAS_UV);
  // The bilinear patch: two triangles with pbrt's normal cross(dpdu, dpdv) = +z, area 1.
  double bilinear_area = 0, disk_area = 0;
  for (size_t t = 1; t < k.triangles.size(); ++t) {
    const tf_triangle& tri = k.triangles[t];
    const tf_vertex &a = k.vertices[tri.v0], &b = k.vertices[tri.v1], &c = k.vertices[tri.v2];
    const Vec3d n = cross(Vec3d{b.px - a.px, b.py - a.py, b.pz - a.pz},
                          Vec3d{c.px - a.px, c.py - a.py, c.pz - a.pz});
    EXPECT_GT(n.z, 0) << "triangle " << t;
    (t <= 2 ? bilinear_area : disk_area) += 0.5 * length(n);
    if (t > 2) {
      EXPECT_FLOAT_EQ(a.pz, 0.5f);
    }
  }
  EXPECT_NEAR(bilinear_area, 1.0, 1e-9);
  // A 64-gon inscribed in the circle: area (n/2) r^2 sin(2 pi / n).
  EXPECT_NEAR(disk_area, 32 * 4 * std::sin(2 * std::numbers::pi / 64), 1e-4);
  ASSERT_EQ(k.spheres.size(), 1u);
  EXPECT_FLOAT_EQ(k.spheres[0].cx, 3.f);
  EXPECT_FLOAT_EQ(k.spheres[0].radius, 1.f);  // uniform scale applies to the radius
}

// pbrt-v4's sphere under a non-uniform scale is an ellipsoid; the kernel gets it as a closed
// mesh whose vertices lie on the ellipsoid, whose winding faces outwards and whose volume is
// near 4/3 pi a b c.
TEST(Shapes, NonUniformlyScaledSpheresAreTessellatedEllipsoids) {
  SceneIr ir = parse_world("Translate 1 0 0\nScale 1 2 3\nShape \"sphere\"\n");
  KernelScene k = to_kernel(ir);
  EXPECT_TRUE(k.spheres.empty());
  ASSERT_FALSE(k.triangles.empty());
  for (const tf_vertex& v : k.vertices) {
    const double x = v.px - 1.0, y = v.py / 2.0, z = v.pz / 3.0;
    EXPECT_NEAR(x * x + y * y + z * z, 1.0, 1e-6);
    // The shading normal is the gradient's direction, (x / a^2, y / b^2, z / c^2).
    const double gx = v.px - 1.0, gy = v.py / 4.0, gz = v.pz / 9.0;
    const double g = std::sqrt(gx * gx + gy * gy + gz * gz);
    EXPECT_NEAR(v.nx, gx / g, 1e-5);
    EXPECT_NEAR(v.ny, gy / g, 1e-5);
    EXPECT_NEAR(v.nz, gz / g, 1e-5);
  }
  double volume = 0;
  for (const tf_triangle& t : k.triangles) {
    const tf_vertex &a = k.vertices[t.v0], &b = k.vertices[t.v1], &c = k.vertices[t.v2];
    const Vec3d pa{a.px - 1.0, a.py, a.pz}, pb{b.px - 1.0, b.py, b.pz}, pc{c.px - 1.0, c.py, c.pz};
    const Vec3d n = cross(pb - pa, pc - pa);
    EXPECT_GT(dot(n, pa + pb + pc), 0.0);  // outwards
    volume += dot(pa, cross(pb, pc)) / 6;
  }
  EXPECT_NEAR(volume, 4.0 / 3.0 * std::numbers::pi * 6, 0.01 * 8 * std::numbers::pi);
}

TEST(Shapes, OrientationFlags) {
  SceneIr ir = parse_world(
      "Shape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 0 1 0]\n"
      "ReverseOrientation\nShape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 0 1 0]\n"
      "Shape \"sphere\"\n"
      "Scale -1 1 1\nShape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 0 1 0]\n"
      // Still reversed: the normals flip to +z and then agree with the winding (pbrt-v4).
      "Identity\nShape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 0 1 0] "
      "\"normal N\" [0 0 -1 0 0 -1 0 0 -1]\n");
  const KernelScene k = to_kernel(ir);
  ASSERT_EQ(k.triangles.size(), 4u);
  EXPECT_EQ(k.triangles[0].flags & TF_PRIM_FLIP_NORMAL, 0u);
  EXPECT_NE(k.triangles[1].flags & TF_PRIM_FLIP_NORMAL, 0u);
  EXPECT_NE(k.spheres[0].flags & TF_PRIM_FLIP_NORMAL, 0u);
  // Reversed and mirrored: the two flips cancel.
  EXPECT_EQ(k.triangles[2].flags & TF_PRIM_FLIP_NORMAL, 0u);
  EXPECT_EQ(k.triangles[3].flags & TF_PRIM_FLIP_NORMAL, 0u);
  EXPECT_FLOAT_EQ(k.vertices[k.triangles[3].v0].nz, 1.f);
}

TEST(Lights, PointSpotDistantInfinite) {
  SceneIr ir = parse_world(
      "Translate 0 1 0\n"
      "LightSource \"point\" \"rgb I\" [1 2 3] \"point3 from\" [1 0 0] \"float scale\" 2\n"
      "LightSource \"point\" \"float power\" 100\n"
      "LightSource \"spot\" \"point3 from\" [0 0 0] \"point3 to\" [0 -1 0] \"float coneangle\" 40 "
      "\"float conedeltaangle\" 10\n"
      "LightSource \"distant\" \"point3 from\" [0 0 0] \"point3 to\" [0 0 1] \"rgb L\" [3 3 3]\n"
      "Identity\nRotate -90 1 0 0\nLightSource \"infinite\" \"rgb L\" [0.5 0.5 0.5]\n");
  ASSERT_EQ(ir.lights.size(), 5u);
  const KernelScene k = to_kernel(ir);
  ASSERT_EQ(k.lights.size(), 5u);
  const tf_light &p = k.lights[0], &pw = k.lights[1], &s = k.lights[2], &d = k.lights[3],
                 &e = k.lights[4];
  EXPECT_EQ(p.type, TF_LIGHT_POINT);
  EXPECT_FLOAT_EQ(p.px, 1.f);
  EXPECT_FLOAT_EQ(p.py, 1.f);  // "from" is transformed by the CTM
  EXPECT_EQ(p.r, 2.f);
  EXPECT_EQ(p.b, 6.f);
  EXPECT_NEAR(pw.r, 100 / (4 * std::numbers::pi), 1e-5);  // power / 4 pi
  EXPECT_EQ(s.type, TF_LIGHT_SPOT);
  EXPECT_FLOAT_EQ(s.dy, -1.f);
  EXPECT_NEAR(s.cos_total, std::cos(40 * std::numbers::pi / 180), 1e-6);
  EXPECT_NEAR(s.cos_falloff, std::cos(30 * std::numbers::pi / 180), 1e-6);
  EXPECT_EQ(d.type, TF_LIGHT_DISTANT);
  EXPECT_FLOAT_EQ(d.dz, -1.f);  // towards the light: from - to
  EXPECT_EQ(e.type, TF_LIGHT_ENV_UNIFORM);
  EXPECT_EQ(k.header.env_light, 4);
  // world_to_light undoes Rotate -90 about x: world +y maps to light +z.
  const float* m = e.world_to_light;
  EXPECT_NEAR(m[2 * 3 + 1], 1.f, 1e-6);
}

TEST(Lights, InfiniteLightsAreSummedLikePbrt) {
  tf::testing::TempDir dir;
  const float sky[12] = {1, 2, 3, 0, 0, 0, 4, 4, 4, 1, 1, 1};  // 2x2
  ASSERT_TRUE(write_exr(dir / "sky.exr", 2, 2, sky).is_ok());
  SceneIr ir = parse_world(
      "LightSource \"infinite\" \"rgb L\" [0.5 0.5 0.5]\n"
      "LightSource \"infinite\" \"string filename\" \"sky.exr\" \"float scale\" 2\n"
      "LightSource \"infinite\" \"rgb L\" [0.5 1 0]\n",
      false, dir.path());
  ASSERT_EQ(ir.lights.size(), 1u);
  const KernelScene k = to_kernel(ir);
  ASSERT_EQ(k.lights.size(), 1u);
  EXPECT_EQ(k.lights[0].type, TF_LIGHT_ENV_IMAGE);
  // radiance = texel * 2 + (1, 1.5, 0.5): texel' = texel + (0.5, 0.75, 0.25).
  EXPECT_EQ(std::vector<float>(k.texels.begin(), k.texels.begin() + 6),
            (std::vector<float>{1.5f, 2.75f, 3.25f, 0.5f, 0.75f, 0.25f}));
  const std::string two_images = std::string(test::kHeader) +
                                 "LightSource \"infinite\" \"string filename\" \"a.exr\"\n"
                                 "LightSource \"infinite\" \"string filename\" \"b.exr\"\n";
  EXPECT_NE(test::parse_error(two_images)
                .find("t.pbrt:5:1: LightSource: unsupported second image infinite light"),
            std::string::npos);
}

TEST(Lights, AreaLightsGetOneLightPerPrimitive) {
  SceneIr ir = parse_world(
      "AttributeBegin\nAreaLightSource \"diffuse\" \"blackbody L\" 6500 \"float scale\" 3 \"bool "
      "twosided\" true\n"
      "Shape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 1 1 0 0 1 0] \"integer indices\" [0 1 2 0 "
      "2 3]\n"
      "Shape \"sphere\"\nAttributeEnd\n"
      "Shape \"trianglemesh\" \"point3 P\" [0 0 1 1 0 1 0 1 1]\n");
  const KernelScene k = to_kernel(ir);
  ASSERT_EQ(k.triangles.size(), 3u);
  ASSERT_EQ(k.lights.size(), 3u);
  EXPECT_EQ(k.triangles[0].light, 0);
  EXPECT_EQ(k.triangles[1].light, 1);
  EXPECT_EQ(k.triangles[2].light, -1);
  EXPECT_EQ(k.lights[1].prim, 1u);
  EXPECT_EQ(k.spheres[0].light, 2);
  EXPECT_EQ(k.lights[2].prim, 3u);  // primitive id of sphere 0 = triangle_count + 0
  EXPECT_EQ(k.lights[0].two_sided, 1u);
  const tf_light& l = k.lights[0];
  EXPECT_NEAR(0.2126 * l.r + 0.7152 * l.g + 0.0722 * l.b, 3.0, 0.01);  // unit luminance * scale
}

TEST(Objects, InstancesExpandWithComposedTransforms) {
  SceneIr ir = parse_world(
      "ObjectBegin \"tri\"\nTranslate 0 0 1\n"
      "Shape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 0 1 0]\nObjectEnd\n"
      "Shape \"sphere\"\n"  // the CTM is restored after ObjectEnd
      "Translate 10 0 0\nObjectInstance \"tri\"\n"
      "Identity\nScale 2 2 2\nObjectInstance \"tri\"\n");
  ASSERT_EQ(ir.objects.size(), 1u);
  ASSERT_EQ(ir.instances.size(), 2u);
  const KernelScene k = to_kernel(ir);
  ASSERT_EQ(k.triangles.size(), 2u);
  EXPECT_FLOAT_EQ(k.spheres[0].cx, 0.f);
  const tf_vertex& a = k.vertices[k.triangles[0].v1];  // (1,0,0) -> translate z 1 -> x 10
  EXPECT_FLOAT_EQ(a.px, 11.f);
  EXPECT_FLOAT_EQ(a.pz, 1.f);
  const tf_vertex& b = k.vertices[k.triangles[1].v1];  // scaled by 2 after the object's translate
  EXPECT_FLOAT_EQ(b.px, 2.f);
  EXPECT_FLOAT_EQ(b.pz, 2.f);
  EXPECT_NE(test::parse_error(std::string(test::kHeader) + "ObjectInstance \"nope\"\n")
                .find("t.pbrt:4:1: ObjectInstance: unknown object \"nope\""),
            std::string::npos);
}

TEST(Objects, InstancingBombFailsBeforeAllocating) {
  SceneIr ir;
  ir.materials.push_back(IrMaterial{});
  IrObject big{"big", {}};
  IrShape mesh;
  mesh.mesh.positions = {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}};
  for (int i = 0; i < 1000; ++i) mesh.mesh.indices.insert(mesh.mesh.indices.end(), {0, 1, 2});
  big.shapes.push_back(mesh);
  ir.objects.push_back(big);
  for (int i = 0; i < 70000; ++i)
    ir.instances.push_back({0, Mat4{}, FileLoc{"bomb.pbrt", i + 1, 1}});
  Result<KernelScene> k = convert_to_kernel(ir);
  ASSERT_FALSE(k.is_ok());
  // 1000 triangles per instance: instance 67109 is the first beyond 2^26.
  EXPECT_EQ(k.message().rfind("bomb.pbrt:67109:1: ObjectInstance: the scene exceeds 2^26", 0), 0u)
      << k.message();
}

TEST(Includes, IncludeBombIsBounded) {
  tf::testing::TempDir dir;
  std::string fan;
  for (int i = 0; i < 100; ++i) fan += "Include \"b.pbrt\"\n";
  tf::test::write_text(dir / "main.pbrt", "WorldBegin\n" + fan);
  std::string leaf;
  for (int i = 0; i < 100; ++i) leaf += "Include \"c.pbrt\"\n";
  tf::test::write_text(dir / "b.pbrt", leaf);
  tf::test::write_text(dir / "c.pbrt", "Shape \"sphere\"\n");
  Result<SceneIr> ir = parse_pbrt_file(dir / "main.pbrt", {});
  ASSERT_FALSE(ir.is_ok());
  EXPECT_NE(ir.message().find("more than 4096 files included"), std::string::npos) << ir.message();
}

TEST(Includes, IncludeAndImportResolveAgainstTheSceneFolder) {
  tf::testing::TempDir dir;
  tf::test::write_text(
      dir / "main.pbrt",
      std::string(test::kHeader) + "Include \"parts/a.pbrt\"\nImport \"parts/b.pbrt\"\n");
  // Paths inside included files are relative to the main scene's folder, as in pbrt-v4.
  tf::test::write_text(dir / "parts/a.pbrt", "Include \"parts/c.pbrt\"\nShape \"sphere\"\n");
  tf::test::write_text(dir / "parts/b.pbrt", "Shape \"sphere\" \"float radius\" 2\n");
  tf::test::write_text(dir / "parts/c.pbrt", "Material \"conductor\"\n");
  Result<SceneIr> ir = parse_pbrt_file(dir / "main.pbrt", {});
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  ASSERT_EQ(ir->shapes.size(), 2u);
  EXPECT_EQ(ir->materials[static_cast<size_t>(ir->shapes[0].material)].type,
            IrMaterial::Type::Conductor);
  EXPECT_EQ(ir->shapes[1].radius, 2);
  // A cycle is an error at the Include that closes it.
  tf::test::write_text(dir / "parts/c.pbrt", "Include \"parts/a.pbrt\"\n");
  Result<SceneIr> cycle = parse_pbrt_file(dir / "main.pbrt", {});
  ASSERT_FALSE(cycle.is_ok());
  EXPECT_NE(cycle.message().find("c.pbrt:1:1: Include: include cycle"), std::string::npos)
      << cycle.message();
}

TEST(References, ScanListsIncludesAndFilenamesButNotFilmOutput) {
  tf::testing::TempDir dir;
  tf::test::write_text(
      dir / "s.pbrt",
      "Film \"rgb\" \"string filename\" \"out.exr\"\nWorldBegin\nInclude \"a.pbrt\"\n"
      "Shape \"plymesh\" \"string filename\" [ \"m.ply\" ]\n"
      "LightSource \"infinite\" \"string filename\" \"sky.exr\"\n");
  Result<std::vector<SceneReference>> refs = scan_scene_references(dir / "s.pbrt");
  ASSERT_TRUE(refs.is_ok()) << refs.message();
  ASSERT_EQ(refs->size(), 3u);
  EXPECT_EQ(refs.value()[0].path, "a.pbrt");
  EXPECT_TRUE(refs.value()[0].is_scene);
  EXPECT_EQ(refs.value()[1].path, "m.ply");
  EXPECT_FALSE(refs.value()[1].is_scene);
  EXPECT_EQ(refs.value()[2].path, "sky.exr");
  EXPECT_EQ(refs.value()[1].loc.line, 4);
}

}  // namespace
}  // namespace tf::scene
