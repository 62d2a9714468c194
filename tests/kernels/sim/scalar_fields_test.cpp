// Scalar-field kernels: heat diffusion against the analytic decay of a Fourier mode,
// Gray-Scott reaction terms against an independent double-precision integration.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "kernels/sim/sim_host.h"
#include "tests/kernels/sim/sim_test_states.h"

namespace tf::sim {
namespace {

using testing::must;

// Amplitude of sin(k x) in the first row of a field.
double sine_amplitude(const std::vector<float>& field, int n, double k) {
  double dot = 0.0, norm = 0.0;
  for (int x = 0; x < n; ++x) {
    dot += field[static_cast<std::size_t>(x)] * std::sin(k * x);
    norm += std::sin(k * x) * std::sin(k * x);
  }
  return dot / norm;
}

TEST(Heat, FourierModeDecaysAtAnalyticRate) {
  // T = sin(kx) on a periodic box decays like exp(-alpha k^2 t); alpha = diffusion number
  // (dx = dt = 1). FTCS is within (k dx)^2 / 12 (0.08 % here) of the analytic rate.
  constexpr int kN = 64, kRows = 4, kSteps = 1500;
  constexpr float kAlpha = 0.2f;
  const double k = 2.0 * std::numbers::pi / kN;
  TileState s = must(make_state(Model::heat, {kN, kRows, 1}, {true, true, false}));
  s.heat.diffusion_number = kAlpha;
  for (int y = 0; y < kRows; ++y) {
    for (int x = 0; x < kN; ++x) {
      s.fields[static_cast<std::size_t>(s.cell_index(x, y))] = static_cast<float>(std::sin(k * x));
    }
  }
  ASSERT_TRUE(run_steps_cpu(s, kSteps));
  const double measured = -std::log(sine_amplitude(s.fields, kN, k)) / kSteps;
  EXPECT_NEAR(measured / (kAlpha * k * k), 1.0, 0.01);
}

TEST(Heat, FixedCellsHoldTheirValueAndInsulatedBoxKeepsItsHeat) {
  TileState s = testing::scalar_box(Model::heat, 20, 12);
  const int fixed = s.cell_index(0, 5);
  const float held = s.fields[static_cast<std::size_t>(fixed)];
  ASSERT_TRUE(run_steps_cpu(s, 50));
  EXPECT_EQ(s.fields[static_cast<std::size_t>(fixed)], held);

  // Without fixed cells, zero-flux walls conserve the total.
  TileState closed = testing::scalar_box(Model::heat, 20, 12);
  for (auto& t : closed.cell_types) {
    if (t == TF_CELL_FIXED) t = TF_CELL_FLUID;
  }
  auto total = [](const TileState& st) {
    double sum = 0.0;
    for (float v : st.fields) sum += v;
    return sum;
  };
  const double before = total(closed);
  ASSERT_TRUE(run_steps_cpu(closed, 200));
  EXPECT_NEAR(total(closed), before, 1e-4 * before);
}

TEST(GrayScott, UniformStateFollowsTheReactionOde) {
  // A uniform state has zero Laplacian: every cell follows du/dt = -uv^2 + F(1-u),
  // dv/dt = uv^2 - (F+k)v. Compare with forward Euler in double precision.
  constexpr int kSteps = 400;
  constexpr tf_gray_scott_params kParams{0.2f, 0.1f, 0.04f, 0.06f, 0.5f};
  TileState s = must(make_state(Model::gray_scott, {8, 8, 1}, {true, true, false}));
  s.gray_scott = kParams;
  const std::size_t n = 64;
  for (std::size_t c = 0; c < n; ++c) {
    s.fields[c] = 0.6f;
    s.fields[n + c] = 0.3f;
  }
  ASSERT_TRUE(run_steps_cpu(s, kSteps));
  double u = 0.6, v = 0.3;
  for (int i = 0; i < kSteps; ++i) {
    const double uvv = u * v * v;
    const double du = -uvv + double{kParams.feed} * (1.0 - u);
    const double dv = uvv - (double{kParams.feed} + double{kParams.kill}) * v;
    u += double{kParams.dt} * du;
    v += double{kParams.dt} * dv;
  }
  for (std::size_t c = 0; c < n; ++c) {
    EXPECT_NEAR(s.fields[c], u, 1e-4);
    EXPECT_NEAR(s.fields[n + c], v, 1e-4);
  }
}

TEST(GrayScott, DiffusionAloneMatchesTheHeatKernel) {
  // With no reaction (F = k = 0, v = 0) u obeys the heat equation with r = Du dt: the two
  // kernels share the Laplacian, so their bytes agree.
  TileState gs = testing::scalar_box(Model::gray_scott, 16, 12);
  gs.gray_scott = {0.2f, 0.1f, 0.0f, 0.0f, 1.0f};
  const std::size_t n = 16 * 12;
  std::fill(gs.fields.begin() + static_cast<std::ptrdiff_t>(n), gs.fields.end(), 0.0f);
  TileState heat = testing::scalar_box(Model::heat, 16, 12);
  heat.heat.diffusion_number = 0.2f;
  std::copy(gs.fields.begin(), gs.fields.begin() + static_cast<std::ptrdiff_t>(n),
            heat.fields.begin());
  ASSERT_TRUE(run_steps_cpu(gs, 30));
  ASSERT_TRUE(run_steps_cpu(heat, 30));
  gs.fields.resize(n);
  EXPECT_TRUE(testing::same_bytes(gs.fields, heat.fields));
}

}  // namespace
}  // namespace tf::sim
