// AreaLightSource "diffuse" "string filename" (pbrt-v4's DiffuseAreaLight with an image):
// emitted radiance scale x the image's RGB bilinearly filtered at (u, 1 - v) of the image with
// row 0 at the top, edge texels extended (pbrt-v4's Image::BilerpChannel, WrapMode::Clamp).
// Checked through the parser, the converter and the host render kernel against:
// - an untextured emitter of the image's constant radiance (the same samples: equal pixels);
// - the image itself, on a quad light that fills the film (camera rays end on the emitter, so
//   each pixel is exactly its texel's radiance), and on a sphere by pbrt-v4's sphere uv;
// - the irradiance under a textured quad light, integrated numerically here in double
//   precision from the pbrt-v4 definition above (the floor's radiance is rho / pi x that);
// and the file is a scene reference (bundles carry it); "L" with "filename" is an error.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "formats/image/image_io.h"
#include "tests/formats/host_render.h"
#include "tests/formats/scene_test_util.h"
#include "tests/formats/test_util.h"

namespace tf::scene {
namespace {

using Rgb3 = std::array<float, 3>;

// Writes a width x height float EXR whose texel (x, y) (row 0 at the top) is f(x, y).
template <class F>
void write_image(const std::filesystem::path& path, uint32_t width, uint32_t height, F f) {
  std::vector<float> rgb;
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      const Rgb3 c = f(x, y);
      rgb.insert(rgb.end(), c.begin(), c.end());
    }
  }
  ASSERT_TRUE(write_exr(path, width, height, rgb.data()).is_ok());
}

std::string quote(const std::filesystem::path& p) { return "\"" + p.string() + "\""; }

// A two-triangle quad with corners p0, p0 + e1, p0 + e1 + e2, p0 + e2 and uvs (0,0), (1,0),
// (1,1), (0,1), as pbrt text.
std::string quad(std::array<double, 3> p0, std::array<double, 3> e1, std::array<double, 3> e2) {
  std::string points;
  for (int k = 0; k < 4; ++k) {
    const double a = (k == 1 || k == 2) ? 1 : 0, b = k >= 2 ? 1 : 0;
    for (size_t i = 0; i < 3; ++i) points += " " + std::to_string(p0[i] + a * e1[i] + b * e2[i]);
  }
  return "Shape \"trianglemesh\" \"point3 P\" [" + points +
         "] \"integer indices\" [0 1 2 0 2 3] \"point2 uv\" [0 0 1 0 1 1 0 1]\n";
}

// A diffuse floor lit by a quad light and a sphere light with emission `quad_light` and
// `sphere_light` (AreaLightSource parameters), seen from above.
std::string lit_floor(const std::string& quad_light, const std::string& sphere_light) {
  return "LookAt 0 3 -4  0 0 0  0 1 0\nCamera \"perspective\" \"float fov\" 50\n"
         "Film \"rgb\" \"integer xresolution\" 12 \"integer yresolution\" 10\n"
         "WorldBegin\n"
         "Material \"diffuse\" \"rgb reflectance\" [0.6 0.5 0.4]\n" +
         quad({-3, 0, -3}, {0, 0, 6}, {6, 0, 0}) + "AttributeBegin\n" +
         "AreaLightSource \"diffuse\" " + quad_light + "\n" +
         quad({-0.5, 1.5, -0.5}, {1, 0, 0}, {0, 0, 1}) + "AttributeEnd\nAttributeBegin\n" +
         "AreaLightSource \"diffuse\" " + sphere_light + "\n" +
         "Translate 1 0.5 0.5\nShape \"sphere\" \"float radius\" 0.3\nAttributeEnd\n";
}

