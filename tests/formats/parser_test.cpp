// Directives of the options block, transforms, attributes, materials and textures.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "formats/scene/spectra.h"
#include "scene_test_util.h"

namespace tf::scene {
namespace {

using test::parse_world;

void expect_near(const Mat4& a, const Mat4& b, double tol = 1e-9) {
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(a.m[i][j], b.m[i][j], tol) << i << "," << j;
}

TEST(Parser, OptionsAndDefaults) {
  Result<SceneIr> d = test::parse("WorldBegin\n");
  ASSERT_TRUE(d.is_ok()) << d.message();
  EXPECT_EQ(d->width, 1280u);
  EXPECT_EQ(d->height, 720u);
  EXPECT_EQ(d->spp, 16u);
  EXPECT_EQ(d->max_depth, 5u);
  EXPECT_FALSE(d->has_camera);
  Result<SceneIr> r = test::parse(
      "Film \"rgb\" \"integer xresolution\" 320 \"integer yresolution\" [ 240 ] \"string "
      "filename\" \"o.exr\"\n"
      "  \"float iso\" 100 \"string sensor\" \"cie1931\" \"float diagonal\" 35\n"
      "Sampler \"zsobol\" \"integer pixelsamples\" 8\n"
      "Integrator \"volpath\" \"integer maxdepth\" 12\n"
      "Camera \"perspective\" \"float fov\" 30 \"float lensradius\" 0.1 \"float focaldistance\" 7\n"
      "WorldBegin\n");
  ASSERT_TRUE(r.is_ok()) << r.message();
  EXPECT_EQ(r->width, 320u);
  EXPECT_EQ(r->height, 240u);
  EXPECT_EQ(r->film_filename, "o.exr");
  EXPECT_EQ(r->spp, 8u);
  EXPECT_EQ(r->max_depth, 12u);
  EXPECT_EQ(r->camera.fov_degrees, 30.f);
  EXPECT_EQ(r->camera.lens_radius, 0.1f);
  EXPECT_EQ(r->camera.focal_distance, 7.f);
}

TEST(Parser, CameraFollowsPbrtConventions) {
  // Landscape: fov spans the shorter (vertical) axis.
  SceneIr ir =
      test::parse(
          "Film \"rgb\" \"integer xresolution\" 200 \"integer yresolution\" 100\n"
          "LookAt 1 2 -5  1 2 0  0 1 0\nCamera \"perspective\" \"float fov\" 60\nWorldBegin\n")
          .value();
  tf_camera c = test::to_kernel(ir).camera;
  const float t = std::tan(30.f * std::numbers::pi_v<float> / 180.f);
  EXPECT_NEAR(c.tan_half_y, t, 1e-6);
  EXPECT_NEAR(c.tan_half_x, 2 * t, 1e-6);
  EXPECT_NEAR(c.pos_x, 1, 1e-6);
  EXPECT_NEAR(c.pos_y, 2, 1e-6);
  EXPECT_NEAR(c.pos_z, -5, 1e-6);
  EXPECT_NEAR(c.fwd_z, 1, 1e-6);
  EXPECT_NEAR(c.up_y, 1, 1e-6);
  EXPECT_NEAR(c.right_x, 1, 1e-6);  // camera +x = cross(up, dir) = world +x
  EXPECT_EQ(c.width, 200u);
  // Portrait, and a mirrored camera (Scale -1 1 1 before LookAt) flips raster x.
  ir = test::parse(
           "Film \"rgb\" \"integer xresolution\" 100 \"integer yresolution\" 200\n"
           "Scale -1 1 1\nLookAt 0 0 -5  0 0 0  0 1 0\nCamera \"perspective\" \"float fov\" "
           "60\nWorldBegin\n")
           .value();
  c = test::to_kernel(ir).camera;
  EXPECT_NEAR(c.tan_half_x, t, 1e-6);
  EXPECT_NEAR(c.tan_half_y, 2 * t, 1e-6);
  EXPECT_NEAR(c.right_x, -1, 1e-6);
  EXPECT_NEAR(c.fwd_z, 1, 1e-6);
}

TEST(Parser, TransformsMatchHandComputedMatrices) {
  SceneIr ir = parse_world(
      "Translate 1 2 3\nShape \"sphere\"\n"                                                    // 0
      "Identity\nRotate 90 0 0 1\nShape \"sphere\"\n"                                          // 1
      "Identity\nScale 2 2 2\nTranslate 1 0 0\nShape \"sphere\"\n"                             // 2
      "Transform [1 0 0 0  0 1 0 0  0 0 1 0  4 5 6 1]\nShape \"sphere\"\n"                     // 3
      "ConcatTransform [2 0 0 0  0 2 0 0  0 0 2 0  0 0 0 1]\nShape \"sphere\"\n"               // 4
      "CoordinateSystem \"saved\"\nIdentity\nCoordSysTransform \"saved\"\nShape \"sphere\"\n"  // 5
      "CoordSysTransform \"camera\"\nShape \"sphere\"\n");                                     // 6
  ASSERT_EQ(ir.shapes.size(), 7u);
  Mat4 rz;
  rz.m = {{{0, -1, 0, 0}, {1, 0, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}};
  Mat4 s2t;  // Scale 2 then Translate 1 0 0: x' = 2 (x + 1)
  s2t.m = {{{2, 0, 0, 2}, {0, 2, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 1}}};
  Mat4 t456s2;
  t456s2.m = {{{2, 0, 0, 4}, {0, 2, 0, 5}, {0, 0, 2, 6}, {0, 0, 0, 1}}};
  expect_near(ir.shapes[0].world_from_object, Mat4::translate({1, 2, 3}));
  expect_near(ir.shapes[1].world_from_object, rz);
  expect_near(ir.shapes[2].world_from_object, s2t);
  expect_near(ir.shapes[3].world_from_object, Mat4::translate({4, 5, 6}));
  expect_near(ir.shapes[4].world_from_object, t456s2);
  expect_near(ir.shapes[5].world_from_object, t456s2);
  // "camera" is world-from-camera: the camera sits at (0, 0, -5).
  expect_near(ir.shapes[6].world_from_object, Mat4::translate({0, 0, -5}));
}

TEST(Parser, AttributesRestoreStateAndTransformBlocksOnlyTheCtm) {
  SceneIr ir = parse_world(
      "Material \"conductor\"\n"
      "AttributeBegin\n Translate 1 0 0\n Material \"dielectric\"\n ReverseOrientation\n"
      " AreaLightSource \"diffuse\"\n Shape \"sphere\"\nAttributeEnd\n"
      "Shape \"sphere\"\n"
      "TransformBegin\n Translate 0 1 0\n Material \"diffuse\"\nTransformEnd\n"
      "Shape \"sphere\"\n");
  ASSERT_EQ(ir.shapes.size(), 3u);
  const IrShape &in = ir.shapes[0], &after = ir.shapes[1], &after_tb = ir.shapes[2];
  EXPECT_EQ(ir.materials[static_cast<size_t>(in.material)].type, IrMaterial::Type::Dielectric);
  EXPECT_TRUE(in.reverse_orientation);
  EXPECT_TRUE(in.area.present);
  EXPECT_EQ(ir.materials[static_cast<size_t>(after.material)].type, IrMaterial::Type::Conductor);
  EXPECT_FALSE(after.reverse_orientation);
  EXPECT_FALSE(after.area.present);
  expect_near(after.world_from_object, Mat4::identity());
  expect_near(after_tb.world_from_object, Mat4::identity());
  EXPECT_EQ(ir.materials[static_cast<size_t>(after_tb.material)].type, IrMaterial::Type::Diffuse);
}

TEST(Parser, Materials) {
  SceneIr ir = parse_world(
      "Material \"diffuse\" \"rgb reflectance\" [0.1 0.2 0.3]\nShape \"sphere\"\n"
      "Material \"conductor\" \"spectrum eta\" \"metal-Au-eta\" \"spectrum k\" \"metal-Au-k\" "
      "\"float roughness\" 0.04\nShape \"sphere\"\n"
      "Material \"conductor\" \"rgb reflectance\" [0.9 0.8 0.7] \"float uroughness\" 0.25 "
      "\"float vroughness\" 0.5 \"bool remaproughness\" false\nShape \"sphere\"\n"
      "Material \"dielectric\" \"float eta\" 1.33\nShape \"sphere\"\n"
      "Material \"thindielectric\" \"spectrum eta\" \"glass-BK7\"\nShape \"sphere\"\n"
      "Material \"conductor\"\nShape \"sphere\"\n");
  ASSERT_EQ(ir.shapes.size(), 6u);
  auto mat = [&](size_t i) { return ir.materials[static_cast<size_t>(ir.shapes[i].material)]; };
  EXPECT_EQ(mat(0).reflectance, (Rgb{0.1f, 0.2f, 0.3f}));
  EXPECT_EQ(mat(1).type, IrMaterial::Type::Conductor);
  EXPECT_EQ(mat(1).eta, named_spectrum_rgb("metal-Au-eta").value());
  EXPECT_NEAR(mat(1).alpha_u, 0.2f, 1e-6);  // pbrt-v4 remaps roughness r to alpha sqrt(r)
  EXPECT_TRUE(mat(2).use_reflectance);
  EXPECT_EQ(mat(2).reflectance, (Rgb{0.9f, 0.8f, 0.7f}));
  EXPECT_EQ(mat(2).alpha_u, 0.25f);
  EXPECT_EQ(mat(2).alpha_v, 0.5f);
  EXPECT_EQ(mat(3).type, IrMaterial::Type::Dielectric);
  EXPECT_FLOAT_EQ(mat(3).eta[0], 1.33f);
  EXPECT_EQ(mat(4).type, IrMaterial::Type::ThinDielectric);
  EXPECT_FLOAT_EQ(mat(4).eta[0], 1.5168f);
  EXPECT_EQ(mat(5).eta, named_spectrum_rgb("metal-Cu-eta").value());  // pbrt's default metal
}

// pbrt-v4 names its Schott dense flints "glass-F5", "glass-F10" and "glass-F11". A named glass
// reduces to its index at the helium d line (587.6 nm); the expected values interpolate
// linearly between the two samples of pbrt-v4's GlassSF5/SF10/SF11_eta tables around 587.6 nm.
TEST(Parser, DenseFlintGlassesUsePbrtNames) {
  auto lerp_at_d_line = [](double l0, double n0, double l1, double n1) {
    return n0 + (587.6 - l0) / (l1 - l0) * (n1 - n0);
  };
  const struct {
    const char* name;
    double n_d;
  } glasses[] = {
      {"glass-F5", lerp_at_d_line(583, 1.6731928929908, 604, 1.6710248234743)},
      {"glass-F10", lerp_at_d_line(570, 1.7305324562829, 592, 1.7277151818026)},
      {"glass-F11", lerp_at_d_line(583, 1.7854266026774, 604, 1.7822786683156)},
  };
  for (const auto& g : glasses) {
    SceneIr ir = parse_world(std::string("Material \"dielectric\" \"spectrum eta\" \"") + g.name +
                             "\"\nShape \"sphere\"\n");
    ASSERT_EQ(ir.shapes.size(), 1u) << g.name;
    const IrMaterial& m = ir.materials[static_cast<size_t>(ir.shapes[0].material)];
    EXPECT_EQ(m.type, IrMaterial::Type::Dielectric) << g.name;
    // The catalogue n_d, to its four published decimals.
    EXPECT_NEAR(m.eta[0], g.n_d, 5e-5) << g.name;
  }
}

TEST(Parser, NamedMixAndCoatedMaterials) {
  SceneIr ir = parse_world(
      "MakeNamedMaterial \"red\" \"string type\" \"diffuse\" \"rgb reflectance\" [1 0 0]\n"
      "MakeNamedMaterial \"gold\" \"string type\" \"conductor\"\n"
      "MakeNamedMaterial \"m\" \"string type\" \"mix\" \"string materials\" [\"red\" \"gold\"] "
      "\"float amount\" 0.8\n"
      "NamedMaterial \"red\"\nShape \"sphere\"\n"
      "NamedMaterial \"m\"\nShape \"sphere\"\n"
      "Material \"coateddiffuse\" \"rgb reflectance\" [0.2 0.4 0.6] \"float roughness\" 0\nShape "
      "\"sphere\"\n");
  auto mat = [&](size_t i) { return ir.materials[static_cast<size_t>(ir.shapes[i].material)]; };
  EXPECT_EQ(mat(0).reflectance, (Rgb{1, 0, 0}));
  EXPECT_EQ(mat(1).type, IrMaterial::Type::Mix);  // chosen per hit: both parts kept
  EXPECT_EQ(mat(1).mix[0], ir.shapes[0].material);
  EXPECT_EQ(ir.materials[static_cast<size_t>(mat(1).mix[1])].type, IrMaterial::Type::Conductor);
  EXPECT_FLOAT_EQ(mat(1).amount, 0.8f);
  EXPECT_EQ(mat(2).type, IrMaterial::Type::CoatedDiffuse);
  EXPECT_EQ(mat(2).reflectance, (Rgb{0.2f, 0.4f, 0.6f}));
  EXPECT_TRUE(ir.warnings.empty());
}

TEST(Parser, Textures) {
  SceneIr ir = parse_world(
      "Texture \"checks\" \"spectrum\" \"checkerboard\" \"float uscale\" 8 \"float vscale\" 4 "
      "\"rgb tex1\" [1 0 0] \"rgb tex2\" [0 0 1]\n"
      "Texture \"img\" \"spectrum\" \"imagemap\" \"string filename\" \"tex/wood.png\" \"float "
      "scale\" 2\n"
      "Texture \"half\" \"spectrum\" \"scale\" \"texture tex\" \"checks\" \"float scale\" 0.5\n"
      "Texture \"grey\" \"spectrum\" \"constant\" \"rgb value\" [0.3 0.3 0.3]\n"
      "Material \"diffuse\" \"texture reflectance\" \"half\"\nShape \"sphere\"\n",
      false, "/scenes/x");
  ASSERT_EQ(ir.textures.size(), 4u);
  EXPECT_EQ(ir.textures[0].kind, IrTexture::Kind::Checkerboard);
  EXPECT_EQ(ir.textures[0].uscale, 8.f);
  EXPECT_EQ(ir.textures[0].vscale, 4.f);
  EXPECT_EQ(ir.textures[0].value2, (Rgb{0, 0, 1}));
  EXPECT_EQ(ir.textures[1].kind, IrTexture::Kind::Image);
  EXPECT_EQ(ir.textures[1].filename, std::filesystem::path("/scenes/x/tex/wood.png"));
  EXPECT_EQ(ir.textures[1].value, (Rgb{2, 2, 2}));
  EXPECT_EQ(ir.textures[2].kind, IrTexture::Kind::Scale);  // tex "checks" times 0.5
  ASSERT_EQ(ir.textures[2].operands.size(), 2u);
  EXPECT_EQ(ir.textures[2].operands[0].texture, 0);
  EXPECT_EQ(ir.textures[2].operands[1].texture, -1);
  EXPECT_EQ(ir.textures[2].operands[1].value, (Rgb{0.5f, 0.5f, 0.5f}));
  EXPECT_EQ(ir.textures[3].value, (Rgb{0.3f, 0.3f, 0.3f}));
  EXPECT_EQ(ir.materials[static_cast<size_t>(ir.shapes[0].material)].texture, 2);
}

TEST(Parser, UnsupportedIsAnErrorUnlessLenient) {
  const std::string scene =
      std::string(test::kHeader) + "Shape \"sphere\" \"float radius\" 1 \"float wobble\" 3\n";
  EXPECT_EQ(test::parse_error(scene).rfind(
                "t.pbrt:4:33: Shape: unsupported parameter \"float wobble\"", 0),
            0u)
      << test::parse_error(scene);
  Result<SceneIr> lenient = test::parse(scene, true);
  ASSERT_TRUE(lenient.is_ok()) << lenient.message();
  ASSERT_EQ(lenient->warnings.size(), 1u);
  EXPECT_EQ(lenient->warnings[0].rfind("t.pbrt:4:33: Shape: unsupported parameter", 0), 0u);
  const std::string cyl = std::string(test::kHeader) + "Shape \"nurbs\"\nShape \"sphere\"\n";
  EXPECT_NE(test::parse_error(cyl).find("t.pbrt:4:1: Shape: unsupported shape \"nurbs\""),
            std::string::npos);
  Result<SceneIr> skipped = test::parse(cyl, true);
  ASSERT_TRUE(skipped.is_ok());
  EXPECT_EQ(skipped->shapes.size(), 1u);
  const std::string unknown =
      std::string(test::kHeader) + "Frobnicate \"x\" [1 2]\nShape \"sphere\"\n";
  EXPECT_NE(test::parse_error(unknown).find("t.pbrt:4:1: Frobnicate: unsupported directive"),
            std::string::npos);
  Result<SceneIr> unknown_lenient = test::parse(unknown, true);
  ASSERT_TRUE(unknown_lenient.is_ok()) << unknown_lenient.message();
  EXPECT_EQ(unknown_lenient->shapes.size(), 1u);
}

}  // namespace
}  // namespace tf::scene

namespace tf::scene {
namespace {

TEST(Parser, RenderOnlyDirectivesAreAcceptedWithWarnings) {
  Result<SceneIr> r = test::parse(
      "PixelFilter \"gaussian\" \"float xradius\" 2\nOption \"bool disablepixeljitter\" true\n"
      "Accelerator \"bvh\" \"integer maxnodeprims\" 4\nColorSpace \"srgb\"\nTransformTimes 0 1\n"
      "ActiveTransform All\nWorldBegin\nShape \"sphere\"\nWorldEnd\n");
  ASSERT_TRUE(r.is_ok()) << r.message();
  EXPECT_EQ(r->shapes.size(), 1u);
  EXPECT_EQ(r->warnings.size(), 3u);  // PixelFilter, Option, WorldEnd
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c :
       {Case{"MakeNamedMedium \"fog\" \"string type\" \"rgbgrid\"\nWorldBegin\n",
             "t.pbrt:1:1: MakeNamedMedium: unsupported medium type \"rgbgrid\""},
        Case{"MakeNamedMedium \"skin\" \"string type\" \"homogeneous\" \"string preset\" "
             "\"Skin1\"\nWorldBegin\n",
             "t.pbrt:1:1: MakeNamedMedium: unsupported \"preset\""},
        Case{"ColorSpace \"aces2065-1\"\nWorldBegin\n", "t.pbrt:1:1: ColorSpace: unsupported"},
        Case{"WorldBegin\nAttribute \"shape\" \"float radius\" 2\n",
             "t.pbrt:2:1: Attribute: unsupported"},
        Case{"Camera \"orthographic\"\nWorldBegin\n", "t.pbrt:1:1: Camera: unsupported camera"},
        Case{"Film \"rgb\" \"string sensor\" \"pinhole_webcam\"\nWorldBegin\n",
             "t.pbrt:1:1: Film: unsupported sensor \"pinhole_webcam\""},
        Case{"Integrator \"ambientocclusion\"\nWorldBegin\n",
             "t.pbrt:1:1: Integrator: unsupported integrator"},
        Case{"WorldBegin\nLightSource \"goniometric\"\n",
             "t.pbrt:2:1: LightSource: unsupported light"}}) {
    EXPECT_EQ(test::parse_error(c.text).rfind(c.error, 0), 0u) << test::parse_error(c.text);
    Result<SceneIr> lenient = test::parse(c.text, true);
    ASSERT_TRUE(lenient.is_ok()) << lenient.message();
    EXPECT_EQ(lenient->warnings.size(), 1u) << c.text;
  }
}

}  // namespace
}  // namespace tf::scene
