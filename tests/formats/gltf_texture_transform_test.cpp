// glTF 2.0 KHR_texture_transform and sampler wrap modes on imported materials
// (formats/scene/gltf_textures.h), through the loader and the kernel, against the extension's
// specification evaluated here by hand: a texture is looked up at glTF uv' = offset +
// R(rotation) scale uv, R = [[cos, sin], [-sin, cos]] (the extension's worked example: offset
// [0, 1], rotation pi/2, scale 0.5 shows the image's lower-left quadrant), uv' in the image's
// units with its origin at the top-left corner, texels repeating unless the sampler clamps to
// the edge or mirrors. The tests invert that map to find the points of a quad whose uv' falls
// on chosen texel centres (where the bilinear filter returns one texel) and check the kernel's
// value there (base colour, roughness, shading normal, cut-out, emission) against the texel
// that square of the checker holds. Also: the identity transform and a file without the
// extension make the same kernel scene and the same pixels; the extension's texCoord overrides
// textureInfo's and follows the TEXCOORD_0-only rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "formats/scene/load.h"
#include "gltf_test_files.h"
#include "kernels/render/bvh_traverse.h"
#include "kernels/render/emitter_texture.h"
#include "kernels/render/kernel_scene.h"
#include "kernels/render/material_textures.h"
#include "kernels/render/render_pixel.h"
#include "kernels/render/surface.h"
#include "kernels/render/texture_graph.h"
#include "tests/support/temp_dir.h"

namespace tf {
namespace {

using gltf_test::images;
using gltf_test::load;
using gltf_test::unit_square;
using gltf_test::write_png8;
using gltf_test::write_quad;

// A KHR_texture_transform and its extension member.
struct Transform {
  double offset[2], rotation, scale[2];
  std::string json() const {
    auto pair = [](const double v[2]) {
      return "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + "]";
    };
    return R"("KHR_texture_transform": {"offset": )" + pair(offset) +
           R"(, "rotation": )" + std::to_string(rotation) + R"(, "scale": )" + pair(scale) + "}";
  }
};

// The transform of most tests: scale (3, 2), offset (0.2, 0.1).
constexpr Transform kMoved{{0.2, 0.1}, 0, {3, 2}};
const char* kTransform = R"("KHR_texture_transform": {"offset": [0.2, 0.1], "scale": [3, 2]})";
// A rotation with them: 0.5 rad.
constexpr Transform kRotated{{0.2, 0.1}, 0.5, {3, 2}};

// A 2 x 2 RGBA checker: texels (0, 0) and (1, 1) (column, row from the top) hold `on`, the
// other two `off`; with texels repeating, texel column a, row b holds `on` where a + b is even.
void write_checker(const std::filesystem::path& path, std::array<uint8_t, 4> on,
                   std::array<uint8_t, 4> off) {
  std::vector<uint8_t> bytes;
  for (const auto& texel : {on, off, off, on})
    bytes.insert(bytes.end(), texel.begin(), texel.end());
  write_png8(path, 2, 2, 4, bytes);
}

// The glTF uv of the point whose uv' under `t` is (x, y): uv = S^-1 R^T (uv' - offset), R
// being a rotation.
std::array<double, 2> preimage(const Transform& t, double x, double y) {
  const double c = std::cos(t.rotation), s = std::sin(t.rotation);
  const double dx = x - t.offset[0], dy = y - t.offset[1];
  return {(c * dx - s * dy) / t.scale[0], (s * dx + c * dy) / t.scale[1]};
}

// The ray along -z through the point of unit_square() at glTF uv (x = u, y = 1 - v).
tf_ray ray_at_uv(std::array<double, 2> uv) {
  tf_ray ray;
  ray.o = v3(static_cast<float>(uv[0]), static_cast<float>(1 - uv[1]), 2.0f);
  ray.d = v3(0.0f, 0.0f, -1.0f);
  return ray;
}

// Calls f(a, b, hit) for each centre ((a + 0.5) / 2, (b + 0.5) / 2) of texel column a, row b
// of a 2 x 2 image repeated whose preimage under `t` lies inside unit_square() (away from its
// edges), with the hit of the ray there; returns how many.
template <class F>
int at_texel_centres(const tf_scene_view& view, const Transform& t, F f) {
  int seen = 0;
  for (int a = -8; a < 8; ++a) {
    for (int b = -8; b < 8; ++b) {
      const std::array<double, 2> uv = preimage(t, (a + 0.5) / 2, (b + 0.5) / 2);
      if (!(uv[0] > 0.01 && uv[0] < 0.99 && uv[1] > 0.01 && uv[1] < 0.99)) continue;
      const tf_ray ray = ray_at_uv(uv);
      const tf_hit hit = tf_closest_hit(&view, ray, 0.0f, 10.0f);
      SCOPED_TRACE("texel centre " + std::to_string(a) + ", " + std::to_string(b));
      f(a, b, ray, hit);
      ++seen;
    }
  }
  return seen;
}

// Calls f(a, b, view, surface, texture context) where the rays of at_texel_centres meet s's
// quad; expects `count` of them.
template <class F>
void at_transformed_texel_centres(const LoadedScene& s, const Transform& t, int count, F f) {
  const tf_scene_view view = make_host_scene_view(s.kernel);
  const int seen = at_texel_centres(view, t, [&](int a, int b, const tf_ray& ray, tf_hit hit) {
    ASSERT_NE(hit.prim, TF_NO_PRIM);
    tf_surface sf = tf_surface_at(&view, ray, hit);
    const tf_tex_ctx c = tf_surface_tex_ctx(&sf);
    f(a, b, view, sf, c);
  });
  EXPECT_EQ(seen, count);
}

// A textureInfo of texture `index` with the extension members `extension` ("": none).
std::string texture_info(int index, const std::string& extension) {
  const std::string info = R"({"index": )" + std::to_string(index);
  return extension.empty() ? info + "}" : info + R"(, "extensions": {)" + extension + "}}";
}

// A non-metal whose base colour texture (texture 0) carries `base_extension` and whose
// metallic-roughness texture (texture 1) carries `mr_extension` (extension members, "": none).
std::string material(const std::string& name, const std::string& base_extension,
                     const std::string& mr_extension = "") {
  return R"({"name": ")" + name + R"(", "pbrMetallicRoughness": {"metallicFactor": 0,
      "baseColorTexture": )" +
         texture_info(0, base_extension) + R"(,
      "metallicRoughnessTexture": )" +
         texture_info(1, mr_extension) + "}}";
}

