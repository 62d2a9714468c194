// glTF 2.0 normal textures and alphaMode MASK/BLEND (formats/scene/gltf_textures.h) through
// the loader and the kernel, against the glTF 2.0 specification evaluated here by hand:
// - normalTexture: n = normalize((2 texel - 1) * (scale, scale, 1)) in the frame T (along +u),
//   B = N x T, N (the vertex normal); the image's UV origin is its top-left corner. The test
//   compares the kernel's shading normal with that formula on a tilted quad, for two ways of
//   laying the texture coordinates on it;
// - MASK: the surface exists where baseColorFactor.a x texture alpha >= alphaCutoff (default
//   0.5); a checkerboard of alphas stops exactly the rays through its kept squares;
// - BLEND: the surface stops a share alpha of the rays (stochastic coverage);
// - metallicRoughnessTexture: roughness = G x roughnessFactor, metallic = B x metallicFactor
//   (linear); the kernel's GGX alpha is roughness^2 and the metal version shades with
//   probability metallic (a 0/1 metallic picks one version), looked up where the base colour
//   texture is;
// - emissiveTexture: emission = emissiveFactor x emissiveStrength x the texture (sRGB); a quad
//   that fills the film shows the texture;
// - bad input: texCoord 1 and a missing image are errors naming the cause.
// The glTF files, their buffers and their 8-bit PNG images are written by the test
// (gltf_test_files.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "formats/image/image_io.h"
#include "formats/scene/load.h"
#include "formats/scene/mesh_import.h"
#include "kernels/render/bvh_traverse.h"
#include "kernels/render/kernel_scene.h"
#include "kernels/render/material_textures.h"
#include "kernels/render/render_pixel.h"
#include "kernels/render/surface.h"
#include "tests/support/temp_dir.h"
#include "gltf_test_files.h"

