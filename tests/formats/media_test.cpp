// Participating media in pbrt-v4 scene files: MakeNamedMedium (pbrt-v4's homogeneous medium:
// defaults, scale, g), MediumInterface (inside/outside, one name for both, scoping by
// AttributeBegin), the camera's medium (the outside medium current at Camera), the
// "interface" material, and the errors and lenient approximations for what is not supported.
// Grid and cloud media: grid_media_test.cpp.
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "tests/formats/host_render.h"
#include "tests/formats/scene_test_util.h"

namespace tf::scene {
namespace {

using test::parse;
using test::contains;
using test::parse_error;
using test::parse_world;
using test::to_kernel;

TEST(Media, HomogeneousMediumFollowsPbrtDefaultsAndScale) {
  SceneIr ir = parse_world(
      "MakeNamedMedium \"plain\" \"string type\" \"homogeneous\"\n"
      "MakeNamedMedium \"smoke\" \"string type\" \"homogeneous\" \"rgb sigma_a\" [0.1 0.2 0.3]\n"
      "  \"rgb sigma_s\" [1 2 3] \"float scale\" 2 \"float g\" -0.4\n"
      "MakeNamedMedium \"grey\" \"string type\" \"homogeneous\" \"float sigma_s\" 0.5\n"
      "  \"rgb Le\" [0 0 0] \"float Lescale\" 3\n");
  ASSERT_EQ(ir.media.size(), 3u);
  EXPECT_EQ(ir.media[0].sigma_a, (Rgb{1, 1, 1}));  // pbrt-v4: both default to 1, g to 0
  EXPECT_EQ(ir.media[0].sigma_s, (Rgb{1, 1, 1}));
  EXPECT_EQ(ir.media[0].g, 0.0f);
  EXPECT_FLOAT_EQ(ir.media[1].sigma_a[2], 0.6f);
  EXPECT_FLOAT_EQ(ir.media[1].sigma_s[1], 4.0f);
  EXPECT_FLOAT_EQ(ir.media[1].g, -0.4f);
  EXPECT_EQ(ir.media[2].sigma_s, (Rgb{0.5f, 0.5f, 0.5f}));
  EXPECT_TRUE(ir.warnings.empty());  // black emission is no emission
}

TEST(Media, MediumInterfaceAppliesToLaterShapesWithinItsBlock) {
  SceneIr ir = parse_world(
      "MakeNamedMedium \"fog\" \"string type\" \"homogeneous\"\n"
      "MakeNamedMedium \"ink\" \"string type\" \"homogeneous\" \"float g\" 0.7\n"
      "AttributeBegin\n"
      "MediumInterface \"fog\" \"\"\nMaterial \"interface\"\nShape \"sphere\" \"float radius\" 5\n"
      "MediumInterface \"ink\"\nShape \"sphere\"\n"
      "AttributeEnd\n"
      "Shape \"sphere\" \"float radius\" 0.5\n");
  ASSERT_EQ(ir.shapes.size(), 3u);
  EXPECT_EQ(ir.shapes[0].medium_inside, 0);
  EXPECT_EQ(ir.shapes[0].medium_outside, -1);
  EXPECT_TRUE(ir.shapes[0].interface);
  EXPECT_EQ(ir.shapes[1].medium_inside, 1);  // one name: inside and outside
  EXPECT_EQ(ir.shapes[1].medium_outside, 1);
  EXPECT_EQ(ir.shapes[2].medium_inside, -1);  // AttributeEnd restored vacuum
  EXPECT_FALSE(ir.shapes[2].interface);

  KernelScene k = to_kernel(ir);
  ASSERT_EQ(k.media.size(), 2u);
  EXPECT_FLOAT_EQ(k.media[1].g, 0.7f);
  ASSERT_EQ(k.spheres.size(), 3u);
  EXPECT_EQ(k.spheres[0].flags, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(1u, 0u));
  EXPECT_EQ(k.spheres[1].flags, TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(2u, 2u));  // same material
  EXPECT_EQ(k.spheres[2].flags, 0u);
  EXPECT_EQ(k.header.camera_medium, 0u);
  EXPECT_TRUE(finalize_kernel_scene(&k).is_ok());
  EXPECT_EQ(k.header.medium_count, 2u);
}

TEST(Media, CameraSitsInTheOutsideMediumCurrentAtCamera) {
  Result<SceneIr> ir = parse(
      "MakeNamedMedium \"air\" \"string type\" \"homogeneous\" \"float scale\" 0.01\n"
      "MediumInterface \"\" \"air\"\nLookAt 0 0 -5  0 0 0  0 1 0\nCamera \"perspective\"\n"
      "WorldBegin\nShape \"sphere\"\n");
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  EXPECT_EQ(ir->camera_medium, 0);
  EXPECT_EQ(to_kernel(ir.value()).header.camera_medium, 1u);
  Result<SceneIr> vacuum = parse(std::string(test::kHeader) + "Shape \"sphere\"\n");
  ASSERT_TRUE(vacuum.is_ok()) << vacuum.message();
  EXPECT_EQ(vacuum->camera_medium, -1);
}

TEST(Media, InterfaceShapesLoseTheirAreaLight) {
  SceneIr ir = parse_world(
      "MakeNamedMedium \"fog\" \"string type\" \"homogeneous\"\n"
      "AreaLightSource \"diffuse\"\nMaterial \"interface\"\nMediumInterface \"fog\" \"\"\n"
      "Shape \"sphere\"\n");
  ASSERT_EQ(ir.shapes.size(), 1u);
  EXPECT_FALSE(ir.shapes[0].area.present);
  ASSERT_EQ(ir.warnings.size(), 1u);
  EXPECT_TRUE(contains(ir.warnings[0], "area light ignored")) << ir.warnings[0];
}

// Loads `text` and renders its (tiny, narrow) film on the host with 2 samples per pixel; returns
// the mean radiance per channel.
std::array<double, 3> render_mean(const std::string& text) {
  return test::image_mean(test::render_rows(text, 2));
}

// Through the parser, converter and kernel: an absorbing sphere of radius 1 seen through its
// centre against a white environment transmits exp(-2 sigma_a) when the medium is inside
// (MediumInterface "ink" ""), nothing when it is outside (the ray leaves into an unbounded
// absorber), and a camera declared in the outside medium sees through its whole extent.
TEST(Media, MediumInterfaceSidesAndCameraMediumRenderAsPbrtDefinesThem) {
  const std::string medium =
      "MakeNamedMedium \"ink\" \"string type\" \"homogeneous\" \"rgb sigma_a\" [0.2 0.5 1]\n"
      "  \"rgb sigma_s\" [0 0 0] \"float scale\" 0.1\n";
  const std::string camera =
      "LookAt 0 0 -5  0 0 0  0 1 0\nCamera \"perspective\" \"float fov\" 0.1\n"
      "Film \"rgb\" \"integer xresolution\" 2 \"integer yresolution\" 2\nWorldBegin\n"
      "LightSource \"infinite\" \"rgb L\" [1 1 1]\n";
  auto sphere = [](const std::string& interface, double radius) {
    return "AttributeBegin\nMediumInterface " + interface + "\nMaterial \"interface\"\n" +
           "Shape \"sphere\" \"float radius\" " + std::to_string(radius) + "\nAttributeEnd\n";
  };
  const double sigma[3] = {0.02, 0.05, 0.1};
  const std::array<double, 3> inside = render_mean(medium + camera + sphere("\"ink\" \"\"", 1));
  const std::array<double, 3> outside = render_mean(medium + camera + sphere("\"\" \"ink\"", 1));
  const std::array<double, 3> around =
      render_mean(medium + "MediumInterface \"\" \"ink\"\n" + camera + sphere("\"ink\" \"\"", 10));
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(inside[c], std::exp(-2.0 * sigma[c]), 1e-4) << "channel " << c;
    EXPECT_EQ(outside[c], 0.0) << "channel " << c;
    // From (0, 0, -5) to the sphere of radius 10 around the origin: 15 along the axis.
    EXPECT_NEAR(around[c], std::exp(-15.0 * sigma[c]), 1e-4) << "channel " << c;
  }
}

TEST(Media, BadParametersAndUnknownNamesAreErrors) {
  const std::string define = "MakeNamedMedium \"m\" \"string type\" \"homogeneous\" ";
  struct Case {
    std::string body, error;
  };
  for (const Case& c : {
           Case{define + "\"float g\" 1\n",
                "t.pbrt:4:1: MakeNamedMedium: \"g\" must be in (-1, 1)"},
           Case{define + "\"rgb sigma_a\" [1 -1 1]\n", "\"sigma_a\" must be >= 0"},
           Case{define + "\"float scale\" -2\n", "\"scale\" and \"density\" must be >= 0"},
           Case{"MakeNamedMedium \"m\" \"float g\" 0.5\n", "requires \"string type\""},
           Case{define + "\n" + define + "\n", "medium \"m\" defined twice"},
           Case{"MediumInterface \"nowhere\" \"\"\n",
                "t.pbrt:4:1: MediumInterface: unknown medium \"nowhere\""},
           Case{define + "\"float g\" \"x\"\n", "parameter \"float g\": expected numbers"},
       }) {
    for (bool lenient : {false, true}) {
      const std::string message = parse_error(std::string(test::kHeader) + c.body, lenient);
      EXPECT_TRUE(contains(message, c.error)) << message;
    }
  }
}

TEST(Media, UnsupportedMediaAreErrorsStrictlyAndApproximatedLeniently) {
  const std::string grid =
      "MakeNamedMedium \"smoke\" \"string type\" \"rgbgrid\"\n"
      "  \"rgb sigma_s\" [1 2 3] \"float scale\" 2\n";
  EXPECT_TRUE(contains(parse_error(std::string(test::kHeader) + grid),
                       "t.pbrt:4:1: MakeNamedMedium: unsupported medium type \"rgbgrid\" "
                       "(supported: homogeneous, uniformgrid, cloud, nanovdb)"));
  SceneIr ir = parse_world(grid, /*lenient=*/true);
  ASSERT_EQ(ir.media.size(), 1u);  // density 1 (the file's is unknown) times the coefficients
  EXPECT_EQ(ir.media[0].sigma_a, (Rgb{2, 2, 2}));
  EXPECT_EQ(ir.media[0].sigma_s, (Rgb{2, 4, 6}));
  ASSERT_EQ(ir.warnings.size(), 1u);
  EXPECT_TRUE(contains(ir.warnings[0], "homogeneous medium of the grid's mean density"))
      << ir.warnings[0];

  const std::string unknown = "MakeNamedMedium \"w\" \"string type\" \"water\"\n";
  EXPECT_TRUE(contains(parse_error(std::string(test::kHeader) + unknown),
                       "unsupported medium type \"water\""));
  SceneIr skipped = parse_world(unknown + "MediumInterface \"w\" \"\"\nShape \"sphere\"\n",
                                /*lenient=*/true);
  EXPECT_TRUE(skipped.media.empty());
  ASSERT_EQ(skipped.shapes.size(), 1u);
  EXPECT_EQ(skipped.shapes[0].medium_inside, -1);  // a skipped medium is vacuum

  const std::string preset =
      "MakeNamedMedium \"p\" \"string type\" \"homogeneous\" \"string preset\" \"Skin1\"\n";
  EXPECT_TRUE(contains(parse_error(std::string(test::kHeader) + preset),
                       "unsupported \"preset\" \"Skin1\""));
  EXPECT_EQ(parse_world(preset, /*lenient=*/true).media.size(), 1u);
}

}  // namespace
}  // namespace tf::scene