// The top-level members of texture 0 (image c.png) and texture 1 (image mr.png), both with
// sampler `sampler` (a JSON object).
std::string two_textures(const std::string& sampler = "{}") {
  return R"({"images": [{"uri": "c.png"}, {"uri": "mr.png"}], "samplers": [)" + sampler +
         R"(], "textures": [{"source": 0, "sampler": 0}, {"source": 1, "sampler": 0}]})";
}

// c.png: a white / black checker; mr.png: roughness (G) 1 / 0.4 in the same squares.
void write_images(const std::filesystem::path& dir) {
  write_checker(dir / "c.png", {255, 255, 255, 255}, {0, 0, 0, 255});
  write_checker(dir / "mr.png", {0, 255, 0, 255}, {0, 102, 0, 255});
}

// Checks the base colour and coating roughness of s (a material whose textures are both
// transformed by t) at the transformed texel centres (`count` of them) against the checkers of
// write_images.
void expect_transformed_checkers(const LoadedScene& s, const Transform& t, int count) {
  ASSERT_EQ(s.kernel.triangles.size(), 2u);
  at_transformed_texel_centres(
      s, t, count,
      [&](int a, int b, const tf_scene_view& view, const tf_surface& sf, const tf_tex_ctx& c) {
        const bool on = (a + b) % 2 == 0;
        const tf_material& m = s.kernel.materials[sf.material];
        ASSERT_EQ(m.type, TF_MAT_COATED_DIFFUSE);
        ASSERT_GE(m.texture, 0);
        const tf_vec3 colour = tf_texture_graph_eval(&view, m.texture, &c);
        EXPECT_NEAR(colour.x, on ? 1.0 : 0.0, 1e-4);
        EXPECT_NEAR(colour.y, on ? 1.0 : 0.0, 1e-4);
        float ax = 0, ay = 0, cax = 0, cay = 0;
        tf_material_alphas(&view, &m, &c, &ax, &ay, &cax, &cay);
        const double alpha = on ? 1.0 : 0.4 * 0.4;  // (G x roughnessFactor 1)^2
        EXPECT_NEAR(cax, alpha, 1e-4);
        EXPECT_NEAR(cay, alpha, 1e-4);
      });
}