namespace tf {
namespace {

using gltf_test::add;
using gltf_test::cross;
using gltf_test::D3;
using gltf_test::GltfQuad;
using gltf_test::images;
using gltf_test::load;
using gltf_test::normalized;
using gltf_test::scaled;
using gltf_test::unit_square;
using gltf_test::write_png8;
using gltf_test::write_quad;

// ---------------------------------------------------------------------------------------------
// Normal textures

// A tilted quad: e1 and e2 orthogonal, normal (-1, 0, 2) / sqrt(5).
constexpr D3 kP0{0, 0, 0}, kE1{2, 0, 1}, kE2{0, 1, 0};

// u along e1, v from 0 at the e2 side (the image's top) to 1 at the p0 side: T = e1 / |e1|.
GltfQuad u_along_e1() { return {kP0, kE1, kE2, {{{0, 1}, {1, 1}, {1, 0}, {0, 0}}}}; }
// u along e2, v along e1: T = e2 / |e2|.
GltfQuad u_along_e2() { return {kP0, kE1, kE2, {{{0, 0}, {0, 1}, {1, 1}, {1, 0}}}}; }

// The shading normal the kernel computes where a ray along -N meets the quad's point
// p0 + 0.4 e1 + 0.3 e2.
tf_vec3 shading_normal(const LoadedScene& s, const GltfQuad& q) {
  const tf_scene_view view = make_host_scene_view(s.kernel);
  const D3 at = add(add(q.p0, scaled(q.e1, 0.4)), scaled(q.e2, 0.3));
  const D3 n = q.normal();
  tf_ray ray;
  ray.o = v3(static_cast<float>(at[0] + 3 * n[0]), static_cast<float>(at[1] + 3 * n[1]),
             static_cast<float>(at[2] + 3 * n[2]));
  ray.d = v3(static_cast<float>(-n[0]), static_cast<float>(-n[1]), static_cast<float>(-n[2]));
  const tf_hit hit = tf_closest_hit(&view, ray, 0.0f, TF_FLOAT_MAX);
  EXPECT_NE(hit.prim, TF_NO_PRIM);
  return tf_surface_at(&view, ray, hit).ns;
}

// glTF's normal for texel bytes `rgb` with `scale` on quad q (tangent along +u of q's uvs).
D3 gltf_normal(std::array<uint8_t, 3> rgb, double scale, const GltfQuad& q) {
  const bool u_on_e1 = q.uv[1][0] == 1.f;  // corner p0 + e1 has u = 1
  const D3 t = normalized(u_on_e1 ? q.e1 : q.e2);
  const D3 n = q.normal();
  const D3 b = cross(n, t);
  const double x = (2 * rgb[0] / 255.0 - 1) * scale, y = (2 * rgb[1] / 255.0 - 1) * scale;
  const double z = 2 * rgb[2] / 255.0 - 1;
  return normalized(add(add(scaled(t, x), scaled(b, y)), scaled(n, z)));
}

void expect_near(tf_vec3 got, D3 want) {
  EXPECT_NEAR(got.x, want[0], 2e-5);
  EXPECT_NEAR(got.y, want[1], 2e-5);
  EXPECT_NEAR(got.z, want[2], 2e-5);
}

TEST(GltfNormalTexture, ShadingNormalIsTheSpecificationsTangentSpaceNormal) {
  testing::TempDir dir;
  const std::array<uint8_t, 3> texel{200, 70, 220};  // tilted towards +T and -B
  write_png8(dir.path() / "n.png", 1, 1, 3, {texel[0], texel[1], texel[2]});
  for (const GltfQuad& quad : {u_along_e1(), u_along_e2()}) {
    for (double scale : {1.0, 0.4, 2.5}) {
      const std::string material = R"({"normalTexture": {"index": 0, "scale": )" +
                                   std::to_string(scale) +
                                   R"(}, "pbrMetallicRoughness": {"metallicFactor": 0}})";
      const LoadedScene s = load(write_quad(dir.path(), "q", quad, material, images("n.png")));
      ASSERT_EQ(s.kernel.triangles.size(), 2u);
      SCOPED_TRACE("scale " + std::to_string(scale) + (quad.uv[1][0] == 1.f ? ", u on e1" : ""));
      expect_near(shading_normal(s, quad), gltf_normal(texel, scale, quad));
      EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
    }
  }
}

TEST(GltfNormalTexture, TheMapIsLookedUpWithTheImagesOriginAtTheTopLeft) {
  // A 1 x 2 map whose top texel tilts towards +T and bottom texel towards -T. The hit point
  // has glTF v = 0.7 on u_along_e1(); the rows' centres lie at v = 0.25 (top) and 0.75, so the
  // bilinear filter weighs the bottom texel 0.9 and the top one 0.1.
  testing::TempDir dir;
  const std::array<uint8_t, 3> top{230, 128, 200}, bottom{25, 128, 200};
  write_png8(dir.path() / "n.png", 1, 2, 3,
             {top[0], top[1], top[2], bottom[0], bottom[1], bottom[2]});
  const GltfQuad quad = u_along_e1();
  const LoadedScene s = load(
      write_quad(dir.path(), "q", quad, R"({"normalTexture": {"index": 0}})", images("n.png")));
  const D3 t = normalized(quad.e1), n = quad.normal(), b = cross(n, t);
  const double r = (0.9 * bottom[0] + 0.1 * top[0]) / 255.0;
  const D3 want = normalized(add(add(scaled(t, 2 * r - 1), scaled(b, 2 * 128 / 255.0 - 1)),
                                 scaled(n, 2 * 200 / 255.0 - 1)));
  const tf_vec3 got = shading_normal(s, quad);
  expect_near(got, want);
  EXPECT_LT(got.x * t[0] + got.y * t[1] + got.z * t[2], 0.0);  // towards -T: the bottom texel
}

TEST(GltfNormalTexture, TangentAttributesAreIgnoredWithAWarning) {
  testing::TempDir dir;
  write_png8(dir.path() / "n.png", 1, 1, 3, {128, 128, 255});
  GltfQuad quad = u_along_e1();
  quad.tangents = true;
  const LoadedScene s = load(write_quad(
      dir.path(), "q", quad, R"({"name": "t", "normalTexture": {"index": 0}})", images("n.png")));
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("material 't': TANGENT attributes ignored"), std::string::npos)
      << s.warnings[0];
}

TEST(GltfNormalTexture, OtherTexCoordsAndMissingImagesAreErrors) {
  testing::TempDir dir;
  write_png8(dir.path() / "n.png", 1, 1, 3, {128, 128, 255});
  Result<LoadedScene> uv1 = load_scene_file(write_quad(
      dir.path(), "uv1", u_along_e1(),
      R"({"name": "m", "normalTexture": {"index": 0, "texCoord": 1}})", images("n.png")));
  ASSERT_FALSE(uv1.is_ok());
  EXPECT_NE(uv1.message().find("material 'm': normalTexture uses TEXCOORD_1; only TEXCOORD_0"),
            std::string::npos)
      << uv1.message();
  Result<LoadedScene> missing = load_scene_file(
      write_quad(dir.path(), "missing", u_along_e1(),
                 R"({"name": "m", "normalTexture": {"index": 0}})", images("absent.png")));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.message().find("material 'm': cannot read image"), std::string::npos)
      << missing.message();
  EXPECT_NE(missing.message().find("absent.png"), std::string::npos) << missing.message();
}

