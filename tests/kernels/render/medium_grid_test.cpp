// Heterogeneous media (medium_grid.h, medium_tracking.h) against independent truth: the grid
// lookup reproduces linear functions exactly and halves at the box (pbrt's cell-centred
// SampledGrid); ratio and delta tracking through a constant grid give Beer-Lambert, and
// through a linear density ramp in a transformed medium the analytic optical depth
// (statistically, tolerances from the sample variance); delta tracking's scattered fraction
// is the closed form; the cloud density has the limits of pbrt's formula; a non-absorbing grid
// in a white furnace is invisible; a constant grid renders as the homogeneous medium it
// equals (a second implementation); finalize_kernel_scene's majorant and checks.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <vector>

#include "kernels/render/medium_tracking.h"
#include "tests/kernels/render/scene_builder.h"

namespace tf::test {
namespace {

using Rgb3 = std::array<float, 3>;

// A 3x4 medium_from_world matrix: q = scale * p + offset.
struct Affine {
  float scale = 1;
  Rgb3 offset{0, 0, 0};
};

tf_medium heterogeneous(uint32_t kind, Rgb3 sigma_a, Rgb3 sigma_s, Rgb3 p0, Rgb3 p1,
                        Affine xf = {}) {
  tf_medium m{};
  m.kind = kind;
  m.sigma_a_r = sigma_a[0], m.sigma_a_g = sigma_a[1], m.sigma_a_b = sigma_a[2];
  m.sigma_s_r = sigma_s[0], m.sigma_s_g = sigma_s[1], m.sigma_s_b = sigma_s[2];
  for (int r = 0; r < 3; ++r) {
    m.medium_from_world[4 * r + r] = xf.scale;
    m.medium_from_world[4 * r + 3] = xf.offset[r];
    m.p0[r] = p0[r];
    m.p1[r] = p1[r];
  }
  return m;
}

// Adds a grid medium whose sample (i, j, k) is f(centre of cell (i, j, k)) in medium space.
uint32_t add_grid(KernelScene* s, tf_medium m, uint32_t nx, uint32_t ny, uint32_t nz,
                  const std::function<float(float, float, float)>& f) {
  m.nx = nx, m.ny = ny, m.nz = nz;
  m.offset = static_cast<uint32_t>(s->densities.size());
  const uint32_t n[3] = {nx, ny, nz};
  auto centre = [&](int axis, uint32_t i) {
    return m.p0[axis] +
           (static_cast<float>(i) + 0.5f) / static_cast<float>(n[axis]) * (m.p1[axis] - m.p0[axis]);
  };
  for (uint32_t k = 0; k < nz; ++k) {
    for (uint32_t j = 0; j < ny; ++j) {
      for (uint32_t i = 0; i < nx; ++i)
        s->densities.push_back(f(centre(0, i), centre(1, j), centre(2, k)));
    }
  }
  s->media.push_back(m);
  return static_cast<uint32_t>(s->media.size());
}

// A scene holding only media (and a film, which finalize requires), finalized.
void finalize_media_only(KernelScene* s) {
  s->camera = make_camera({0, 0, 0}, {0, 0, 1}, {0, 1, 0}, 1, 1, 1.0f);
  Status st = finalize_kernel_scene(s);
  ASSERT_TRUE(st.is_ok()) << st.message();
}

tf_track_rng rng_for(uint32_t i) {
  tf_track_rng g;
  g.frame = 7, g.px = i, g.py = 3, g.sample = 11, g.next = 0;
  return g;
}

struct Mean {
  std::array<double, 3> sum{}, sum2{};
  double n = 0;
  void add(tf_vec3 v) {
    const double x[3] = {v.x, v.y, v.z};
    for (int c = 0; c < 3; ++c) sum[c] += x[c], sum2[c] += x[c] * x[c];
    n += 1;
  }
  double mean(int c) const { return sum[c] / n; }
  double stderr_(int c) const {
    const double m = mean(c);
    return std::sqrt(std::max(sum2[c] / n - m * m, 0.0) / n);
  }
};

// Expects the sample mean of each channel within 5 standard errors of truth[c] (and the
// standard error small enough for that to mean something).
void expect_estimates(const Mean& m, const std::array<double, 3>& truth, const char* what) {
  for (int c = 0; c < 3; ++c) {
    EXPECT_LT(m.stderr_(c), 0.01 * truth[c] + 1e-3) << what << ": too noisy, channel " << c;
    EXPECT_NEAR(m.mean(c), truth[c], 5.0 * m.stderr_(c) + 1e-6) << what << ", channel " << c;
  }
}

// Ratio tracking's transmittance and delta tracking's passing weight (beta / mean(r), zero
// when the path scattered or was absorbed) along o + t d, t in (0, length), in medium 1.
struct Estimates {
  Mean ratio, delta_pass, delta_scatter;
};
Estimates track(const KernelScene& s, tf_vec3 o, tf_vec3 d, float length, uint32_t n) {
  tf_scene_view view = make_host_scene_view(s);
  Estimates e;
  for (uint32_t i = 0; i < n; ++i) {
    tf_track_rng g = rng_for(i);
    e.ratio.add(tf_medium_transmittance_tracked(&view, view.media, o, d, length, &g));
    tf_vec3 beta = v3s(1.0f), r = v3s(1.0f), le = v3s(0.0f);
    float t;
    const int hero = static_cast<int>(i % 3);
    const int scattered =
        tf_medium_sample_tracked(&view, view.media, o, d, length, hero, &g, &t, &beta, &r, 0,
                                 &le);
    const tf_vec3 w = tf_mis_beta(beta, r);
    e.delta_pass.add(scattered ? v3s(0.0f) : w);
    e.delta_scatter.add(scattered ? w : v3s(0.0f));
  }
  return e;
}

TEST(GridMedium, LookupIsExactForLinearFunctionsAndHalvesAtTheBox) {
  KernelScene s;
  auto f = [](float x, float y, float z) { return 1.0f + 0.5f * x + 0.25f * y + 2.0f * z; };
  add_grid(&s, heterogeneous(TF_MEDIUM_GRID, {1, 1, 1}, {1, 1, 1}, {-1, 0, 2}, {3, 2, 3}), 4, 5, 3,
           f);
  finalize_media_only(&s);
  tf_scene_view view = make_host_scene_view(s);
  // Inside the hull of the cell centres, trilinear interpolation of a linear function is exact.
  for (uint32_t i = 0; i < 200; ++i) {
    tf_track_rng g = rng_for(i);
    const float x = -0.5f + 3.0f * tf_track_rand(&g);
    const float y = 0.2f + 1.6f * tf_track_rand(&g);
    const float z = 2.0f + 1.0f / 6.0f + (2.0f / 3.0f) * tf_track_rand(&g);
    EXPECT_NEAR(tf_grid_density(&view, view.media, v3(x, y, z)), f(x, y, z), 2e-5f * f(x, y, z));
  }
  // At a face the outer half cell interpolates towards zero (samples outside read zero).
  const float face = tf_grid_density(&view, view.media, v3(1.5f, 1.0f, 3.0f));
  const float inner = tf_grid_density(&view, view.media, v3(1.5f, 1.0f, 3.0f - 1.0f / 6.0f));
  EXPECT_NEAR(face, 0.5f * inner, 1e-5f * inner);
  EXPECT_EQ(tf_grid_density(&view, view.media, v3(3.6f, 1.0f, 2.5f)), 0.0f);
  EXPECT_EQ(tf_grid_density(&view, view.media, v3(1.0f, -0.3f, 2.5f)), 0.0f);
}

TEST(GridMedium, TrackingThroughAConstantGridIsBeerLambert) {
  // Constant density 1.5 well inside a large box (no fading on the path).
  KernelScene s;
  const Rgb3 sigma_a{0.1f, 0.3f, 0.05f}, sigma_s{0.2f, 0.3f, 0.9f};
  add_grid(&s, heterogeneous(TF_MEDIUM_GRID, sigma_a, sigma_s, {-9, -9, -9}, {9, 9, 9}), 3, 3, 3,
           [](float, float, float) { return 1.5f; });
  finalize_media_only(&s);
  const float length = 2.0f;
  Estimates e = track(s, v3(0.1f, -0.2f, 0.3f), v3_normalize(v3(0.3f, 0.5f, -0.8f)), length, 40000);
  std::array<double, 3> t{}, scattered{};
  for (int c = 0; c < 3; ++c) {
    const double sigma_t = 1.5 * (sigma_a[c] + sigma_s[c]);
    t[c] = std::exp(-sigma_t * length);
    // The density of the first real scattering is sigma_s T(t): its integral over the segment.
    scattered[c] = 1.5 * sigma_s[c] / sigma_t * (1.0 - t[c]);
  }
  expect_estimates(e.ratio, t, "ratio tracking");
  expect_estimates(e.delta_pass, t, "delta tracking, passing");
  expect_estimates(e.delta_scatter, scattered, "delta tracking, scattering");
}

TEST(GridMedium, TrackingThroughARampMatchesTheOpticalDepthIntegral) {
  // Density 0.2 + 0.4 z in medium space, which is world space scaled by 1/2 and moved; a
  // slanted segment between the first and last sample planes, where trilinear interpolation
  // of the ramp is exact: optical depth = sigma_t * world length * mean density (linear).
  KernelScene s;
  const Rgb3 sigma_a{0.05f, 0.1f, 0.2f}, sigma_s{0.15f, 0.1f, 0.4f};
  const Affine xf{0.5f, {1.0f, 0.0f, -1.5f}};
  auto ramp = [](float, float, float z) { return 0.2f + 0.4f * z; };
  add_grid(&s, heterogeneous(TF_MEDIUM_GRID, sigma_a, sigma_s, {0, 0, 0}, {3, 3, 5}, xf), 3, 3, 5,
           ramp);
  finalize_media_only(&s);
  const std::array<float, 3> qa{1.2f, 1.5f, 0.6f}, qb{1.8f, 1.5f, 4.4f};
  auto world = [&](const std::array<float, 3>& q) {
    return v3((q[0] - xf.offset[0]) / xf.scale, (q[1] - xf.offset[1]) / xf.scale,
              (q[2] - xf.offset[2]) / xf.scale);
  };
  const tf_vec3 a = world(qa), b = world(qb);
  const float length = v3_length(v3_sub(b, a));
  const double mean_density = 0.5 * (ramp(0, 0, qa[2]) + ramp(0, 0, qb[2]));
  Estimates e = track(s, a, v3_normalize(v3_sub(b, a)), length, 40000);
  std::array<double, 3> t{};
  for (int c = 0; c < 3; ++c) t[c] = std::exp(-(sigma_a[c] + sigma_s[c]) * mean_density * length);
  expect_estimates(e.ratio, t, "ratio tracking");
  expect_estimates(e.delta_pass, t, "delta tracking");
}

TEST(CloudMedium, DensityHasTheLimitsOfPbrtsFormula) {
  // pbrt's CloudMedium::Density adds 2 max(0, 1/2 - y) and clamps to [0, 1], after a noise
  // term scaled by (1 - y): 1 at and below y = 0, 0 at y = 1, in [0, 1] everywhere.
  tf_medium m = heterogeneous(TF_MEDIUM_CLOUD, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {1, 1, 1});
  m.density = 2.0f, m.wispiness = 1.0f, m.frequency = 5.0f;
  double lo = 1, hi = 0;
  for (uint32_t i = 0; i < 400; ++i) {
    tf_track_rng g = rng_for(i);
    const float x = tf_track_rand(&g), z = tf_track_rand(&g), y = 0.5f + tf_track_rand(&g);
    EXPECT_EQ(tf_cloud_density(&m, v3(x, -0.01f * static_cast<float>(i % 7), z)), 1.0f);
    EXPECT_EQ(tf_cloud_density(&m, v3(x, 1.0f, z)), 0.0f);
    const float d = tf_cloud_density(&m, v3(x, y, z));
    EXPECT_GE(d, 0.0f);
    EXPECT_LE(d, 1.0f);
    lo = std::min(lo, static_cast<double>(d)), hi = std::max(hi, static_cast<double>(d));
  }
  EXPECT_LT(lo, 0.05) << "the noise should leave gaps";
  EXPECT_GT(hi, 0.5) << "and dense parts";
}

// A unit sphere bounded by an interface holding `medium`, seen from z = -5 against a uniform
// environment of radiance 1 (and a point light when point > 0).
KernelScene sphere_scene(KernelScene s, uint32_t medium, uint32_t width, float point = 0.0f) {
  s.camera = make_camera({0, 0, -5}, {0, 0, 1}, {0, 1, 0}, width, width, 0.1f);
  add_sphere(&s, {0, 0, 0}, 1.0f, add_material(&s, diffuse(0.5f)));
  s.spheres[0].flags = TF_PRIM_NO_SURFACE | TF_PRIM_MEDIA(medium, 0);
  add_env_uniform(&s, 1.0f);
  if (point > 0.0f) add_point_light(&s, {2, 2, -2}, point);
  return s;
}

TEST(GridMedium, NonAbsorbingGridInWhiteFurnaceIsInvisible) {
  // Densities from 0 to 3 in a box that cuts through the sphere, albedo 1, different
  // extinctions per channel: every path leaves, so the radiance is the environment's.
  KernelScene s;
  const uint32_t medium = add_grid(
      &s,
      heterogeneous(TF_MEDIUM_GRID, {0, 0, 0}, {1.0f, 2.0f, 4.0f}, {-1, -1, -0.5f}, {1, 0.8f, 1}),
      5, 4, 3, [](float x, float y, float z) { return 1.5f + 1.5f * std::sin(3 * x + 2 * y - z); });
  s.media[0].g = 0.3f;
  KernelScene furnace = sphere_scene(std::move(s), medium, 24);
  std::vector<float> rgb = render_mean(&furnace, 16, 1000, 16);
  for (int c = 0; c < 3; ++c) {
    Stat st = pixel_stat(rgb, c);
    EXPECT_LT(st.stderr_, 0.004) << "too noisy to be a meaningful check";
    EXPECT_NEAR(st.mean, 1.0, 5.0 * st.stderr_) << "channel " << c;
  }
}

TEST(GridMedium, ConstantGridRendersAsTheHomogeneousMedium) {
  // The same coefficients as a homogeneous medium and as a grid of constant density 2 (its
  // box reaching well beyond the sphere, so no fading inside), lit by the environment and a
  // point light: the images agree within their noise.
  const Rgb3 sigma_a{0.3f, 0.1f, 0.05f}, sigma_s{0.5f, 1.0f, 1.5f};
  KernelScene h;
  tf_medium hm{};
  hm.sigma_a_r = 2 * sigma_a[0], hm.sigma_a_g = 2 * sigma_a[1], hm.sigma_a_b = 2 * sigma_a[2];
  hm.sigma_s_r = 2 * sigma_s[0], hm.sigma_s_g = 2 * sigma_s[1], hm.sigma_s_b = 2 * sigma_s[2];
  hm.g = 0.4f;
  h.media.push_back(hm);
  KernelScene g;
  add_grid(&g, heterogeneous(TF_MEDIUM_GRID, sigma_a, sigma_s, {-3, -3, -3}, {3, 3, 3}), 3, 3, 3,
           [](float, float, float) { return 2.0f; });
  g.media[0].g = 0.4f;
  KernelScene hs = sphere_scene(std::move(h), 1, 16, 20.0f);
  KernelScene gs = sphere_scene(std::move(g), 1, 16, 20.0f);
  std::vector<float> a = render_mean(&hs, 64, 50, 4);
  std::vector<float> b = render_mean(&gs, 64, 50, 4);
  // Pixel-to-pixel variation includes the image's own structure, the same in both: compare
  // pixel by pixel, against the spread of the differences.
  std::vector<float> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  for (int c = 0; c < 3; ++c) {
    const Stat sa = pixel_stat(a, c), sd = pixel_stat(d, c);
    EXPECT_GT(sa.mean, 0.05);
    EXPECT_LT(sd.stderr_, 0.02 * sa.mean) << "too noisy to be a meaningful check";
    EXPECT_NEAR(sd.mean, 0.0, 5.0 * sd.stderr_) << "channel " << c;
  }
}

TEST(GridMedium, FinalizeSetsTheMajorantAndRejectsBadGrids) {
  KernelScene s;
  add_grid(&s, heterogeneous(TF_MEDIUM_GRID, {0.5f, 1, 0}, {1, 0.25f, 3}, {0, 0, 0}, {1, 1, 1}), 2,
           1, 1, [](float x, float, float) { return x < 0.5f ? 0.5f : 2.0f; });
  tf_medium cloud = heterogeneous(TF_MEDIUM_CLOUD, {0.1f, 0, 0}, {1, 2, 1}, {0, 0, 0}, {1, 1, 1});
  s.media.push_back(cloud);
  finalize_media_only(&s);
  EXPECT_EQ(s.media[0].majorant, 2.0f * 3.0f);  // largest sample x largest sigma_t
  EXPECT_EQ(s.media[1].majorant, 2.0f);         // cloud densities are at most 1

  KernelScene outside = s;
  outside.media[0].offset = 1;  // two samples from offset 1 leave the array
  EXPECT_FALSE(finalize_kernel_scene(&outside).is_ok());
  KernelScene negative = s;
  negative.densities[1] = -1.0f;
  EXPECT_FALSE(finalize_kernel_scene(&negative).is_ok());
  KernelScene flat = s;
  flat.media[1].p1[2] = 0.0f;
  EXPECT_FALSE(finalize_kernel_scene(&flat).is_ok());
  KernelScene unknown = s;
  unknown.media[1].kind = 9u;
  EXPECT_FALSE(finalize_kernel_scene(&unknown).is_ok());
}

}  // namespace
}  // namespace tf::test
