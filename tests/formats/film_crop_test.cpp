// pbrt-v4's Film "cropwindow" and "pixelbounds": the pixel bounds pbrt computes from them
// (worked out by hand from FilmBaseParameters' rules), and the cropped film's camera rays,
// which must be the whole film's rays through the same pixels.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "formats/scene/load.h"
#include "kernels/render/camera.h"
#include "scene_test_util.h"
#include "test_util.h"

namespace tf::scene {
namespace {

SceneIr parse_film(const std::string& film, size_t warnings = 0) {
  Result<SceneIr> ir = test::parse(
      "Film \"rgb\" \"integer xresolution\" 1920 "
      "\"integer yresolution\" 1080 " +
      film + "\n" + test::kHeader);
  EXPECT_TRUE(ir.is_ok()) << ir.message();
  if (!ir.is_ok()) return SceneIr{};
  EXPECT_EQ(ir->warnings.size(), warnings) << film;
  return std::move(ir.value());
}

void expect_bounds(const SceneIr& ir, uint32_t x0, uint32_t y0, uint32_t x1, uint32_t y1) {
  ASSERT_TRUE(ir.crop.has_value());
  EXPECT_EQ(ir.crop->x0, x0);
  EXPECT_EQ(ir.crop->y0, y0);
  EXPECT_EQ(ir.crop->x1, x1);
  EXPECT_EQ(ir.crop->y1, y1);
  EXPECT_EQ(ir.image_width(), x1 - x0);
  EXPECT_EQ(ir.image_height(), y1 - y0);
}

// pbrt: x from ceil(1920 * 0.3) = 576 to ceil(1920 * 0.8) = 1536, y from ceil(1080 * 0.15) =
// 162 to ceil(1080 * 0.7) = 756; the pairs may come in either order.
TEST(FilmCrop, CropWindowGivesPbrtsPixelBounds) {
  expect_bounds(parse_film("\"float cropwindow\" [.3 .8 .15 .7]"), 576, 162, 1536, 756);
  expect_bounds(parse_film("\"float cropwindow\" [.8 .3 .7 .15]"), 576, 162, 1536, 756);
  expect_bounds(parse_film("\"integer pixelbounds\" [10 20 30 50]"), 10, 30, 20, 50);
  // Bounds beyond the film are clamped (a warning); the crop window wins over pixel bounds.
  expect_bounds(parse_film("\"integer pixelbounds\" [-5 2000 0 10]", 1), 0, 0, 1920, 10);
  expect_bounds(parse_film("\"integer pixelbounds\" [0 1 0 1] \"float cropwindow\" [0 .5 0 .5]", 1),
                0, 0, 960, 540);
  EXPECT_FALSE(parse_film("").crop.has_value());
}

TEST(FilmCrop, BadCropsAreErrors) {
  for (const char* film : {"\"float cropwindow\" [0 .5 0]", "\"float cropwindow\" [.5 .5 0 1]",
                           "\"integer pixelbounds\" [0 10 5 5]"}) {
    EXPECT_FALSE(
        test::parse(std::string("Film \"rgb\" ") + film + "\n" + test::kHeader, true).is_ok())
        << film;
  }
}

// The cropped film renders only its pixels, with the whole film's camera: the ray through crop
// pixel (x, y) is the whole film's ray through pixel (x + x0, y + y0).
TEST(FilmCrop, CroppedCameraRaysAreTheWholeFilmsRays) {
  const std::string camera =
      "LookAt 1 2 3  0 0 0  0 1 0\nCamera \"perspective\" \"float fov\" 40 "
      "\"float lensradius\" 0.1 \"float focaldistance\" 4\nWorldBegin\n";
  const std::string film = "Film \"rgb\" \"integer xresolution\" 64 \"integer yresolution\" 48";
  Result<SceneIr> whole = test::parse(film + "\n" + camera);
  Result<SceneIr> cropped = test::parse(film + " \"float cropwindow\" [.25 .75 .5 1]\n" + camera);
  ASSERT_TRUE(whole.is_ok() && cropped.is_ok());
  const tf_camera w = test::to_kernel(whole.value()).camera;
  const tf_camera c = test::to_kernel(cropped.value()).camera;
  EXPECT_EQ(c.width, 32u);
  EXPECT_EQ(c.height, 24u);
  for (float y : {0.0f, 3.5f, 23.9f}) {
    for (float x : {0.0f, 10.25f, 31.9f}) {
      const tf_ray a = tf_camera_ray(&c, x, y, 0.3f, 0.7f);
      const tf_ray b = tf_camera_ray(&w, x + 16, y + 24, 0.3f, 0.7f);
      EXPECT_NEAR(a.d.x, b.d.x, 2e-6f) << x << " " << y;
      EXPECT_NEAR(a.d.y, b.d.y, 2e-6f) << x << " " << y;
      EXPECT_NEAR(a.d.z, b.d.z, 2e-6f) << x << " " << y;
      EXPECT_NEAR(a.o.x, b.o.x, 2e-6f);
    }
  }
}

// A loaded cropped scene names where its image lies in the whole film (what the frame's EXR
// display window is made of): pbrt's bounds x from ceil(64 * 0.25) = 16, y from
// ceil(48 * 0.5) = 24, of the 64 x 48 film; a whole film has none.
TEST(FilmCrop, ALoadedCropNamesItsPlaceInTheWholeFilm) {
  testing::TempDir dir;
  const std::string film = "Film \"rgb\" \"integer xresolution\" 64 \"integer yresolution\" 48";
  std::ofstream(dir / "crop.pbrt") << film << " \"float cropwindow\" [.25 .75 .5 1]\n"
                                   << test::kHeader;
  std::ofstream(dir / "whole.pbrt") << film << "\n" << test::kHeader;
  Result<LoadedScene> crop = load_scene_file(dir / "crop.pbrt");
  Result<LoadedScene> whole = load_scene_file(dir / "whole.pbrt");
  ASSERT_TRUE(crop && whole) << crop.message() << whole.message();
  EXPECT_EQ(crop->width, 32u);
  EXPECT_EQ(crop->height, 24u);
  EXPECT_EQ(crop->window.full_width, 64u);
  EXPECT_EQ(crop->window.full_height, 48u);
  EXPECT_EQ(crop->window.x0, 16u);
  EXPECT_EQ(crop->window.y0, 24u);
  EXPECT_EQ(describe_scene_json(crop.value())["crop"]["x0"], 16);
  EXPECT_EQ(whole->window.full_width, 0u);
  EXPECT_FALSE(describe_scene_json(whole.value()).contains("crop"));
}

}  // namespace
}  // namespace tf::scene
