// Emissive media (medium_emission.h) against independent truth: a camera ray through an
// absorbing emissive slab in front of a black wall sees Le (1 - exp(-sigma_a d)) (the radiative
// transfer equation's solution, here integrated exactly by the kernel), the same slab as a
// constant grid with a constant Lescale grid gives it statistically through delta tracking's
// collisions, and a scattering emissive medium that fills space sees the truncated series
// Le (1 - albedo^maxdepth) in every channel (each of the maxdepth free flights a path makes
// while it may still gather light collects Le (1 - albedo) of its throughput, which scattering
// multiplies by the albedo), for homogeneous and grid media alike; media without the flag
// emit nothing.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

using Rgb3 = std::array<float, 3>;

tf_medium medium(uint32_t kind, Rgb3 sigma_a, Rgb3 sigma_s, Rgb3 le) {
  tf_medium m{};
  m.kind = kind;
  m.sigma_a_r = sigma_a[0], m.sigma_a_g = sigma_a[1], m.sigma_a_b = sigma_a[2];
  m.sigma_s_r = sigma_s[0], m.sigma_s_g = sigma_s[1], m.sigma_s_b = sigma_s[2];
  m.emissive = 1u;
  for (int c = 0; c < 3; ++c) m.le[c] = le[c];
  m.medium_from_world[0] = m.medium_from_world[5] = m.medium_from_world[10] = 1.0f;
  return m;
}

// Makes m a grid of n samples per axis of constant `density` over the box lo .. hi, with a
// constant Lescale grid of `le_scale` (the same shape).
void make_constant_grid(KernelScene* s, tf_medium* m, float density, float le_scale, Rgb3 lo,
                        Rgb3 hi, uint32_t n) {
  m->kind = TF_MEDIUM_GRID;
  for (int a = 0; a < 3; ++a) m->p0[a] = lo[a], m->p1[a] = hi[a];
  m->nx = m->ny = m->nz = n;
  m->offset = static_cast<uint32_t>(s->densities.size());
  s->densities.insert(s->densities.end(), n * n * n, density);
  m->lescale_n[0] = m->lescale_n[1] = m->lescale_n[2] = n;
  m->lescale_offset = static_cast<uint32_t>(s->densities.size());
  s->densities.insert(s->densities.end(), n * n * n, le_scale);
}

// The camera at the origin inside medium 1 looking along +z through a tiny field of view
// (rays within 1.5e-3 rad of the axis), a black wall at z = d, no lights.
KernelScene slab_scene(tf_medium m, std::vector<float> densities, float d) {
  KernelScene s;
  s.densities = std::move(densities);
  s.media.push_back(m);
  s.header.camera_medium = 1;
  s.camera = make_camera({0, 0, 0}, {0, 0, 1}, {0, 1, 0}, 24, 24, 1e-3f);
  add_quad(&s, {-1, -1, d}, {0, 2, 0}, {2, 0, 0}, add_material(&s, diffuse(0.0f)));
  return s;
}

void expect_pixels(const std::vector<float>& rgb, const std::array<double, 3>& truth,
                   double max_rel_stderr, const char* what) {
  for (int c = 0; c < 3; ++c) {
    const Stat st = pixel_stat(rgb, c);
    EXPECT_LE(st.stderr_, max_rel_stderr * truth[c] + 1e-7) << what << ": too noisy, channel " << c;
    EXPECT_NEAR(st.mean, truth[c], 5.0 * st.stderr_ + 2e-6 * truth[c] + 1e-7)
        << what << ", channel " << c;
  }
}

TEST(MediumEmission, AbsorbingSlabGlowsAsTheTransferEquationSays) {
  const Rgb3 sigma_a{0.4f, 1.2f, 0.0f}, le{2.0f, 0.5f, 3.0f};
  const float d = 1.5f;
  KernelScene s = slab_scene(medium(TF_MEDIUM_HOMOGENEOUS, sigma_a, {0, 0, 0}, le), {}, d);
  std::vector<float> rgb = render_mean(&s, 4, 5);
  std::array<double, 3> truth{};
  for (int c = 0; c < 3; ++c) truth[c] = le[c] * (1.0 - std::exp(-double(sigma_a[c]) * d));
  EXPECT_EQ(truth[2], 0.0);  // no absorption, no emission
  expect_pixels(rgb, truth, 1e-6, "homogeneous slab");
  // Without the flag the same medium emits nothing.
  KernelScene dark = slab_scene(medium(TF_MEDIUM_HOMOGENEOUS, sigma_a, {0, 0, 0}, le), {}, d);
  dark.media[0].emissive = 0u;
  for (float v : render_mean(&dark, 4, 5)) EXPECT_EQ(v, 0.0f);
}

