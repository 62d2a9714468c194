// glTF 2.0 KHR_texture_transform and sampler wrap modes on imported materials
// (formats/scene/gltf_textures.h), through the loader and the kernel, against the extension's
// specification evaluated here by hand: a texture is looked up at glTF uv'
// = offset + scale * uv (rotation 0), uv' in the image's units with its origin at the top-left
// corner and texels repeating. The tests invert that map to find the points of a quad whose uv'
// falls on chosen texel centres (where the bilinear filter returns one texel) and check the
// kernel's value there (base colour, roughness, shading normal, cut-out) against the texel that
// square of the checker holds. Also: the identity
// transform and a file without the extension make the same kernel scene and the same pixels;
// rotations, transforms of emission and clamping samplers are left out with warnings; the
// extension's texCoord overrides textureInfo's and follows the TEXCOORD_0-only rule.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "formats/scene/load.h"
#include "gltf_test_files.h"
#include "kernels/render/bvh_traverse.h"
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

// The transform of the tests: scale (3, 2), offset (0.2, 0.1).
constexpr double kScale[2] = {3, 2}, kOffset[2] = {0.2, 0.1};
const char* kTransform = R"("KHR_texture_transform": {"offset": [0.2, 0.1], "scale": [3, 2]})";

// A 2 x 2 RGBA checker: texels (0, 0) and (1, 1) (column, row from the top) hold `on`, the
// other two `off`; with texels repeating, texel column a, row b holds `on` where a + b is even.
void write_checker(const std::filesystem::path& path, std::array<uint8_t, 4> on,
                   std::array<uint8_t, 4> off) {
  std::vector<uint8_t> bytes;
  for (const auto& texel : {on, off, off, on})
    bytes.insert(bytes.end(), texel.begin(), texel.end());
  write_png8(path, 2, 2, 4, bytes);
}

// The ray along -z through the point of unit_square() whose uv' is the centre ((a + 0.5) / 2,
// (b + 0.5) / 2) of texel column a, row b of a 2 x 2 image repeated: uv = (uv' - offset) /
// scale, at x = u, y = 1 - v. For a in [0, 6), b in [0, 4) that point lies inside the square.
tf_ray ray_to_texel_centre(int a, int b) {
  const double u = ((a + 0.5) / 2 - kOffset[0]) / kScale[0];
  const double v = ((b + 0.5) / 2 - kOffset[1]) / kScale[1];
  EXPECT_TRUE(u > 0 && u < 1 && v > 0 && v < 1) << a << ", " << b;
  tf_ray ray;
  ray.o = v3(static_cast<float>(u), static_cast<float>(1 - v), 2.0f);
  ray.d = v3(0.0f, 0.0f, -1.0f);
  return ray;
}

