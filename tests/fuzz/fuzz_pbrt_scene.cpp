// Fuzz target: the pbrt-v4 scene parser (scene::parse_pbrt_string) and, for scenes it
// accepts, the conversion to a kernel scene (scene::convert_to_kernel).
//
// Each input is parsed strictly and leniently as "fuzz.pbrt" in a private temporary folder
// that holds a small included scene ("include.pbrt") and a small PLY mesh ("mesh.ply"), so
// that relative Include/Import/plymesh references reach real files. Nothing is written
// outside that folder, and it is removed at exit. Beyond "no crash, no leak, no undefined
// behaviour" the target checks that a strict parse never accepts what a lenient one rejects.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "formats/scene/convert.h"
#include "formats/scene/parser.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/temp_dir.h"

namespace {

namespace scene = tf::scene;

constexpr const char* kIncludedScene = R"(Material "diffuse" "rgb reflectance" [0.5 0.5 0.5]
Shape "sphere" "float radius" 0.5
)";

constexpr const char* kPlyMesh = R"(ply
format ascii 1.0
element vertex 3
property float x
property float y
property float z
element face 1
property list uchar int vertex_indices
end_header
0 0 0
1 0 0
0 1 0
3 0 1 2
)";

// The folder the fuzzed scene "lives" in: created with its two files on first use, removed at
// exit.
struct SceneFolder {
  tf::testing::TempDir dir;
  SceneFolder() {
    std::ofstream(dir / "include.pbrt") << kIncludedScene;
    std::ofstream(dir / "mesh.ply") << kPlyMesh;
  }
};

const std::filesystem::path& scene_folder() {
  static const SceneFolder folder;
  return folder.dir.path();
}

bool parse_and_convert(const std::string& text, bool lenient) {
  tf::Result<scene::SceneIr> ir =
      scene::parse_pbrt_string(text, "fuzz.pbrt", scene_folder(), scene::ParseOptions{lenient});
  if (!ir) return false;
  (void)scene::convert_to_kernel(ir.value());
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const bool strict_ok = parse_and_convert(text, false);
  const bool lenient_ok = parse_and_convert(text, true);
  tf::fuzz::require(!strict_ok || lenient_ok, "a scene parsed strictly also parses leniently");
  return 0;
}
