// Renders every scene of the pbrt-v4 collection's stand-ins (pbrt_v4_scenes/, the files of
// pbrt_v4_scenes_test.cpp, with small stand-in images beside them where the originals' images
// are too large to keep) the way a worker does: formats/scene's load_scene_file, then the CPU
// backend's load_scene and render of units covering the film. The film is made 32 pixels wide
// (its height by the scene's aspect ratio, at least 4): the camera maps pixel positions
// relative to the film size, so this is the scene's own framing at a low resolution, rendered
// at 4 samples per pixel. Each scene must load strictly and render, with every pixel finite and
// non-negative, and a scene whose lights the camera sees or whose lights reach geometry the
// camera sees must not come out all black. Which scenes those are is decided below from what
// each scene holds. A table of what loaded and rendered is printed.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "formats/scene/load.h"
#include "kernels/backend.h"
#include "tests/formats/pbrt_v4_scene_files.h"

namespace tf {
namespace {

namespace fs = std::filesystem;

const fs::path& kDir = testing::kPbrtV4ScenesDir;

constexpr uint32_t kWidth = 32, kSpp = 4;

// Scenes whose image may be black, and why; every other scene has an infinite light that
// camera rays escaping the scene see, or geometry in view lit by its lights.
const std::map<std::string, std::string> kMayBeDark = {
    // Both area lights (and the quad standing in for the geometry) lie in the plane y = 0
    // around the origin, at the camera's feet, about 99 degrees off its view direction with a
    // 65 degree field of view; nothing else is in the scene and there is no infinite light.
    {"contemporary-bathroom/contemporary-bathroom.pbrt", "nothing in view"},
};

struct SceneRender {
  std::string load_error, render_error;
  uint32_t width = 0, height = 0;
  std::array<double, 3> mean{};
  int bad_pixels = 0;  // with a non-finite or negative component
};

SceneRender render(Backend* backend, const std::string& name) {
  SceneRender r;
  Result<LoadedScene> scene = load_scene_file(kDir / name, SceneLoadOptions{false});
  if (!scene) {
    r.load_error = scene.message();
    return r;
  }
  tf_camera& camera = scene->kernel.camera;
  r.width = kWidth;
  const double aspect = static_cast<double>(camera.height) / camera.width;
  r.height = std::max<uint32_t>(4, static_cast<uint32_t>(std::lround(kWidth * aspect)));
  camera.width = r.width;
  camera.height = r.height;
  if (Status s = backend->load_scene(scene->kernel); !s) {
    r.render_error = s.message();
    return r;
  }
  RenderUnit unit;
  unit.x1 = r.width, unit.y1 = r.height, unit.s1 = kSpp;
  TileResult tile;
  if (Status s = backend->render(unit, &tile); !s) {
    r.render_error = s.message();
    return r;
  }
  const size_t pixels = static_cast<size_t>(r.width) * r.height;
  for (size_t p = 0; p < pixels; ++p) {
    bool bad = false;
    for (size_t c = 0; c < 3; ++c) {
      const float v = tile.rgb[3 * p + c];
      bad = bad || !std::isfinite(v) || v < 0;
      r.mean[c] += v / (static_cast<double>(pixels) * kSpp);
    }
    r.bad_pixels += bad;
  }
  return r;
}

TEST(PbrtV4Scenes, EverySceneRendersFinitePixelsAndTheLitOnesShowLight) {
  Result<std::unique_ptr<Backend>> backend = make_backend("cpu");
  ASSERT_TRUE(backend) << backend.message();
  const std::vector<std::string> files = testing::pbrt_v4_scene_files();
  EXPECT_EQ(files.size(), 28u);
  int loaded = 0, rendered = 0;
  std::printf("%-50s %-7s %-9s %s\n", "scene", "loaded", "rendered", "mean RGB");
  for (const std::string& name : files) {
    const SceneRender r = render(backend->get(), name);
    const bool ok = r.load_error.empty() && r.render_error.empty();
    loaded += r.load_error.empty();
    rendered += ok;
    std::printf("%-50s %-7s %-9s", name.c_str(), r.load_error.empty() ? "yes" : "no",
                ok ? "yes" : "no");
    if (ok) {
      std::printf(" %.4g %.4g %.4g (%ux%u)", r.mean[0], r.mean[1], r.mean[2], r.width, r.height);
    }
    std::printf("%s\n", (r.load_error + r.render_error).c_str());
    EXPECT_TRUE(r.load_error.empty()) << name << ": " << r.load_error;
    EXPECT_TRUE(r.render_error.empty()) << name << ": " << r.render_error;
    if (!ok) continue;
    EXPECT_EQ(r.bad_pixels, 0) << name;
    if (kMayBeDark.count(name) == 0) {
      EXPECT_GT(r.mean[0] + r.mean[1] + r.mean[2], 0.0) << name << " is all black";
    }
  }
  std::printf("%d of %zu scenes loaded, %d rendered\n", loaded, files.size(), rendered);
  for (const auto& [name, why] : kMayBeDark) {
    EXPECT_TRUE(std::find(files.begin(), files.end(), name) != files.end()) << name;
  }
}

}  // namespace
}  // namespace tf