// ---------------------------------------------------------------------------------------------
// alphaMode

// An 8 x 8 RGBA image of 4 x 4 squares of 2 x 2 texels: square (column i, row j from the top)
// has alpha `kept` where i + j is even, else `cut`.
void write_checker(const std::filesystem::path& path, uint8_t kept, uint8_t cut) {
  std::vector<uint8_t> bytes;
  for (int y = 0; y < 8; ++y) {
    for (int x = 0; x < 8; ++x) {
      const bool even = (x / 2 + y / 2) % 2 == 0;
      bytes.insert(bytes.end(), {90, 160, 30, even ? kept : cut});
    }
  }
  write_png8(path, 8, 8, 4, bytes);
}

// For rays along -z through points of each square (inside each square's central texel-centre
// region, where the bilinear filter sees only that square's texels): whether each stops.
// Returns the count of rays stopped, checking each against `stops(i, j)`.
template <class Stops>
int count_stopped(const LoadedScene& s, Stops stops) {
  const tf_scene_view view = make_host_scene_view(s.kernel);
  int stopped = 0;
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      for (double dx : {0.35, 0.5, 0.65}) {
        for (double dy : {0.35, 0.5, 0.65}) {
          const float x = static_cast<float>((i + dx) / 4),
                      y = static_cast<float>(1 - (j + dy) / 4);
          tf_ray ray;
          ray.o = v3(x, y, 2.0f);
          ray.d = v3(0.0f, 0.0f, -1.0f);
          const bool hit = tf_closest_hit(&view, ray, 0.0f, 10.0f).prim != TF_NO_PRIM;
          EXPECT_EQ(hit, stops(i, j)) << "square " << i << ", " << j;
          EXPECT_EQ(tf_occluded(&view, ray, 0.0f, 10.0f), hit ? 1 : 0);
          stopped += hit;
        }
      }
    }
  }
  return stopped;
}

std::string masked(const std::string& cutoff, double factor) {
  return R"({"alphaMode": "MASK")" + cutoff + R"(, "pbrMetallicRoughness": {"metallicFactor": 0,
      "baseColorFactor": [1, 1, 1, )" +
         std::to_string(factor) + R"(],
      "baseColorTexture": {"index": 0}}})";
}

TEST(GltfAlphaMode, MaskCheckerboardStopsExactlyTheRaysThroughItsKeptSquares) {
  testing::TempDir dir;
  const uint8_t kept = 200, cut = 60;  // alphas 0.784 and 0.235
  write_checker(dir.path() / "c.png", kept, cut);
  auto even = [](int i, int j) { return (i + j) % 2 == 0; };
  auto all = [](int, int) { return true; };
  auto none = [](int, int) { return false; };
  struct Case {
    std::string cutoff;
    double factor;
    std::function<bool(int, int)> stops;
  };
  // glTF: kept where factor x alpha >= alphaCutoff (default 0.5).
  const std::vector<Case> cases = {
      {"", 1.0, even},                         // 0.784 >= 0.5 > 0.235
      {R"(, "alphaCutoff": 0.2)", 1.0, all},   // both >= 0.2
      {R"(, "alphaCutoff": 0.9)", 1.0, none},  // neither
      {R"(, "alphaCutoff": 0.3)", 0.5, even},  // 0.392 >= 0.3 > 0.118
      {R"(, "alphaCutoff": 0.4)", 0.5, none},  // 0.392 < 0.4
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("cutoff '" + c.cutoff + "', factor " + std::to_string(c.factor));
    const LoadedScene s = load(
        write_quad(dir.path(), "mask", unit_square(), masked(c.cutoff, c.factor), images("c.png")));
    ASSERT_EQ(s.kernel.triangles.size(), 2u);
    EXPECT_EQ(s.kernel.header.alpha_prims, 2u);
    count_stopped(s, c.stops);
    EXPECT_TRUE(s.warnings.empty()) << s.warnings.front();
  }
}

