// Grid and cloud media in pbrt-v4 scene files: MakeNamedMedium "uniformgrid" and "cloud" with
// pbrt-v4's parameters and defaults (media.cpp: GridMedium::Create, CloudMedium::Create), the
// medium's space as the CTM at the directive (checked through the kernel's density lookup at
// world points), the kernel scene they convert to, and the errors for malformed grids
// (emission: media_emission_test.cpp).
#include <gtest/gtest.h>

#include <string>

#include "kernels/render/medium_grid.h"
#include "tests/formats/scene_test_util.h"

namespace tf::scene {
namespace {

using test::contains;
using test::parse_error;
using test::parse_world;
using test::to_kernel;

TEST(GridMedia, UniformGridLoadsStrictlyWithPbrtsParameters) {
  SceneIr ir = parse_world(
      "MakeNamedMedium \"smoke\" \"string type\" \"uniformgrid\" \"float density\" [0 1 2 5 1 1]\n"
      "  \"integer nx\" 3 \"integer ny\" 2 \"rgb sigma_a\" [0.5 1 2] \"rgb sigma_s\" [1 2 3]\n"
      "  \"float scale\" 2 \"float g\" 0.3 \"point3 p0\" [-1 0 0] \"point3 p1\" [2 4 1]\n");
  ASSERT_EQ(ir.media.size(), 1u);
  const IrMedium& m = ir.media[0];
  EXPECT_EQ(m.kind, IrMedium::Kind::Grid);
  EXPECT_EQ(m.sigma_a, (Rgb{1, 2, 4}));
  EXPECT_EQ(m.sigma_s, (Rgb{2, 4, 6}));
  EXPECT_FLOAT_EQ(m.g, 0.3f);
  EXPECT_EQ(m.grid.nx, 3);
  EXPECT_EQ(m.grid.ny, 2);
  EXPECT_EQ(m.grid.nz, 1);  // pbrt's default
  EXPECT_EQ(m.grid.density, (std::vector<float>{0, 1, 2, 5, 1, 1}));
  EXPECT_EQ(m.grid.p0, (std::array<float, 3>{-1, 0, 0}));
  EXPECT_EQ(m.grid.p1, (std::array<float, 3>{2, 4, 1}));
  EXPECT_TRUE(ir.warnings.empty());

  KernelScene k = to_kernel(ir);
  ASSERT_TRUE(finalize_kernel_scene(&k).is_ok());
  ASSERT_EQ(k.media.size(), 1u);
  EXPECT_EQ(k.media[0].kind, TF_MEDIUM_GRID);
  EXPECT_EQ(k.media[0].nx * k.media[0].ny * k.media[0].nz, 6u);
  EXPECT_EQ(std::vector<float>(k.densities.begin() + k.media[0].offset, k.densities.end()),
            m.grid.density);
  EXPECT_EQ(k.media[0].majorant, 5.0f * 10.0f);  // largest density x largest sigma_t
}

TEST(GridMedia, TheMediumLivesInTheSpaceOfTheCtmAtItsDirective) {
  // Medium space: world = (10, 0, 0) + 2 * medium. Two samples along x (values 1 and 3) at
  // medium x = 1/4 and 3/4; halfway between them the lookup gives 2.
  SceneIr ir = parse_world(
      "AttributeBegin\nTranslate 10 0 0\nScale 2 2 2\n"
      "MakeNamedMedium \"g\" \"string type\" \"uniformgrid\" \"float density\" [1 3]\n"
      "  \"integer nx\" 2\nAttributeEnd\n");
  KernelScene k = to_kernel(ir);
  ASSERT_TRUE(finalize_kernel_scene(&k).is_ok());
  const tf_scene_view view = make_host_scene_view(k);
  auto density_at = [&](float x, float y, float z) {
    return tf_grid_density(&view, view.media, tf_medium_point(view.media, v3(x, y, z)));
  };
  EXPECT_FLOAT_EQ(density_at(10.5f, 1.0f, 1.0f), 1.0f);
  EXPECT_FLOAT_EQ(density_at(11.0f, 1.0f, 1.0f), 2.0f);
  EXPECT_FLOAT_EQ(density_at(11.5f, 1.0f, 1.0f), 3.0f);
  EXPECT_EQ(density_at(0.5f, 0.5f, 0.5f), 0.0f);  // the untransformed box holds nothing
}

TEST(GridMedia, CloudLoadsStrictlyWithPbrtsDefaults) {
  SceneIr ir = parse_world(
      "MakeNamedMedium \"a\" \"string type\" \"cloud\"\n"
      "MakeNamedMedium \"c\" \"string type\" \"cloud\" \"spectrum sigma_s\" [200 10 900 10]\n"
      "  \"spectrum sigma_a\" [200 .01 900 .01] \"float density\" 2 \"float wispiness\" 0.5\n"
      "  \"float frequency\" 3 \"float g\" 0.2 \"point3 p1\" [2 1 1]\n");
  ASSERT_EQ(ir.media.size(), 2u);
  const IrMedium& a = ir.media[0];
  EXPECT_EQ(a.kind, IrMedium::Kind::Cloud);
  EXPECT_EQ(a.density, 1.0f);
  EXPECT_EQ(a.wispiness, 1.0f);
  EXPECT_EQ(a.frequency, 5.0f);
  EXPECT_EQ(a.sigma_a, (Rgb{1, 1, 1}));
  EXPECT_EQ(a.grid.p0, (std::array<float, 3>{0, 0, 0}));
  EXPECT_EQ(a.grid.p1, (std::array<float, 3>{1, 1, 1}));
  const IrMedium& c = ir.media[1];
  EXPECT_EQ(c.density, 2.0f);
  EXPECT_EQ(c.wispiness, 0.5f);
  EXPECT_EQ(c.frequency, 3.0f);
  EXPECT_FLOAT_EQ(c.g, 0.2f);
  EXPECT_NEAR(c.sigma_s[1], 10.0f, 0.05f);  // a flat spectrum of 10
  EXPECT_EQ(c.grid.p1[0], 2.0f);
  KernelScene k = to_kernel(ir);
  ASSERT_TRUE(finalize_kernel_scene(&k).is_ok());
  EXPECT_EQ(k.media[1].kind, TF_MEDIUM_CLOUD);
  EXPECT_EQ(k.media[1].density, 2.0f);
  EXPECT_EQ(k.media[1].majorant, k.media[1].sigma_a_g + k.media[1].sigma_s_g);  // density <= 1
}

TEST(GridMedia, MalformedGridsAreErrors) {
  const std::string grid = "MakeNamedMedium \"m\" \"string type\" \"uniformgrid\" ";
  struct Case {
    std::string body, error;
  };
  for (const Case& c : {
           Case{grid + "\n", "\"uniformgrid\" requires \"density\""},
           Case{grid + "\"float density\" [1 2 3] \"integer nx\" 2\n",
                "\"density\" has 3 values; expected nx * ny * nz"},
           Case{grid + "\"float density\" [1 -2]  \"integer nx\" 2\n",
                "\"density\" values must be finite and >= 0"},
           Case{grid + "\"float density\" [1] \"point3 p0\" [0 2 0]\n",
                "\"p0\" must be below \"p1\" on every axis"},
           Case{"MakeNamedMedium \"m\" \"string type\" \"cloud\" \"float scale\" 2\n",
                "unsupported parameter \"float scale\""},  // pbrt's cloud has no scale
       }) {
    const std::string message = parse_error(std::string(test::kHeader) + c.body);
    EXPECT_TRUE(contains(message, c.error)) << message;
  }
}

}  // namespace
}  // namespace tf::scene
