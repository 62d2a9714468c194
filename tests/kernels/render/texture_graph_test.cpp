// Texture graph (kernels/render/texture_graph.h): each kind against its pbrt-v4 formula
// evaluated here, the noise kinds against a double-precision host implementation of pbrt's
// Perlin noise written from its documented definition, and the mappings against the
// documented (s, t) of points placed on the sphere, cylinder and plane.
#include "kernels/render/texture_graph.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <numbers>
#include <vector>

namespace tf::test {
namespace {

constexpr double kPi = std::numbers::pi;

// Host reference of pbrt-v4's Noise, FBm and Turbulence (zero footprint: all octaves).
// The permutation table is deliberately a copy of pbrt-v4's NoisePerm rather than the kernel's:
// the reference must not share data with the code under test, so a corrupted kernel table fails.
constexpr std::array<int, 256> kPerm = {
    151, 160, 137, 91,  90,  15,  131, 13,  201, 95,  96,  53,  194, 233, 7,   225, 140, 36,  103,
    30,  69,  142, 8,   99,  37,  240, 21,  10,  23,  190, 6,   148, 247, 120, 234, 75,  0,   26,
    197, 62,  94,  252, 219, 203, 117, 35,  11,  32,  57,  177, 33,  88,  237, 149, 56,  87,  174,
    20,  125, 136, 171, 168, 68,  175, 74,  165, 71,  134, 139, 48,  27,  166, 77,  146, 158, 231,
    83,  111, 229, 122, 60,  211, 133, 230, 220, 105, 92,  41,  55,  46,  245, 40,  244, 102, 143,
    54,  65,  25,  63,  161, 1,   216, 80,  73,  209, 76,  132, 187, 208, 89,  18,  169, 200, 196,
    135, 130, 116, 188, 159, 86,  164, 100, 109, 198, 173, 186, 3,   64,  52,  217, 226, 250, 124,
    123, 5,   202, 38,  147, 118, 126, 255, 82,  85,  212, 207, 206, 59,  227, 47,  16,  58,  17,
    182, 189, 28,  42,  223, 183, 170, 213, 119, 248, 152, 2,   44,  154, 163, 70,  221, 153, 101,
    155, 167, 43,  172, 9,   129, 22,  39,  253, 19,  98,  108, 110, 79,  113, 224, 232, 178, 185,
    112, 104, 218, 246, 97,  228, 251, 34,  242, 193, 238, 210, 144, 12,  191, 179, 162, 241, 81,
    51,  145, 235, 249, 14,  239, 107, 49,  192, 214, 31,  181, 199, 106, 157, 184, 84,  204, 176,
    115, 121, 50,  45,  127, 4,   150, 254, 138, 236, 205, 93,  222, 114, 67,  29,  24,  72,  243,
    141, 128, 195, 78,  66,  215, 61,  156, 180};

int perm(int i) { return kPerm[static_cast<size_t>(i % 256)]; }  // the doubled table

double grad(int x, int y, int z, double dx, double dy, double dz) {
  int h = perm(perm(perm(x) + y) + z) & 15;
  double u = h < 8 || h == 12 || h == 13 ? dx : dy;
  double v = h < 4 || h == 12 || h == 13 ? dy : dz;
  return ((h & 1) ? -u : u) + ((h & 2) ? -v : v);
}

double weight(double t) { return 6 * std::pow(t, 5) - 15 * std::pow(t, 4) + 10 * std::pow(t, 3); }

double lerp(double t, double a, double b) { return (1 - t) * a + t * b; }

double noise(double x, double y, double z) {
  int ix = static_cast<int>(std::floor(x)), iy = static_cast<int>(std::floor(y)),
      iz = static_cast<int>(std::floor(z));
  double dx = x - ix, dy = y - iy, dz = z - iz;
  ix &= 255, iy &= 255, iz &= 255;
  double wx = weight(dx), wy = weight(dy), wz = weight(dz);
  auto g = [&](int a, int b, int c) {
    return grad(ix + a, iy + b, iz + c, dx - a, dy - b, dz - c);
  };
  double y0 = lerp(wy, lerp(wx, g(0, 0, 0), g(1, 0, 0)), lerp(wx, g(0, 1, 0), g(1, 1, 0)));
  double y1 = lerp(wy, lerp(wx, g(0, 0, 1), g(1, 0, 1)), lerp(wx, g(0, 1, 1), g(1, 1, 1)));
  return lerp(wz, y0, y1);
}

double octaves_sum(double x, double y, double z, double omega, int octaves, bool turbulence) {
  double sum = 0, lambda = 1, o = 1;
  for (int i = 0; i < octaves; ++i) {
    double n = noise(lambda * x, lambda * y, lambda * z);
    sum += o * (turbulence ? std::abs(n) : n);
    lambda *= 1.99;
    o *= omega;
  }
  return turbulence ? sum + o * 0.2 : sum;
}

// A program of nodes; the texture evaluated is the last one.
struct Graph {
  std::vector<tf_texture> nodes;
  std::vector<float> texels;
  tf_texture& add(uint32_t type) {
    tf_texture t{};
    t.type = type;
    t.uscale = t.vscale = 1;
    t.xf[0] = t.xf[5] = t.xf[10] = 1;  // identity texture-from-world
    nodes.push_back(t);
    nodes.back().count = static_cast<uint32_t>(nodes.size());
    return nodes.back();
  }
  tf_texture& constant(float r, float g, float b) {
    tf_texture& t = add(TF_TEX_CONSTANT);
    t.r = r, t.g = g, t.b = b;
    t.count = 1;
    return t;
  }
  tf_vec3 eval(tf_vec3 p, tf_vec3 n = v3(0, 0, 1), float u = 0, float v = 0) const {
    tf_scene_view view{};
    view.textures = nodes.data();
    view.texels = texels.data();
    tf_tex_ctx c{p, n, u, v};
    return tf_texture_graph_eval(&view, static_cast<tf_i32>(nodes.size() - 1), &c);
  }
  tf_vec3 eval_uv(float u, float v) const { return eval(v3(0, 0, 0), v3(0, 0, 1), u, v); }
};

TEST(TextureGraph, MixIsALerpByItsAmountTexture) {
  Graph g;
  g.constant(0.2f, 0.4f, 0.6f);
  g.constant(1.0f, 0.5f, 0.0f);
  g.constant(0.25f, 0.25f, 0.25f);  // float amount
  g.add(TF_TEX_MIX);
  tf_vec3 r = g.eval_uv(0, 0);
  EXPECT_FLOAT_EQ(r.x, 0.75f * 0.2f + 0.25f * 1.0f);
  EXPECT_FLOAT_EQ(r.y, 0.75f * 0.4f + 0.25f * 0.5f);
  EXPECT_FLOAT_EQ(r.z, 0.75f * 0.6f);
}

TEST(TextureGraph, ScaleMultipliesAndAZeroScaleGivesZero) {
  Graph g;
  g.constant(0.5f, 2.0f, 4.0f);
  g.constant(3.0f, 3.0f, 3.0f);
  g.add(TF_TEX_SCALE);
  tf_vec3 r = g.eval_uv(0, 0);
  EXPECT_FLOAT_EQ(r.x, 1.5f);
  EXPECT_FLOAT_EQ(r.z, 12.0f);
  g.nodes[1].r = 0;
  EXPECT_EQ(g.eval_uv(0, 0).y, 0.0f);
}

// mix(scale(a, k), checkerboard(c1, c2), amount) with a checkerboard amount: three levels.
TEST(TextureGraph, NestedProgramsEvaluateInPostOrder) {
  Graph g;
  g.constant(0.5f, 0.5f, 0.5f);
  g.constant(0.5f, 0.5f, 0.5f);
  g.add(TF_TEX_SCALE);                         // 0.25
  tf_texture& c = g.add(TF_TEX_CHECKERBOARD);  // 0.1 / 0.9 in uv
  c.r = c.g = c.b = 0.1f;
  c.r2 = c.g2 = c.b2 = 0.9f;
  c.count = 1;
  tf_texture& amt = g.add(TF_TEX_BILERP);  // amount = u along v = 0
  amt.r2 = amt.g2 = amt.b2 = 1;
  amt.count = 1;
  g.add(TF_TEX_MIX);
  for (float u : {0.25f, 0.5f}) {
    for (float v : {0.0f, 0.5f}) {
      float checker =
          (static_cast<int>(std::floor(u)) + static_cast<int>(std::floor(v))) % 2 ? 0.9f : 0.1f;
      float a = u * (1 - v);
      EXPECT_FLOAT_EQ(g.eval_uv(u, v).x, (1 - a) * 0.25f + a * checker) << u << " " << v;
    }
  }
  for (float u : {1.25f, 1.5f}) EXPECT_NEAR(g.eval_uv(u, 0.0f).x, (1 - u) * 0.25f + u * 0.9f, 1e-6);
}

TEST(TextureGraph, DirectionMixWeighsByTheNormalAgainstItsDirection) {
  Graph g;
  g.constant(1, 1, 1);
  g.constant(0, 0, 0);
  tf_texture& d = g.add(TF_TEX_DIRECTIONMIX);
  d.dir[0] = 0, d.dir[1] = 1, d.dir[2] = 0;
  const float c = std::sqrt(0.5f);
  EXPECT_FLOAT_EQ(g.eval(v3(0, 0, 0), v3(0, 1, 0)).x, 1.0f);
  EXPECT_FLOAT_EQ(g.eval(v3(0, 0, 0), v3(0, -1, 0)).x, 1.0f);
  EXPECT_FLOAT_EQ(g.eval(v3(0, 0, 0), v3(1, 0, 0)).x, 0.0f);
  EXPECT_NEAR(g.eval(v3(0, 0, 0), v3(c, c, 0)).x, c, 1e-6);
}

TEST(TextureGraph, BilerpHitsItsCornersAndAveragesAtTheCentre) {
  Graph g;
  tf_texture& b = g.add(TF_TEX_BILERP);
  b.r = 1, b.r2 = 2, b.c3[0] = 3, b.c4[0] = 4;  // v00, v10, v01, v11
  EXPECT_FLOAT_EQ(g.eval_uv(0, 0).x, 1);
  EXPECT_FLOAT_EQ(g.eval_uv(1, 0).x, 2);
  EXPECT_FLOAT_EQ(g.eval_uv(0, 1).x, 3);
  EXPECT_FLOAT_EQ(g.eval_uv(1, 1).x, 4);
  EXPECT_FLOAT_EQ(g.eval_uv(0.5f, 0.5f).x, 2.5f);
  EXPECT_FLOAT_EQ(g.eval_uv(0.25f, 0.0f).x, 1.25f);
}

TEST(TextureGraph, ThreeDimensionalCheckerboardAlternatesByCellParity) {
  Graph g;
  tf_texture& c = g.add(TF_TEX_CHECKERBOARD);
  c.mapping = TF_MAP_POINT3D;
  c.r = 1;
  c.r2 = 0;
  c.xf[3] = 0.5f;  // texture space = world + (0.5, 0, 0)
  for (float x : {-1.7f, -0.2f, 0.3f, 0.7f, 2.2f}) {
    for (float z : {-0.5f, 0.5f, 1.5f}) {
      int sum = static_cast<int>(std::floor(x + 0.5f)) + static_cast<int>(std::floor(0.25f)) +
                static_cast<int>(std::floor(z));
      EXPECT_EQ(g.eval(v3(x, 0.25f, z)).x, (sum & 1) == 0 ? 1.0f : 0.0f) << x << " " << z;
    }
  }
}

TEST(TextureGraph, ImageInvertIsOneMinusTheValueClampedAtZero) {
  Graph g;
  g.texels = {0.25f, 0.5f, 2.0f};  // one texel
  tf_texture& t = g.add(TF_TEX_IMAGE);
  t.width = t.height = 1;
  t.r = t.g = t.b = 1;
  t.invert = 1;
  tf_vec3 r = g.eval_uv(0.3f, 0.6f);
  EXPECT_FLOAT_EQ(r.x, 0.75f);
  EXPECT_FLOAT_EQ(r.y, 0.5f);
  EXPECT_EQ(r.z, 0.0f);
}

TEST(TextureNoise, MatchesPbrtsNoiseAndIsZeroOnTheLattice) {
  for (int i = 0; i < 400; ++i) {
    float x = -7.3f + 0.0371f * i, y = 3.1f - 0.0213f * i, z = 0.017f * i * i / 40.0f;
    EXPECT_NEAR(tf_noise(x, y, z), noise(x, y, z), 2e-6) << x << " " << y << " " << z;
    EXPECT_EQ(tf_noise(std::floor(x), std::floor(y), std::floor(z)), 0.0f);
  }
}

TEST(TextureNoise, FbmWrinkledWindyAndMarbleMatchTheHostFormulas) {
  Graph fbm, wrinkled, windy, marble;
  tf_texture& f = fbm.add(TF_TEX_FBM);
  f.mapping = TF_MAP_POINT3D, f.omega = 0.6f, f.octaves = 5;
  f.xf[0] = 2;  // texture x = 2 world x
  tf_texture& w = wrinkled.add(TF_TEX_WRINKLED);
  w.mapping = TF_MAP_POINT3D, w.omega = 0.5f, w.octaves = 8;
  windy.add(TF_TEX_WINDY).mapping = TF_MAP_POINT3D;
  tf_texture& m = marble.add(TF_TEX_MARBLE);
  m.mapping = TF_MAP_POINT3D, m.omega = 0.5f, m.octaves = 8, m.noise_scale = 2.5f;
  m.variation = 0.2f;
  const double colors[9][3] = {{.58, .58, .6}, {.58, .58, .6}, {.58, .58, .6},
                               {.5, .5, .5},   {.6, .59, .58}, {.58, .58, .6},
                               {.58, .58, .6}, {.2, .2, .33},  {.58, .58, .6}};
  for (int i = 0; i < 100; ++i) {
    double x = 0.113 * i - 4, y = std::sin(0.3 * i) * 3, z = 0.05 * i;
    tf_vec3 p = v3(static_cast<float>(x), static_cast<float>(y), static_cast<float>(z));
    x = p.x, y = p.y, z = p.z;
    EXPECT_NEAR(fbm.eval(p).x, octaves_sum(2 * x, y, z, 0.6, 5, false), 1e-5);
    EXPECT_NEAR(wrinkled.eval(p).y, octaves_sum(x, y, z, 0.5, 8, true), 1e-5);
    double wind = std::abs(octaves_sum(0.1 * x, 0.1 * y, 0.1 * z, 0.5, 3, false));
    EXPECT_NEAR(windy.eval(p).z, wind * octaves_sum(x, y, z, 0.5, 6, false), 1e-5);
    // Marble: t = 1/2 + sin(y' + variation * FBm(p')) / 2 on a cubic Bezier through colors.
    double sx = 2.5 * x, sy = 2.5 * y, sz = 2.5 * z;
    double t = 0.5 + 0.5 * std::sin(sy + 0.2 * octaves_sum(sx, sy, sz, 0.5, 8, false));
    int first = std::min(static_cast<int>(std::floor(t * 6)), 5);
    t = t * 6 - first;
    for (int c = 0; c < 3; ++c) {
      double b = 0;  // Bernstein form of the cubic Bezier
      for (int k = 0; k < 4; ++k) {
        double binom = k == 0 || k == 3 ? 1 : 3;
        b += binom * std::pow(1 - t, 3 - k) * std::pow(t, k) * colors[first + k][c];
      }
      EXPECT_NEAR(v3_axis(marble.eval(p), c), 1.5 * b, 2e-5) << i;
    }
  }
}

TEST(TextureNoise, DotsAreWhereThePolkaDotNoiseSaysSo) {
  Graph g;
  tf_texture& d = g.add(TF_TEX_DOTS);
  d.r = 1;  // inside
  d.r2 = 0;
  int inside = 0, checked = 0;
  for (int i = 0; i < 60; ++i) {
    for (int j = 0; j < 60; ++j) {
      double s = -3 + 0.1037 * i, t = -2 + 0.0973 * j;
      float fs = static_cast<float>(s), ft = static_cast<float>(t);
      s = fs, t = ft;
      double sc = std::floor(s + 0.5), tc = std::floor(t + 0.5);
      double gate = noise(sc + 0.5, tc + 0.5, 0.5);
      double s0 = sc + 0.15 * noise(sc + 1.5, tc + 2.8, 0.5);
      double t0 = tc + 0.15 * noise(sc + 4.5, tc + 9.8, 0.5);
      double d2 = (s - s0) * (s - s0) + (t - t0) * (t - t0);
      if (std::abs(gate) < 1e-5 || std::abs(d2 - 0.35 * 0.35) < 1e-5) continue;  // rounding
      bool in = gate > 0 && d2 < 0.35 * 0.35;
      EXPECT_EQ(g.eval_uv(fs, ft).x, in ? 1.0f : 0.0f) << s << " " << t;
      inside += in;
      ++checked;
    }
  }
  EXPECT_GT(inside, checked / 10);  // dots exist
  EXPECT_LT(inside, checked / 2);
}

// A point at polar angle theta and azimuth phi about the texture-space origin maps to
// (theta / pi, phi / 2pi) spherically; cylindrically to ((pi + atan2(y, x)) / 2pi, z).
TEST(TextureMapping, SphericalCylindricalAndPlanarGiveTheDocumentedCoordinates) {
  Graph g;
  tf_texture& b = g.add(TF_TEX_BILERP);  // value = s along t = 0
  b.r2 = b.g2 = b.b2 = 1;
  b.xf[3] = -1, b.xf[7] = -2, b.xf[11] = -3;  // texture space origin at world (1, 2, 3)
  const double r = 2.5;
  for (double theta : {0.3, 1.0, 1.9, 2.8}) {
    for (double phi : {0.2, 1.7, 3.5, 5.9}) {
      tf_vec3 p = v3(static_cast<float>(1 + r * std::sin(theta) * std::cos(phi)),
                     static_cast<float>(2 + r * std::sin(theta) * std::sin(phi)),
                     static_cast<float>(3 + r * std::cos(theta)));
      float ss, tt;
      tf_tex_ctx c{p, v3(0, 0, 1), 0, 0};
      g.nodes[0].mapping = TF_MAP_SPHERICAL;
      tf_tex_st(&g.nodes[0], &c, &ss, &tt);
      EXPECT_NEAR(ss, theta / kPi, 2e-6);
      EXPECT_NEAR(tt, phi / (2 * kPi), 2e-6);
      g.nodes[0].mapping = TF_MAP_CYLINDRICAL;
      tf_tex_st(&g.nodes[0], &c, &ss, &tt);
      double az = std::atan2(std::sin(phi), std::cos(phi));
      EXPECT_NEAR(ss, (kPi + az) / (2 * kPi), 2e-6);
      EXPECT_NEAR(tt, r * std::cos(theta), 2e-6);
    }
  }
  g.nodes[0].mapping = TF_MAP_PLANAR;
  g.nodes[0].vs[0] = 1, g.nodes[0].vs[1] = 1;  // s = udelta + (x - 1) + (y - 2)
  g.nodes[0].vt[2] = 2;                        // t = vdelta + 2 (z - 3)
  g.nodes[0].udelta = 0.5f, g.nodes[0].vdelta = -1;
  tf_tex_ctx c{v3(1.25f, 2.0f, 3.5f), v3(0, 0, 1), 0, 0};
  float ss, tt;
  tf_tex_st(&g.nodes[0], &c, &ss, &tt);
  EXPECT_FLOAT_EQ(ss, 0.75f);
  EXPECT_FLOAT_EQ(tt, 0.0f);
}

}  // namespace
}  // namespace tf::test