TEST(GltfAlphaMode, MaskWithoutATextureKeepsOrLeavesOutTheWholeShape) {
  testing::TempDir dir;
  auto constant = [](double a, const std::string& cutoff) {
    return R"({"alphaMode": "MASK")" + cutoff +
           R"(, "pbrMetallicRoughness": {"baseColorFactor": [1, 1, 1, )" + std::to_string(a) +
           "]}}";
  };
  const LoadedScene kept =
      load(write_quad(dir.path(), "kept", unit_square(), constant(0.5, "")));  // 0.5 >= 0.5
  EXPECT_EQ(kept.kernel.header.alpha_prims, 0u);
  EXPECT_EQ(count_stopped(kept, [](int, int) { return true; }), 144);
  Result<LoadedScene> cut = load_scene_file(
      write_quad(dir.path(), "cut", unit_square(), constant(0.5, R"(, "alphaCutoff": 0.6)")));
  ASSERT_FALSE(cut.is_ok());  // nothing is left to frame
  EXPECT_NE(cut.message().find("no triangles"), std::string::npos) << cut.message();
}

TEST(GltfAlphaMode, MaskWithAMissingImageIsAnError) {
  testing::TempDir dir;
  Result<LoadedScene> s = load_scene_file(
      write_quad(dir.path(), "m", unit_square(), masked("", 1.0), images("absent.png")));
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("absent.png"), std::string::npos) << s.message();
}

// The share of random rays towards the unit square (from random points in front of it) that
// stop on it.
double share_stopped(const LoadedScene& s, int n) {
  const tf_scene_view view = make_host_scene_view(s.kernel);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  int stopped = 0;
  for (int k = 0; k < n; ++k) {
    tf_ray r;
    r.o = v3(unit(rng) * 2 - 0.5f, unit(rng) * 2 - 0.5f, 1.0f + unit(rng));
    const tf_vec3 target = v3(0.05f + 0.9f * unit(rng), 0.05f + 0.9f * unit(rng), 0.0f);
    r.d = v3_normalize(v3_sub(target, r.o));
    stopped += tf_closest_hit(&view, r, 0.0f, 100.0f).prim != TF_NO_PRIM;
  }
  return static_cast<double>(stopped) / n;
}

TEST(GltfAlphaMode, BlendStopsTheShareAlphaOfTheRays) {
  testing::TempDir dir;
  write_png8(dir.path() / "a.png", 1, 1, 4, {255, 255, 255, 153});  // alpha 0.6
  const int n = 20000;
  for (const auto& [alpha, texture] : {std::pair{0.3, false}, std::pair{0.5 * 0.6, true}}) {
    const double factor = texture ? 0.5 : alpha;
    const std::string material =
        R"({"alphaMode": "BLEND", "pbrMetallicRoughness": {"metallicFactor": 0,
        "baseColorFactor": [1, 1, 1, )" +
        std::to_string(factor) + "]" + (texture ? R"(, "baseColorTexture": {"index": 0})" : "") +
        "}}";
    const LoadedScene s = load(
        write_quad(dir.path(), "blend", unit_square(), material, texture ? images("a.png") : "{}"));
    ASSERT_EQ(s.kernel.header.alpha_prims, 2u);
    const double sigma = std::sqrt(alpha * (1 - alpha) / n);
    EXPECT_NEAR(share_stopped(s, n), alpha, 4 * sigma) << (texture ? "texture" : "constant");
  }
}

// ---------------------------------------------------------------------------------------------
// metallicRoughnessTexture

// Rows of a 2 x 2 RGB image (top row first) and their G (roughness) and B (metallic) bytes.
constexpr uint8_t kRough[4] = {51, 102, 153, 204};
constexpr uint8_t kMetal[4] = {255, 0, 0, 255};

