// Constructs met in pbrt-v4 scenes written by others, each reduced to a minimal scene of our
// own: what such a scene must parse to (values worked out by hand), or the named error it
// must give when the construct is outside the supported subset.
#include <gtest/gtest.h>

#include <zlib.h>

#include "scene_test_util.h"
#include "test_util.h"

namespace tf::scene {
namespace {

using test::parse_error;
using test::parse_world;

// Exporters repeat one environment image once per window portal; pbrt-v4 adds the lights,
// which for the same image in the same orientation is that image at the summed scale.
TEST(RealSceneConstructs, RepeatedImageEnvironmentWithPortalsSumsItsScales) {
  SceneIr ir = parse_world(
      "AttributeBegin\nRotate -90 1 0 0\n"
      "LightSource \"infinite\" \"string filename\" \"sky.exr\" \"float scale\" 16\n"
      "  \"point3 portal\" [0 0 0  1 0 0  1 1 0  0 1 0]\n"
      "LightSource \"infinite\" \"string filename\" \"sky.exr\" \"float scale\" 4\n"
      "  \"point3 portal\" [0 0 5  1 0 5  1 1 5  0 1 5]\n"
      "AttributeEnd\n");
  ASSERT_EQ(ir.lights.size(), 1u);
  EXPECT_EQ(ir.lights[0].kind, IrLight::Kind::EnvImage);
  EXPECT_EQ(ir.lights[0].radiance, (Rgb{20, 20, 20}));
  // Turned differently, the two images do not add up to one: still the named error.
  const std::string turned = std::string(test::kHeader) +
                             "LightSource \"infinite\" \"string filename\" \"sky.exr\"\n"
                             "Rotate 90 0 0 1\n"
                             "LightSource \"infinite\" \"string filename\" \"sky.exr\"\n";
  EXPECT_NE(parse_error(turned).find("t.pbrt:6:1: LightSource: unsupported second image infinite"),
            std::string::npos);
}

// Film "gbuffer" writes position and normal channels in a chosen space; we write colour only,
// so the choice changes nothing. On an "rgb" film the parameter does not exist.
TEST(RealSceneConstructs, GbufferFilmCoordinateSystemIsAccepted) {
  Result<SceneIr> ir = test::parse(
      "Film \"gbuffer\" \"integer xresolution\" 16 \"integer yresolution\" 8\n"
      "  \"string coordinatesystem\" \"camera\"\n" +
      std::string(test::kHeader));
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  EXPECT_EQ(ir->width, 16u);
  EXPECT_EQ(ir->height, 8u);
  const std::string message =
      parse_error("Film \"rgb\" \"string coordinatesystem\" \"camera\"\n" +
                  std::string(test::kHeader));
  EXPECT_NE(message.find("t.pbrt:1:12: Film: unsupported parameter \"string coordinatesystem\""),
            std::string::npos)
      << message;
}

// pbrt-v4 scenes ship their meshes as .ply.gz next to the scene file.
TEST(RealSceneConstructs, GzippedPlyMeshThroughTheParser) {
  tf::testing::TempDir dir;
  const std::string ply =
      "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\n"
      "property float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n"
      "0 0 0\n2 0 0\n2 3 0\n0 3 0\n4 0 1 2 3\n";
  const std::string path = (dir / "quad.ply.gz").string();
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, ply.data(), static_cast<unsigned>(ply.size())),
            static_cast<int>(ply.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
  SceneIr ir = parse_world(
      "Translate 0 0 5\nShape \"plymesh\" \"string filename\" \"quad.ply.gz\"\n", false,
      dir.path());
  ASSERT_EQ(ir.shapes.size(), 1u);
  const IrMesh& m = ir.shapes[0].mesh;
  EXPECT_EQ(m.indices, (std::vector<uint32_t>{0, 1, 2, 0, 2, 3}));  // the quad as a fan
  ASSERT_EQ(m.positions.size(), 4u);
  EXPECT_EQ(m.positions[2].x, 2);
  EXPECT_EQ(m.positions[2].y, 3);
  const Vec3d world = ir.shapes[0].world_from_object.apply_point(m.positions[2]);
  EXPECT_EQ(world.z, 5);
}

// Parameters that belong to other renderers' variants of a shape are named with their place.
TEST(RealSceneConstructs, ForeignShapeParametersAreNamedErrors) {
  const std::string message = parse_error(std::string(test::kHeader) +
                                          "Shape \"disk\" \"float radius\" 1.5\n"
                                          "  \"integer udiv\" 16\n");
  EXPECT_NE(message.find("t.pbrt:5:3: Shape: unsupported parameter \"integer udiv\""),
            std::string::npos)
      << message;
}

// Fog scenes enclose everything in a sphere with the "interface" material, which marks a
// medium's boundary and is no surface. Such shapes are kept as interfaces; in a scene without
// media they bound nothing and are left out of the kernel scene.
TEST(RealSceneConstructs, InterfaceMaterialShapesBoundMediaOnly) {
  const std::string body =
      "AttributeBegin\nMaterial \"interface\"\nShape \"sphere\" \"float radius\" 4\n"
      "AttributeEnd\n"
      "MakeNamedMaterial \"boundary\" \"string type\" \"interface\"\n"
      "AttributeBegin\nNamedMaterial \"boundary\"\n"
      "Shape \"trianglemesh\" \"point3 P\" [0 0 0 1 0 0 0 1 0]\nAttributeEnd\n"
      "Shape \"sphere\" \"float radius\" 0.5\n";
  SceneIr ir = parse_world(body);
  ASSERT_EQ(ir.shapes.size(), 3u);
  EXPECT_TRUE(ir.shapes[0].interface);
  EXPECT_TRUE(ir.shapes[1].interface);
  EXPECT_FALSE(ir.shapes[2].interface);
  EXPECT_EQ(ir.shapes[2].material, 0);  // the default material, outside the blocks
  EXPECT_TRUE(ir.warnings.empty());
  KernelScene k = test::to_kernel(ir);
  EXPECT_EQ(k.triangles.size(), 0u);
  ASSERT_EQ(k.spheres.size(), 1u);
  EXPECT_EQ(k.spheres[0].radius, 0.5f);
  // A mix that picks the boundary has no surface to stand for: an error, not a crash.
  const std::string mixed = parse_error(
      std::string(test::kHeader) + "MakeNamedMaterial \"boundary\" \"string type\" \"interface\"\n"
      "MakeNamedMaterial \"m\" \"string type\" \"mix\" \"string materials\" [\"boundary\" "
      "\"boundary\"]\n",
      /*lenient=*/true);
  EXPECT_NE(mixed.find("t.pbrt:5:1: MakeNamedMaterial: \"mix\" of \"boundary\""),
            std::string::npos)
      << mixed;
}

// An integrator we replace by the path tracer (leniently) brings its own parameters; they are
// covered by the one warning about the integrator.
TEST(RealSceneConstructs, ReplacedIntegratorWarnsOnce) {
  Result<SceneIr> ir = test::parse(
      "Integrator \"guidedpath\" \"integer maxdepth\" 7 \"bool usenee\" true\n"
      "  \"string dtype\" \"pavmm\"\n" +
          std::string(test::kHeader),
      /*lenient=*/true);
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  EXPECT_EQ(ir->max_depth, 7u);
  ASSERT_EQ(ir->warnings.size(), 1u);
  EXPECT_NE(ir->warnings[0].find("t.pbrt:1:1: Integrator: unsupported integrator \"guidedpath\""),
            std::string::npos)
      << ir->warnings[0];
}

// pbrt-v4's bidirectional, photon-mapping and Metropolis integrators estimate the same light
// transport as the path tracer: strict and lenient loading alike accept them (with their own
// parameters, "regularize" among them) and say once that the path tracer renders the scene.
TEST(RealSceneConstructs, OtherLightTransportIntegratorsFallBackToThePathTracer) {
  for (const char* type : {"bdpt", "sppm", "mlt", "lightpath"}) {
    for (bool lenient : {false, true}) {
      Result<SceneIr> ir = test::parse(std::string("Integrator \"") + type +
                                           "\" \"integer maxdepth\" 9 \"bool regularize\" true\n"
                                           "  \"bool visualizestrategies\" false\n" +
                                           test::kHeader,
                                       lenient);
      ASSERT_TRUE(ir.is_ok()) << type << ": " << ir.message();
      EXPECT_EQ(ir->max_depth, 9u);
      ASSERT_EQ(ir->warnings.size(), 1u) << type;
      EXPECT_NE(ir->warnings[0].find("rendered by the path tracer"), std::string::npos)
          << ir->warnings[0];
    }
  }
  // The path tracer's own "regularize" is accepted with a warning; an unknown parameter is not.
  Result<SceneIr> path = test::parse(
      "Integrator \"volpath\" \"bool regularize\" true\n" + std::string(test::kHeader));
  ASSERT_TRUE(path.is_ok()) << path.message();
  EXPECT_EQ(path->warnings.size(), 1u);
  EXPECT_NE(parse_error("Integrator \"path\" \"bool frobnicate\" true\n" +
                        std::string(test::kHeader))
                .find("unsupported parameter \"bool frobnicate\""),
            std::string::npos);
}

// pbrt-v4 looks a parameter up from the last one given, so a repeated parameter is no error:
// the last value counts (we also say so once).
TEST(RealSceneConstructs, RepeatedParameterTakesTheLastValue) {
  SceneIr ir =
      parse_world("Shape \"sphere\" \"float radius\" 0.5 \"float radius\" [0.7]\n");
  ASSERT_EQ(ir.shapes.size(), 1u);
  EXPECT_NEAR(ir.shapes[0].radius, 0.7, 1e-12);
  ASSERT_EQ(ir.warnings.size(), 1u);
  EXPECT_NE(ir.warnings[0].find("t.pbrt:4:16: Shape: parameter given again"), std::string::npos)
      << ir.warnings[0];
}

// pbrt-v4 resolves NamedMaterial once the whole scene is read: scenes select a material before
// including the file that defines it. A name never defined is an error in either mode, and the
// message does not suggest lenient loading, which would not get past it.
TEST(RealSceneConstructs, NamedMaterialMayBeDefinedAfterItsUse) {
  SceneIr ir = parse_world(
      "NamedMaterial \"late\"\nShape \"sphere\"\n"
      "ObjectBegin \"o\"\nShape \"sphere\" \"float radius\" 2\nObjectEnd\n"
      "MakeNamedMaterial \"late\" \"string type\" \"conductor\"\n");
  ASSERT_EQ(ir.shapes.size(), 1u);
  auto material = [&](const IrShape& s) { return ir.materials[static_cast<size_t>(s.material)]; };
  EXPECT_EQ(material(ir.shapes[0]).type, IrMaterial::Type::Conductor);
  ASSERT_EQ(ir.objects.size(), 1u);
  EXPECT_EQ(material(ir.objects[0].shapes[0]).type, IrMaterial::Type::Conductor);
  const std::string never =
      std::string(test::kHeader) + "NamedMaterial \"ghost\"\nShape \"sphere\"\n";
  for (bool lenient : {false, true}) {
    const std::string message = parse_error(never, lenient);
    EXPECT_NE(message.find("t.pbrt:5:1: Shape: no named material \"ghost\" is defined"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("lenient"), std::string::npos) << message;
  }
}

// pbrt-v4 adds every infinite light; uniform ones sum exactly into one environment light.
TEST(RealSceneConstructs, TwoUniformInfiniteLightsBothContribute) {
  SceneIr ir = parse_world(
      "LightSource \"infinite\" \"rgb L\" [1 2 3]\n"
      "AttributeBegin\nRotate 30 0 1 0\n"
      "LightSource \"infinite\" \"rgb L\" [0.5 0.5 0.5] \"float scale\" 2\nAttributeEnd\n"
      "Shape \"sphere\"\n");
  const KernelScene k = test::to_kernel(ir);
  ASSERT_GE(k.header.env_light, 0);
  int environments = 0;
  for (const tf_light& l : k.lights) {
    environments += l.type == TF_LIGHT_ENV_UNIFORM || l.type == TF_LIGHT_ENV_IMAGE;
  }
  EXPECT_EQ(environments, 1);
  const tf_light& env = k.lights[static_cast<size_t>(k.header.env_light)];
  EXPECT_EQ(env.r, 2.0f);
  EXPECT_EQ(env.g, 3.0f);
  EXPECT_EQ(env.b, 4.0f);
}

// "texture displacement" (pbrt-v4's bump mapping) on every material type that takes it: the
// float texture lands in the IR and, as 1 + its kernel texture index, in the kernel material;
// a constant "float displacement" (no gradient, no effect) is accepted; an unknown or
// spectrum texture name is an error naming it.
TEST(RealSceneConstructs, DisplacementTexturesReachTheKernelMaterial) {
  const std::string textures =
      "Texture \"colour\" \"spectrum\" \"constant\" \"rgb value\" [0.1 0.2 0.3]\n"
      "Texture \"bump\" \"float\" \"constant\" \"float value\" 0.25\n";
  for (const char* type : {"diffuse", "conductor", "dielectric", "coateddiffuse"}) {
    SCOPED_TRACE(type);
    SceneIr ir = parse_world(textures + "Material \"" + type +
                             "\" \"texture displacement\" \"bump\"\nShape \"sphere\"\n");
    ASSERT_EQ(ir.shapes.size(), 1u);
    EXPECT_TRUE(ir.warnings.empty());
    const int d = ir.materials[static_cast<size_t>(ir.shapes[0].material)].displacement;
    ASSERT_EQ(d, 1);  // the second texture defined
    const KernelScene k = test::to_kernel(ir);
    const tf_material& km = k.materials.at(k.spheres.at(0).material);
    ASSERT_GE(km.displacement, 1u);
    EXPECT_FLOAT_EQ(k.textures.at(km.displacement - 1u).r, 0.25f);
  }
  SceneIr flat = parse_world("Material \"diffuse\" \"float displacement\" 0.5\nShape \"sphere\"\n");
  EXPECT_TRUE(flat.warnings.empty());
  EXPECT_EQ(flat.materials.back().displacement, -1);
  const KernelScene k = test::to_kernel(parse_world("Shape \"sphere\"\n"));
  EXPECT_EQ(k.materials.at(k.spheres.at(0).material).displacement, 0u);  // none by default

  std::string unknown = parse_error(std::string(test::kHeader) + textures +
                                    "Material \"diffuse\" \"texture displacement\" \"colour\"\n");
  EXPECT_NE(unknown.find("unknown float texture \"colour\" for 'displacement'"),
            std::string::npos)
      << unknown;
}

// pbrt-v4's "diffusetransmission": reflectance and transmittance (0.25 by default) scaled by
// "scale" and clamped to [0, 1], as its material evaluates them, into the kernel material.
TEST(RealSceneConstructs, DiffuseTransmissionTakesItsParameters) {
  SceneIr ir = parse_world(
      "Material \"diffusetransmission\" \"rgb reflectance\" [0.2 0.4 0.8] "
      "\"rgb transmittance\" [0.1 0.3 0.5] \"float scale\" 1.5\nShape \"sphere\"\n"
      "Material \"diffusetransmission\"\nShape \"sphere\"\n");
  ASSERT_EQ(ir.shapes.size(), 2u);
  EXPECT_TRUE(ir.warnings.empty());
  const KernelScene k = test::to_kernel(ir);
  const tf_material& a = k.materials.at(k.spheres.at(0).material);
  EXPECT_EQ(a.type, TF_MAT_DIFFUSE_TRANSMISSION);
  EXPECT_FLOAT_EQ(a.r, 0.3f);
  EXPECT_FLOAT_EQ(a.g, 0.6f);
  EXPECT_FLOAT_EQ(a.b, 1.0f);  // 1.2 clamped
  EXPECT_FLOAT_EQ(a.trans_r, 0.15f);
  EXPECT_FLOAT_EQ(a.trans_g, 0.45f);
  EXPECT_FLOAT_EQ(a.trans_b, 0.75f);
  const tf_material& d = k.materials.at(k.spheres.at(1).material);
  EXPECT_EQ(d.type, TF_MAT_DIFFUSE_TRANSMISSION);
  EXPECT_FLOAT_EQ(d.r, 0.25f);
  EXPECT_FLOAT_EQ(d.trans_b, 0.25f);
}

}  // namespace
}  // namespace tf::scene
