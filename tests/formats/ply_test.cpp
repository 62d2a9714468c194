#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <fstream>
#include <sstream>

#include <zlib.h>

#include "formats/scene/ply_reader.h"
#include "test_util.h"

namespace tf::scene {
namespace {

// A unit quad (one 4-gon face) plus a triangle, with normals and uvs.
struct Fixture {
  std::vector<std::array<float, 8>> verts = {{0, 0, 0, 0, 0, 1, 0, 0},
                                             {1, 0, 0, 0, 0, 1, 1, 0},
                                             {1, 1, 0, 0, 0, 1, 1, 1},
                                             {0, 1, 0, 0, 0, 1, 0, 1},
                                             {0, 0, 2, 1, 0, 0, 0.5f, 0.5f}};
  std::vector<std::vector<int>> faces = {{0, 1, 2, 3}, {0, 1, 4}};
};

std::string header(const char* format, size_t nv, size_t nf) {
  return std::string("ply\nformat ") + format + " 1.0\ncomment made by a test\nelement vertex " +
         std::to_string(nv) +
         "\nproperty float x\nproperty float y\nproperty float z\nproperty float nx\n"
         "property float ny\nproperty float nz\nproperty float u\nproperty float v\n"
         "element face " +
         std::to_string(nf) +
         "\nproperty list uchar int vertex_indices\nelement extra 1\nproperty short "
         "s\nend_header\n";
}

template <class T>
void put(std::string& out, T v, bool big_endian) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  if (big_endian != (std::endian::native == std::endian::big)) std::reverse(b, b + sizeof(T));
  out.append(b, sizeof(T));
}

std::string binary_ply(const Fixture& f, bool big_endian) {
  std::string s = header(big_endian ? "binary_big_endian" : "binary_little_endian", f.verts.size(),
                         f.faces.size());
  for (const auto& v : f.verts)
    for (float x : v) put(s, x, big_endian);
  for (const auto& face : f.faces) {
    put(s, static_cast<uint8_t>(face.size()), big_endian);
    for (int i : face) put(s, static_cast<int32_t>(i), big_endian);
  }
  put(s, static_cast<int16_t>(-7), big_endian);
  return s;
}

std::string ascii_ply(const Fixture& f) {
  std::string s = header("ascii", f.verts.size(), f.faces.size());
  for (const auto& v : f.verts) {
    for (float x : v) s += std::to_string(x) + " ";
    s += "\n";
  }
  for (const auto& face : f.faces) {
    s += std::to_string(face.size());
    for (int i : face) s += " " + std::to_string(i);
    s += "\n";
  }
  return s + "-7\n";
}

void expect_fixture(const IrMesh& m, const Fixture& f) {
  ASSERT_EQ(m.positions.size(), f.verts.size());
  ASSERT_EQ(m.normals.size(), f.verts.size());
  ASSERT_EQ(m.uvs.size(), f.verts.size());
  for (size_t i = 0; i < f.verts.size(); ++i) {
    EXPECT_FLOAT_EQ(static_cast<float>(m.positions[i].z), f.verts[i][2]);
    EXPECT_FLOAT_EQ(static_cast<float>(m.normals[i].x), f.verts[i][3]);
    EXPECT_FLOAT_EQ(m.uvs[i][0], f.verts[i][6]);
  }
  // The quad becomes a fan (0,1,2), (0,2,3); then the triangle.
  EXPECT_EQ(m.indices, (std::vector<uint32_t>{0, 1, 2, 0, 2, 3, 0, 1, 4}));
}

TEST(Ply, AsciiAndBinaryRoundTrips) {
  tf::testing::TempDir dir;
  Fixture f;
  const std::pair<const char*, std::string> files[] = {
      {"a.ply", ascii_ply(f)}, {"le.ply", binary_ply(f, false)}, {"be.ply", binary_ply(f, true)}};
  for (const auto& [name, bytes] : files) {
    tf::test::write_text(dir / name, bytes);
    Result<IrMesh> m = read_ply(dir / name);
    ASSERT_TRUE(m.is_ok()) << name << ": " << m.message();
    expect_fixture(m.value(), f);
  }
}

// pbrt-v4 scenes ship meshes as .ply.gz: the same fixture, gzipped, reads back the same.
TEST(Ply, GzippedFilesAreDecompressed) {
  tf::testing::TempDir dir;
  Fixture f;
  const std::pair<const char*, std::string> files[] = {{"a.ply.gz", ascii_ply(f)},
                                                       {"le.ply.gz", binary_ply(f, false)}};
  for (const auto& [name, bytes] : files) {
    const std::string path = (dir / name).string();
    gzFile gz = gzopen(path.c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    ASSERT_EQ(gzclose(gz), Z_OK);
    Result<IrMesh> m = read_ply(path);
    ASSERT_TRUE(m.is_ok()) << name << ": " << m.message();
    expect_fixture(m.value(), f);
  }
  // Broken gzip data, and a gzip stream cut in half, fail naming the file and the reason.
  std::ostringstream read_back;
  read_back << std::ifstream(dir / "le.ply.gz", std::ios::binary).rdbuf();
  const std::string compressed = read_back.str();
  const std::pair<const char*, std::string> broken[] = {
      {"garbage.ply.gz", "\x1f\x8b\x08\x00garbage-after-a-gzip-magic"},
      {"cut.ply.gz", compressed.substr(0, compressed.size() / 2)}};
  for (const auto& [name, bytes] : broken) {
    tf::test::write_text(dir / name, bytes);
    Result<IrMesh> bad = read_ply(dir / name);
    ASSERT_FALSE(bad.is_ok()) << name;
    EXPECT_NE(bad.message().find(name), std::string::npos) << bad.message();
    EXPECT_NE(bad.message().find("gzip"), std::string::npos) << bad.message();
  }
}

TEST(Ply, MalformedFilesFailWithReasons) {
  tf::testing::TempDir dir;
  Fixture f;
  std::string truncated = binary_ply(f, false);
  truncated.resize(truncated.size() - 10);
  Fixture bad_index;
  bad_index.faces[1][2] = 99;
  std::string huge = header("binary_little_endian", 4000000000ull, 1);
  const std::pair<std::string, std::string> cases[] = {
      {truncated, "truncated"},
      {binary_ply(bad_index, false), "uses vertex 99"},
      {huge, "more than the file holds"},
      {"ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nend_header\n0\n",
       "lacks x, y or z"},
      {"plx\n", "does not start with 'ply'"},
      {"ply\nformat ascii 1.0\nelement vertex 1\n", "end_header"}};
  int n = 0;
  for (const auto& [bytes, reason] : cases) {
    const auto path = dir / ("bad" + std::to_string(n++) + ".ply");
    tf::test::write_text(path, bytes);
    Result<IrMesh> m = read_ply(path);
    ASSERT_FALSE(m.is_ok()) << reason;
    EXPECT_NE(m.message().find(reason), std::string::npos) << m.message();
    EXPECT_NE(m.message().find(path.filename().string()), std::string::npos);
  }
}

}  // namespace
}  // namespace tf::scene