TEST(EmissiveTexture, ConstantImageRendersAsTheUntexturedEmitter) {
  testing::TempDir dir;
  // scale x texel = 2 x (0.3, 0.6, 0.9) is exactly the float L below (scaling by 2 is exact).
  write_image(dir / "c.exr", 1, 1, [](uint32_t, uint32_t) { return Rgb3{0.3f, 0.6f, 0.9f}; });
  const std::string textured = "\"string filename\" " + quote(dir / "c.exr") + " \"float scale\" 2";
  const std::string plain = "\"rgb L\" [0.6 1.2 1.8]";
  const test::HostImage want = test::render_image(lit_floor(plain, plain), 64);
  const test::HostImage got = test::render_image(lit_floor(textured, textured), 64);
  ASSERT_EQ(got.pixels.size(), 120u);
  ASSERT_EQ(want.pixels.size(), got.pixels.size());
  // Same samples and the same radiance up to the filter's rounding (texel x (1 - f) + texel x
  // f): every pixel agrees to float precision.
  for (size_t i = 0; i < got.pixels.size(); ++i) {
    for (size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR(got.pixels[i][c], want.pixels[i][c], 1e-5 * want.pixels[i][c] + 1e-7) << i;
    }
  }
  double brightest = 0;
  for (const auto& p : want.pixels) brightest = std::max(brightest, p[0]);
  EXPECT_GT(brightest, 0.1);  // the floor is lit

  // A larger constant image: the same within float rounding of the light selection weights.
  write_image(dir / "c4.exr", 4, 3, [](uint32_t, uint32_t) { return Rgb3{0.3f, 0.6f, 0.9f}; });
  const std::string big = "\"string filename\" " + quote(dir / "c4.exr") + " \"float scale\" 2";
  const std::array<double, 3> a = test::image_mean(test::render_rows(lit_floor(big, big), 64));
  const std::array<double, 3> b = test::image_mean(test::render_rows(lit_floor(plain, plain), 64));
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(a[c], b[c], 1e-4 * b[c]) << c;
}

// A 16 x 16 image of four 8 x 8 quadrants, distinct in every channel.
Rgb3 quadrant_texel(uint32_t x, uint32_t y) {
  if (y < 8) return x < 8 ? Rgb3{0, 0, 0} : Rgb3{1, 1, 1};
  return x < 8 ? Rgb3{0.2f, 0.4f, 0.6f} : Rgb3{0.9f, 0.1f, 0.5f};
}

TEST(EmissiveTexture, QuadLightSeenDirectlyShowsTheImage) {
  testing::TempDir dir;
  write_image(dir / "q.exr", 16, 16, quadrant_texel);
  // The quad [-1, 1]^2 at z = 0 (uv (0,0) at (-1,-1), u along +x, v along +y) fills the film
  // exactly: tan(fov / 2) = 1 / 5. The camera's right is +x and its up +y, so pixel (i, j)
  // sees u = (i + 0.5) / 16 and v = 1 - (j + 0.5) / 16, i.e. texel (i, j) of the image.
  const std::string text = "LookAt 0 0 -5  0 0 0  0 1 0\nCamera \"perspective\" \"float fov\" " +
                           std::to_string(2 * std::atan(0.2) * 180 / std::numbers::pi) +
                           "\nFilm \"rgb\" \"integer xresolution\" 16 \"integer yresolution\" 16\n"
                           "WorldBegin\nMaterial \"diffuse\" \"rgb reflectance\" [0 0 0]\n"
                           "AreaLightSource \"diffuse\" \"string filename\" " +
                           quote(dir / "q.exr") + " \"float scale\" 2 \"bool twosided\" true\n" +
                           quad({-1, -1, 0}, {2, 0, 0}, {0, 2, 0});
  const test::HostImage image = test::render_image(text, 16);
  ASSERT_EQ(image.pixels.size(), 256u);
  // Pixels 7 and 8 of each axis see the filter's blend across the quadrants' border; every
  // other pixel sees one texel value only, the edge pixels included (clamped, not repeated).
  auto pure = [](uint32_t i) { return i != 7 && i != 8; };
  for (uint32_t y = 0; y < 16; ++y) {
    for (uint32_t x = 0; x < 16; ++x) {
      if (!pure(x) || !pure(y)) continue;
      const Rgb3 texel = quadrant_texel(x, y);
      for (size_t c = 0; c < 3; ++c) {
        EXPECT_NEAR(image.at(x, y)[c], 2.0 * texel[c], 1e-5) << x << "," << y << " channel " << c;
      }
    }
  }
}