void write_metallic_roughness(const std::filesystem::path& path, const uint8_t (&metal)[4]) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 4; ++i) bytes.insert(bytes.end(), {17, kRough[i], metal[i]});
  write_png8(path, 2, 2, 3, bytes);
}

// A material whose metallicRoughnessTexture is image 0 (with `tex_coord`) and whose base colour
// texture, when `colour`, is image 1.
std::string metallic_roughness(double metallic, double roughness, bool colour = false,
                               int tex_coord = 0) {
  return R"({"name": "mr", "pbrMetallicRoughness": {"baseColorFactor": [0.9, 0.6, 0.3, 1],
      "metallicFactor": )" +
         std::to_string(metallic) + R"(, "roughnessFactor": )" + std::to_string(roughness) +
         R"(, "metallicRoughnessTexture": {"index": 0, "texCoord": )" +
         std::to_string(tex_coord) + "}" +
         (colour ? R"(, "baseColorTexture": {"index": 1})" : "") + "}}";
}

std::string two_images(const std::string& first, const std::string& second) {
  return R"({"images": [{"uri": ")" + first + R"("}, {"uri": ")" + second +
         R"("}], "textures": [{"source": 0}, {"source": 1}]})";
}

// The first three channels of texel i of texture t, which must be equal.
double texel(const scene::IrTexture& t, size_t i) {
  EXPECT_TRUE(t.texels);
  const std::vector<float>& rgb = t.texels->rgb;
  EXPECT_EQ(rgb[3 * i], rgb[3 * i + 1]);
  EXPECT_EQ(rgb[3 * i], rgb[3 * i + 2]);
  return rgb[3 * i];
}

TEST(GltfMetallicRoughness, DerivedTexelsAreRoughnessSquaredAndMetallicTimesTheirFactors) {
  testing::TempDir dir;
  write_metallic_roughness(dir.path() / "mr.png", {0, 51, 204, 255});
  Result<scene::SceneIr> ir = scene::import_mesh_file(
      write_quad(dir.path(), "mr", unit_square(), metallic_roughness(0.8, 0.5), images("mr.png")));
  ASSERT_TRUE(ir.is_ok()) << ir.message();
  ASSERT_EQ(ir->shapes.size(), 1u);
  const scene::IrMaterial& mix = ir->materials[static_cast<size_t>(ir->shapes[0].material)];
  ASSERT_EQ(mix.type, scene::IrMaterial::Type::Mix);
  const scene::IrMaterial& dielectric = ir->materials[static_cast<size_t>(mix.mix[0])];
  const scene::IrMaterial& metal = ir->materials[static_cast<size_t>(mix.mix[1])];
  EXPECT_EQ(dielectric.type, scene::IrMaterial::Type::CoatedDiffuse);
  EXPECT_EQ(metal.type, scene::IrMaterial::Type::Conductor);
  // Both versions take the texels as alphas (no remapping) in u and v.
  const int rough = dielectric.coat_roughness_texture[0];
  ASSERT_GE(rough, 0);
  EXPECT_EQ(dielectric.coat_roughness_texture[1], rough);
  EXPECT_EQ(metal.roughness_texture[0], rough);
  EXPECT_EQ(metal.roughness_texture[1], rough);
  EXPECT_FALSE(dielectric.remap_roughness);
  EXPECT_FALSE(metal.remap_roughness);
  ASSERT_GE(mix.amount_texture, 0);
  const scene::IrTexture& alpha = ir->textures[static_cast<size_t>(rough)];
  const scene::IrTexture& amount = ir->textures[static_cast<size_t>(mix.amount_texture)];
  // By hand: alpha = (G / 255 x 0.5)^2: G = 51, 102, 153, 204 give 0.01, 0.04, 0.09, 0.16;
  // metallic = B / 255 x 0.8: B = 0, 51, 204, 255 give 0, 0.16, 0.64, 0.8.
  const double alphas[4] = {0.01, 0.04, 0.09, 0.16}, metallics[4] = {0, 0.16, 0.64, 0.8};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(texel(alpha, i), alphas[i], 1e-6) << i;
    EXPECT_NEAR(texel(amount, i), metallics[i], 1e-6) << i;
  }
}