TEST(GltfTextureTransform, ScaledAndOffsetCheckersSitWhereTheTransformPutsThem) {
  testing::TempDir dir;
  write_images(dir.path());
  const LoadedScene s = load(write_quad(dir.path(), "tiles", unit_square(),
                                        material("tiles", kTransform, kTransform), two_textures()));
  expect_transformed_checkers(s, kMoved, 24);  // uv' covers [0.2, 3.2] x [0.1, 2.1]
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
}

TEST(GltfTextureTransform, ANormalMapCheckerTiltsTheNormalWhereTheTransformPutsIt) {
  testing::TempDir dir;
  // Texels "on" face along N; "off" tilt towards T: glTF n = normalize(2 texel / 255 - 1) in the
  // frame (T, B, N) = (+x, +y, +z) of unit_square() (u along +x, N = +z, B = N x T).
  const std::array<uint8_t, 4> on{128, 128, 255, 255}, off{255, 128, 200, 255};
  write_checker(dir.path() / "n.png", on, off);
  const LoadedScene s = load(write_quad(dir.path(), "bumps", unit_square(),
                                        R"({"pbrMetallicRoughness": {"metallicFactor": 0},
          "normalTexture": {"index": 0, "extensions": {)" +
                                            std::string(kTransform) + "}}}",
                                        images("n.png")));
  ASSERT_EQ(s.kernel.triangles.size(), 2u);
  at_transformed_texel_centres(
      s, kMoved, 24, [&](int a, int b, const tf_scene_view&, const tf_surface& sf, const tf_tex_ctx&) {
        const std::array<uint8_t, 4>& texel = (a + b) % 2 == 0 ? on : off;
        double n[3], length = 0;
        for (size_t k = 0; k < 3; ++k) {
          n[k] = 2 * texel[k] / 255.0 - 1;
          length += n[k] * n[k];
        }
        EXPECT_NEAR(sf.ns.x, n[0] / std::sqrt(length), 2e-5);
        EXPECT_NEAR(sf.ns.y, n[1] / std::sqrt(length), 2e-5);
        EXPECT_NEAR(sf.ns.z, n[2] / std::sqrt(length), 2e-5);
      });
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
}

TEST(GltfTextureTransform, AMaskedCheckerCutsWhereTheTransformPutsIt) {
  testing::TempDir dir;
  write_checker(dir.path() / "c.png", {255, 255, 255, 255}, {255, 255, 255, 0});
  const LoadedScene s =
      load(write_quad(dir.path(), "mask", unit_square(),
                      R"({"alphaMode": "MASK", "pbrMetallicRoughness": {"metallicFactor": 0,
          "baseColorTexture": {"index": 0, "extensions": {)" +
                          std::string(kTransform) + "}}}}",
                      images("c.png")));
  ASSERT_EQ(s.kernel.triangles.size(), 2u);
  const tf_scene_view view = make_host_scene_view(s.kernel);
  int stopped = 0;
  const int seen = at_texel_centres(view, kMoved, [&](int a, int b, const tf_ray&, tf_hit hit) {
    EXPECT_EQ(hit.prim != TF_NO_PRIM, (a + b) % 2 == 0);
    stopped += hit.prim != TF_NO_PRIM;
  });
  EXPECT_EQ(seen, 24);
  EXPECT_EQ(stopped, 12);
}

TEST(GltfTextureTransform, TheIdentityTransformMakesTheSceneAndPixelsOfAFileWithoutIt) {
  testing::TempDir dir;
  write_images(dir.path());
  const std::string identity =
      R"("KHR_texture_transform": {"offset": [0, 0], "rotation": 0, "scale": [1, 1]})";
  LoadedScene plain =
      load(write_quad(dir.path(), "plain", unit_square(), material("m", ""), two_textures()));
  LoadedScene same = load(write_quad(dir.path(), "same", unit_square(),
                                     material("m", identity, identity), two_textures()));
  // Both read the image at s = u, t = v (Assimp's v), repeating.
  ASSERT_EQ(plain.kernel.textures.size(), same.kernel.textures.size());
  int images_seen = 0;
  for (size_t i = 0; i < plain.kernel.textures.size(); ++i) {
    const tf_texture& t = plain.kernel.textures[i];
    if (t.type != TF_TEX_IMAGE) continue;
    ++images_seen;
    ASSERT_EQ(t.mapping, TF_MAP_UV_AFFINE);
    EXPECT_EQ(t.vs[0], 1.0f);
    EXPECT_EQ(t.vs[1], 0.0f);
    EXPECT_EQ(t.vt[0], 0.0f);
    EXPECT_EQ(t.vt[1], 1.0f);
    EXPECT_EQ(t.udelta, 0.0f);
    EXPECT_EQ(t.vdelta, 0.0f);
    EXPECT_EQ(t.wrap_s, TF_WRAP_REPEAT);
    EXPECT_EQ(t.wrap_t, TF_WRAP_REPEAT);
    EXPECT_EQ(std::memcmp(&t, &same.kernel.textures[i], sizeof t), 0) << i;
  }
  EXPECT_GE(images_seen, 2);
  for (LoadedScene* s : {&plain, &same}) {
    s->kernel.camera.width = s->kernel.camera.height = 8;
    ASSERT_TRUE(finalize_kernel_scene(&s->kernel).is_ok());
  }
  const tf_scene_view a = make_host_scene_view(plain.kernel);
  const tf_scene_view b = make_host_scene_view(same.kernel);
  for (tf_u32 y = 0; y < 8; ++y) {
    for (tf_u32 x = 0; x < 8; ++x) {
      float ra[3], rb[3];
      tf_u32 rays = 0;
      tf_render_pixel(&a, 0, x, y, 0, 2, ra, &rays);
      tf_render_pixel(&b, 0, x, y, 0, 2, rb, &rays);
      EXPECT_EQ(std::memcmp(ra, rb, sizeof ra), 0) << x << ", " << y;
    }
  }
}

TEST(GltfTextureTransform, RotatedCheckersSitWhereTheRotationPutsThem) {
  testing::TempDir dir;
  write_images(dir.path());
  const LoadedScene s = load(write_quad(dir.path(), "rotated", unit_square(),
                                        material("Tiles", kRotated.json(), kRotated.json()),
                                        two_textures()));
  // The rotated parallelogram of uv' holds 22 texel centres away from the square's edges.
  expect_transformed_checkers(s, kRotated, 22);
  EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
}

// The extension's worked example: offset [0, 1], rotation pi/2, scale [0.5, 0.5] "utilizes
// only the lower left quadrant of the source image, rotated clockwise 90 degrees". On a 4 x 4
// image whose lower-left quadrant holds four colours (red, green at the top; blue, white at
// the bottom) and the rest black, the square shows only those four, as quadrants: by hand,
// uv' = (v / 2, 1 - u / 2), so glTF uv (0.25, 0.25) (the square's top left) reads uv' =
// (0.125, 0.875), the quadrant's bottom-left texel (blue); uv (0.75, 0.25) (top right) reads
// (0.125, 0.625), red; uv (0.25, 0.75) reads (0.375, 0.875), white; uv (0.75, 0.75) reads
// (0.375, 0.625), green.
TEST(GltfTextureTransform, TheExtensionsExampleShowsTheLowerLeftQuadrantTurned) {
  testing::TempDir dir;
  const std::array<uint8_t, 3> black{0, 0, 0}, red{255, 0, 0}, green{0, 255, 0},
      blue{0, 0, 255}, white{255, 255, 255};
  const std::array<uint8_t, 3> texels[4][4] = {{black, black, black, black},
                                               {black, black, black, black},
                                               {red, green, black, black},
                                               {blue, white, black, black}};
  std::vector<uint8_t> bytes;
  for (const auto& row : texels) {
    for (const auto& texel : row) bytes.insert(bytes.end(), texel.begin(), texel.end());
  }
  write_png8(dir.path() / "q.png", 4, 4, 3, bytes);
  const LoadedScene s = load(write_quad(
      dir.path(), "example", unit_square(),
      R"({"pbrMetallicRoughness": {"metallicFactor": 0, "baseColorTexture": {"index": 0,
          "extensions": {"KHR_texture_transform": {"offset": [0, 1], "rotation": 1.57079632679,
          "scale": [0.5, 0.5]}}}}})",
      images("q.png")));
  const tf_scene_view view = make_host_scene_view(s.kernel);
  const struct {
    double u, v;
    std::array<uint8_t, 3> colour;
  } expected[] = {{0.25, 0.25, blue}, {0.75, 0.25, red}, {0.25, 0.75, white}, {0.75, 0.75, green}};
  for (const auto& e : expected) {
    const tf_ray ray = ray_at_uv({e.u, e.v});
    const tf_hit hit = tf_closest_hit(&view, ray, 0.0f, 10.0f);
    ASSERT_NE(hit.prim, TF_NO_PRIM);
    tf_surface sf = tf_surface_at(&view, ray, hit);
    const tf_tex_ctx c = tf_surface_tex_ctx(&sf);
    const tf_material& m = s.kernel.materials[sf.material];
    ASSERT_GE(m.texture, 0);
    const tf_vec3 colour = tf_texture_graph_eval(&view, m.texture, &c);
    EXPECT_NEAR(colour.x, e.colour[0] / 255.0, 1e-4) << e.u << ", " << e.v;
    EXPECT_NEAR(colour.y, e.colour[1] / 255.0, 1e-4) << e.u << ", " << e.v;
    EXPECT_NEAR(colour.z, e.colour[2] / 255.0, 1e-4) << e.u << ", " << e.v;
  }
}

