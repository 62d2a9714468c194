// pbrt-v4 scene files -> SceneIr. See load.h for the supported subset; this layer only parses
// and resolves state (transforms, attributes, named things, includes), reading referenced
// meshes (PLY) but not images.
//
// Relative file names (Include, Import, plymesh, imagemap, infinite) resolve against the folder
// of the top-level scene file, as in pbrt-v4. Thread-safe (no shared state).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "formats/scene/scene_ir.h"
#include "kernels/status.h"

namespace tf::scene {

inline constexpr int kMaxIncludeDepth = 32;
inline constexpr int kMaxIncludedFiles = 4096;
inline constexpr int kMaxAttributeDepth = 4096;

struct ParseOptions {
  bool lenient = false;  // approximate unsupported constructs with a warning instead of failing
};

Result<SceneIr> parse_pbrt_file(const std::filesystem::path& file, const ParseOptions& options);

// Parses `text` as if it were a file named `name` whose folder is `base_dir`.
Result<SceneIr> parse_pbrt_string(std::string text, const std::string& name,
                                  const std::filesystem::path& base_dir,
                                  const ParseOptions& options);

// A file a scene refers to: Include/Import targets and every "string filename" and material
// "string normalmap" parameter (except Film's filename, which names an output); for a mesh file
// given as the scene, a glTF's external buffers and images or an OBJ's material libraries.
struct SceneReference {
  std::string path;       // as written in the file
  bool is_scene = false;  // Include/Import: itself a scene file to scan
  FileLoc loc;
};

// Lists the references of one scene file (not recursively). Fails only on unreadable or
// untokenizable input.
Result<std::vector<SceneReference>> scan_scene_references(const std::filesystem::path& file);

}  // namespace tf::scene