// For rays along -z through the centres of the four texels of a 2 x 2 texture on
// unit_square(): calls f(texel index, surface, texture context).
template <class F>
void at_texel_centres(const LoadedScene& s, F f) {
  const tf_scene_view view = make_host_scene_view(s.kernel);
  for (int i = 0; i < 4; ++i) {
    tf_ray ray;
    ray.o = v3(0.25f + 0.5f * static_cast<float>(i % 2), 0.75f - 0.5f * static_cast<float>(i / 2),
               2.0f);  // glTF uv ((i % 2 + 0.5) / 2, (i / 2 + 0.5) / 2)
    ray.d = v3(0.0f, 0.0f, -1.0f);
    const tf_hit hit = tf_closest_hit(&view, ray, 0.0f, 10.0f);
    ASSERT_NE(hit.prim, TF_NO_PRIM);
    tf_surface sf = tf_surface_at(&view, ray, hit);
    const tf_tex_ctx c = tf_surface_tex_ctx(&sf);
    f(i, view, sf, c);
  }
}

TEST(GltfMetallicRoughness, TheKernelShadesTheTexelsVersionWithItsAlpha) {
  testing::TempDir dir;
  write_metallic_roughness(dir.path() / "mr.png", kMetal);
  // The base colour texture marks the metallic texels red (sRGB 255 and 0 decode to 1 and 0).
  write_png8(dir.path() / "c.png", 2, 2, 3, {255, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0});
  const LoadedScene s = load(write_quad(dir.path(), "mr", unit_square(),
                                        metallic_roughness(1, 1, true),
                                        two_images("mr.png", "c.png")));
  const tf_material& mix = s.kernel.materials[s.kernel.triangles[0].material];
  ASSERT_EQ(mix.type, TF_MAT_MIX);
  const tf_material& dielectric = s.kernel.materials[mix.mix_m0];
  ASSERT_GE(dielectric.texture, 0);
  at_texel_centres(s, [&](int i, const tf_scene_view& view, const tf_surface& sf,
                          const tf_tex_ctx& c) {
    const tf_material& m = s.kernel.materials[sf.material];
    EXPECT_EQ(m.type, kMetal[i] == 255 ? TF_MAT_CONDUCTOR : TF_MAT_COATED_DIFFUSE) << i;
    const tf_vec3 colour = tf_texture_graph_eval(&view, dielectric.texture, &c);
    EXPECT_EQ(colour.x > 0.5f, kMetal[i] == 255) << i;  // mapped as the base colour texture
    float ax = 0, ay = 0, cax = 0, cay = 0;
    tf_material_alphas(&view, &m, &c, &ax, &ay, &cax, &cay);
    const double want = (kRough[i] / 255.0) * (kRough[i] / 255.0);
    EXPECT_NEAR(kMetal[i] == 255 ? ax : cax, want, 1e-6) << i;
    EXPECT_NEAR(kMetal[i] == 255 ? ay : cay, want, 1e-6) << i;
  });
}

TEST(GltfMetallicRoughness, MetallicAllZeroOrAllOneShadesAsTheConstantFactorsMaterial) {
  testing::TempDir dir;
  for (const uint8_t b : {uint8_t{0}, uint8_t{255}}) {
    write_metallic_roughness(dir.path() / "mr.png", {b, b, b, b});
    const LoadedScene textured = load(
        write_quad(dir.path(), "mr", unit_square(), metallic_roughness(1, 1), images("mr.png")));
    const std::string factors = R"({"pbrMetallicRoughness": {"metallicFactor": )" +
                                std::to_string(b / 255) +
                                R"(, "baseColorFactor": [0.9, 0.6, 0.3, 1]}})";
    const LoadedScene constant = load(write_quad(dir.path(), "c", unit_square(), factors));
    const tf_material& want = constant.kernel.materials[constant.kernel.triangles[0].material];
    ASSERT_EQ(want.type, b ? TF_MAT_CONDUCTOR : TF_MAT_COATED_DIFFUSE);
    at_texel_centres(textured, [&](int i, const tf_scene_view&, const tf_surface& sf,
                                   const tf_tex_ctx&) {
      const tf_material& m = textured.kernel.materials[sf.material];
      EXPECT_EQ(m.type, want.type) << i;
      EXPECT_EQ(m.r, want.r);
      EXPECT_EQ(m.g, want.g);
      EXPECT_EQ(m.b, want.b);
      EXPECT_EQ(m.coat_eta, want.coat_eta);
      EXPECT_EQ(m.flags & TF_MAT_USE_REFLECTANCE, want.flags & TF_MAT_USE_REFLECTANCE);
    });
  }
  // metallicFactor 0 with a texture: the dielectric alone, with the texture's roughness.
  const LoadedScene zero = load(
      write_quad(dir.path(), "z", unit_square(), metallic_roughness(0, 1), images("mr.png")));
  const tf_material& m = zero.kernel.materials[zero.kernel.triangles[0].material];
  EXPECT_EQ(m.type, TF_MAT_COATED_DIFFUSE);
  EXPECT_NE(m.coat_rough_u_tex, 0u);
}