TEST(EmissiveTexture, SphereLightUsesTheSpheresUv) {
  testing::TempDir dir;
  // Black where u < 0.5, white elsewhere. pbrt-v4's sphere has u = phi / 2 pi with
  // phi = atan2(y, x): its upper half (y > 0) is black, its lower half white.
  write_image(dir / "h.exr", 16, 4, [](uint32_t x, uint32_t) {
    return x < 8 ? Rgb3{0, 0, 0} : Rgb3{1, 1, 1};
  });
  auto scene = [&](const std::string& light) {
    return "LookAt 0 0 -5  0 0 0  0 1 0\nCamera \"perspective\" \"float fov\" " +
           std::to_string(2 * std::atan(0.25) * 180 / std::numbers::pi) +
           "\nFilm \"rgb\" \"integer xresolution\" 16 \"integer yresolution\" 16\n"
           "WorldBegin\nMaterial \"diffuse\" \"rgb reflectance\" [0 0 0]\n"
           "AreaLightSource \"diffuse\" " +
           light + "\nShape \"sphere\" \"float radius\" 1\n";
  };
  const test::HostImage got = test::render_image(
      scene("\"string filename\" " + quote(dir / "h.exr") + " \"float scale\" 2"), 16);
  const test::HostImage plain = test::render_image(scene("\"rgb L\" [2 2 2]"), 16);
  ASSERT_EQ(got.pixels.size(), 256u);
  ASSERT_EQ(plain.pixels.size(), 256u);
  // Rows 0-5 see y > 0.29 on the sphere, rows 10-15 y < -0.29: away from the filter's blend
  // around u = 0.5 (phi = pi +- pi / 16, |y| < 0.2).
  double lower = 0;
  for (uint32_t y = 0; y < 16; ++y) {
    if (y > 5 && y < 10) continue;
    for (uint32_t x = 0; x < 16; ++x) {
      for (size_t c = 0; c < 3; ++c) {
        const double want = y <= 5 ? 0.0 : plain.at(x, y)[c];
        EXPECT_NEAR(got.at(x, y)[c], want, 1e-5 * want + 1e-7) << x << "," << y;
        lower += y >= 10 ? want : 0.0;
      }
    }
  }
  EXPECT_GT(lower, 10.0);  // the sphere covers the lower rows
}

// The image of the irradiance test: 8 x 4 texels, black where x < 4 (u < 0.5), else grey
// rising from the top row (v = 1) down.
constexpr uint32_t kW = 8, kH = 4;
float step_texel(uint32_t x, uint32_t y) { return x < 4 ? 0.0f : 0.25f + 0.25f * y; }

// pbrt-v4's BilerpChannel at (u, 1 - v) with WrapMode::Clamp, in double precision.
double bilerp_clamped(double u, double v) {
  const double x = u * kW - 0.5, y = (1 - v) * kH - 0.5;
  const double x0 = std::floor(x), y0 = std::floor(y), fx = x - x0, fy = y - y0;
  auto texel = [](double xi, double yi) {
    const auto cx = static_cast<uint32_t>(std::clamp(xi, 0.0, kW - 1.0));
    const auto cy = static_cast<uint32_t>(std::clamp(yi, 0.0, kH - 1.0));
    return static_cast<double>(step_texel(cx, cy));
  };
  return (1 - fy) * ((1 - fx) * texel(x0, y0) + fx * texel(x0 + 1, y0)) +
         fy * ((1 - fx) * texel(x0, y0 + 1) + fx * texel(x0 + 1, y0 + 1));
}

