// glTF 2.0 through Assimp: the hand-written sample scenes/gltf-model/model.gltf (embedded
// base64 buffer, node transforms) and the default camera and environment a bare mesh gets.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "formats/bundle/bundle.h"
#include "formats/scene/load.h"
#include "test_util.h"

namespace tf {
namespace {

// scenes/gltf-model/model.gltf: one triangle (0,0,0) (1,0,0) (0,1,0) with uint16 indices
// 0 1 2, as 44 bytes: nine float32 positions, three uint16 indices and two bytes of padding.
// Node "a" places it at translation (10, 0, 0); node "b" (translation (0, 5, 0)) has a child
// "c" that scales it by 2. Base colour (0.8, 0.2, 0.1).
const std::filesystem::path kModel =
    std::filesystem::path(TF_TEST_SCENES_DIR) / "gltf-model" / "model.gltf";

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

using Triangle = std::array<std::array<float, 3>, 3>;

// The triangles' world positions with each triangle's corners sorted, and triangles sorted:
// the comparison does not depend on how the importer orders or merges meshes.
std::vector<Triangle> sorted_triangles(const KernelScene& k) {
  std::vector<Triangle> out;
  for (const tf_triangle& t : k.triangles) {
    Triangle tri;
    size_t i = 0;
    for (uint32_t v : {t.v0, t.v1, t.v2}) {
      tri[i++] = {k.vertices[v].px, k.vertices[v].py, k.vertices[v].pz};
    }
    std::sort(tri.begin(), tri.end());
    out.push_back(tri);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(GltfImport, EmbeddedBufferWithNodeTransforms) {
  Result<LoadedScene> s = load_scene_file(kModel);
  ASSERT_TRUE(s.is_ok()) << s.message();
  const KernelScene& k = s->kernel;
  ASSERT_EQ(k.triangles.size(), 2u);
  // Node a: + (10, 0, 0). Node c under b: scale 2, then + (0, 5, 0).
  const std::vector<Triangle> expected = {
      Triangle{{{0, 5, 0}, {0, 7, 0}, {2, 5, 0}}},
      Triangle{{{10, 0, 0}, {10, 1, 0}, {11, 0, 0}}},
  };
  EXPECT_EQ(sorted_triangles(k), expected);
  // The glTF base colour becomes the base of both triangles' material (a non-metal: coated diffuse).
  for (const tf_triangle& t : k.triangles) {
    const tf_material& m = k.materials[t.material];
    EXPECT_FLOAT_EQ(m.r, 0.8f);
    EXPECT_FLOAT_EQ(m.g, 0.2f);
    EXPECT_FLOAT_EQ(m.b, 0.1f);
  }
}

TEST(GltfImport, DefaultCameraFramesTheBoundsUnderAWhiteSky) {
  Result<LoadedScene> s = load_scene_file(kModel);
  ASSERT_TRUE(s.is_ok()) << s.message();
  EXPECT_EQ(s->width, 1280u);
  EXPECT_EQ(s->height, 720u);
  // Bounds (0,0,0)-(11,7,0): centre (5.5, 3.5, 0), bounding-sphere radius sqrt(170)/2. A 45
  // degree field of view on the shorter (vertical) axis holds that sphere at distance
  // r / sin(22.5 deg), plus 5%: 17.887; the eye sits along (0, 0.35, 1) / |(0, 0.35, 1)|
  // from the centre: (5.5, 9.40907, 16.88305).
  const tf_camera& c = s->kernel.camera;
  EXPECT_NEAR(c.pos_x, 5.5, 1e-4);
  EXPECT_NEAR(c.pos_y, 9.40907, 1e-4);
  EXPECT_NEAR(c.pos_z, 16.88305, 1e-4);
  const double to_center[3] = {5.5 - c.pos_x, 3.5 - c.pos_y, 0 - c.pos_z};
  const double len = std::sqrt(to_center[0] * to_center[0] + to_center[1] * to_center[1] +
                               to_center[2] * to_center[2]);
  EXPECT_NEAR(c.fwd_x, to_center[0] / len, 1e-5);
  EXPECT_NEAR(c.fwd_y, to_center[1] / len, 1e-5);
  EXPECT_NEAR(c.fwd_z, to_center[2] / len, 1e-5);
  // glTF is right-handed with +y up: world +x runs to the image's right, not mirrored.
  EXPECT_NEAR(c.right_x, 1, 1e-6);
  EXPECT_NEAR(c.right_y, 0, 1e-6);
  EXPECT_NEAR(c.right_z, 0, 1e-6);
  EXPECT_NEAR(c.tan_half_y, 0.4142136, 1e-6);  // tan(22.5 deg)
  EXPECT_NEAR(c.tan_half_x, 0.7363797, 1e-6);  // tan(22.5 deg) * 1280 / 720
  // Environment: one uniform white sky of radiance 1.
  ASSERT_GE(s->kernel.header.env_light, 0);
  const tf_light& sky = s->kernel.lights[static_cast<size_t>(s->kernel.header.env_light)];
  EXPECT_EQ(sky.type, TF_LIGHT_ENV_UNIFORM);
  EXPECT_EQ(sky.r, 1.f);
  EXPECT_EQ(sky.g, 1.f);
  EXPECT_EQ(sky.b, 1.f);
}

TEST(GltfImport, BrokenFilesFailNamingTheFile) {
  testing::TempDir dir;
  std::string truncated_buffer = read_text(kModel);
  ASSERT_NE(truncated_buffer.find("\"byteLength\": 44"), std::string::npos);
  truncated_buffer.replace(truncated_buffer.find("\"byteLength\": 44"), 16, "\"byteLength\": 80");
  const std::pair<const char*, std::string> cases[] = {
      {"not_json.gltf", "{ this is not json"},
      {"short_buffer.gltf", truncated_buffer},
      {"no_meshes.gltf", R"({"asset": {"version": "2.0"}, "scenes": [{"nodes": []}]})"}};
  for (const auto& [name, text] : cases) {
    test::write_text(dir / name, text);
    Result<LoadedScene> s = load_scene_file(dir / name);
    ASSERT_FALSE(s.is_ok()) << name;
    EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
  }
}

std::vector<std::string> bundled_paths(const std::filesystem::path& scene) {
  Result<BundleManifest> m = make_bundle_manifest(scene);
  EXPECT_TRUE(m.is_ok()) << m.message();
  std::vector<std::string> paths;
  if (m.is_ok()) {
    for (const BundleEntry& e : m->entries) paths.push_back(e.relative_path);
  }
  return paths;
}

// A mesh file given as the scene travels with the files it names (a glTF's external buffers
// and images, an OBJ's material libraries), and is never tokenized as pbrt text.
TEST(GltfImport, BundlesCarryTheFilesAMeshFileNames) {
  EXPECT_EQ(bundled_paths(kModel), (std::vector<std::string>{"model.gltf"}));
  testing::TempDir dir;
  std::string external = read_text(kModel);
  const std::string embedded = "data:application/octet-stream;base64,";
  const size_t at = external.find(embedded);
  ASSERT_NE(at, std::string::npos);
  external.replace(at, external.find('"', at) - at, "bin/tri.bin");
  test::write_text(dir / "ext.gltf", external);
  test::write_text(dir / "bin/tri.bin", std::string(44, '\0'));
  EXPECT_EQ(bundled_paths(dir / "ext.gltf"), (std::vector<std::string>{"bin/tri.bin", "ext.gltf"}));
  test::write_text(dir / "quad.obj", "mtllib quad.mtl\nv 0 0 0\nv 1 0 0\nv 1 1 0\nf 1 2 3\n");
  test::write_text(dir / "quad.mtl", "newmtl red\nKd 1 0 0\n");
  EXPECT_EQ(bundled_paths(dir / "quad.obj"), (std::vector<std::string>{"quad.mtl", "quad.obj"}));
  // A buffer outside the scene's folder is refused like any other escaping reference.
  std::string escaping = external;
  escaping.replace(escaping.find("bin/tri.bin"), 11, "../tri.bin");
  test::write_text(dir / "escape.gltf", escaping);
  Result<BundleManifest> refused = make_bundle_manifest(dir / "escape.gltf");
  ASSERT_FALSE(refused.is_ok());
  EXPECT_NE(refused.message().find("../tri.bin"), std::string::npos) << refused.message();
}

}  // namespace
}  // namespace tf