TEST(GltfMetallicRoughness, OtherTexCoordsAndMissingImagesAreErrors) {
  testing::TempDir dir;
  write_metallic_roughness(dir.path() / "mr.png", kMetal);
  Result<LoadedScene> uv1 = load_scene_file(write_quad(
      dir.path(), "uv1", unit_square(), metallic_roughness(1, 1, false, 1), images("mr.png")));
  ASSERT_FALSE(uv1.is_ok());
  EXPECT_NE(uv1.message().find(
                "material 'mr': metallicRoughnessTexture uses TEXCOORD_1; only TEXCOORD_0"),
            std::string::npos)
      << uv1.message();
  Result<LoadedScene> missing = load_scene_file(write_quad(
      dir.path(), "missing", unit_square(), metallic_roughness(1, 1), images("absent.png")));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.message().find("material 'mr': cannot read image"), std::string::npos)
      << missing.message();
  EXPECT_NE(missing.message().find("absent.png"), std::string::npos) << missing.message();
}

TEST(GltfMetallicRoughness, OcclusionTextureIsIgnoredWithAWarning) {
  testing::TempDir dir;
  write_png8(dir.path() / "e.png", 1, 1, 3, {255, 255, 255});
  const LoadedScene s = load(write_quad(
      dir.path(), "e", unit_square(),
      R"({"name": "lamp", "emissiveFactor": [1, 1, 1], "emissiveTexture": {"index": 0},
          "occlusionTexture": {"index": 0}, "pbrMetallicRoughness": {"metallicFactor": 0}})",
      images("e.png")));
  auto warned = [&](const std::string& what) {
    return std::any_of(s.warnings.begin(), s.warnings.end(), [&](const std::string& w) {
      return w.find("material 'lamp': " + what) != std::string::npos;
    });
  };
  EXPECT_FALSE(warned("emissive texture"));
  EXPECT_TRUE(warned("occlusion texture ignored"));
  ASSERT_EQ(s.kernel.triangles.size(), 2u);
  const int32_t light = s.kernel.triangles[0].light;
  ASSERT_GE(light, 0);
  const tf_light& l = s.kernel.lights.at(static_cast<size_t>(light));
  ASSERT_GE(l.texture, 0);  // the emissive texture scales the emission, repeating
  EXPECT_EQ(s.kernel.textures[static_cast<size_t>(l.texture)].wrap_s, TF_WRAP_REPEAT);
  EXPECT_EQ(s.kernel.textures[static_cast<size_t>(l.texture)].wrap_t, TF_WRAP_REPEAT);
}

// ---------------------------------------------------------------------------------------------
// Emissive textures: emission = emissiveFactor x emissiveStrength x the texture (sRGB), one-sided

// A 16 x 16 image of four 8 x 8 quadrants, distinct in every channel.
std::array<uint8_t, 3> quadrant_bytes(uint32_t x, uint32_t y) {
  if (y < 8) return x < 8 ? std::array<uint8_t, 3>{0, 0, 0} : std::array<uint8_t, 3>{255, 255, 255};
  return x < 8 ? std::array<uint8_t, 3>{51, 102, 153} : std::array<uint8_t, 3>{230, 26, 128};
}

