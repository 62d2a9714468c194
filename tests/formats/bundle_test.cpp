#include "formats/bundle/bundle.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "test_util.h"

namespace tf {
namespace {

std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// A scene with an include, a mesh, a texture and an environment, in sub-folders.
void write_scene(const testing::TempDir& dir) {
  test::write_text(dir / "scene.pbrt",
                   "Film \"rgb\" \"string filename\" \"render.exr\"\nWorldBegin\n"
                   "Include \"parts/geometry.pbrt\"\n"
                   "LightSource \"infinite\" \"string filename\" \"env/sky.exr\"\n");
  test::write_text(
      dir / "parts/geometry.pbrt",
      "Texture \"t\" \"spectrum\" \"imagemap\" \"string filename\" \"./tex/wood.png\"\n"
      "Shape \"plymesh\" \"string filename\" \"meshes/bunny.ply\"\n"
      "Shape \"plymesh\" \"string filename\" \"meshes/bunny.ply\"\n");
  test::write_text(dir / "tex/wood.png", "png bytes");
  test::write_text(dir / "meshes/bunny.ply", "ply bytes");
  test::write_text(dir / "env/sky.exr", "exr bytes");
  test::write_text(dir / "unrelated.txt", "not referenced");
}

TEST(Bundle, ManifestListsEveryReferenceWithItsHash) {
  testing::TempDir dir;
  write_scene(dir);
  Result<BundleManifest> m = make_bundle_manifest(dir / "scene.pbrt");
  ASSERT_TRUE(m.is_ok()) << m.message();
  EXPECT_EQ(m->root_file, "scene.pbrt");
  std::vector<std::string> paths;
  for (const BundleEntry& e : m->entries) {
    paths.push_back(e.relative_path);
    EXPECT_EQ(e.hash, hash_file(dir / e.relative_path).value());
    EXPECT_EQ(e.size, std::filesystem::file_size(dir / e.relative_path));
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"env/sky.exr", "meshes/bunny.ply",
                                             "parts/geometry.pbrt", "scene.pbrt", "tex/wood.png"}));
  // Canonical bytes round-trip, and the id is the hash of exactly those bytes.
  const std::string bytes = serialize_bundle_manifest(m.value());
  EXPECT_EQ(bytes.rfind("{\"entries\":[{\"hash\":\"", 0), 0u) << bytes;
  Result<BundleManifest> back = parse_bundle_manifest(bytes);
  ASSERT_TRUE(back.is_ok()) << back.message();
  EXPECT_EQ(back.value(), m.value());
  EXPECT_EQ(bundle_id(m.value()), blake2b_256(bytes));
  // Changing one referenced file changes the id.
  test::write_text(dir / "tex/wood.png", "other png bytes");
  EXPECT_NE(bundle_id(make_bundle_manifest(dir / "scene.pbrt").value()), bundle_id(m.value()));
}

TEST(Bundle, ReferencesThatEscapeTheSceneFolderAreRefused) {
  testing::TempDir dir;
  test::write_text(dir / "outside.ply", "x");
  test::write_text(dir / "s/a.pbrt",
                   "WorldBegin\nShape \"plymesh\" \"string filename\" \"../outside.ply\"\n");
  test::write_text(dir / "s/b.pbrt", "WorldBegin\nShape \"plymesh\" \"string filename\" \"" +
                                         (dir / "outside.ply").string() + "\"\n");
  std::filesystem::create_symlink(dir / "outside.ply", dir / "s/link.ply");
  test::write_text(dir / "s/c.pbrt",
                   "WorldBegin\nShape \"plymesh\" \"string filename\" \"link.ply\"\n");
  test::write_text(dir / "s/d.pbrt", "WorldBegin\nInclude \"missing.pbrt\"\n");
  const std::pair<const char*, const char*> cases[] = {
      {"a.pbrt",
       "a.pbrt:2:35: reference \"../outside.ply\": path '../outside.ply' escapes the scene folder "
       "with '..'"},
      {"b.pbrt", "escapes the scene folder"},
      {"c.pbrt", "symlink"},
      {"d.pbrt", "file not found"}};
  for (const auto& [file, reason] : cases) {
    Result<BundleManifest> m = make_bundle_manifest(dir / "s" / file);
    ASSERT_FALSE(m.is_ok()) << file;
    EXPECT_NE(m.message().find(reason), std::string::npos) << m.message();
  }
  BundleLimits tiny;
  tiny.max_files = 1;
  test::write_text(dir / "s/e.pbrt",
                   "WorldBegin\nShape \"plymesh\" \"string filename\" \"m.ply\"\n");
  test::write_text(dir / "s/m.ply", "x");
  EXPECT_FALSE(make_bundle_manifest(dir / "s/e.pbrt", tiny).is_ok());
}

