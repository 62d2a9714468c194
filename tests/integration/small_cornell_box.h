// A small Cornell box for farm tests: scenes/cornell-box at another resolution and sample
// count (TILEFARM_SOURCE_DIR must name the source tree).
#pragma once

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

namespace tf::testing {

// The Cornell box of scenes/, shrunk to width x height at spp samples.
inline std::filesystem::path small_cornell_box(const std::filesystem::path& dir, int width,
                                               int height, int spp) {
  std::ifstream in(std::filesystem::path(TILEFARM_SOURCE_DIR) / "scenes/cornell-box/scene.pbrt");
  std::stringstream text;
  text << in.rdbuf();
  std::string scene = text.str();
  scene = std::regex_replace(scene, std::regex(R"(xresolution" \[\s*\d+\s*\])"),
                             "xresolution\" [" + std::to_string(width) + "]");
  scene = std::regex_replace(scene, std::regex(R"(yresolution" \[\s*\d+\s*\])"),
                             "yresolution\" [" + std::to_string(height) + "]");
  scene = std::regex_replace(scene, std::regex(R"(pixelsamples" \[\s*\d+\s*\])"),
                             "pixelsamples\" [" + std::to_string(spp) + "]");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "scene.pbrt") << scene;
  return dir / "scene.pbrt";
}

}  // namespace tf::testing
