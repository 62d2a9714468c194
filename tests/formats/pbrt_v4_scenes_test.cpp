// The pbrt-v4 scene collection (github.com/mmp/pbrt-v4-scenes), one scene per folder plus the
// night pavilion and the moving killeroos: pbrt_v4_scenes/<folder>/<scene>.pbrt reproduces the
// directives and parameter names and types of each top-level file, with tiny geometry in place
// of its includes and meshes and small images (textures/, texture/) in place of the images it
// names. Each is parsed strictly and leniently and its result printed; the scenes listed below
// must load strictly, so the count can only go up. pbrt_v4_scenes_render_test.cpp renders them.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "formats/scene/parser.h"
#include "tests/formats/pbrt_v4_scene_files.h"

namespace tf::scene {
namespace {

namespace fs = std::filesystem;

const fs::path& kDir = testing::kPbrtV4ScenesDir;

// Scenes that load without --lenient: all of them.
const std::set<std::string> kMustLoadStrictly = {
    "barcelona-pavilion/pavilion-day.pbrt",
    "barcelona-pavilion/pavilion-night.pbrt",
    "bistro/bistro_cafe.pbrt",
    "bmw-m6/bmw-m6.pbrt",
    "bunny-cloud/bunny-cloud.pbrt",
    "bunny-fur/bunny-fur.pbrt",
    "clouds/clouds.pbrt",
    "contemporary-bathroom/contemporary-bathroom.pbrt",
    "crown/crown.pbrt",
    "dambreak/dambreak0.pbrt",
    "disney-cloud/disney-cloud.pbrt",
    "explosion/explosion.pbrt",
    "ganesha/ganesha.pbrt",
    "head/head.pbrt",
    "hair/hair-actual-bsdf.pbrt",
    "killeroos/killeroo-moving.pbrt",
    "killeroos/killeroo-simple.pbrt",
    "kroken/camera-1.pbrt",
    "landscape/view-0.pbrt",
    "lte-orb/lte-orb-silver.pbrt",
    "pbrt-book/book.pbrt",
    "sanmiguel/sanmiguel-entry.pbrt",
    "sportscar/sportscar-sky.pbrt",
    "sssdragon/dragon_10.pbrt",
    "transparent-machines/frame542.pbrt",
    "villa/villa-daylight.pbrt",
    "watercolor/camera-1.pbrt",
    "zero-day/frame25.pbrt",
};

TEST(PbrtV4Scenes, TheCollectionLoadsAsListed) {
  const std::vector<std::string> files = testing::pbrt_v4_scene_files();
  EXPECT_EQ(files.size(), 28u);
  int strict_ok = 0, lenient_ok = 0;
  for (const std::string& name : files) {
    Result<SceneIr> strict = parse_pbrt_file(kDir / name, ParseOptions{false});
    Result<SceneIr> lenient = parse_pbrt_file(kDir / name, ParseOptions{true});
    strict_ok += strict.is_ok();
    lenient_ok += lenient.is_ok();
    std::cout << name << "\n  strict:  "
              << (strict.is_ok() ? "ok, " + std::to_string(strict->warnings.size()) + " warnings"
                                 : strict.message())
              << "\n  lenient: "
              << (lenient.is_ok() ? "ok, " + std::to_string(lenient->warnings.size()) + " warnings"
                                  : lenient.message())
              << "\n";
    if (kMustLoadStrictly.count(name)) {
      EXPECT_TRUE(strict.is_ok()) << name << ": " << strict.message();
    }
  }
  std::cout << strict_ok << " of " << files.size() << " load strictly, " << lenient_ok
            << " leniently\n";
  for (const std::string& name : kMustLoadStrictly) {
    EXPECT_TRUE(std::find(files.begin(), files.end(), name) != files.end()) << name;
  }
}

}  // namespace
}  // namespace tf::scene
