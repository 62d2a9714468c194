// glTF 2.0 files written by the glTF tests: a textured quad (positions, normals, TEXCOORD_0,
// indices and optional TANGENT attributes in one buffer) with one material, 8-bit PNG images,
// and loading them through the scene loader.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "formats/scene/load.h"

namespace tf::gltf_test {

using D3 = std::array<double, 3>;

inline D3 add(D3 a, D3 b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
inline D3 scaled(D3 a, double k) { return {a[0] * k, a[1] * k, a[2] * k}; }
inline D3 cross(D3 a, D3 b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
inline D3 normalized(D3 a) {
  return scaled(a, 1 / std::sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]));
}

// A quad p0, p0 + e1, p0 + e1 + e2, p0 + e2 (counter-clockwise about e1 x e2) with one glTF uv
// per corner, the unit normal e1 x e2 at every corner, optional TANGENT attributes, and
// material 0.
struct GltfQuad {
  D3 p0, e1, e2;
  std::array<std::array<float, 2>, 4> uv;
  bool tangents = false;

  std::array<D3, 4> corners() const { return {p0, add(p0, e1), add(add(p0, e1), e2), add(p0, e2)}; }
  D3 normal() const { return normalized(cross(e1, e2)); }
};

// The unit square at z = 0 facing +z, glTF uv = (x, 1 - y) (the image's top row at y = 1).
GltfQuad unit_square();

// Writes dir/name.gltf (and its buffer dir/quad.bin) for `quad` with `material` (a JSON
// object); `extra` (a JSON object) adds top-level members (images, textures, samplers).
std::filesystem::path write_quad(const std::filesystem::path& dir, const std::string& name,
                                 const GltfQuad& quad, const std::string& material,
                                 const std::string& extra = "{}");

// An 8-bit PNG of `channels` channels holding exactly `bytes` (row 0 at the top), with
// unassociated alpha, so that each stored value reads back as byte / 255.
void write_png8(const std::filesystem::path& path, int width, int height, int channels,
                const std::vector<uint8_t>& bytes);

// glTF's sRGB transfer function (the specification's, IEC 61966-2-1) of byte b.
inline double srgb_linear(uint8_t b) {
  const double e = b / 255.0;
  return e <= 0.04045 ? e / 12.92 : std::pow((e + 0.055) / 1.055, 2.4);
}

// The scene of `file`; fails the test (and returns an empty scene) when it does not load.
LoadedScene load(const std::filesystem::path& file);

// The top-level members of one texture of image `uri`.
std::string images(const std::string& uri);

}  // namespace tf::gltf_test
