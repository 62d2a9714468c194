// pbrt-v4's MixMaterial (kernels/render/mix_material.h) and roughness textures
// (kernels/render/material_textures.h): the hash against MurmurHash3's published values and a
// byte-wise reference, the choice rule per region of a textured amount and through nested
// mixes, the chosen fraction against the amount (white furnace, analytic), and a textured
// roughness against the constant it equals (a second path to the same alphas).
#include "kernels/render/mix_material.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

// MurmurHash3_x86_32 as published (Austin Appleby, SMHasher), over bytes.
uint32_t murmur3_reference(const unsigned char* data, size_t len, uint32_t seed) {
  auto rotl = [](uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  uint32_t h = seed;
  const size_t blocks = len / 4;
  for (size_t i = 0; i < blocks; ++i) {
    uint32_t k = static_cast<uint32_t>(data[4 * i]) | static_cast<uint32_t>(data[4 * i + 1]) << 8 |
                 static_cast<uint32_t>(data[4 * i + 2]) << 16 |
                 static_cast<uint32_t>(data[4 * i + 3]) << 24;
    k *= 0xcc9e2d51u;
    k = rotl(k, 15);
    k *= 0x1b873593u;
    h ^= k;
    h = rotl(h, 13);
    h = h * 5 + 0xe6546b64u;
  }
  uint32_t k = 0;
  const unsigned char* tail = data + 4 * blocks;
  switch (len & 3) {
    case 3:
      k ^= static_cast<uint32_t>(tail[2]) << 16;
      [[fallthrough]];
    case 2:
      k ^= static_cast<uint32_t>(tail[1]) << 8;
      [[fallthrough]];
    case 1:
      k ^= tail[0];
      k *= 0xcc9e2d51u;
      k = rotl(k, 15);
      k *= 0x1b873593u;
      h ^= k;
  }
  h ^= static_cast<uint32_t>(len);
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

uint32_t murmur3_reference(const char* text, uint32_t seed) {
  return murmur3_reference(reinterpret_cast<const unsigned char*>(text), std::strlen(text), seed);
}

TEST(MixMaterial, HashIsMurmurHash3) {
  // Published MurmurHash3_x86_32 values check the reference; the kernel's blocks match both.
  EXPECT_EQ(murmur3_reference("", 0), 0u);
  EXPECT_EQ(murmur3_reference("The quick brown fox jumps over the lazy dog", 0), 0x2e4ff723u);
  EXPECT_EQ(murmur3_reference("aaaa", 0x9747b28cu), 0x5a97808au);
  EXPECT_EQ(tf_murmur3_finish(tf_murmur3_block(0x9747b28cu, 0x61616161u), 4u), 0x5a97808au);
  EXPECT_EQ(tf_murmur3_finish(tf_murmur3_block(0x9747b28cu, 0x64636261u), 4u),
            murmur3_reference("abcd", 0x9747b28cu));

  const tf_vec3 p = v3(0.25f, -3.5f, 1.0e-3f), wo = v3(0.0f, -0.6f, 0.8f);
  const uint32_t words[8] = {tf_float_bits(p.x),
                             tf_float_bits(p.y),
                             tf_float_bits(p.z),
                             tf_float_bits(wo.x),
                             tf_float_bits(wo.y),
                             tf_float_bits(wo.z),
                             7u,
                             12u};
  unsigned char bytes[32];
  for (size_t i = 0; i < 32; ++i)
    bytes[i] = static_cast<unsigned char>(words[i / 4] >> (8 * (i % 4)));
  const uint32_t h = murmur3_reference(bytes, sizeof bytes, 0);
  EXPECT_EQ(tf_mix_hash_float(p, wo, 7u, 12u), static_cast<float>(h >> 8) * 0x1p-24f);
}

// A view of materials and textures alone: what tf_resolve_material reads.
struct MaterialsOnly {
  KernelScene scene;
  tf_scene_view view() const { return make_host_scene_view(scene); }
};

tf_material mix(uint32_t m0, uint32_t m1, float amount, uint32_t amount_tex1 = 0u) {
  tf_material m{};
  m.type = TF_MAT_MIX;
  m.texture = -1;
  m.mix_m0 = m0, m.mix_m1 = m1;
  m.mix_amount = amount;
  m.mix_amount_tex = amount_tex1;
  return m;
}

tf_tex_ctx ctx_at(tf_vec3 p, float u, float v) {
  tf_tex_ctx c;
  c.p = p;
  c.n = v3(0.0f, 0.0f, 1.0f);
  c.u = u;
  c.v = v;
  return c;
}

// Amount 0 and 1 are certain; a 2x2 checkerboard amount of 0 and 1 gives each cell its
// material; a mix of mixes resolves to a leaf material through every level.
TEST(MixMaterial, TexturedAmountGivesEachRegionItsMaterial) {
  MaterialsOnly s;
  const uint32_t a = add_material(&s.scene, diffuse(0.1f));
  const uint32_t b = add_material(&s.scene, diffuse(0.9f));
  tf_texture checker{};
  checker.type = TF_TEX_CHECKERBOARD;
  checker.r = checker.g = checker.b = 0.0f;     // cells where floor(s) + floor(t) is even
  checker.r2 = checker.g2 = checker.b2 = 1.0f;  // the others
  checker.uscale = checker.vscale = 2.0f;
  s.scene.textures.push_back(checker);
  const uint32_t textured = add_material(&s.scene, mix(a, b, 0.5f, 1u));
  const uint32_t first = add_material(&s.scene, mix(a, b, 0.0f));
  const uint32_t second = add_material(&s.scene, mix(a, b, 1.0f));
  const uint32_t nested = add_material(&s.scene, mix(first, textured, 1.0f));  // -> textured
  const tf_scene_view view = s.view();
  const tf_vec3 wo = v3(0.0f, 0.0f, 1.0f);
  for (float u = 0.05f; u < 1.0f; u += 0.1f) {
    for (float v = 0.05f; v < 1.0f; v += 0.1f) {
      const tf_vec3 p = v3(u, v, 0.0f);
      const tf_tex_ctx c = ctx_at(p, u, v);
      const bool odd = (static_cast<int>(2 * u) + static_cast<int>(2 * v)) % 2 == 1;
      EXPECT_EQ(tf_resolve_material(&view, textured, &c, wo), odd ? b : a) << u << " " << v;
      EXPECT_EQ(tf_resolve_material(&view, nested, &c, wo), odd ? b : a) << u << " " << v;
      EXPECT_EQ(tf_resolve_material(&view, first, &c, wo), a);
      EXPECT_EQ(tf_resolve_material(&view, second, &c, wo), b);
      EXPECT_EQ(tf_resolve_material(&view, a, &c, wo), a);  // not a mix: itself
    }
  }
}

// Over many hit points the second material is chosen with probability `amount` (binomial
// tolerance: 5 standard deviations).
TEST(MixMaterial, ChosenFractionIsTheAmount) {
  MaterialsOnly s;
  const uint32_t a = add_material(&s.scene, diffuse(0.1f));
  const uint32_t b = add_material(&s.scene, diffuse(0.9f));
  const uint32_t m = add_material(&s.scene, mix(a, b, 0.3f));
  const tf_scene_view view = s.view();
  const int n = 20000;
  int second = 0;
  for (int i = 0; i < n; ++i) {
    const float x = static_cast<float>(i % 200) * 0.013f, y = static_cast<float>(i / 200) * 0.021f;
    const tf_tex_ctx c = ctx_at(v3(x, y, 1.0f), 0.0f, 0.0f);
    second += tf_resolve_material(&view, m, &c, v3(0.0f, 0.6f, -0.8f)) == b;
  }
  EXPECT_NEAR(static_cast<double>(second) / n, 0.3, 5 * std::sqrt(0.3 * 0.7 / n));
}

// White furnace: a convex mix of a black and a white diffuse material reflects exactly the
// fraction of hits that pick white, so the sphere's mean radiance is `amount`.
TEST(MixMaterial, WhiteFurnaceGivesTheAmount) {
  for (float amount : {0.0f, 0.25f, 0.7f, 1.0f}) {
    KernelScene s;
    s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 32, 32, 0.1f);
    const uint32_t black = add_material(&s, diffuse(0.0f));
    const uint32_t white = add_material(&s, diffuse(1.0f));
    add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, mix(black, white, amount)));
    add_env_uniform(&s, 1.0f);
    const std::vector<float> rgb = render_mean(&s, 16, 8, 4);
    for (int c = 0; c < 3; ++c) {
      const Stat st = pixel_stat(rgb, c);
      EXPECT_NEAR(st.mean, amount, 5.0 * st.stderr_ + 1e-5) << "amount " << amount;
    }
  }
}