TEST(GltfTextureTransform, AnEmissiveCheckerGlowsWhereTheTransformPutsIt) {
  testing::TempDir dir;
  write_images(dir.path());
  const LoadedScene lamp = load(write_quad(dir.path(), "lamp", unit_square(),
                                           R"({"name": "Lamp", "emissiveFactor": [1, 1, 1],
          "emissiveTexture": {"index": 0, "extensions": {)" +
                                               kRotated.json() + "}}}",
                                           images("c.png")));
  EXPECT_TRUE(lamp.warnings.empty()) << lamp.warnings.front();
  const tf_scene_view view = make_host_scene_view(lamp.kernel);
  const int seen = at_texel_centres(view, kRotated, [&](int a, int b, const tf_ray& ray,
                                                        tf_hit hit) {
    ASSERT_NE(hit.prim, TF_NO_PRIM);
    const tf_i32 light = lamp.kernel.triangles[hit.prim].light;
    ASSERT_GE(light, 0);
    const tf_vec3 p = v3_add(ray.o, v3_scale(ray.d, hit.t));
    const tf_vec3 factor =
        tf_emission_texture(&view, view.lights + light, hit.prim, hit.b1, hit.b2, p);
    EXPECT_NEAR(factor.x, (a + b) % 2 == 0 ? 1.0 : 0.0, 1e-4);  // white / black, sRGB
  });
  EXPECT_EQ(seen, 22);
}

// glTF sampler wrap modes (the specification's enums).
constexpr int kRepeat = 10497, kClamp = 33071, kMirror = 33648;

// A 2 x 2 image of four values (texel column a, row b holds 10 a + 100 b + 50, in red) under
// scale 3 (uv' in [0, 3]^2, no rotation): the value at texel column a, row b of the repeated
// grid (centre ((a + 0.5) / 2, (b + 0.5) / 2)) by the sampler's definitions: clamp-to-edge
// takes the edge texel beyond the image, mirrored repeat reads [1, 2) reflected (column
// 3 - a there) with period 2.
int wrapped(int i, int wrap) {
  if (wrap == kClamp) return std::min(i, 1);
  const int cell = i / 2, within = i % 2;
  return wrap == kMirror && cell % 2 == 1 ? 1 - within : within;
}

TEST(GltfTextureTransform, SamplersClampToTheEdgeAndMirrorAsTheyDefine) {
  testing::TempDir dir;
  write_png8(dir.path() / "w.png", 2, 2, 3, {50, 0, 0, 60, 0, 0, 150, 0, 0, 160, 0, 0});
  const Transform scaled{{0, 0}, 0, {3, 3}};
  for (const auto& [wrap_s, wrap_t] : {std::pair{kClamp, kClamp},
                                       std::pair{kMirror, kMirror},
                                       std::pair{kClamp, kMirror},
                                       std::pair{kRepeat, kClamp}}) {
    SCOPED_TRACE("wrapS " + std::to_string(wrap_s) + ", wrapT " + std::to_string(wrap_t));
    const std::string extra = R"({"images": [{"uri": "w.png"}], "samplers": [{"wrapS": )" +
                              std::to_string(wrap_s) + R"(, "wrapT": )" + std::to_string(wrap_t) +
                              R"(}], "textures": [{"source": 0, "sampler": 0}]})";
    const LoadedScene s = load(write_quad(
        dir.path(), "w" + std::to_string(wrap_s) + std::to_string(wrap_t), unit_square(),
        R"({"pbrMetallicRoughness": {"metallicFactor": 0, "baseColorTexture": {"index": 0,
            "extensions": {)" + scaled.json() + "}}}}",
        extra));
    EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
    at_transformed_texel_centres(
        s, scaled, 36,
        [&](int a, int b, const tf_scene_view& view, const tf_surface& sf, const tf_tex_ctx& c) {
          const tf_material& m = s.kernel.materials[sf.material];
          ASSERT_GE(m.texture, 0);
          const int byte = 10 * wrapped(a, wrap_s) + 100 * wrapped(b, wrap_t) + 50;
          EXPECT_NEAR(tf_texture_graph_eval(&view, m.texture, &c).x,
                      gltf_test::srgb_linear(static_cast<uint8_t>(byte)), 1e-4);
        });
  }
}

