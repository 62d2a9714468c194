// pbrt-v4's "subsurface" material as a dielectric boundary around a homogeneous interior medium
// (formats/scene/elements_subsurface.h): the parameters as pbrt-v4 defines them (the measured
// table of Jensen et al. 2001, sigma_a/sigma_s, reflectance and mfp, defaults, scale, g, eta,
// roughness), the medium the converter gives its shapes, and renders through the volumetric
// path tracer against independent truth: a lossless medium in a white furnace, and the total
// diffuse reflectance of a semi-infinite absorbing medium against a separate random walk.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>

#include "formats/scene/elements_subsurface.h"
#include "tests/formats/scene_test_util.h"
#include "tests/formats/host_render.h"

namespace tf::scene {
namespace {

using test::contains;
using test::parse_error;
using test::parse_world;
using test::render_sphere;
using test::to_kernel;

const IrMedium& interior_of(const SceneIr& ir) {
  static const IrMedium kNone{};
  const IrMaterial& m = ir.materials.back();
  EXPECT_TRUE(m.interior.has_value());
  return m.interior ? *m.interior : kNone;
}

void expect_rgb_near(const Rgb& got, const std::array<double, 3>& want, double tol) {
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(got[c], want[c], tol) << "channel " << c;
}

// Table 1 of Jensen, Marschner, Levoy and Hanrahan 2001 ("A Practical Model for Subsurface
// Light Transport"), skin 1: sigma_s' = (0.74, 0.88, 1.01), sigma_a = (0.032, 0.17, 0.48) mm^-1.
TEST(Subsurface, NamedSkin1HasThePublishedCoefficientsTimesScaleAndNoAsymmetry) {
  std::optional<MeasuredScattering> skin = named_scattering("Skin1");
  ASSERT_TRUE(skin.has_value());
  expect_rgb_near(skin->sigma_prime_s, {0.74, 0.88, 1.01}, 1e-7);
  expect_rgb_near(skin->sigma_a, {0.032, 0.17, 0.48}, 1e-7);
  EXPECT_FALSE(named_scattering("skin1").has_value());  // pbrt matches names exactly

  SceneIr ir = parse_world(
      "Material \"subsurface\" \"float scale\" [ 10 ] \"string name\" [ \"Skin1\" ] "
      "\"float eta\" [ 1.5 ] \"float g\" 0.3\nShape \"sphere\"\n");
  const IrMaterial& m = ir.materials.back();
  EXPECT_EQ(m.type, IrMaterial::Type::Dielectric);
  EXPECT_EQ(m.eta, (Rgb{1.5f, 1.5f, 1.5f}));
  EXPECT_EQ(m.alpha_u, 0.0f);
  const IrMedium& medium = interior_of(ir);
  expect_rgb_near(medium.sigma_s, {7.4, 8.8, 10.1}, 1e-5);
  expect_rgb_near(medium.sigma_a, {0.32, 1.7, 4.8}, 1e-6);
  EXPECT_EQ(medium.g, 0.0f);  // reduced coefficients: pbrt forces g = 0 and warns
  ASSERT_EQ(ir.warnings.size(), 1u);
  EXPECT_TRUE(contains(ir.warnings[0], "\"g\" ignored")) << ir.warnings[0];
}

TEST(Subsurface, DefaultsCoefficientsEtaAndRoughnessFollowPbrt) {
  SceneIr ir = parse_world("Material \"subsurface\"\nShape \"sphere\"\n");
  EXPECT_EQ(ir.materials.back().eta, (Rgb{1.33f, 1.33f, 1.33f}));
  expect_rgb_near(interior_of(ir).sigma_a, {0.0011, 0.0024, 0.014}, 1e-9);
  expect_rgb_near(interior_of(ir).sigma_s, {2.55, 3.21, 3.77}, 1e-6);

  ir = parse_world(
      "Material \"subsurface\" \"rgb sigma_a\" [1 2 3] \"rgb sigma_s\" [4 5 6] \"float scale\" 2"
      " \"float g\" 0.5 \"bool remaproughness\" false \"float uroughness\" 0.1"
      " \"float vroughness\" 0.2\nShape \"sphere\"\n");
  expect_rgb_near(interior_of(ir).sigma_a, {2, 4, 6}, 1e-6);
  expect_rgb_near(interior_of(ir).sigma_s, {8, 10, 12}, 1e-6);
  EXPECT_EQ(interior_of(ir).g, 0.5f);
  EXPECT_FLOAT_EQ(ir.materials.back().alpha_u, 0.1f);
  EXPECT_FLOAT_EQ(ir.materials.back().alpha_v, 0.2f);
}

// reflectance + mfp: sigma_t = 1 / (scale * mfp) and the albedo whose diffuse reflectance (the
// dipole of Jensen et al. 2001) is the reflectance.
TEST(Subsurface, ReflectanceAndMeanFreePathInvertToTheAlbedoOfThatReflectance) {
  SceneIr ir = parse_world(
      "Material \"subsurface\" \"float eta\" 1.33 \"rgb reflectance\" [0.2 0.5 0.8]"
      " \"rgb mfp\" [0.5 1 2] \"float scale\" 2\nShape \"sphere\"\n");
  const IrMedium& m = interior_of(ir);
  const double reflectance[3] = {0.2, 0.5, 0.8}, mfp[3] = {1, 2, 4};
  for (size_t c = 0; c < 3; ++c) {
    const double sigma_t = m.sigma_a[c] + m.sigma_s[c];
    EXPECT_NEAR(sigma_t, 1 / mfp[c], 1e-6) << c;
    EXPECT_NEAR(dipole_diffuse_reflectance(m.sigma_s[c] / sigma_t, 1.33), reflectance[c], 1e-5);
  }
  // The closed form at its ends: no scattering reflects nothing, no absorption everything.
  EXPECT_EQ(dipole_diffuse_reflectance(0, 1.33), 0.0);
  EXPECT_NEAR(dipole_diffuse_reflectance(1, 1.33), 1.0, 1e-12);
  EXPECT_NEAR(albedo_from_diffuse_reflectance(1, 1.5), 1.0, 1e-9);
  EXPECT_NEAR(albedo_from_diffuse_reflectance(0, 1.5), 0.0, 1e-9);
}

TEST(Subsurface, ShapesGetTheInteriorMediumInsideAndKeepTheirOutsideMedium) {
  SceneIr ir = parse_world(
      "MakeNamedMedium \"fog\" \"string type\" \"homogeneous\"\nMediumInterface \"\" \"fog\"\n"
      "Material \"subsurface\" \"string name\" \"Apple\"\nShape \"sphere\"\n"
      "Material \"diffuse\"\nShape \"sphere\" \"float radius\" 3\n");
  KernelScene k = to_kernel(ir);
  ASSERT_EQ(k.media.size(), 2u);  // fog, then the apple's interior
  EXPECT_FLOAT_EQ(k.media[1].sigma_s_r, 2.29f);
  ASSERT_EQ(k.spheres.size(), 2u);
  EXPECT_EQ(k.spheres[0].flags, TF_PRIM_MEDIA(2u, 1u));
  EXPECT_EQ(k.spheres[1].flags, TF_PRIM_MEDIA(0u, 1u));
  EXPECT_EQ(k.materials[k.spheres[0].material].type, TF_MAT_DIELECTRIC);
}

TEST(Subsurface, UnsupportedAndInvalidParameters) {
  const std::string header = test::kHeader;
  EXPECT_TRUE(contains(parse_error(header + "Material \"subsurface\" \"rgb sigma_a\" [1 1 1]\n"),
                       "\"sigma_a\" and \"sigma_s\" must be given together"));
  EXPECT_TRUE(contains(parse_error(header + "Material \"subsurface\" \"float g\" 1\n"),
                       "\"g\" must be in (-1, 1)"));
  EXPECT_TRUE(
      contains(parse_error(header + "Material \"subsurface\" \"rgb reflectance\" [1.5 0 0]\n"),
               "\"reflectance\" must be in [0, 1]"));
  const std::string unknown = "Material \"subsurface\" \"string name\" \"Lowfat Milk\"\n";
  EXPECT_TRUE(contains(parse_error(header + unknown), "unsupported named medium \"Lowfat Milk\""));
  SceneIr lenient = parse_world(unknown, /*lenient=*/true);
  expect_rgb_near(interior_of(lenient).sigma_s, {2.55, 3.21, 3.77}, 1e-6);
  const std::string textured =
      "Texture \"t\" \"spectrum\" \"checkerboard\"\n"
      "Material \"subsurface\" \"rgb reflectance\" [0.5 0.5 0.5] \"texture mfp\" \"t\"\n";
  EXPECT_TRUE(contains(parse_error(header + textured), "subsurface \"mfp\" texture"));
  EXPECT_EQ(parse_world(textured, /*lenient=*/true).warnings.size(), 1u);
}

// A medium that scatters without absorbing, behind a smooth (lossless) boundary, is invisible
// in a white furnace: every path leaves again with all its energy, for an index-matched
// boundary and through refraction and total internal reflection. (Rough boundaries are not
// lossless: the single-scattering microfacet model loses energy at every interaction.)
TEST(Subsurface, LosslessMediumIsInvisibleInAWhiteFurnace) {
  for (const char* eta : {"1", "1.5"}) {
    const std::array<double, 3> mean =
        render_sphere(std::string("Material \"subsurface\" \"float eta\" ") + eta +
                          " \"rgb sigma_a\" [0 0 0] \"rgb sigma_s\" [0.05 0.05 0.05]\n",
                      16);
    for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(mean[c], 1.0, 1e-3) << "eta " << eta << " " << c;
  }
}

// Total diffuse reflectance of a semi-infinite, isotropically scattering medium with an
// index-matched boundary, light entering at normal incidence: the escaping fraction of an
// analogue random walk (its own code, in double precision), weighed by albedo^scatterings.
double half_space_reflectance(double albedo, int photons) {
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  double sum = 0;
  for (int i = 0; i < photons; ++i) {
    double z = 0, dz = 1, weight = 1;  // depth below the surface, direction cosine into it
    for (;;) {
      z += dz * -std::log(1.0 - u(rng));
      if (z < 0) {
        sum += weight;
        break;
      }
      weight *= albedo;
      if (weight < 1e-12) break;
      dz = 2 * u(rng) - 1;  // isotropic: the cosine is uniform in [-1, 1]
    }
  }
  return sum / photons;
}

TEST(Subsurface, SemiInfiniteMediumReflectsAsAnIndependentRandomWalkPredicts) {
  // sigma_t = 10 per unit: the sphere of radius 100 is 1000 mean free paths deep and wide.
  const std::array<double, 3> albedo = {0.95, 0.8, 0.5};
  const std::array<double, 3> mean = render_sphere(
      "Material \"subsurface\" \"float eta\" 1 \"rgb sigma_a\" [0.5 2 5]"
      " \"rgb sigma_s\" [9.5 8 5]\n",
      256);
  for (size_t c = 0; c < 3; ++c) {
    const double expected = half_space_reflectance(albedo[c], 400000);
    EXPECT_NEAR(mean[c], expected, 0.015) << "albedo " << albedo[c];
  }
}

}  // namespace
}  // namespace tf::scene