TEST(Bundle, MaterializeVerifiesHashesAndPaths) {
  testing::TempDir src, dst;
  write_scene(src);
  const BundleManifest m = make_bundle_manifest(src / "scene.pbrt").value();
  std::map<Hash256, std::vector<uint8_t>> store;
  for (const BundleEntry& e : m.entries) store[e.hash] = read_bytes(src / e.relative_path);
  BundleFetchFn fetch = [&](const Hash256& h) -> Result<std::vector<uint8_t>> {
    auto it = store.find(h);
    if (it == store.end()) return Error{"not in store"};
    return it->second;
  };
  ASSERT_TRUE(materialize_bundle(m, fetch, dst / "out").is_ok());
  for (const BundleEntry& e : m.entries) {
    EXPECT_EQ(read_bytes(dst / "out" / e.relative_path), store[e.hash]) << e.relative_path;
  }
  // Tampered content is refused.
  store[m.entries[0].hash][0] ^= 1;
  const Status tampered = materialize_bundle(m, fetch, dst / "out2");
  ASSERT_FALSE(tampered.is_ok());
  EXPECT_NE(tampered.message().find("does not match its hash"), std::string::npos)
      << tampered.message();
  // Paths that escape the folder are refused before anything is fetched.
  for (const char* evil : {"../evil.txt", "/etc/evil", "a/../../evil", "a//b"}) {
    BundleManifest bad = m;
    bad.entries = {{evil, m.entries[0].hash, m.entries[0].size}};
    bad.root_file = evil;
    EXPECT_FALSE(materialize_bundle(bad, fetch, dst / "out3").is_ok()) << evil;
  }
  EXPECT_FALSE(std::filesystem::exists(dst.path().parent_path() / "evil.txt"));
}

TEST(Bundle, ParseRejectsHostileManifests) {
  const std::string hash(64, 'a');
  const std::string ok_entry = "{\"path\":\"s.pbrt\",\"hash\":\"" + hash + "\",\"size\":1}";
  EXPECT_TRUE(
      parse_bundle_manifest("{\"root\":\"s.pbrt\",\"entries\":[" + ok_entry + "]}").is_ok());
  const std::string cases[] = {
      "",
      "not json",
      "[]",
      "{\"root\":\"s.pbrt\"}",
      "{\"root\":\"x.pbrt\",\"entries\":[" + ok_entry + "]}",
      "{\"root\":\"s.pbrt\",\"entries\":[" + ok_entry + "," + ok_entry + "]}",
      "{\"root\":\"s.pbrt\",\"entries\":[{\"path\":\"s.pbrt\",\"hash\":\"zz\",\"size\":1}]}",
      "{\"root\":\"s.pbrt\",\"entries\":[{\"path\":\"s.pbrt\",\"hash\":\"" + hash +
          "\",\"size\":-1}]}",
      "{\"root\":\"../s\",\"entries\":[{\"path\":\"../s\",\"hash\":\"" + hash + "\",\"size\":1}]}",
      "{\"root\":\"s.pbrt\",\"entries\":[{\"path\":\"s.pbrt\",\"hash\":\"" + hash +
          "\",\"size\":99999999999999}]}",
      std::string(100000, '[') + std::string(100000, ']'),
      std::string(17 << 20, ' '),
  };
  for (const std::string& c : cases) {
    EXPECT_FALSE(parse_bundle_manifest(c).is_ok()) << c.substr(0, 120);
  }
  BundleLimits one;
  one.max_files = 0;
  EXPECT_FALSE(
      parse_bundle_manifest("{\"root\":\"s.pbrt\",\"entries\":[" + ok_entry + "]}", one).is_ok());
}

}  // namespace
}  // namespace tf