TEST(GltfEmissiveTexture, AQuadSeenDirectlyShowsTheTextureTimesFactorAndStrength) {
  testing::TempDir dir;
  std::vector<uint8_t> bytes;
  for (uint32_t y = 0; y < 16; ++y) {
    for (uint32_t x = 0; x < 16; ++x) {
      for (uint8_t b : quadrant_bytes(x, y)) bytes.push_back(b);
    }
  }
  write_png8(dir.path() / "e.png", 16, 16, 3, bytes);
  // The quad [0, 2]^2 at z = 0, normal +z; glTF uv (0, 0) (the image's top left) at (0, 2),
  // u along +x, v along -y. A black metal: the quad reflects nothing.
  const GltfQuad q{{0, 0, 0}, {2, 0, 0}, {0, 2, 0}, {{{0, 1}, {1, 1}, {1, 0}, {0, 0}}}};
  LoadedScene s = load(write_quad(
      dir.path(), "lamp", q,
      R"({"emissiveFactor": [1, 0.5, 0.25], "emissiveTexture": {"index": 0},
          "extensions": {"KHR_materials_emissive_strength": {"emissiveStrength": 2}},
          "pbrMetallicRoughness": {"baseColorFactor": [0, 0, 0, 1]}})",
      images("e.png")));
  ASSERT_EQ(s.kernel.triangles.size(), 2u);
  // A camera at (1, 1, 5) looking down -z whose 16 x 16 film covers the quad exactly, so pixel
  // (i, j) sees glTF uv ((i + 0.5) / 16, (j + 0.5) / 16): texel (i, j). The default
  // environment is darkened so that only the emission reaches the film.
  tf_camera& c = s.kernel.camera;
  c = tf_camera{};
  c.pos_x = 1, c.pos_y = 1, c.pos_z = 5;
  c.right_x = 1, c.up_y = 1, c.fwd_z = -1;
  c.tan_half_x = c.tan_half_y = 0.2f;
  c.width = c.height = 16;
  for (tf_light& l : s.kernel.lights) {
    if (l.type != TF_LIGHT_AREA) l.r = l.g = l.b = 0.0f;
  }
  ASSERT_TRUE(finalize_kernel_scene(&s.kernel).is_ok());
  const tf_scene_view view = make_host_scene_view(s.kernel);
  const double factor[3] = {2, 1, 0.5};
  // glTF's texels repeat: edge pixels blend in the opposite edge, and pixels 7 and 8 blend the
  // quadrants; all others see one texel value.
  auto pure = [](uint32_t i) { return i != 0 && i != 7 && i != 8 && i != 15; };
  for (uint32_t y = 0; y < 16; ++y) {
    for (uint32_t x = 0; x < 16; ++x) {
      if (!pure(x) || !pure(y)) continue;
      float rgb[3];
      tf_u32 rays = 0;
      tf_render_pixel(&view, 0, x, y, 0, 4, rgb, &rays);
      const std::array<uint8_t, 3> texel = quadrant_bytes(x, y);
      for (size_t k = 0; k < 3; ++k) {
        const double want = factor[k] * gltf_test::srgb_linear(texel[k]);
        EXPECT_NEAR(rgb[k] / 4.0, want, 1e-5 + 1e-5 * want) << x << "," << y << " channel " << k;
      }
    }
  }
}

TEST(GltfEmissiveTexture, OtherTexCoordsAreAnErrorAndDarkMaterialsIgnoreTheTexture) {
  testing::TempDir dir;
  write_png8(dir.path() / "e.png", 1, 1, 3, {255, 255, 255});
  Result<LoadedScene> uv1 = load_scene_file(write_quad(
      dir.path(), "uv1", unit_square(),
      R"({"emissiveFactor": [1, 1, 1], "emissiveTexture": {"index": 0, "texCoord": 1}})",
      images("e.png")));
  ASSERT_FALSE(uv1.is_ok());
  EXPECT_NE(uv1.message().find("emissiveTexture uses TEXCOORD_1"), std::string::npos)
      << uv1.message();
  // glTF's emissiveFactor defaults to 0: the texture alone makes nothing emit.
  const LoadedScene dark = load(write_quad(dir.path(), "dark", unit_square(),
                                           R"({"emissiveTexture": {"index": 0}})", images("e.png")));
  ASSERT_EQ(dark.kernel.triangles.size(), 2u);
  EXPECT_EQ(dark.kernel.triangles[0].light, -1);
}

}  // namespace
}  // namespace tf