// Calls f(a, b, view, surface, texture context) where ray_to_texel_centre(a, b) meets s's
// quad, a in [0, 6), b in [0, 4).
template <class F>
void at_transformed_texel_centres(const LoadedScene& s, F f) {
  const tf_scene_view view = make_host_scene_view(s.kernel);
  for (int a = 0; a < 6; ++a) {
    for (int b = 0; b < 4; ++b) {
      const tf_ray ray = ray_to_texel_centre(a, b);
      const tf_hit hit = tf_closest_hit(&view, ray, 0.0f, 10.0f);
      ASSERT_NE(hit.prim, TF_NO_PRIM) << a << ", " << b;
      tf_surface sf = tf_surface_at(&view, ray, hit);
      const tf_tex_ctx c = tf_surface_tex_ctx(&sf);
      SCOPED_TRACE("texel centre " + std::to_string(a) + ", " + std::to_string(b));
      f(a, b, view, sf, c);
    }
  }
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

// Checks the base colour and coating roughness of s (material("...", kTransform, kTransform))
// at the transformed texel centres against the checkers of write_images.
void expect_transformed_checkers(const LoadedScene& s) {
  ASSERT_EQ(s.kernel.triangles.size(), 2u);
  at_transformed_texel_centres(
      s, [&](int a, int b, const tf_scene_view& view, const tf_surface& sf, const tf_tex_ctx& c) {
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
  expect_transformed_checkers(s);
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
      s, [&](int a, int b, const tf_scene_view&, const tf_surface& sf, const tf_tex_ctx&) {
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
  for (int a = 0; a < 6; ++a) {
    for (int b = 0; b < 4; ++b) {
      const tf_ray ray = ray_to_texel_centre(a, b);
      const bool hit = tf_closest_hit(&view, ray, 0.0f, 10.0f).prim != TF_NO_PRIM;
      EXPECT_EQ(hit, (a + b) % 2 == 0) << a << ", " << b;
      stopped += hit;
    }
  }
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
  // The kernel's "uv" mapping of image textures before transforms were read: s = u, t = v.
  ASSERT_EQ(plain.kernel.textures.size(), same.kernel.textures.size());
  int images_seen = 0;
  for (size_t i = 0; i < plain.kernel.textures.size(); ++i) {
    const tf_texture& t = plain.kernel.textures[i];
    if (t.type != TF_TEX_IMAGE) continue;
    ++images_seen;
    EXPECT_EQ(t.uscale, 1.0f);
    EXPECT_EQ(t.vscale, 1.0f);
    EXPECT_EQ(t.udelta, 0.0f);
    EXPECT_EQ(t.vdelta, 0.0f);
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

// Whether some warning holds both `first` and `second`.
bool warned(const LoadedScene& s, const std::string& first, const std::string& second) {
  for (const std::string& w : s.warnings) {
    if (w.find(first) != std::string::npos && w.find(second) != std::string::npos) return true;
  }
  return false;
}

TEST(GltfTextureTransform, ARotationIsLeftOutWithAWarningNamingTheMaterial) {
  testing::TempDir dir;
  write_images(dir.path());
  const std::string rotated =
      R"("KHR_texture_transform": {"offset": [0.2, 0.1], "rotation": 0.5, "scale": [3, 2]})";
  const LoadedScene s = load(write_quad(dir.path(), "rotated", unit_square(),
                                        material("Tiles", rotated, kTransform), two_textures()));
  EXPECT_TRUE(warned(s, "material 'Tiles'", "baseColorTexture's KHR_texture_transform rotation"));
  EXPECT_FALSE(warned(s, "metallicRoughnessTexture", "rotation"));
  expect_transformed_checkers(s);  // offset and scale still apply
}

TEST(GltfTextureTransform, EmissionTransformsAndClampingSamplersAreLeftOutWithWarnings) {
  testing::TempDir dir;
  write_images(dir.path());
  const LoadedScene lamp = load(write_quad(dir.path(), "lamp", unit_square(),
                                           R"({"name": "Lamp", "emissiveFactor": [1, 1, 1],
          "emissiveTexture": {"index": 0, "extensions": {)" +
                                               std::string(kTransform) + "}}}",
                                           images("c.png")));
  EXPECT_TRUE(warned(lamp, "material 'Lamp'", "emissiveTexture's KHR_texture_transform ignored"));
  ASSERT_EQ(lamp.kernel.triangles.size(), 2u);
  EXPECT_GE(lamp.kernel.triangles[0].light, 0);  // still emits, with the untransformed image
  // CLAMP_TO_EDGE (33071) in t only; the renderer repeats.
  const LoadedScene clamped =
      load(write_quad(dir.path(), "clamped", unit_square(), material("Clamped", ""),
                      two_textures(R"({"wrapS": 10497, "wrapT": 33071})")));
  EXPECT_TRUE(warned(clamped, "material 'Clamped'", "baseColorTexture's sampler wrap mode"));
  EXPECT_TRUE(
      warned(clamped, "material 'Clamped'", "metallicRoughnessTexture's sampler wrap mode"));
  const LoadedScene repeated =
      load(write_quad(dir.path(), "repeated", unit_square(), material("Repeated", ""),
                      two_textures(R"({"wrapS": 10497, "wrapT": 10497})")));
  EXPECT_TRUE(repeated.warnings.empty()) << repeated.warnings.front();
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