TEST(MediumEmission, ConstantGridSlabGivesTheSameEmissionByTracking) {
  // Density 2 and Lescale 0.5 on an 8^3 grid over [-1, 1]^2 x [-1, 3]: constant (no fading
  // towards the box) wherever the ray goes, z in (0, 1.5).
  const Rgb3 sigma_a{0.2f, 0.6f, 0.05f}, le{2.0f, 0.5f, 3.0f};
  const float d = 1.5f, density = 2.0f, le_scale = 0.5f;
  tf_medium m = medium(TF_MEDIUM_GRID, sigma_a, {0, 0, 0}, le);
  KernelScene grid;
  make_constant_grid(&grid, &m, density, le_scale, {-1, -1, -1}, {1, 1, 3}, 8);
  KernelScene s = slab_scene(m, grid.densities, d);
  std::vector<float> rgb = render_mean(&s, 64, 5, 4);
  std::array<double, 3> truth{};
  for (int c = 0; c < 3; ++c) {
    truth[c] = le_scale * le[c] * (1.0 - std::exp(-double(sigma_a[c]) * density * d));
  }
  expect_pixels(rgb, truth, 0.01, "grid slab");
}

// Medium 1 fills space around the camera; no surfaces, no lights.
KernelScene filled(tf_medium m, std::vector<float> densities = {}) {
  KernelScene s;
  s.densities = std::move(densities);
  s.media.push_back(m);
  s.header.camera_medium = 1;
  s.camera = make_camera({0, 0, 0}, {0, 0, 1}, {0, 1, 0}, 24, 24, 1.0f);
  return s;
}

std::array<double, 3> truncated_series(Rgb3 sigma_a, Rgb3 sigma_s, Rgb3 le, int max_depth) {
  std::array<double, 3> truth{};
  for (int c = 0; c < 3; ++c) {
    const double albedo = double(sigma_s[c]) / (double(sigma_a[c]) + sigma_s[c]);
    truth[c] = le[c] * (1.0 - std::pow(albedo, max_depth));
  }
  return truth;
}

TEST(MediumEmission, ScatteringMediumFillingSpaceSeesTheTruncatedSeries) {
  const Rgb3 sigma_a{0.3f, 1.0f, 0.1f}, sigma_s{0.9f, 1.0f, 2.0f}, le{1.0f, 2.0f, 0.5f};
  for (int max_depth : {1, 4}) {
    tf_medium m = medium(TF_MEDIUM_HOMOGENEOUS, sigma_a, sigma_s, le);
    m.g = 0.5f;
    KernelScene s = filled(m);
    std::vector<float> rgb = render_mean(&s, 64, static_cast<uint32_t>(max_depth), 2);
    expect_pixels(rgb, truncated_series(sigma_a, sigma_s, le, max_depth), 0.01, "homogeneous");
  }
}

TEST(MediumEmission, ScatteringGridFillingTheViewSeesTheTruncatedSeries) {
  // A constant grid (density 1.5, Lescale 1) whose box reaches so far that no path of a
  // few bounces leaves it (escape probability below 1e-9 per channel).
  const Rgb3 sigma_a{0.3f, 1.0f, 0.4f}, sigma_s{0.9f, 1.0f, 2.0f}, le{1.0f, 2.0f, 0.5f};
  const float density = 1.5f;
  tf_medium m = medium(TF_MEDIUM_GRID, sigma_a, sigma_s, le);
  KernelScene grid;
  make_constant_grid(&grid, &m, density, 1.0f, {-200, -200, -200}, {200, 200, 200}, 4);
  KernelScene s = filled(m, grid.densities);
  const int max_depth = 3;
  std::vector<float> rgb = render_mean(&s, 64, max_depth, 2);
  Rgb3 a{}, sc{};
  for (int c = 0; c < 3; ++c) a[c] = density * sigma_a[c], sc[c] = density * sigma_s[c];
  expect_pixels(rgb, truncated_series(a, sc, le, max_depth), 0.01, "grid");
}

}  // namespace
}  // namespace tf::test
