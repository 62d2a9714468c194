// The stand-ins of the pbrt-v4 scene collection (tests/formats/pbrt_v4_scenes: one top-level
// file per scene of github.com/mmp/pbrt-v4-scenes, tiny geometry in place of its includes and
// meshes), shared by the test that loads them and the one that renders them.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace tf::testing {

inline const std::filesystem::path kPbrtV4ScenesDir =
    std::filesystem::path(TF_TEST_SOURCE_DIR) / "pbrt_v4_scenes";

// Every .pbrt file under kPbrtV4ScenesDir, relative to it, sorted.
inline std::vector<std::string> pbrt_v4_scene_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(kPbrtV4ScenesDir)) {
    if (e.path().extension() == ".pbrt") {
      files.push_back(std::filesystem::relative(e.path(), kPbrtV4ScenesDir).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace tf::testing
