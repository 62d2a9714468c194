#include "gltf_test_files.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "formats/fileio/atomic_write.h"
#include "formats/image/image_writer.h"
#include "test_util.h"

namespace tf::gltf_test {
namespace {

template <class T>
void append(std::string* bytes, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));  // little-endian, as glTF
  bytes->append(raw, sizeof(T));
}

}  // namespace

GltfQuad unit_square() {
  return {{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {{{0, 1}, {1, 1}, {1, 0}, {0, 0}}}};
}

std::filesystem::path write_quad(const std::filesystem::path& dir, const std::string& name,
                                 const GltfQuad& quad, const std::string& material,
                                 const std::string& extra) {
  using nlohmann::json;
  std::string bin;
  json lo = json::array(), hi = json::array();
  for (int i = 0; i < 3; ++i) lo.push_back(1e30), hi.push_back(-1e30);
  for (const D3& c : quad.corners()) {
    for (size_t i = 0; i < 3; ++i) {
      const float x = static_cast<float>(c[i]);
      append(&bin, x);
      lo[i] = std::min(lo[i].get<double>(), static_cast<double>(x));
      hi[i] = std::max(hi[i].get<double>(), static_cast<double>(x));
    }
  }
  for (int k = 0; k < 4; ++k) {
    for (double x : quad.normal()) append(&bin, static_cast<float>(x));
  }
  for (const auto& uv : quad.uv) append(&bin, uv[0]), append(&bin, uv[1]);
  for (uint16_t i : {0, 1, 2, 0, 2, 3}) append(&bin, i);
  append(&bin, uint16_t{0});  // pads the tangents to a multiple of 4 bytes
  for (int k = 0; k < 4; ++k) {
    for (float x : {1.f, 0.f, 0.f, 1.f}) append(&bin, x);
  }
  std::ofstream(dir / "quad.bin", std::ios::binary) << bin;
  // Accessors (one buffer view each): POSITION, NORMAL, TEXCOORD_0, indices, TANGENT.
  struct Part {
    size_t offset, length;
    int count;
    const char* type;
    int component;
  };
  const Part parts[] = {{0, 48, 4, "VEC3", 5126},
                        {48, 48, 4, "VEC3", 5126},
                        {96, 32, 4, "VEC2", 5126},
                        {128, 12, 6, "SCALAR", 5123},
                        {140, 64, 4, "VEC4", 5126}};
  json views = json::array(), accessors = json::array();
  for (size_t i = 0; i < std::size(parts); ++i) {
    views.push_back(
        {{"buffer", 0}, {"byteOffset", parts[i].offset}, {"byteLength", parts[i].length}});
    accessors.push_back({{"bufferView", i},
                         {"componentType", parts[i].component},
                         {"count", parts[i].count},
                         {"type", parts[i].type}});
  }
  accessors[0]["min"] = lo;
  accessors[0]["max"] = hi;
  json attributes = {{"POSITION", 0}, {"NORMAL", 1}, {"TEXCOORD_0", 2}};
  if (quad.tangents) attributes["TANGENT"] = 4;
  json doc = {
      {"asset", {{"version", "2.0"}}},
      {"scene", 0},
      {"scenes", json::array({{{"nodes", {0}}}})},
      {"nodes", json::array({{{"mesh", 0}}})},
      {"meshes",
       json::array(
           {{{"primitives",
              json::array({{{"attributes", attributes}, {"indices", 3}, {"material", 0}}})}}})},
      {"materials", json::array({json::parse(material)})},
      {"buffers", json::array({{{"byteLength", bin.size()}, {"uri", "quad.bin"}}})},
      {"bufferViews", views},
      {"accessors", accessors}};
  doc.update(json::parse(extra));
  const std::filesystem::path file = dir / (name + ".gltf");
  test::write_text(file, doc.dump(2));
  return file;
}

void write_png8(const std::filesystem::path& path, int width, int height, int channels,
                const std::vector<uint8_t>& bytes) {
  static const std::vector<std::string> kNames[] = {
      {"Y"}, {"Y", "A"}, {"R", "G", "B"}, {"R", "G", "B", "A"}};
  ASSERT_TRUE(channels >= 1 && channels <= 4);
  ASSERT_EQ(bytes.size(), static_cast<size_t>(width) * height * channels);
  Result<std::vector<uint8_t>> png = encode_image(
      {path.filename().string(), static_cast<uint32_t>(width), static_cast<uint32_t>(height),
       kNames[channels - 1], PixelType::kUint8, bytes.data(), {}, {}});
  ASSERT_TRUE(png.is_ok()) << png.message();
  const Status written = write_file_atomically(path, png.value());
  ASSERT_TRUE(written.is_ok()) << written.message();
}

LoadedScene load(const std::filesystem::path& file) {
  Result<LoadedScene> s = load_scene_file(file);
  EXPECT_TRUE(s.is_ok()) << s.message();
  return s.is_ok() ? std::move(s.value()) : LoadedScene{};
}

std::string images(const std::string& uri) {
  return R"({"images": [{"uri": ")" + uri + R"("}], "textures": [{"source": 0}]})";
}

}  // namespace tf::gltf_test