TEST(EmissiveTexture, IrradianceUnderATexturedQuadIsTheIntegralOfTheImage) {
  testing::TempDir dir;
  write_image(dir / "s.exr", kW, kH, [](uint32_t x, uint32_t y) {
    const float t = step_texel(x, y);
    return Rgb3{t, t, t};
  });
  // The light: y = 1, corner (-1, 1, -1), u along +x, v along +z, 2 x 2, scale 3. The floor
  // point p = (0.6, 0, 0.2) lies under the lit half, off the light's centre in u and v.
  const double scale = 3, rho = 0.5;
  const std::array<double, 3> p{0.6, 0, 0.2};
  const std::string text =
      "LookAt 3.6 0.5 0.2  0.6 0 0.2  0 1 0\nCamera \"perspective\" \"float fov\" 0.05\n"
      "Film \"rgb\" \"integer xresolution\" 4 \"integer yresolution\" 4\n"
      "Integrator \"volpath\" \"integer maxdepth\" 1\nWorldBegin\n"
      "Material \"diffuse\" \"rgb reflectance\" [0.5 0.5 0.5]\n" +
      quad({-10, 0, -10}, {0, 0, 20}, {20, 0, 0}) +
      "AttributeBegin\nAreaLightSource \"diffuse\" \"string filename\" " + quote(dir / "s.exr") +
      " \"float scale\" 3 \"bool twosided\" true\n" + quad({-1, 1, -1}, {2, 0, 0}, {0, 0, 2}) +
      "AttributeEnd\n";
  const std::array<double, 3> got = test::image_mean(test::render_rows(text, 16384));

  // E(p) = integral over the quad of L(q) cos_p cos_q / |q - p|^2 dA (both normals along y),
  // by the midpoint rule; `mirror` flips the image in u.
  auto irradiance = [&](bool mirror) {
    const int n = 1000;
    double e = 0;
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < n; ++j) {
        const double u = (i + 0.5) / n, v = (j + 0.5) / n;
        const double dx = -1 + 2 * u - p[0], dy = 1 - p[1], dz = -1 + 2 * v - p[2];
        const double d2 = dx * dx + dy * dy + dz * dz;
        e += scale * bilerp_clamped(mirror ? 1 - u : u, v) * (dy * dy / d2) / d2 * (4.0 / (n * n));
      }
    }
    return e;
  };
  const double want = rho / std::numbers::pi * irradiance(false);
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(got[c], want, 0.02 * want) << c;
  // The same light with its image mirrored in u would light p far less: the test can tell.
  EXPECT_LT(rho / std::numbers::pi * irradiance(true), 0.6 * want);
}

TEST(EmissiveTexture, LAndFilenameTogetherAreAnError) {
  const std::string message =
      test::parse_error(std::string(test::kHeader) +
                        "AreaLightSource \"diffuse\" \"rgb L\" [1 1 1] \"string filename\" "
                        "\"e.exr\"\n");
  EXPECT_TRUE(test::contains(message, "\"L\" or \"filename\", not both")) << message;
}

TEST(EmissiveTexture, MissingImageIsAnErrorNamingIt) {
  SceneIr ir = test::parse_world("AreaLightSource \"diffuse\" \"string filename\" \"gone.exr\"\n" +
                                 quad({0, 0, 0}, {1, 0, 0}, {0, 1, 0}));
  Result<KernelScene> k = convert_to_kernel(ir);
  ASSERT_FALSE(k.is_ok());
  EXPECT_TRUE(test::contains(k.message(), "gone.exr")) << k.message();
}

TEST(EmissiveTexture, TheImageIsASceneReference) {
  testing::TempDir dir;
  tf::test::write_text(dir / "s.pbrt", std::string(test::kHeader) +
                                           "AreaLightSource \"diffuse\" \"string filename\" "
                                           "\"lights/e.exr\"\n" +
                                           quad({0, 0, 0}, {1, 0, 0}, {0, 1, 0}));
  Result<std::vector<SceneReference>> refs = scan_scene_references(dir / "s.pbrt");
  ASSERT_TRUE(refs.is_ok()) << refs.message();
  EXPECT_TRUE(std::any_of(refs->begin(), refs->end(),
                          [](const SceneReference& r) { return r.path == "lights/e.exr"; }));
}

}  // namespace
}  // namespace tf::scene