// A conductor sphere lit by a point light, its roughness a constant alpha or a constant float
// texture: alpha = sqrt(r) with remapping (r = 0.25 -> 0.5 exactly), r without.
KernelScene lit_conductor(const tf_material& m, const tf_texture* roughness) {
  KernelScene s;
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, 24, 24, 0.3f);
  if (roughness) s.textures.push_back(*roughness);
  add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, m));
  add_point_light(&s, {2, 3, -4}, 40.0f);
  return s;
}

tf_texture constant_float(float value) {
  tf_texture t{};
  t.type = TF_TEX_CONSTANT;
  t.r = t.g = t.b = value;
  return t;
}

TEST(RoughnessTexture, RendersAsTheConstantItEquals) {
  struct Case {
    float texture_value, alpha;
    uint32_t flags;
  };
  for (const Case& c : {Case{0.25f, 0.5f, TF_MAT_REMAP_ROUGHNESS}, Case{0.3f, 0.3f, 0u}}) {
    KernelScene constant = lit_conductor(conductor(0.2f, 3.0f, c.alpha), nullptr);
    tf_material textured_m = conductor(0.2f, 3.0f, 0.0f);
    textured_m.rough_u_tex = textured_m.rough_v_tex = 1u;
    textured_m.flags = c.flags;
    const tf_texture roughness = constant_float(c.texture_value);
    KernelScene textured = lit_conductor(textured_m, &roughness);
    KernelScene other = lit_conductor(conductor(0.2f, 3.0f, 0.1f), nullptr);
    const std::vector<float> expected = render_mean(&constant, 4, 3);
    EXPECT_EQ(render_mean(&textured, 4, 3), expected) << c.texture_value;
    EXPECT_NE(render_mean(&other, 4, 3), expected);  // the roughness shows
  }
}

// The coating's roughness textures of a coated conductor, against its constant alphas.
TEST(RoughnessTexture, CoatingRoughnessRendersAsTheConstantItEquals) {
  auto coated = [](float coat_alpha) {
    tf_material m = conductor(0.2f, 3.0f, 0.3f);
    m.type = TF_MAT_COATED_CONDUCTOR;
    m.coat_eta = 1.5f;
    m.coat_alpha_u = m.coat_alpha_v = coat_alpha;
    m.thickness = 0.01f;
    m.max_depth = 10u;
    m.n_samples = 1u;
    return m;
  };
  KernelScene constant = lit_conductor(coated(0.5f), nullptr);
  tf_material textured_m = coated(0.0f);
  textured_m.coat_rough_u_tex = textured_m.coat_rough_v_tex = 1u;
  textured_m.flags = TF_MAT_REMAP_ROUGHNESS;
  const tf_texture roughness = constant_float(0.25f);
  KernelScene textured = lit_conductor(textured_m, &roughness);
  EXPECT_EQ(render_mean(&textured, 4, 3), render_mean(&constant, 4, 3));
}

}  // namespace
}  // namespace tf::test