TEST(GltfTextureTransform, AWrapModeThatGltfDoesNotDefineRepeatsWithAWarning) {
  testing::TempDir dir;
  write_images(dir.path());
  // 9729 is GL_LINEAR, a filter, not a wrap mode.
  const LoadedScene s = load(write_quad(dir.path(), "odd", unit_square(), material("Odd", ""),
                                        two_textures(R"({"wrapS": 9729})")));
  EXPECT_TRUE(std::any_of(s.warnings.begin(), s.warnings.end(), [](const std::string& w) {
    return w.find("material 'Odd': baseColorTexture's sampler wrap mode 9729") !=
           std::string::npos;
  }));
  for (const tf_texture& t : s.kernel.textures) {
    if (t.type == TF_TEX_IMAGE) {
      EXPECT_EQ(t.wrap_s, TF_WRAP_REPEAT);
    }
  }
}

TEST(GltfTextureTransform, TheExtensionsTexCoordOverridesTheTextureInfos) {
  testing::TempDir dir;
  write_images(dir.path());
  // textureInfo.texCoord 1 overridden by the extension's 0: mapped by TEXCOORD_0.
  const std::string to_zero =
      R"({"name": "m", "pbrMetallicRoughness": {"metallicFactor": 0,
          "baseColorTexture": {"index": 0, "texCoord": 1,
            "extensions": {"KHR_texture_transform": {"texCoord": 0}}}}})";
  const LoadedScene zero =
      load(write_quad(dir.path(), "zero", unit_square(), to_zero, images("c.png")));
  EXPECT_EQ(zero.kernel.triangles.size(), 2u);
  // textureInfo.texCoord 0 overridden by the extension's 1: only TEXCOORD_0 is supported.
  const std::string to_one =
      R"({"name": "m", "pbrMetallicRoughness": {"metallicFactor": 0,
          "baseColorTexture": {"index": 0,
            "extensions": {"KHR_texture_transform": {"texCoord": 1}}}}})";
  Result<LoadedScene> one =
      load_scene_file(write_quad(dir.path(), "one", unit_square(), to_one, images("c.png")));
  ASSERT_FALSE(one.is_ok());
  EXPECT_NE(one.message().find("baseColorTexture uses TEXCOORD_1"), std::string::npos)
      << one.message();
}

}  // namespace
}  // namespace tf
